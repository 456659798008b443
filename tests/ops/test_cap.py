"""CAP 1.2 alerts: valid against the official XSD, three languages, Update and Cancel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from lxml import etree

from dosi.ops.cap import NS, CapAlert, CapArea, CapError, build, cap_time, validate
from tests.conftest import reference

KST = timezone(timedelta(hours=9))
RING = [(127.28, 36.47), (127.30, 36.47), (127.30, 36.49), (127.28, 36.49), (127.28, 36.47)]


def alert(**changes: object) -> CapAlert:
    base = CapAlert(
        identifier="urn:dosi:sejong:incident:42:1",
        sender="ioc@sejong.go.kr",
        sent=datetime(2026, 11, 25, 9, 30, tzinfo=KST),
        category="flood",
        severity="major",
        city="Sejong",
        area=CapArea("Geum River, Hansol-dong", polygon=RING),
        description={
            "ko": "금강 수위가 경보 수준을 넘었습니다.",
            "en": "The Geum river passed its warning level.",
        },
    )
    return CapAlert(**{**base.__dict__, **changes})  # type: ignore[arg-type]


def find(xml: bytes, path: str) -> list[str]:
    tree = etree.fromstring(xml)
    return [e.text for e in tree.findall(path, {"c": NS})]


@pytest.mark.parametrize(
    "sample",
    [
        "cap12-appendixA2-severe-thunderstorm.xml",
        "cap12-appendixA3-earthquake-update.xml",
        "cap12-appendixA4-amber-alert.xml",
    ],
)
def test_the_validator_accepts_the_oasis_samples(sample: str) -> None:
    validate(reference("cap", sample).read_bytes())


def test_alert_in_three_languages() -> None:
    xml = build(alert())
    assert find(xml, "c:msgType") == ["Alert"]
    assert find(xml, "c:sent") == ["2026-11-25T09:30:00+09:00"]
    assert find(xml, "c:info/c:language") == ["ko-KR", "zh-CN", "en-US"]
    assert find(xml, "c:info/c:event") == ["홍수 경보", "洪水预警", "Flood warning"]
    assert find(xml, "c:info/c:severity") == ["Severe"] * 3
    assert find(xml, "c:info/c:category") == ["Met"] * 3
    polygon = find(xml, "c:info/c:area/c:polygon")[0]
    assert polygon.startswith("36.470000,127.280000 ") and polygon.endswith("36.470000,127.280000")
    assert "금강" in find(xml, "c:info/c:description")[0]


def test_update_and_cancel_reference_the_alert() -> None:
    first = alert()
    ref = (first.sender, first.identifier, first.sent)
    update = build(
        alert(
            identifier="urn:dosi:sejong:incident:42:2",
            msg_type="Update",
            references=[ref],
            area=CapArea("Hansol-dong", circle=(127.29, 36.48, 2)),
        )
    )
    assert find(update, "c:references") == [
        "ioc@sejong.go.kr,urn:dosi:sejong:incident:42:1,2026-11-25T09:30:00+09:00"
    ]
    assert find(update, "c:info/c:area/c:circle")[0] == "36.480000,127.290000 2"
    cancel = build(
        alert(identifier="urn:dosi:sejong:incident:42:3", msg_type="Cancel", references=[ref])
    )
    assert find(cancel, "c:info/c:urgency") == ["Past"] * 3
    assert "상황 해제" in find(cancel, "c:info/c:headline")[0]
    with pytest.raises(CapError, match="reference"):
        build(alert(msg_type="Cancel"))


def test_invalid_alerts_are_refused() -> None:
    with pytest.raises(CapError, match="polygon"):
        build(alert(area=CapArea("x", polygon=RING[:-1])))
    with pytest.raises(CapError):
        build(alert(category="volcano"))
    with pytest.raises(CapError):
        validate(b"<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'><identifier/></alert>")
    with pytest.raises(CapError):
        validate(b"not xml")


def test_cap_time_never_uses_z() -> None:
    assert cap_time(datetime(2026, 1, 1, tzinfo=UTC)) == "2026-01-01T00:00:00+00:00"
