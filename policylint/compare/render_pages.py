"""The HTML comparison as a folder: a national summary page and one page per state.

One page holds at most :func:`page_rows` agencies (a state with more is split into parts),
because a page's tables, counts and filters hold its rows in the browser and here.  The
summary page counts every agency without holding any: the states with their counts and
links, the coverage, and a finder whose data (one short line per agency) is written as
each row is read and shown a hundred matches at a time.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from policylint.compare.totals import StateCounts, script_json
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


#: The mark every state page carries in its head: what tells a page this tool wrote from any
#: other file of the folder (see :func:`remove_stale`).
STATE_PAGE_MARK = b'<meta name="policylint-page" content="state">'
#: The names of state pages (slug() makes nothing else).
STATE_PAGE_NAME = re.compile(r"state-[a-z0-9]+(?:-[a-z0-9]+)*\.html")


def _finder_data(comparison: Any, place: dict[int, tuple[str, int]]) -> Iterator[Any]:
    """One line per agency (in the comparison's order): each made where its row was made,
    read from the spool with its page link added (no row is read)."""
    from markupsafe import Markup

    rows = comparison.rows
    yield Markup("[")
    for p in rows.placed:
        page, local = place[p.index]
        line = rows.spool.get_bytes(p.line).decode("utf-8")
        yield Markup(("\n" if p.index == 0 else ",\n") + line[:-1] + "," + script_json(f"{page}#agency-{local}")
                     + "]")
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


def write(comparison: Any, output: str | None, title: str, version: str, guard: Any,
          jobs: int | None = None) -> None:
    """The summary page and every state's pages, each written through the guarded writer;
    then the state pages an earlier run left in the folder are removed (:func:`remove_stale`).

    The state pages are made on ``jobs`` processes (one per processor when None or 0),
    forked after the comparison is built: each reads its rows from the spool.  A comparison
    that fits one page, written to a folder, is that folder's ``index.html``: the
    self-contained report.
    """
    from urllib.parse import quote

    from policylint.compare.render_html import chunks as page_chunks
    from policylint.report.writer import write_pieces

    index, folder, prefix = _targets(output)
    try:
        os.makedirs(folder or ".", exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot write {folder}: {exc.strerror or exc}") from None
    if len(comparison.rows) <= page_rows():
        write_pieces(page_chunks(comparison, title, version), index, guard)
        remove_stale(folder, set(), guard)
        return
    states = {label: StateCounts(label, **{k: getattr(counts, k) for k in COUNTED})
              for label, counts in comparison.totals.shown_states().items()}
    for p in comparison.rows.placed:
        states[p.state].indices.append(p.index)
    bins = {m.pack.id: list(comparison.totals.bins.get(m.pack.id, [0] * 10)) for m in comparison.packs}
    place = _plan(states, prefix)
    back = quote(os.path.relpath(index, folder).replace(os.sep, "/"))
    pages = []
    for state in states.values():
        for file, first, last in state.pages:
            part = f", agencies {first:,}–{last:,} of {state.agencies:,}" if len(state.pages) > 1 else ""
            pages.append((os.path.join(folder, file[len(prefix):]), state.indices[first - 1:last],
                          f"{title}: {state.label}{part}"))
    job = Job(comparison, version, guard, {"href": back, "text": f"{title}: every state"})
    with _pages_written(job, pages, jobs):
        write_pieces(summary_chunks(comparison, title, version, states, bins, place), index, guard)
    remove_stale(folder, {os.path.basename(path) for path, _, _ in pages}, guard)


#: The counts of a state's line (what :class:`StateCounts` adds up besides its pages).
COUNTED = ("agencies", "written", "with_violation", "violations", "warnings", "silent", "not_read",
           "not_scored")


@dataclass(frozen=True, slots=True)
class Job:
    """What every state page of one report shares."""

    comparison: Any
    version: str
    guard: Any
    back: dict[str, str]

    def page(self, task: tuple[str, list[int], str]) -> str:
        """Write one state page (all of it made first: a page is at most page_rows() agencies)."""
        from policylint.compare.render_html import chunks as page_chunks
        from policylint.report.writer import write_pieces

        path, indices, title = task
        text = "".join(page_chunks(_page(self.comparison, indices), title, self.version, back=self.back))
        write_pieces((text,), path, self.guard)
        return path


_job: Job | None = None


def _page_in_worker(task: tuple[str, list[int], str]) -> str:
    assert _job is not None
    return _job.page(task)


def _start_page_worker() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle


class _pages_written:
    """Writes the pages while the body of the ``with`` runs: on forked processes that read
    the rows from the spool, or here (one process, or no ``fork`` on this system) on exit."""

    def __init__(self, job: Job, pages: list[tuple[str, list[int], str]], jobs: int | None) -> None:
        from policylint.run.parallel import jobs_for

        self.job, self.pages = job, pages
        self.pool: Any = None
        self.pending: Any = None
        self.jobs = min(jobs_for(jobs), len(pages))

    def __enter__(self) -> None:
        import multiprocessing

        global _job
        if self.jobs > 1 and "fork" in multiprocessing.get_all_start_methods():
            _job = self.job
            try:
                self.pool = multiprocessing.get_context("fork").Pool(self.jobs, initializer=_start_page_worker)
            finally:
                _job = None  # the children have it; this process needs it no longer
            self.pending = self.pool.imap_unordered(_page_in_worker, self.pages)

    def __exit__(self, kind: Any, *exc: Any) -> None:
        try:
            if kind is None:
                if self.pending is not None:
                    for _ in self.pending:  # raises what a worker raised (a page it cannot write)
                        pass
                    self.pool.close()
                else:
                    for task in self.pages:
                        self.job.page(task)
        finally:
            if self.pool is not None:
                self.pool.terminate()
                self.pool.join()


def remove_stale(folder: str, written: set[str], guard: Any = None) -> list[str]:
    """Remove the state pages of an earlier run that this run did not write again.

    Only files that are certainly such pages go: a regular file (not a link) directly in
    ``folder``, named as :func:`slug` names pages, whose head carries the mark only state
    pages carry (:data:`STATE_PAGE_MARK`), and not a file the run must not replace.  Any
    other file, a user's own ``state-notes.html`` included, is left alone.  Returns the
    names removed.
    """
    import stat

    removed: list[str] = []
    try:
        names = os.listdir(folder or ".")
    except OSError:
        return removed
    for name in sorted(names):
        if name in written or not STATE_PAGE_NAME.fullmatch(name):
            continue
        path = os.path.join(folder, name)
        try:
            if not stat.S_ISREG(os.lstat(path).st_mode):
                continue
            if guard is not None:
                guard.refuse(path)
            with open(path, "rb") as fh:
                head = fh.read(2048)
            if STATE_PAGE_MARK not in head or b'<meta name="generator" content="policylint ' not in head:
                continue
            os.unlink(path)
        except (OSError, UsageError):
            continue  # cannot tell or cannot remove: leave it
        removed.append(name)
    return removed


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
        "labels": Markup(script_json(dict(POLICY_STATUSES))), "step": FINDER_STEP,
        "data": _finder_data(comparison, place), "page_rows": page_rows(),
        "css": Markup(css), "js": Markup(js), "csp": {"style": csp_hash(css), "script": csp_hash(js)},
    }
    return environment().get_template("compare/national.html.j2").generate(**context)
