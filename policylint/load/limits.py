"""The bounds every run works within (a module of its own: reading them needs no YAML parser)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds that keep a hostile file from costing unbounded time or memory."""

    max_file_size: int = 2 * 1024 * 1024   # bytes; real policies are well under 200 KB
    max_nodes: int = 100_000               # values after alias expansion (alias bombs)
    max_depth: int = 64                    # nesting; real documents are about 6 deep
    max_string: int = 100_000              # characters in one scalar (bounds regex work)
    max_documents: int = 100_000           # files one run checks (the US has ~18,000 agencies)
    max_rule_seconds: float = 1.0          # rules on one document; a slower rule is stopped
    max_findings_per_rule: int = 1_000     # in one document; the rest are counted, not listed


DEFAULT_LIMITS = Limits()
