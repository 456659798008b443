"""Interop: a third-party NGSI-LD client (ngsildclient, from PyPI) drives a real dosi."""

from __future__ import annotations

from pathlib import Path

import pytest
from ngsildclient import Client, Entity

from tests.live import live_dosi

pytestmark = pytest.mark.slow


def test_ngsildclient_create_query_update_delete(tmp_path: Path) -> None:
    with live_dosi("serve", tmp_path) as server:
        client = Client(hostname="127.0.0.1", port=server.port)
        try:
            bin_ = Entity("WasteContainer", "Sejong:Bin:0001")
            bin_.prop("fillingLevel", 0.42)
            bin_.gprop("location", (36.48, 127.29))
            client.create(bin_)

            got = client.get(bin_.id)
            assert got.id == "urn:ngsi-ld:WasteContainer:Sejong:Bin:0001"
            assert got["fillingLevel"]["value"] == 0.42

            found = client.query_all(type="WasteContainer", q="fillingLevel>0.4")
            assert [e.id for e in found] == [bin_.id]
            assert client.query_all(type="WasteContainer", q="fillingLevel>0.5") == []
            assert client.count(type="WasteContainer") == 1

            got.prop("fillingLevel", 0.9)
            client.update(got)
            assert client.get(bin_.id)["fillingLevel"]["value"] == 0.9

            assert client.exists(bin_.id)
            client.delete(bin_)
            assert not client.exists(bin_.id)
        finally:
            client.close()
