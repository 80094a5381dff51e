"""The HTML comparison as a folder: a national summary page and one page per state.

One page holds at most :func:`page_rows` agencies (a state with more is split into parts),
because a page's tables, counts and filters hold its rows in the browser and here.  The
summary page counts every agency without holding any: the states with their counts and
links, the coverage, and a finder whose data (one short line per agency) is written as
each row is read and shown a hundred matches at a time.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from policylint.errors import UsageError

#: Agencies on one page, and the most a comparison writes as one self-contained file.
PAGE_ROWS = 100
#: Tests lower the limit to exercise the folder on a few hundred documents.
PAGE_ROWS_VARIABLE = "POLICYLINT_COMPARE_PAGE_ROWS"
#: Matches the finder shows at a time.
FINDER_STEP = 100


def page_rows() -> int:
    value = os.environ.get(PAGE_ROWS_VARIABLE, "")
    return int(value) if value.isdigit() and int(value) > 0 else PAGE_ROWS


def is_folder(output: str | None) -> bool:
    """``-o`` names a folder: it ends with a slash or is one."""
    return output is not None and (output.endswith(("/", os.sep)) or os.path.isdir(output))


def slug(label: str) -> str:
    """A file-name-safe word for a state (its text comes from documents: untrusted)."""
    return re.sub(r"[^a-z0-9]+", "-", label.casefold()).strip("-")[:40] or "none"


@dataclass(slots=True)
class StateCounts:
    """One state's line of the summary: counted as its rows are read."""

    label: str
    agencies: int = 0
    written: int = 0
    with_violation: int = 0
    violations: int = 0
    warnings: int = 0
    silent: int = 0
    not_read: int = 0
    not_scored: int = 0
    indices: list[int] = field(default_factory=list)   # rows, in the comparison's order
    pages: list[tuple[str, int, int]] = field(default_factory=list)  # (file, first, last) 1-based

    def add(self, row: Any) -> None:
        self.agencies += 1
        self.indices.append(row.index)
        self.written += row.status == "written"
        law = row.law
        if law is None:
            self.not_scored += 1
            return
        self.with_violation += bool(law.violations)
        self.violations += law.violations
        self.warnings += law.warnings
        self.silent += law.silent
        self.not_read += law.not_read


def _state(row: Any) -> str:
    return row.state or "(no state)"


