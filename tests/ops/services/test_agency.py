"""The agency simulator checks signatures, can fail on purpose and lists what it took."""

from __future__ import annotations

import httpx

from dosi.ops.services import agency_app, contract

SECRET = "agency-secret"
BODY = b'{"messageId": "m-1", "event": "dispatch", "incident": {"id": "urn:ngsi-ld:Alert:1"}}'


async def test_signatures_failures_and_references() -> None:
    app = agency_app(SECRET, fail_first=1)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://agency") as http:
        signed = contract.signed_headers(SECRET, BODY, service="119-dispatch", message_id="m-1")
        forged = contract.signed_headers("guess", BODY, service="119-dispatch", message_id="m-1")
        assert (await http.post("/119", content=BODY, headers=forged)).status_code == 401
        unsigned = {"Content-Type": "application/json"}
        assert (await http.post("/119", content=BODY, headers=unsigned)).status_code == 401
        assert (await http.post("/119", content=BODY, headers=signed)).status_code == 503
        taken = await http.post("/119", content=BODY, headers=signed)
        assert taken.status_code == 200
        assert taken.json() == {"reference": "119-DISPATCH-000001", "received": "m-1"}
        tampered = await http.post("/119", content=BODY + b" ", headers=signed)
        assert tampered.status_code == 401
        [received] = (await http.get("/received")).json()
        assert received["service"] == "119-dispatch" and received["path"] == "/119"
        assert received["message"]["messageId"] == "m-1"
    assert app.state.agency.refused == 3
