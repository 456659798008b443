"""HTTP devices: /iot/json and /iot/d store measures, refuse bad ones, dead-letter them."""

from __future__ import annotations

import base64

import httpx
import pytest
from starlette.applications import Starlette

from tests.ingest.conftest import (
    agent_of,
    entity,
    eventually,
    provision,
    unique,
    waste_device,
    waste_group,
)

BIN = "urn:ngsi-ld:WasteContainer:bin1"


@pytest.fixture
async def key(http: httpx.AsyncClient) -> str:
    apikey = unique("k")
    await provision(http, waste_group(apikey), [waste_device("bin1", apikey)])
    return apikey


async def test_json_measures_with_payload_time(http: httpx.AsyncClient, key: str) -> None:
    response = await http.post(
        f"/iot/json?k={key}&i=bin1",
        json={"f": 43, "t": 21.5, "status": "ok", "TimeInstant": "2026-01-01T10:00:00+09:00"},
    )
    assert response.status_code == 200, response.text
    body = await entity(http, BIN)  # stored when the answer came
    assert body["fillingLevel"]["value"] == pytest.approx(0.43)
    assert body["fillingLevel"]["observedAt"] == "2026-01-01T01:00:00.000000Z"
    assert body["temperature"] == {
        "type": "Property",
        "value": 21.5,
        "unitCode": "CEL",
        "observedAt": "2026-01-01T01:00:00.000000Z",
    }
    assert body["status"]["value"] == "ok"
    assert body["name"]["value"] == "Hansol bin 1"  # static attributes are kept


async def test_ultralight_post_and_get(http: httpx.AsyncClient, key: str) -> None:
    response = await http.post(
        f"/iot/d?k={key}&i=bin1",
        content=b"2026-02-01T00:00:00Z|f|50#t|19",
        headers={"Content-Type": "text/plain"},
    )
    assert response.status_code == 200
    body = await entity(http, BIN)
    assert body["fillingLevel"]["value"] == pytest.approx(0.5)
    assert body["fillingLevel"]["observedAt"] == "2026-02-01T00:00:00.000000Z"
    assert body["temperature"]["value"] == 19
    assert body["temperature"]["observedAt"] > "2026-02-01T00:00:00.000000Z"  # time of receipt
    response = await http.get(
        "/iot/d", params={"k": key, "i": "bin1", "d": "f|75", "t": "2026-03-01T00:00:00Z"}
    )
    assert response.status_code == 200
    body = await entity(http, BIN)
    assert body["fillingLevel"]["value"] == pytest.approx(0.75)
    assert body["fillingLevel"]["observedAt"] == "2026-03-01T00:00:00.000000Z"


async def test_history_keeps_every_reading(http: httpx.AsyncClient, key: str) -> None:
    for level in (10, 20, 30):
        await http.post(f"/iot/d?k={key}&i=bin1", content=f"f|{level}".encode())
    response = await http.get(
        f"/ngsi-ld/v1/temporal/entities/{BIN}",
        params={"attrs": "fillingLevel", "options": "temporalValues", "lastN": "10"},
        headers={"Link": (await _link())},
    )
    assert response.status_code == 200, response.text
    values = [v[0] for v in response.json()["fillingLevel"]["values"]]
    assert values[-3:] == pytest.approx([0.1, 0.2, 0.3])


async def _link() -> str:
    from tests.ingest.conftest import WASTE_LINK

    return WASTE_LINK["Link"]


@pytest.mark.parametrize(
    ("path", "payload", "status", "kind", "reason"),
    [
        ("/iot/json?k={key}&i=nobody", b'{"f": 1}', 404, "ResourceNotFound", "unknown-device"),
        ("/iot/json?k=wrong-key&i=bin1", b'{"f": 1}', 401, "Unauthorized", "wrong-apikey"),
        ("/iot/json?k={key}&i=bin1", b'{"f": ', 400, "InvalidRequest", "malformed-payload"),
        ("/iot/d?k={key}&i=bin1", b"f|1|t", 400, "InvalidRequest", "malformed-payload"),
        ("/iot/d?k={key}&i=bin1", b"f|500", 400, "BadRequestData", "out-of-range"),
        ("/iot/d?k={key}&i=bin1", b"f|full", 400, "BadRequestData", "conversion-failed"),
    ],
)
async def test_refusals_answer_and_are_dead_lettered(
    http: httpx.AsyncClient,
    app: Starlette,
    key: str,
    path: str,
    payload: bytes,
    status: int,
    kind: str,
    reason: str,
) -> None:
    response = await http.post(path.format(key=key), content=payload)
    assert response.status_code == status, response.text
    assert response.json()["type"].endswith("/" + kind)
    stats = agent_of(app).stats
    assert stats.rejected[reason] == 1

    async def stored() -> bool:
        return (await http.get("/iot/deadletters")).json()["count"] == 1

    await eventually(stored)
    (letter,) = (await http.get("/iot/deadletters")).json()["deadLetters"]
    assert letter["reason"] == reason
    assert base64.b64decode(letter["payload_base64"]) == payload
    assert letter["transport"] == "http"
    assert key not in letter["endpoint"]  # the API key is never kept
    assert letter["device_id"] in ("bin1", "nobody")
    one = await http.get(f"/iot/deadletters/{letter['id']}")
    assert one.json() == letter
    counters = (await http.get("/iot/stats")).json()
    assert counters["rejected"] == {reason: 1}
    assert counters["accepted"] == 0


async def test_missing_query_parameters(http: httpx.AsyncClient) -> None:
    response = await http.post("/iot/json?k=abc", json={"f": 1})
    assert response.status_code == 400
    response = await http.get("/iot/d?k=abc&i=x")
    assert response.status_code == 400


async def test_oversized_payload(http: httpx.AsyncClient, key: str) -> None:
    response = await http.post(f"/iot/d?k={key}&i=bin1", content=b"f|1|" + b"x" * 70_000)
    assert response.status_code == 400
