"""Which rows a comparison shows, in what order and groups (--filter, --sort, --group-by)."""

from __future__ import annotations

from typing import Any, Callable, Iterable

from policylint.errors import UsageError, did_you_mean

SORT_KEYS = ("name", "county", "population", "score", "file")
GROUP_KEYS = ("none", "county", "kind", "state", "instrument", "status")
FILTER_KEYS = ("state", "kind", "county", "instrument", "survey", "status")


def validate(sort: str, group_by: str, registry: Any) -> None:
    """Usage errors for an unknown sort key, group key or pack."""
    if sort.partition(":")[0] not in SORT_KEYS:
        raise UsageError(f"unknown sort key `{sort}`; choose from: {', '.join(SORT_KEYS)} (or score:PACK)")
    if group_by not in GROUP_KEYS:
        raise UsageError(f"unknown group key `{group_by}`; choose from: {', '.join(GROUP_KEYS)}")
    pack = sort.partition(":")[2]
    if pack and pack not in registry.packs:
        raise UsageError(f"unknown pack `{pack}` in --sort{did_you_mean(pack, registry.packs)}")


def parse_filters(specs: Iterable[str]) -> dict[str, frozenset[str]]:
    """``county=Essex,Norfolk`` -> {"county": {"essex", "norfolk"}}; bad keys are usage errors."""
    out: dict[str, set[str]] = {}
    for spec in specs:
        key, sep, values = spec.partition("=")
        key = key.strip().lower()
        if not sep or key not in FILTER_KEYS:
            raise UsageError(f"--filter `{spec}`: use KEY=VALUE[,VALUE] with KEY one of "
                             f"{', '.join(FILTER_KEYS)}{did_you_mean(key, FILTER_KEYS) if key else ''}")
        words = {v.strip().casefold() for v in values.split(",") if v.strip()}
        if not words:
            raise UsageError(f"--filter `{spec}`: give at least one value")
        out.setdefault(key, set()).update(words)
    return {k: frozenset(v) for k, v in out.items()}


def keep(row: Any, filters: dict[str, frozenset[str]]) -> bool:
    return all((row.attribute(k) or "").casefold() in words for k, words in filters.items())


def sort_key(key: str) -> Callable[[Any], Any]:
    name = lambda r: (r.name.casefold(), r.file)  # noqa: E731
    if key == "county":
        return lambda r: ((r.county or "\uffff").casefold(), *name(r))
    if key == "population":
        return lambda r: (r.population is None, -(r.population or 0), *name(r))
    if key == "file":
        return lambda r: r.file
    if key == "score":
        # There is no overall score: agencies with the fewest violations of the law that
        # binds them first, then those whose policy addresses the most; unscored last.
        def by_law(r: Any) -> Any:
            law = r.law
            return (law is None, law.violations if law else 0, -(law.addressed if law else 0), *name(r))
        return by_law
    if key.startswith("score:"):
        pack = key.partition(":")[2]

        def by_score(r: Any) -> Any:
            score = r.scores[pack].value if pack in r.scores else None
            return (score is None, -(score or 0.0), *name(r))
        return by_score
    return name


def group_label(row: Any, group_by: str) -> str | None:
    """The group ``row`` falls in (``None`` without grouping); a missing value is ``(no KEY)``."""
    if group_by == "none":
        return None
    return row.attribute(group_by) or f"(no {group_by})"


def group_order(label: str) -> tuple[bool, str]:
    """Groups by name, missing values last."""
    return (label.startswith("("), label.casefold())


def group(rows: list[Any], group_by: str) -> list[tuple[str | None, list[Any]]]:
    """Rows in groups by ``group_by`` (one unnamed group for ``none``), missing values last."""
    if group_by == "none":
        return [(None, rows)]
    grouped: dict[str, list[Any]] = {}
    for row in rows:
        grouped.setdefault(group_label(row, group_by) or "", []).append(row)
    return [(name, grouped[name]) for name in sorted(grouped, key=group_order)]