def _script_json(value: Any) -> str:
    """JSON that cannot end the ``<script>`` element holding it, whatever the text."""
    return (json.dumps(value, ensure_ascii=False, separators=(",", ":"))
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def _finder_data(comparison: Any, place: dict[int, tuple[str, int]]) -> Iterator[Any]:
    """One line per agency (in the comparison's order), read a row at a time."""
    from markupsafe import Markup

    yield Markup("[")
    for row in comparison.rows.current():
        law = row.law
        page, local = place[row.index]
        counts = [law.violations, law.warnings, law.silent, law.not_read, law.addressed, law.applicable] \
            if law is not None else [None] * 6
        line = [row.name, row.jurisdiction, row.county, _state(row), row.status, row.file, *counts,
                f"{page}#agency-{local}"]
        yield Markup(("\n" if row.index == 0 else ",\n") + _script_json(line))
    yield Markup("]")


def _plan(states: dict[str, StateCounts], prefix: str) -> dict[int, tuple[str, int]]:
    """Give each state its pages; return each row's page and its index there."""
    size, used, place = page_rows(), set(), {}
    for label in sorted(states, key=lambda s: (s.startswith("("), s.casefold())):
        state = states[label]
        base = slug(label)
        name, n = base, 1
        while name in used:
            n += 1
            name = f"{base}-{n}"
        used.add(name)
        for part, start in enumerate(range(0, len(state.indices), size), 1):
            chunk = state.indices[start:start + size]
            file = f"{prefix}state-{name}{'' if part == 1 else f'-{part}'}.html"
            state.pages.append((file, start + 1, start + len(chunk)))
            for local, index in enumerate(chunk):
                place[index] = (file, local)
    return place


def _targets(output: str | None) -> tuple[str, str, str]:
    """The summary page, the folder of the state pages, and the pages' prefix from the summary."""
    if output is None:
        raise UsageError("an HTML comparison of more agencies than one page holds "
                         f"({page_rows()}) is a folder of pages: give -o FOLDER/ or -o FILE.html")
    if is_folder(output):
        return os.path.join(output, "index.html"), output, ""
    from urllib.parse import quote

    stem = os.path.splitext(os.path.basename(output))[0] or "report"
    folder = os.path.join(os.path.dirname(output), stem + "-pages")
    return output, folder, quote(stem + "-pages") + "/"


def write(comparison: Any, output: str | None, title: str, version: str, guard: Any) -> None:
    """The summary page and every state's pages, each written through the guarded writer.

    A comparison that fits one page, written to a folder, is that folder's ``index.html``:
    the self-contained report.
    """
    from policylint.compare.render_html import chunks as page_chunks
    from policylint.report.writer import write_pieces

    index, folder, prefix = _targets(output)
    try:
        os.makedirs(folder or ".", exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot write {folder}: {exc.strerror or exc}") from None
    if len(comparison.rows) <= page_rows():
        write_pieces(page_chunks(comparison, title, version), index, guard)
        return
    states: dict[str, StateCounts] = {}
    bins: dict[str, list[int]] = {m.pack.id: [0] * 10 for m in comparison.packs}
    for row in comparison.rows.current():
        label = _state(row)
        states.setdefault(label, StateCounts(label)).add(row)
        for pid, score in row.scores.items():
            if score.value is not None and pid in bins:
                bins[pid][min(int(score.value), 9)] += 1
    place = _plan(states, prefix)
    from urllib.parse import quote

    back = quote(os.path.relpath(index, folder).replace(os.sep, "/"))
    write_pieces(summary_chunks(comparison, title, version, states, bins, place), index, guard)
    for state in states.values():
        for file, first, last in state.pages:
            part = f", agencies {first:,}–{last:,} of {state.agencies:,}" if len(state.pages) > 1 else ""
            sub = _page(comparison, state.indices[first - 1:last])
            write_pieces(page_chunks(sub, f"{title}: {state.label}{part}", version,
                                     back={"href": back, "text": f"{title}: every state"}),
                         os.path.join(folder, file[len(prefix):]), guard)


def _page(comparison: Any, indices: list[int]) -> Any:
    """The comparison of the rows at ``indices``, held and numbered from 0 (one page)."""
    from policylint.compare import coverage, order
    from policylint.compare.spool import Rows

    placed = comparison.rows.placed
    rows = Rows(comparison.rows.spool, [replace(placed[i], index=local) for local, i in enumerate(indices)])
    held = rows.hold()
    packs = {p for r in held for v in (r, *r.history) for p in v.packs}
    used = {rid for r in held for rid, cell in r.rules.items() if cell.state != "not_selected"}
    return replace(comparison, rows=held, groups=order.group(held, comparison.options["group_by"]),
                   unreadable=[], rules=tuple(c for c in comparison.rules if c.id in used),
                   packs=tuple(m for m in comparison.packs if m.pack.id in packs),
                   coverage=coverage.count(held, comparison.topics),
                   total=sum(1 + len(r.history) for r in held), spool=None)


def summary_chunks(comparison: Any, title: str, version: str, states: dict[str, StateCounts],
                   bins: dict[str, list[int]], place: dict[int, tuple[str, int]]) -> Iterator[str]:
    """The national summary page, a piece at a time."""
    from markupsafe import Markup

    from policylint.compare import charts
    from policylint.compare.render_html import STATUS_HELP, asset, csp_hash, environment, pack_help, value_help
    from policylint.compare.scales import scale
    from policylint.compare.scores import METHOD, is_law
    from policylint.compare.states import POLICY_STATUSES
    from policylint.schema.taxonomy import load_taxonomy

    cov = comparison.coverage
    topics = {t.key: t for t in comparison.topics}
    bars = [{"topic": topics[key], "ends": scale(key).ends,
             "segments": [(seg, value_help(topics[key], seg.label)) for seg in charts.stacked(counts)]}
            for key, counts in cov.topics]
    css, js = asset("report.css"), asset("national.js")
    ordered = [states[s] for s in sorted(states, key=lambda s: (s.startswith("("), s.casefold()))]
    context = {
        "title": title, "version": version, "c": comparison, "cov": cov, "states": ordered,
        "bars": bars, "method": METHOD, "pack_help": pack_help,
        "hists": [(m, charts.histogram_bars(bins[m.pack.id])) for m in comparison.packs],
        "hist": (charts.HIST_WIDTH, charts.HIST_HEIGHT, charts.HIST_BASE),
        "law_packs": [m for m in comparison.packs if is_law(m.pack)],
        "other_packs": [m for m in comparison.packs if not is_law(m.pack)],
        "status_labels": dict(POLICY_STATUSES), "status_help": STATUS_HELP,
        "status_index": {w: i for i, (w, _) in enumerate(POLICY_STATUSES)},
        "kind_help": {t.value: t.description for t in load_taxonomy().instrument_kinds},
        "statuses": [(w, label) for w, label, _ in cov.status],
        "labels": Markup(_script_json(dict(POLICY_STATUSES))), "step": FINDER_STEP,
        "data": _finder_data(comparison, place), "page_rows": page_rows(),
        "css": Markup(css), "js": Markup(js), "csp": {"style": csp_hash(css), "script": csp_hash(js)},
    }
    return environment().get_template("compare/national.html.j2").generate(**context)
