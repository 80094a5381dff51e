"""The bounds every run works within, and reading a file within them (neither needs YAML)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO


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


def read_capped(fh: BinaryIO, size: int, limit: int) -> bytes:
    """The bytes of an open file whose size is said to be ``size``, at most ``limit + 1``.

    Reading ``limit + 1`` bytes outright allocates the whole limit (2 MiB) for every 9 KB
    document: 28 µs against 8.  A file that grew since its size was taken is read on, up to
    the same cap, so the caller still sees it is too large.
    """
    want = min(size, limit) + 1
    raw = fh.read(want)
    if len(raw) == want and want <= limit:  # larger than it said: read on to the cap
        raw += fh.read(limit + 1 - want)
    return raw
