"""Names the waste app shares between its modules: entity types, attributes, services."""

from __future__ import annotations

from typing import Final

DOMAIN: Final = "waste"
CONTAINER: Final = "WasteContainer"
ROUTE: Final = "CollectionRoute"
FILL: Final = "fillingLevel"
CAPACITY: Final = "binCapacity"
LOCATION: Final = "location"
#: The planner this app offers to apps set up after it (``platform.use``).
SERVICE: Final = "waste.planner"
#: A drop of the fill level larger than this (fraction) between two samples is a collection.
RESET_DROP: Final = 0.15
#: Bin volume (litres) assumed when a container does not tell its ``binCapacity``.
DEFAULT_BIN_LITRES: Final = 1100
SECONDS_PER_DAY: Final = 86_400.0
