"""HTTP tests of /jsonldContexts (@context management), both stores."""

from __future__ import annotations

import httpx

from dosi.api.media import link_header
from tests.api.conftest import assert_problem


async def test_hosted_context_lifecycle(client: httpx.AsyncClient) -> None:
    context = {
        "@context": {"Bin": "https://example.org/city#Bin", "fill": "https://example.org/city#fill"}
    }
    added = await client.post(
        "/jsonldContexts", json=context, headers={"Content-Type": "application/json"}
    )
    assert added.status_code == 201, added.text
    url = added.headers["location"]
    assert "/jsonldContexts/" in url
    listed = (await client.get("/jsonldContexts")).json()
    assert url in listed
    context_id = url.rsplit("/jsonldContexts/", 1)[1]
    served = await client.get(f"/jsonldContexts/{context_id}")
    assert served.status_code == 200
    assert served.json()["@context"]["Bin"] == "https://example.org/city#Bin"

    entity = {"id": "urn:ngsi-ld:Bin:1", "type": "Bin", "fill": {"type": "Property", "value": 1}}
    headers = {"Content-Type": "application/json", "Link": link_header(url)}
    created = await client.post("/entities", json=entity, headers=headers)
    assert created.status_code == 201, created.text
    raw = (await client.get("/entities/urn:ngsi-ld:Bin:1")).json()
    assert raw["type"] == "https://example.org/city#Bin"
    compact = await client.get("/entities/urn:ngsi-ld:Bin:1", headers={"Link": link_header(url)})
    assert compact.json()["type"] == "Bin" and "fill" in compact.json()

    assert (await client.delete(f"/jsonldContexts/{context_id}")).status_code == 204
    gone = await client.get(f"/jsonldContexts/{context_id}")
    assert_problem(gone, 404, "ResourceNotFound")


async def test_invalid_context_body(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/jsonldContexts", json={"no": "context"}, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
