"""``dosi rules ...``: rule management from the command line, straight on the store.

A running server reads rules when it starts; rules changed here reach it on its next
start (use the HTTP API to change the rules of a running server).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from dosi.core.jsonld import ContextResolver
from dosi.errors import NgsiLdError, ResourceNotFound
from dosi.ops.rules.parse import YAML_TYPES, load_document, parse_rule
from dosi.ops.rules.repository import RuleRepository, StoredRule
from dosi.settings import Settings
from dosi.store.base import Store

T = TypeVar("T")
#: Opens the configured store, runs the work on it and closes it (``cli._with_store``).
Runner = Callable[[Callable[[Store], Awaitable[T]]], T]


def _repository(store: Store, settings: Settings) -> RuleRepository:
    return RuleRepository(store, ContextResolver(settings, store))


def _run(run: Runner[T], work: Callable[[Store], Awaitable[T]]) -> T:
    try:
        return run(work)
    except NgsiLdError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from None


def _echo_json(body: Any) -> None:
    typer.echo(json.dumps(body, indent=2, ensure_ascii=False))


def list_rules(run: Runner[list[StoredRule]], settings: Settings, tenant: str) -> None:
    rules = _run(run, lambda store: _repository(store, settings).list(tenant))
    table = Table("id", "version", "kind", "entity type", "attribute", "severity", "enabled")
    for stored in rules:
        rule = stored.rule
        table.add_row(
            rule.id,
            str(stored.version),
            rule.condition.kind,
            rule.entity_type,
            rule.attribute or "-",
            rule.severity,
            "yes" if rule.enabled else "no",
        )
    Console().print(table)


def add_rule(run: Runner[StoredRule], settings: Settings, path: Path, tenant: str | None) -> None:
    """Create the rule in ``path`` (JSON, or YAML for .yaml/.yml), or store it as the next
    version when a rule with its id exists."""
    media = YAML_TYPES[0] if path.suffix.lower() in (".yaml", ".yml") else "application/json"
    try:
        raw = path.read_bytes()
    except OSError as exc:
        typer.echo(f"error: cannot read {path}: {exc.strerror}", err=True)
        raise typer.Exit(1) from None

    async def work(store: Store) -> StoredRule:
        rule, version = parse_rule(load_document(raw, media), tenant=tenant)
        repository = _repository(store, settings)
        try:
            await repository.get(rule.tenant, rule.id)
        except ResourceNotFound:
            return await repository.create(rule)
        return await repository.replace(rule, version)

    stored = _run(run, work)
    verb = "added" if stored.version == 1 else "updated"
    typer.echo(f"{verb} rule {stored.rule.id} (version {stored.version})")


def show_rule(run: Runner[StoredRule], settings: Settings, tenant: str, rule_id: str) -> None:
    stored = _run(run, lambda store: _repository(store, settings).get(tenant, rule_id))
    _echo_json(stored.to_api())


def delete_rule(run: Runner[None], settings: Settings, tenant: str, rule_id: str) -> None:
    _run(run, lambda store: _repository(store, settings).delete(tenant, rule_id))
    typer.echo(f"deleted rule {rule_id}")


def rule_versions(
    run: Runner[list[StoredRule]], settings: Settings, tenant: str, rule_id: str
) -> None:
    versions = _run(run, lambda store: _repository(store, settings).versions(tenant, rule_id))
    table = Table("version", "modified", "kind", "severity", "enabled")
    for stored in versions:
        rule = stored.rule
        table.add_row(
            str(stored.version),
            stored.modified_at,
            rule.condition.kind,
            rule.severity,
            "yes" if rule.enabled else "no",
        )
    Console().print(table)
