"""dosi (都市): an open, standards-based smart-city platform built on NGSI-LD."""

__version__ = "0.1.0"
