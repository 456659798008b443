"""The control room: a live map of the city's entities, an inspector with history charts
and a city overview, served by dosi itself at ``/`` (assets under ``/ui/assets``).

``routes`` is mounted by ``dosi.api.app`` after the NGSI-LD API.
"""

from dosi.web.routes import routes

__all__ = ["routes"]
