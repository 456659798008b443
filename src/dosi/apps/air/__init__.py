"""Air quality indices of three standards: Korea CAI, China AQI (HJ 633-2012), US EPA AQI."""

from dosi.apps.air.aqi import (
    POLLUTANTS,
    IndexResult,
    china_aqi,
    korea_cai,
    us_aqi,
)

__all__ = ["POLLUTANTS", "IndexResult", "china_aqi", "korea_cai", "us_aqi"]
