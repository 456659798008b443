"""The permission table: the device northbound is exactly /iot/json and /iot/d, and
everything not listed needs ADMIN."""

from __future__ import annotations

import pytest

from dosi.auth.policy import is_public, required_permission
from dosi.auth.roles import Permission


@pytest.mark.parametrize(
    ("method", "path", "needed"),
    [
        ("POST", "/iot/json", Permission.INGEST),
        ("GET", "/iot/d", Permission.INGEST),
        ("POST", "/iot/d", Permission.INGEST),
        ("POST", "/iot/devices", Permission.PROVISION),
        ("DELETE", "/iot/deadletters", Permission.PROVISION),
        ("GET", "/iot/deadletters", Permission.READ),
        ("POST", "/iot/services/g1/keys", Permission.PROVISION),
        ("DELETE", "/iot/services/g1/keys/k1", Permission.PROVISION),
        ("GET", "/iot/services/g1/keys", Permission.READ),
        ("GET", "/openapi.json", Permission.READ),
        ("POST", "/openapi.json", Permission.READ),
        ("GET", "/auth/me", None),
        ("POST", "/auth/ticket", None),
        ("GET", "/ui/events", Permission.READ),
        ("GET", "/auth/users", Permission.ADMIN),
        ("GET", "/somewhere/new", Permission.ADMIN),
    ],
)
def test_required_permission(method: str, path: str, needed: Permission | None) -> None:
    assert required_permission(method, path) == needed


def test_public_paths() -> None:
    assert is_public("/ui/config.json") and is_public("/ui/assets/app/main.js")
    assert not is_public("/ui/basemap.geojson") and not is_public("/ui/events")
