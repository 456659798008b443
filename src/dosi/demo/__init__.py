"""The demo city: sample Smart Data Models entities for a dosi that starts with one command."""

from dosi.demo.sample_city import SEJONG, sample_city

__all__ = ["SEJONG", "sample_city"]
