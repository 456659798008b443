"""Entity representations: client JSON ⇄ the internal form of ``dosi.core.model``.

Input is the normalized or concise form (§4.5); output is normalized, concise or
simplified (keyValues) (§4.5.2-§4.5.4), with system attributes on request, language
selection for LanguageProperties (§4.15), attribute projection and GeoJSON (§4.5.16).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from dosi.core.model import Entity, Instance, TermResolver

Format = Literal["normalized", "concise", "simplified"]


@dataclass(frozen=True)
class RenderOptions:
    format: Format = "normalized"
    sys_attrs: bool = False
    #: Expanded attribute names to keep (``attrs``/``pick`` on attributes); None keeps all.
    attrs: frozenset[str] | None = None
    #: Top-level members to keep / drop, as the client named them (``pick``/``omit``);
    #: may include ``id`` and ``type``.
    pick: frozenset[str] | None = None
    omit: frozenset[str] | None = None
    #: Language tag(s) for LanguageProperty selection (``lang``), e.g. "ko,en;q=0.5" or "*".
    lang: str | None = None


def parse_entity(body: Any, resolver: TermResolver, *, now: str) -> Entity:
    """Validate a full entity (normalized or concise) and return the internal form with
    system attributes set to ``now``. Raises ``BadRequestData`` / ``InvalidRequest``."""
    raise NotImplementedError


def parse_attributes(
    body: Any, resolver: TermResolver, *, now: str, allow_null: bool = False
) -> dict[str, list[Instance]]:
    """Validate an entity fragment of attributes (append/update/merge bodies). ``id`` and
    ``type`` members, if present, are ignored here (the caller checks them).
    ``allow_null``: keep ``"urn:ngsi-ld:null"`` values (merge-patch deletions)."""
    raise NotImplementedError


def render_entity(entity: Entity, resolver: TermResolver, options: RenderOptions) -> dict[str, Any]:
    """The client view of ``entity`` (no ``@context`` member; the API adds it)."""
    raise NotImplementedError


def render_feature(
    entity: Entity, resolver: TermResolver, options: RenderOptions, geoproperty: str
) -> dict[str, Any]:
    """A GeoJSON Feature for ``entity`` using the (expanded) ``geoproperty`` as geometry."""
    raise NotImplementedError
