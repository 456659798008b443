"""The services a running API holds, built once in the app's lifespan."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from dosi.core.changes import ChangeFeed
from dosi.core.contexts import ContextService
from dosi.core.entities import EntityService
from dosi.core.jsonld import ContextResolver
from dosi.core.subscriptions.service import SubscriptionService
from dosi.core.temporal.service import TemporalService
from dosi.settings import Settings
from dosi.store.base import Store


@dataclass
class Services:
    settings: Settings
    store: Store
    resolver: ContextResolver
    entities: EntityService
    contexts: ContextService
    feed: ChangeFeed
    temporal: TemporalService
    subscriptions: SubscriptionService


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found
