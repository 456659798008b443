"""A dict-backed TermResolver for unit tests of code that only needs names translated."""

from __future__ import annotations

VOCAB = "https://uri.etsi.org/ngsi-ld/default-context/"
CORE = {
    "location": "https://uri.etsi.org/ngsi-ld/location",
    "observationSpace": "https://uri.etsi.org/ngsi-ld/observationSpace",
    "operationSpace": "https://uri.etsi.org/ngsi-ld/operationSpace",
}


class DictResolver:
    def __init__(self, terms: dict[str, str] | None = None) -> None:
        self.terms = {**CORE, **(terms or {})}
        self.reverse = {v: k for k, v in self.terms.items()}

    def expand(self, term: str) -> str:
        if term in self.terms:
            return self.terms[term]
        return term if ":" in term else VOCAB + term

    def compact(self, iri: str) -> str:
        if iri in self.reverse:
            return self.reverse[iri]
        return iri[len(VOCAB) :] if iri.startswith(VOCAB) else iri
