"""Reading rule documents from JSON or YAML text into ``Rule`` models.

Every mistake becomes ``InvalidRequest`` (not JSON/YAML) or ``BadRequestData`` (not a
valid rule), with the path of each offending field, so a client never sees a 500.
YAML aliases are refused (a few bytes of anchors can expand into gigabytes), and
``22:00`` stays a clock time instead of YAML 1.1's base-60 integer.
"""

from __future__ import annotations

from typing import Any, Final

import orjson
import yaml
from pydantic import ValidationError

from dosi.errors import BadRequestData, InvalidRequest, UnsupportedMediaType
from dosi.ops.rules.model import Rule

JSON_TYPES: Final = ("application/json",)
YAML_TYPES: Final = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")
#: Members the server owns; clients may send them back unchanged (GET, edit, PUT).
SERVER_FIELDS: Final = ("version", "createdAt", "modifiedAt")
MAX_DEPTH: Final = 32


class _Loader(yaml.SafeLoader):
    """Safe YAML without aliases and without sexagesimal integers."""

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            raise yaml.YAMLError("aliases (*name) are not accepted")
        return super().compose_node(parent, index)


def _int_or_clock(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    assert isinstance(node, yaml.ScalarNode)
    text = loader.construct_scalar(node)
    if ":" in text:
        return text
    return loader.construct_yaml_int(node)


_Loader.add_constructor("tag:yaml.org,2002:int", _int_or_clock)


def load_document(raw: bytes, media: str) -> Any:
    """The parsed body: JSON for application/json, YAML for the YAML media types."""
    if media in JSON_TYPES:
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise InvalidRequest(f"the body is not valid JSON: {exc}") from None
    if media in YAML_TYPES:
        try:
            return yaml.load(raw, Loader=_Loader)
        except yaml.YAMLError as exc:
            raise InvalidRequest(f"the body is not valid YAML: {exc}") from None
        except (UnicodeDecodeError, RecursionError):
            raise InvalidRequest("the body is not valid UTF-8 YAML") from None
    allowed = ", ".join(JSON_TYPES + YAML_TYPES)
    raise UnsupportedMediaType(f"Content-Type must be one of {allowed}, not {media or 'missing'}")


def _depth(data: Any, limit: int) -> None:
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            raise BadRequestData(f"rules nest at most {limit} levels")
        children = node.values() if isinstance(node, dict) else node
        if isinstance(node, dict | list):
            stack.extend((child, depth + 1) for child in children)


def describe(exc: ValidationError) -> str:
    """One line per problem: ``condition.threshold.value: Input should be a valid number``."""
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or 'rule'}: {err['msg']}" for err in exc.errors()
    )


def parse_rule(data: Any, *, tenant: str | None = None) -> tuple[Rule, int | None]:
    """A validated rule and the ``version`` the client based it on (if it sent one).

    ``tenant`` (from the request) fills the rule's tenant and must agree with it when the
    document names one.
    """
    if not isinstance(data, dict):
        raise BadRequestData("a rule is a JSON object (or a YAML mapping)")
    _depth(data, MAX_DEPTH)
    body = {k: v for k, v in data.items() if k not in SERVER_FIELDS}
    version = data.get("version")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        raise BadRequestData("version must be an integer")
    if tenant is not None:
        given = body.get("tenant")
        if given is not None and given != tenant:
            raise BadRequestData(
                f"the rule names tenant {given!r} but the request is for {tenant!r}"
            )
        body["tenant"] = tenant
    try:
        return Rule.model_validate(body), version
    except ValidationError as exc:
        raise BadRequestData(f"invalid rule: {describe(exc)}") from None
