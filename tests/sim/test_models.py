"""Device models behave like the city they simulate (pure, no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import islice, pairwise

import pytest

from dosi.sim.models import AirStation, Lamp, ParkingBay, RiverGauge, TrafficCounter, WasteBin
from dosi.sim.simulator import CitySimulator, SimConfig

#: Monday 2026-06-15 00:00 KST: local hour h is MONDAY + h * HOUR.
MONDAY = datetime(2026, 6, 14, 15, 0, tzinfo=UTC).timestamp()
HOUR = 3_600.0


def sim(**counts: int) -> CitySimulator:
    return CitySimulator(SimConfig(counts=counts, start=MONDAY, rate=10.0))


def sim_with(scenario: str, **counts: int) -> CitySimulator:
    return CitySimulator(
        SimConfig(counts=counts, start=MONDAY, rate=10.0, scenarios=frozenset({scenario}))  # type: ignore[arg-type]
    )


def test_waste_fills_and_is_collected() -> None:
    (bin_,) = sim(waste=1).devices
    assert isinstance(bin_, WasteBin)
    levels = [(t, bin_.step(MONDAY + t * 900.0)["fillingLevel"]) for t in range(4 * 24 * 7)]
    rises = [b - a for (_, a), (_, b) in pairwise(levels) if b > a]
    drops = [b - a for (_, a), (_, b) in pairwise(levels) if b < a]
    assert len(rises) > 300
    assert 2 <= len(drops) <= 4  # collected three times a week
    values = bin_.step(MONDAY + 7 * 24 * HOUR)
    assert "dateLastEmptying" in values
    assert all(0 <= level <= 1 for _, level in levels)


def test_waste_grows_faster_in_residential_areas_on_holidays() -> None:
    simulator = sim(waste=40)
    bins = [b for b in simulator.devices if b.placement.district.kind == "residential"]
    assert bins
    env = simulator.env
    chuseok = datetime(2026, 9, 24, 3, 0, tzinfo=UTC).timestamp()
    assert env.is_holiday(chuseok) and not env.is_holiday(MONDAY)
    assert env.is_day_off(chuseok)


def test_fire_scenario_sets_a_bin_burning() -> None:
    simulator = sim_with("fire", waste=3)
    first = next(b for b in simulator.devices if b.index == 0)
    first.step(MONDAY)
    hot = first.step(MONDAY + 60)
    assert hot["status"] == "burning"
    assert hot["temperature"] > 60
    others = [b.step(MONDAY + 60)["status"] for b in simulator.devices if b.index != 0]
    assert "burning" not in others


def test_air_quality_daily_cycle_and_episode() -> None:
    (station,) = sim(air=1).devices
    assert isinstance(station, AirStation)
    by_hour = {}
    for hour in range(24):
        by_hour[hour] = station.step(MONDAY + hour * HOUR)
    assert by_hour[8]["no2"] > by_hour[3]["no2"]  # morning rush
    assert by_hour[15]["o3"] > by_hour[5]["o3"]  # afternoon photochemistry
    (dusty,) = sim_with("air-episode", air=1).devices
    dusty.step(MONDAY)
    clear = station.step(MONDAY + 26 * HOUR)
    dust = dusty.step(MONDAY + 2 * HOUR)
    assert dust["pm10"] > 3 * clear["pm10"]


def test_river_rises_after_a_cloudburst() -> None:
    (gauge,) = sim_with("flood", flood=1).devices
    assert isinstance(gauge, RiverGauge)
    before = gauge.step(MONDAY)
    readings = [gauge.step(MONDAY + m * 60.0) for m in range(1, 240)]
    peak = max(r["currentLevel"] for r in readings)
    assert peak > before["currentLevel"] + 1.5
    assert [r["floodLevelStatus"] for r in readings][::60] == [
        "Normal",
        "Alert",
        "Danger",
        "Alert",
    ]  # rises, peaks, recedes
    assert readings[-1]["measuredDistance"] == pytest.approx(
        gauge.mount - readings[-1]["currentLevel"], abs=0.02
    )


def test_parking_is_busier_downtown_at_noon_than_at_night() -> None:
    simulator = sim(parking=80)
    downtown = [
        p for p in simulator.devices if p.placement.district.kind in ("commercial", "government")
    ]
    assert downtown and all(isinstance(p, ParkingBay) for p in downtown)
    noon = MONDAY + 13 * HOUR  # 13:00 KST
    night = MONDAY + 3 * HOUR  # 03:00 KST
    assert all(p.target(noon) > p.target(night) for p in downtown)  # type: ignore[attr-defined]


def test_streetlights_follow_the_sun_and_commands() -> None:
    (lamp,) = sim(lighting=1).devices
    assert isinstance(lamp, Lamp)
    noon = lamp.step(MONDAY + 12 * HOUR)  # 12:00 KST
    assert noon["powerState"] == "off" and noon["powerConsumption"] == 0
    evening = lamp.step(MONDAY + 21 * HOUR)  # 21:00 KST
    assert evening["powerState"] == "on" and evening["powerConsumption"] > 0
    late = lamp.step(MONDAY + 26 * HOUR)  # 02:00 KST
    assert late["powerState"] == "low"
    assert lamp.command("switch", "off") == "switched off"
    assert lamp.step(MONDAY + 26.5 * HOUR)["powerState"] == "off"
    assert lamp.command("switch", "sideways").startswith("unsupported")


def test_traffic_slows_down_at_rush_hour() -> None:
    (counter,) = sim(traffic=1).devices
    assert isinstance(counter, TrafficCounter)
    night = counter.step(MONDAY + 3 * HOUR)  # 03:00 KST
    rush = counter.step(MONDAY + 8 * HOUR)  # 08:00 KST
    assert rush["intensity"] > 3 * night["intensity"]
    assert rush["averageVehicleSpeed"] < night["averageVehicleSpeed"]


def test_every_family_reports() -> None:
    simulator = CitySimulator(SimConfig(start=MONDAY))
    families = {r.device.family.key for r in islice(simulator.readings(), len(simulator.devices))}
    assert families == {"waste", "air", "flood", "water", "parking", "lighting", "traffic", "cctv"}
