"""Bad input never crashes the API: random bodies and parameters never give a 5xx."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import JSON_HEADERS, LINK

pytestmark = pytest.mark.parametrize("store_kind", ["sqlite"], indirect=True)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=6),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "type",
                    "value",
                    "object",
                    "speed",
                    "location",
                    "@context",
                    "datasetId",
                    "coordinates",
                    "languageMap",
                    "entities",
                    "q",
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=10,
)
params = st.dictionaries(
    st.sampled_from(
        [
            "type",
            "q",
            "attrs",
            "georel",
            "geometry",
            "coordinates",
            "limit",
            "offset",
            "options",
            "idPattern",
            "scopeQ",
            "lang",
            "pick",
            "count",
        ]
    ),
    st.text(alphabet="ab:;|()[].,=<>!~\"'0123456789-/#*", max_size=12),
    max_size=4,
)
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(body=json_values)
async def test_writes_never_fail_with_5xx(client: httpx.AsyncClient, body: Any) -> None:
    for method, path in [
        ("POST", "/entities"),
        ("POST", "/entityOperations/upsert"),
        ("PATCH", "/entities/urn:x:1/attrs"),
        ("POST", "/subscriptions"),
        ("POST", "/temporal/entities"),
        ("POST", "/entityOperations/query"),
    ]:
        response = await client.request(method, path, json=body, headers=JSON_HEADERS)
        assert response.status_code < 500, (method, path, body, response.text)


@FUZZ
@given(query=params)
async def test_queries_never_fail_with_5xx(
    client: httpx.AsyncClient, query: dict[str, str]
) -> None:
    for path in ("/entities", "/temporal/entities", "/types", "/entities/urn:x:1"):
        response = await client.get(path, params=query, headers=LINK)
        assert response.status_code < 500, (path, query, response.text)
