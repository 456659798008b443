"""Linked emergency services: outbound adapters (112, 119, disaster, vulnerable people and
the later add-ons) sharing one signed JSON message contract (docs/linked-services.md)."""

from dosi.ops.services.adapters import KINDS
from dosi.ops.services.agency import agency_app
from dosi.ops.services.contract import signature, signed_headers, verify
from dosi.ops.services.linked import LinkedServices
from dosi.ops.services.routes import overview, routes

__all__ = [
    "KINDS",
    "LinkedServices",
    "agency_app",
    "overview",
    "routes",
    "signature",
    "signed_headers",
    "verify",
]
