"""Vocabularies dosi ships: the Smart Data Models @contexts, preloaded so they resolve offline."""

from __future__ import annotations

from pathlib import Path

#: A preload folder in the DOSI_CONTEXT_DIR format (``index.json`` maps URL → file name).
CONTEXTS_DIR = Path(__file__).parent / "contexts"
