"""Which rules a run selects (a module of its own: a run answered from the cache needs no engine)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Selection:
    """Which rules run.

    ``packs=None`` means the default packs of each document (binding packs of its state or
    city, federal packs, ``drafting``, and ``sources`` where it names an archived source); a
    tuple replaces them.  ``extend_packs`` adds packs.
    ``select`` (when given) runs only the rules it names and ``ignore`` drops rules; both
    take rule ids, aliases or id prefixes (``citation-``).
    """

    packs: tuple[str, ...] | None = None
    extend_packs: tuple[str, ...] = ()
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
