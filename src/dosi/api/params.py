"""Query-string parameters of the entity endpoints (§6.3.7-§6.3.18), validated once."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from dosi.core.geoquery import parse_geo_query
from dosi.core.ids import check_entity_id
from dosi.core.model import TermResolver
from dosi.core.qlang import compile_q
from dosi.core.query import EntityQuery
from dosi.core.representation import Format, RenderOptions
from dosi.core.scopeq import compile_scope_q
from dosi.core.typesel import parse_type_selection
from dosi.errors import BadRequestData, InvalidRequest, TooManyResults
from dosi.settings import Settings

FORMATS: dict[str, Format] = {
    "normalized": "normalized",
    "concise": "concise",
    "keyValues": "simplified",
    "simplified": "simplified",
}
KNOWN_OPTIONS = frozenset(
    {
        *FORMATS,
        "sysAttrs",
        "noOverwrite",
        "update",
        "replace",
        "append",
        "unique",
        "temporalValues",
        "aggregatedValues",
    }
)
_NAME = re.compile(r"^[^\s<>\"'=;()\[\]\\]+$")


def split_list(value: str | None) -> list[str]:
    """A comma-separated parameter as a list of non-empty, stripped items."""
    if value is None:
        return []
    return [item.strip() for item in value.split(",") if item.strip()]


def options_of(params: Mapping[str, str]) -> set[str]:
    options = set(split_list(params.get("options")))
    unknown = options - KNOWN_OPTIONS
    if unknown:
        raise BadRequestData(f"unknown option(s): {', '.join(sorted(unknown))}")
    return options


def render_options(params: Mapping[str, str], resolver: TermResolver) -> RenderOptions:
    """``options``/``format``, ``attrs``/``pick``/``omit`` and ``lang`` (§6.3.7, §4.21)."""
    options = options_of(params)
    formats = {FORMATS[o] for o in options if o in FORMATS}
    if len(formats) > 1:
        raise BadRequestData("options name more than one representation format")
    chosen: Format = formats.pop() if formats else "normalized"
    if "format" in params:
        if params["format"] not in FORMATS:
            raise BadRequestData(f"unknown format {params['format']!r}")
        chosen = FORMATS[params["format"]]
    if "pick" in params and "omit" in params:
        raise BadRequestData("pick and omit cannot be used together")
    pick = _names(params.get("pick"), "pick")
    omit = _names(params.get("omit"), "omit")
    attrs = _names(params.get("attrs"), "attrs")
    wanted: set[str] | None = None
    if attrs is not None:
        wanted = {resolver.expand(a) for a in attrs}
    if pick is not None:
        picked = {resolver.expand(a) for a in pick if a not in ("id", "type")}
        wanted = picked if wanted is None else wanted & picked
    return RenderOptions(
        format=chosen,
        sys_attrs="sysAttrs" in options,
        attrs=frozenset(wanted) if wanted is not None else None,
        pick=frozenset(pick) if pick is not None else None,
        omit=frozenset(omit) if omit is not None else None,
        lang=params.get("lang"),
    )


def _names(value: str | None, what: str) -> list[str] | None:
    if value is None:
        return None
    names = split_list(value)
    if not names:
        raise BadRequestData(f"{what} must name at least one attribute")
    for name in names:
        if not _NAME.match(name):
            raise BadRequestData(f"invalid attribute name {name!r} in {what}")
    return names


def page_params(params: Mapping[str, str], settings: Settings) -> tuple[int, int, bool]:
    """``limit``, ``offset`` and ``count`` (§5.5.9 pagination)."""
    count = _bool(params.get("count"), "count")
    limit = _int(params.get("limit"), "limit", settings.default_limit)
    offset = _int(params.get("offset"), "offset", 0)
    if limit < 0 or offset < 0:
        raise BadRequestData("limit and offset must not be negative")
    if limit == 0 and not count:
        raise BadRequestData("limit=0 is only allowed together with count=true")
    if limit > settings.max_limit:
        raise TooManyResults(f"limit {limit} exceeds the maximum page size {settings.max_limit}")
    return limit, offset, count


def _int(value: str | None, name: str, default: int) -> int:
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise BadRequestData(f"{name} must be an integer, not {value!r}") from None


def _bool(value: str | None, name: str) -> bool:
    if value is None:
        return False
    if value not in ("true", "false"):
        raise BadRequestData(f"{name} must be true or false")
    return value == "true"


def check_id_pattern(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise BadRequestData(f"idPattern is not a valid regular expression: {exc}") from None
    return pattern


def entity_query(
    params: Mapping[str, Any],
    resolver: TermResolver,
    settings: Settings,
    *,
    require_filter: bool = True,
) -> EntityQuery:
    """Build an EntityQuery from GET /entities parameters (or a POST Query's members)."""
    limit, offset, count = page_params(params, settings)
    ids = split_list(params.get("id"))
    for entity_id in ids:
        check_entity_id(entity_id)
    id_pattern = params.get("idPattern")
    if id_pattern is not None:
        check_id_pattern(id_pattern)
    type_text = params.get("type")
    types = (
        parse_type_selection(type_text, resolver, max_terms=settings.max_query_terms)
        if type_text
        else None
    )
    attrs = _names(params.get("attrs"), "attrs")
    q_text = params.get("q")
    q = compile_q(q_text, resolver, max_terms=settings.max_query_terms) if q_text else None
    scope_text = params.get("scopeQ")
    scope_q = (
        compile_scope_q(scope_text, max_terms=settings.max_query_terms) if scope_text else None
    )
    geo = parse_geo_query(
        params.get("georel"),
        params.get("geometry"),
        params.get("coordinates"),
        params.get("geoproperty"),
        resolver,
    )
    local = _bool(params.get("local"), "local") if "local" in params else False
    if (
        require_filter
        and not local
        and not (ids or id_pattern or types or attrs or q or geo or scope_q)
    ):
        raise BadRequestData(
            "a query needs at least one of type, id, idPattern, attrs, q, scopeQ or a "
            "geo-query (or local=true)"
        )
    if "csf" in params and not str(params["csf"]).strip():
        raise InvalidRequest("csf must not be empty")
    return EntityQuery(
        ids=frozenset(ids) if ids else None,
        id_pattern=id_pattern,
        types=types,
        attrs=frozenset(resolver.expand(a) for a in attrs) if attrs else None,
        q=q,
        scope_q=scope_q,
        geo=geo,
        limit=limit,
        offset=offset,
        count=count,
    )
