"""The internal entity representation every layer agrees on.

An entity is held *expanded but normalized*: user-defined names (entity types, attribute
names, sub-attribute names, ``objectType`` and VocabProperty values) are full IRIs, while
the NGSI-LD structure keeps its short core member names. The shape is::

    {
      "id": "urn:ngsi-ld:WasteContainer:w1",
      "type": ["https://smartdatamodels.org/dataModel.WasteManagement/WasteContainer"],
      "scope": ["/Sejong/Hansol"],                      # optional
      "createdAt": "2026-11-25T02:00:00.000000Z",       # system attributes, always kept
      "modifiedAt": "2026-11-25T02:00:00.000000Z",
      "attrs": {
        "https://smartdatamodels.org/dataModel.WasteManagement/fillingLevel": [
          {"type": "Property", "value": 0.7, "observedAt": "...",
           "createdAt": "...", "modifiedAt": "...",
           "https://example.org/accuracy": {"type": "Property", "value": 0.01}}
        ]
      }
    }

* ``attrs`` maps an expanded attribute IRI to its *instances*: a list with one element per
  ``datasetId`` (the default instance has no ``datasetId`` key; ETSI GS CIM 009 §4.5.5).
* An instance holds its kind in ``type`` and exactly one value member for that kind
  (``VALUE_MEMBER``), plus optional ``datasetId``, ``observedAt``, ``unitCode``,
  ``objectType``, ``lang`` and system attributes; every other key is an expanded
  sub-attribute name mapping to a single normalized sub-attribute (same shape, no list).
* ``location``, ``observationSpace`` and ``operationSpace`` are core GeoProperties whose
  expanded IRIs live in ``CORE_GEO_PROPERTIES``.
"""

from __future__ import annotations

from typing import Any, Final, Protocol

Entity = dict[str, Any]
Instance = dict[str, Any]

NGSI_LD: Final = "https://uri.etsi.org/ngsi-ld/"
DEFAULT_CONTEXT_VOCAB: Final = "https://uri.etsi.org/ngsi-ld/default-context/"
CORE_CONTEXT_URL: Final = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld"

PROPERTY: Final = "Property"
RELATIONSHIP: Final = "Relationship"
GEO_PROPERTY: Final = "GeoProperty"
LANGUAGE_PROPERTY: Final = "LanguageProperty"
VOCAB_PROPERTY: Final = "VocabProperty"
LIST_PROPERTY: Final = "ListProperty"
LIST_RELATIONSHIP: Final = "ListRelationship"
JSON_PROPERTY: Final = "JsonProperty"

#: The member that carries the value for each attribute kind (normalized form).
VALUE_MEMBER: Final[dict[str, str]] = {
    PROPERTY: "value",
    RELATIONSHIP: "object",
    GEO_PROPERTY: "value",
    LANGUAGE_PROPERTY: "languageMap",
    VOCAB_PROPERTY: "vocab",
    LIST_PROPERTY: "valueList",
    LIST_RELATIONSHIP: "objectList",
    JSON_PROPERTY: "json",
}
ATTRIBUTE_TYPES: Final = frozenset(VALUE_MEMBER)

#: Core members of an attribute instance that are not sub-attributes.
INSTANCE_MEMBERS: Final = frozenset(
    {
        "type",
        "value",
        "object",
        "languageMap",
        "vocab",
        "valueList",
        "objectList",
        "json",
        "datasetId",
        "observedAt",
        "unitCode",
        "objectType",
        "lang",
        "valueType",
        "expiresAt",
        "entityIdSealed",
        "entityTypeSealed",
        "createdAt",
        "modifiedAt",
        "deletedAt",
        "instanceId",
        "previousValue",
        "previousObject",
        "previousLanguageMap",
        "previousVocab",
        "previousValueList",
        "previousObjectList",
        "previousJson",
    }
)

#: Top-level entity members that are not attributes.
ENTITY_MEMBERS: Final = frozenset(
    {"id", "type", "scope", "createdAt", "modifiedAt", "deletedAt", "@context"}
)

#: Expanded IRIs of core-context terms used by the semantics layer.
CORE_IRIS: Final[dict[str, str]] = {
    "location": "https://uri.etsi.org/ngsi-ld/location",
    "observationSpace": "https://uri.etsi.org/ngsi-ld/observationSpace",
    "operationSpace": "https://uri.etsi.org/ngsi-ld/operationSpace",
    "name": "https://uri.etsi.org/ngsi-ld/name",
    "description": "https://uri.etsi.org/ngsi-ld/description",
}
CORE_GEO_PROPERTIES: Final = frozenset(
    {CORE_IRIS["location"], CORE_IRIS["observationSpace"], CORE_IRIS["operationSpace"]}
)


class TermResolver(Protocol):
    """Expands user terms to IRIs and compacts IRIs back, for one @context.

    Implemented by ``dosi.core.jsonld.ActiveContext``; a plain mapping-backed version is
    enough for unit tests of code that only needs names translated.
    """

    def expand(self, term: str) -> str:
        """Vocabulary-relative IRI of an attribute name, type name or vocab value."""
        ...

    def compact(self, iri: str) -> str:
        """Shortest term for an IRI under this context (the IRI itself if none)."""
        ...
