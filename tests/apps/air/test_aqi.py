"""The three air quality indices against their breakpoint tables and worked examples."""

from __future__ import annotations

import pytest

from dosi.apps.air.aqi import china_aqi, china_iaqi, korea_cai, us_aqi


# -- US EPA -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("pollutant", "concentration", "expected"),
    [
        # EPA Technical Assistance Document worked example: 8-h ozone 0.078 ppm -> 126.
        ("o3", 0.078, 126),
        # PM2.5 35.9 µg/m³ -> 102 (the TAD example; same under the 2024 table).
        ("pm25", 35.9, 102),
        ("pm25", 9.0, 50),
        ("pm25", 9.1, 51),
        ("pm25", 35.49, 100),  # truncated to 35.4 before look-up
        ("pm10", 154, 100),
        ("pm10", 155, 101),
        ("co", 7.5, 81),
        ("no2", 100, 100),
        ("so2", 35, 50),
        ("pm25", 500.0, 500),  # beyond the scale: reported as 500
    ],
)
def test_us_sub_indices(pollutant: str, concentration: float, expected: int) -> None:
    assert us_aqi({pollutant: concentration}).sub_indices[pollutant] == expected


def test_us_aqi_is_the_highest_sub_index() -> None:
    result = us_aqi({"pm25": 35.9, "o3": 0.078, "no2": 20})
    assert result.value == 126
    assert result.category == "unhealthyForSensitiveGroups"
    assert result.primary == ("o3",)
    assert us_aqi({"pm25": 5.0}).category == "good"
    assert us_aqi({"pm25": 5.0}).primary == ()


def test_us_one_hour_ozone_only_above_its_floor() -> None:
    assert us_aqi({"o3": 0.050, "o3_1h": 0.100}).sub_indices == {"o3": 46}
    assert us_aqi({"o3": 0.050, "o3_1h": 0.130}).value == 107


# -- China HJ 633-2012 ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("pollutant", "concentration", "expected"),
    [
        ("pm25", 35, 50),
        ("pm25", 80, 107),  # (150-100)/(115-75)*(80-75)+100 = 106.25, rounded up
        ("pm10", 160, 105),
        ("so2_24h", 50, 50),
        ("no2", 200, 100),
        ("co", 5, 50),
        ("o3_8h", 160, 100),
        ("pm25", 600, 500),
    ],
)
def test_china_iaqi(pollutant: str, concentration: float, expected: int) -> None:
    assert china_iaqi(pollutant, concentration) == expected


def test_china_aqi_primary_pollutant_and_level() -> None:
    result = china_aqi({"pm25": 80, "pm10": 160, "no2": 60, "so2": 10})
    assert result.value == 107
    assert result.primary == ("pm25",)
    assert result.category == "lightlyPolluted"
    clean = china_aqi({"pm25": 20, "pm10": 40})
    assert clean.category == "excellent" and clean.primary == ()


def test_china_limits_outside_the_short_tables() -> None:
    # 1-h SO2 above 800 µg/m³ and 8-h O3 above 800 µg/m³ are not rated on those tables.
    assert china_iaqi("so2", 900) is None
    assert china_iaqi("o3_8h", 900) is None


# -- Korea CAI ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("pollutant", "concentration", "expected"),
    [
        ("pm10", 30, 50),
        ("pm10", 80, 100),
        ("pm10", 100, 142),  # (250-101)/(150-81)*(100-81)+101 = 142.0
        ("pm25", 35, 100),
        ("pm25", 36, 101),
        ("o3", 0.090, 100),
        ("no2", 0.030, 50),
        ("co", 9.0, 100),
        ("so2", 0.151, 251),
        ("pm10", 700, 500),
    ],
)
def test_korea_sub_indices(pollutant: str, concentration: float, expected: int) -> None:
    assert korea_cai({pollutant: concentration}).sub_indices[pollutant] == expected


def test_korea_bonus_for_several_unhealthy_pollutants() -> None:
    one = korea_cai({"pm10": 100, "pm25": 20})
    assert one.value == 142 and one.category == "unhealthy"
    two = korea_cai({"pm10": 100, "pm25": 50})
    assert two.sub_indices == {"pm10": 142, "pm25": 154}  # 149/39*14+101 = 154.5 -> 154
    assert two.value == 154 + 50 and two.primary == ("pm25",)
    three = korea_cai({"pm10": 100, "pm25": 50, "o3": 0.120})
    assert three.sub_indices["o3"] == 174  # 149/0.059*0.029+101 = 174.2
    assert three.value == 174 + 75 and three.category == "unhealthy"
    worst = korea_cai({"pm10": 500, "pm25": 400, "o3": 0.5})
    assert worst.value == 500 and worst.category == "veryUnhealthy"


def test_no_usable_concentration() -> None:
    with pytest.raises(ValueError, match="no pollutant"):
        us_aqi({"dust": 3.0})
