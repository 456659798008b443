"""Names and limits of the rules engine."""

from __future__ import annotations

from typing import Final

#: Store document collections (per tenant): current rules, every version, evaluation state.
RULES: Final = "ops.rules"
VERSIONS: Final = "ops.rule-versions"
STATES: Final = "ops.rule-state"

#: Separators in document keys; rule ids cannot contain them (see ``model.RULE_ID``).
VERSION_SEP: Final = "@"
STATE_SEP: Final = "/"

#: How often changed evaluation state is written (transitions are written at once).
FLUSH_EVERY: Final = 1.0
#: Rate-of-change windows keep at most this many buckets per (rule, entity).
RATE_BUCKETS: Final = 128
#: The timer loop wakes at least this often (seconds), whatever the next deadline.
MAX_SLEEP: Final = 60.0

#: Changes queued for evaluation before the feed starts dropping the oldest.
QUEUE_SIZE: Final = 100_000
#: At shutdown, how long queued changes may still be evaluated (seconds).
DRAIN_TIMEOUT: Final = 5.0

PREFIX: Final = "/ops/rules"
