"""Finds city apps by their manifests, orders them by ``requires`` and sets them up.

An app that fails to set up is logged and marked failed; the platform keeps serving.
"""

from __future__ import annotations

import importlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dosi.core.changes import ChangeFeed
from dosi.core.entities import EntityService
from dosi.core.jsonld import ContextResolver
from dosi.errors import AppError, DosiError
from dosi.platform import AppPlatform

logger = logging.getLogger(__name__)

APPS_DIR = Path(__file__).parent


@dataclass(frozen=True)
class Manifest:
    domain: str
    name: str
    version: str
    requires: tuple[str, ...] = ()
    entity_types: tuple[str, ...] = ()
    context: tuple[str, ...] = ()

    @classmethod
    def read(cls, path: Path) -> Manifest:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            domain=data["domain"],
            name=data["name"],
            version=data["version"],
            requires=tuple(data.get("requires", ())),
            entity_types=tuple(data.get("entity_types", ())),
            context=tuple(data.get("context", ())),
        )


def discover() -> dict[str, Manifest]:
    """Every app shipped in ``dosi.apps`` (folders with a manifest.json)."""
    found = {}
    for path in sorted(APPS_DIR.glob("*/manifest.json")):
        manifest = Manifest.read(path)
        found[manifest.domain] = manifest
    return found


def order(wanted: list[str], manifests: dict[str, Manifest]) -> list[Manifest]:
    """Apps to load with their requirements first; unknown names or cycles → AppError."""
    ordered: list[Manifest] = []
    visiting: set[str] = set()

    def visit(domain: str) -> None:
        if any(m.domain == domain for m in ordered):
            return
        if domain not in manifests:
            raise AppError(f"unknown app {domain!r}")
        if domain in visiting:
            raise AppError(f"apps require each other in a cycle through {domain!r}")
        visiting.add(domain)
        for required in manifests[domain].requires:
            visit(required)
        visiting.discard(domain)
        ordered.append(manifests[domain])

    for domain in wanted:
        visit(domain)
    return ordered


@dataclass
class LoadedApps:
    running: dict[str, AppPlatform] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)

    async def unload(self) -> None:
        for platform in reversed(list(self.running.values())):
            await platform.unload()
        self.running.clear()


async def load_apps(
    wanted: list[str],
    service: EntityService,
    feed: ChangeFeed,
    resolver: ContextResolver,
    config: dict[str, dict[str, Any]],
    registry: dict[str, object] | None = None,
) -> LoadedApps:
    """Set up ``wanted`` apps in dependency order. ``registry`` holds the services the
    platform itself provides (e.g. ``signals``); apps add theirs with ``provide``."""
    loaded = LoadedApps()
    shared: dict[str, object] = {} if registry is None else registry
    for manifest in order(wanted, discover()):
        missing = [r for r in manifest.requires if r not in loaded.running]
        if missing:
            loaded.failed[manifest.domain] = f"requires failed apps {missing}"
            continue
        platform: AppPlatform | None = None
        try:
            context = await resolver.resolve(list(manifest.context) or None)
            platform = AppPlatform(
                manifest.domain,
                service,
                feed,
                context,
                config.get(manifest.domain, {}),
                registry=shared,
            )
            module = importlib.import_module(f"dosi.apps.{manifest.domain}")
            await module.setup(platform)
        except (DosiError, ImportError, AttributeError, ValueError) as exc:
            logger.exception("app %s failed to set up", manifest.domain)
            loaded.failed[manifest.domain] = str(exc)
            if platform is not None:
                await platform.unload()
            continue
        loaded.running[manifest.domain] = platform
        logger.info("app %s %s ready", manifest.domain, manifest.version)
    return loaded
