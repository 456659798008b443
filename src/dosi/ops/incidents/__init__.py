"""Incidents of the operations centre: signals → incidents, lifecycle, escalation, SOPs,
audit trail and public alerts (CAP 1.2)."""

from dosi.ops.incidents.cap_routes import routes as cap_routes
from dosi.ops.incidents.routes import collection, routes
from dosi.ops.incidents.service import IncidentService

__all__ = ["IncidentService", "cap_routes", "collection", "routes"]
