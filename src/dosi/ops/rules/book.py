"""Evaluation states in memory, written to the store in batches.

A busy stream changes some state on nearly every message; writing each change would turn
5,000 readings a second into 5,000 writes a second. Ordinary changes are marked dirty and
flushed together every ``FLUSH_EVERY`` seconds (one transaction per tenant); alarm
transitions are written at once, because losing one would lose or repeat an incident.
"""

from __future__ import annotations

import logging
from collections import defaultdict

from dosi.ops.rules.const import STATE_SEP, STATES
from dosi.ops.rules.state import RuleState
from dosi.store.base import Store
from dosi.store.documents import iter_documents, put_documents

logger = logging.getLogger(__name__)

Key = tuple[str, str]  # (tenant, state key)


class StateBook:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.states: dict[Key, RuleState] = {}
        self._dirty: set[Key] = set()
        self._gone: set[Key] = set()
        #: Store transactions spent on state (batching is observable in tests).
        self.writes = 0

    def get(self, tenant: str, key: str) -> RuleState | None:
        return self.states.get((tenant, key))

    def add(self, tenant: str, state: RuleState) -> RuleState:
        self.states[(tenant, state.key)] = state
        return state

    def touch(self, tenant: str, state: RuleState) -> None:
        """Remember that ``state`` changed; it is written with the next flush."""
        self._dirty.add((tenant, state.key))

    async def save(self, tenant: str, state: RuleState) -> None:
        """Write ``state`` now (an alarm started or ended)."""
        self._dirty.discard((tenant, state.key))
        self._gone.discard((tenant, state.key))
        await self.store.put_document(tenant, STATES, state.key, state.to_doc())
        self.writes += 1

    def drop(self, tenant: str, key: str) -> None:
        """Forget a state; its document is deleted with the next flush."""
        if self.states.pop((tenant, key), None) is not None:
            self._dirty.discard((tenant, key))
            self._gone.add((tenant, key))

    def of_rule(self, tenant: str, rule_id: str) -> list[RuleState]:
        prefix = f"{rule_id}{STATE_SEP}"
        return sorted(
            (s for (t, k), s in self.states.items() if t == tenant and k.startswith(prefix)),
            key=lambda s: s.subject,
        )

    async def load(self, tenant: str) -> list[RuleState]:
        """Read every stored state of a tenant into memory."""
        found = []
        async for _, doc in iter_documents(self.store, tenant, STATES):
            found.append(self.add(tenant, RuleState.from_doc(doc)))
        return found

    async def flush(self) -> None:
        """Write the dirty states and delete the dropped ones, one transaction per tenant."""
        dirty, self._dirty = self._dirty, set()
        gone, self._gone = self._gone, set()
        docs: dict[str, list[tuple[str, str, dict[str, object]]]] = defaultdict(list)
        for tenant, key in dirty:
            state = self.states.get((tenant, key))
            if state is not None:
                docs[tenant].append((STATES, key, state.to_doc()))
        removed: dict[str, list[str]] = defaultdict(list)
        for tenant, key in gone:
            removed[tenant].append(key)
        try:
            for tenant, batch in docs.items():
                await put_documents(self.store, tenant, batch)
                self.writes += 1
            for tenant, keys in removed.items():
                await self.store.delete_documents(tenant, STATES, keys)
                self.writes += 1
        except BaseException:
            self._dirty |= dirty  # written again next time; nothing is lost
            self._gone |= gone
            raise
