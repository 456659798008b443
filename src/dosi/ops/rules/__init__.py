"""The operations rules engine: declarative rules evaluated on the change feed.

Rules (threshold with hysteresis, rate of change, held for a duration, missing heartbeat,
geofence, composite across an area; optionally limited to time windows) are written
through ``/ops/rules`` or ``dosi rules``, versioned in the store, and evaluated as entity
changes arrive. Alarms starting, repeating and ending become ``dosi.ops.signals.Signal``s
for the incident service.
"""

from __future__ import annotations

from contextlib import AsyncExitStack

from dosi.api.services import Services
from dosi.ops.rules.const import PREFIX
from dosi.ops.rules.engine import LogSink, RuleEngine
from dosi.ops.rules.model import Rule
from dosi.ops.rules.parse import parse_rule
from dosi.ops.rules.repository import RuleRepository, StoredRule
from dosi.ops.rules.routes import routes
from dosi.ops.signals import SignalSink


async def start_rules(
    services: Services, sink: SignalSink | None, stack: AsyncExitStack
) -> RuleEngine:
    """Start the engine on the app's store and feed; it stops (and flushes) with ``stack``.

    Without a sink (no incident service), signals are only logged.
    """
    engine = RuleEngine(services.store, services.feed, services.resolver, sink or LogSink())
    await engine.start()
    stack.push_async_callback(engine.stop)
    return engine


__all__ = [
    "PREFIX",
    "LogSink",
    "Rule",
    "RuleEngine",
    "RuleRepository",
    "StoredRule",
    "parse_rule",
    "routes",
    "start_rules",
]
