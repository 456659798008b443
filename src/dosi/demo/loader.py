"""Load the sample city through the public entity service, like any client would."""

from __future__ import annotations

import logging

from dosi.api.services import Services
from dosi.core.clock import utc_now
from dosi.core.representation import parse_entity
from dosi.demo.sample_city import SEJONG, City, sample_city

logger = logging.getLogger(__name__)


async def load_sample_city(services: Services, city: City = SEJONG) -> int:
    """Upsert the sample entities into the default tenant; returns how many."""
    now = utc_now()
    parsed = []
    for body in sample_city(city, now=now):
        ctx = await services.resolver.resolve(body.pop("@context"))
        parsed.append(parse_entity(body, ctx, now=now))
    outcome = await services.entities.batch_upsert("", parsed, update=False)
    for entity_id, error in outcome.errors:
        logger.warning("sample entity %s rejected: %s", entity_id, error.detail)
    logger.info("demo: loaded %d sample entities for %s", len(outcome.success), city.name)
    return len(outcome.success)
