"""NGSI-LD entity representations (ETSI GS CIM 009 §4.5): parse client JSON into the
internal form and render it back. The work is split by concern: ``_validate`` (value
checks), ``_parse`` (input modes), ``_render`` (output formats), ``_lang`` (language
filter); this module is the public face the API, stores and apps import."""

from __future__ import annotations

from dosi.core._lang import pick_language
from dosi.core._parse import (
    MAX_DEPTH,
    Mode,
    check_attribute_name,
    parse_attributes,
    parse_entity,
    parse_instance,
    parse_scope,
    parse_types,
)
from dosi.core._render import Format, RenderOptions, render_entity, render_feature
from dosi.core._validate import NULL, is_datetime, is_iri, is_name

__all__ = [
    "MAX_DEPTH",
    "NULL",
    "Format",
    "Mode",
    "RenderOptions",
    "check_attribute_name",
    "is_datetime",
    "is_iri",
    "is_name",
    "parse_attributes",
    "parse_entity",
    "parse_instance",
    "parse_scope",
    "parse_types",
    "pick_language",
    "render_entity",
    "render_feature",
]
