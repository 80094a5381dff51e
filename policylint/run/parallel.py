"""Check files in this process or on a pool of workers; results stream back in input order."""

from __future__ import annotations

import datetime as _dt
import gc
import os
from collections import deque
from itertools import chain, islice
from typing import Any, Callable, Iterable, Iterator, Sequence

from policylint.rules import deadline
from policylint.run.config import default_jobs
from policylint.run.runner import (
    Checker,
    CheckOptions,
    FileResult,
    discover,
    display_name,
    skip_if_not_a_policy,
    stopped,
)

#: A pool costs about 17 ms to start on 2 cores and saves ~0.6 ms per file: below this many
#: files it saves nothing worth the extra processes (50 files: 224 ms against 237 ms).
POOL_THRESHOLD = 50
#: Files per task sent to a worker: large enough that sending them costs little, small
#: enough that the last tasks of a run keep every worker busy.
CHUNK = 24
#: Tasks in flight per worker; bounds the memory held by results waiting for their turn.
WINDOW = 4
#: Files checked in this process between two results handed on (see check_files).
IN_PROCESS_BATCH = 8
#: ``--jobs`` is clamped to this many processes per processor: more only share the same
#: cores, and ``-j 100000`` would start a hundred thousand processes.
JOBS_PER_PROCESSOR = 4

#: What ``check_files`` takes: a file to check (path, name to report or None), or a result
#: decided before checking (a path that cannot be walked), passed through in its place.
Item = tuple[str, str | None] | FileResult


def max_jobs() -> int:
    """The most processes a run starts: :data:`JOBS_PER_PROCESSOR` per processor."""
    return JOBS_PER_PROCESSOR * default_jobs()


def jobs_for(requested: int | None) -> int:
    """The processes a run asking for ``requested`` uses (0 or None: one per processor)."""
    return min(requested or default_jobs(), max_jobs())


class Worker:
    """Checks one file at a time, answering from the cache when the file is unchanged."""

    def __init__(self, options: CheckOptions, cache: Any = None,
                 checker: Callable[[CheckOptions], Checker] = Checker) -> None:
        self.factory = checker  # how each worker that is not forked makes its own
        self.checker = checker(options)
        self.cache = cache
        self.limits = options.limits
        suppress = options.suppress
        self.today = getattr(suppress, "today", "") or ""

    def warm(self) -> None:
        """Load the rules and compile the schema now (before forking: workers share them)."""
        from policylint.schema.fastvalidate import shipped

        self.checker.engine  # noqa: B018 - the property loads and compiles the registry
        shipped("policy")

    def run(self, item: Item) -> tuple[FileResult, str | None, str | None]:
        """``(result, content digest, date the result depends on)``; no digest: do not cache."""
        if isinstance(item, FileResult):
            return item, None, None
        path, display = item
        if self.cache is None:
            return self.checker.check_path(path, display), None, None
        from policylint.run.cache import content_hash

        name = display or path
        raw = _read(path, self.limits.max_file_size)
        if raw is None:  # unreadable, too large, not a file: the loader says why
            return self.checker.check_path(path, display), None, None
        digest = content_hash(raw)
        day = self.day()
        hit = self.cache.lookup(name, digest, day)
        if hit is not None:
            findings, outcomes = hit
            return FileResult(name, findings, outcomes=outcomes), None, None
        from policylint.load.loader import load_bytes  # after the lookup: a hit needs no parser

        loaded = load_bytes(raw, name, self.limits)
        result = self.checker.check_loaded(loaded)
        if any(f.rule == "rule-timeout" for f in result.findings):
            return result, None, None  # the time budget depends on the machine's load
        if _archived(loaded.document):
            return result, None, None  # the result depends on another file's bytes too
        return result, digest, day if _expiring(loaded.document) or _dated() else None

    def day(self) -> str:
        """What a result that depends on the day is bound to: the day waivers expire
        against, and the day the superseded-instrument table is read on."""
        return f"{self.today}|{_dt.date.today().isoformat()}"


def _dated() -> bool:
    """Whether results can change on a later day without any file changing: an entry of
    the superseded-instrument table takes effect after today."""
    from policylint.rules.checks.citations import pending_supersessions

    return pending_supersessions(_dt.date.today())


def _read(path: str, limit: int) -> bytes | None:
    """A regular file's bytes within ``limit``; else None, and the loader reads it once itself
    (a pipe can be read only once, and reading one twice could wait forever)."""
    import stat

    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # before opening: opening a FIFO waits
            return None
        from policylint.load.limits import read_capped  # a cache hit needs no YAML parser

        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > limit:
                return None
            raw = read_capped(fh, size, limit)
    except OSError:
        return None
    return raw if len(raw) <= limit else None


def _archived(doc: Any) -> bool:
    """Whether the document names an archived source (its result depends on that file)."""
    from policylint.rules.engine import has_archive

    return has_archive(getattr(doc, "data", None))


def _expiring(doc: Any) -> bool:
    """Whether the document has a waiver with an end date (its result changes with the day)."""
    data = getattr(doc, "data", None)
    waivers = data.get("waivers") if isinstance(data, dict) else None
    return isinstance(waivers, list) and any(isinstance(w, dict) and "until" in w for w in waivers)


def check_files(items: Iterable[Item], options: CheckOptions, cache: Any = None,
                checker: Callable[[CheckOptions], Checker] = Checker) -> Iterator[FileResult]:
    """One result per item, in order; on ``options.jobs`` processes when there are enough
    files.  ``checker``: makes the checker of each file from the options (a class, or a
    picklable partial of one: compare's also makes each document's row)."""
    jobs = jobs_for(options.jobs)  # clamped: a huge --jobs is no reason to fork-bomb
    stream = iter(items)
    head = list(islice(stream, POOL_THRESHOLD))
    worker = Worker(options, cache, checker)
    try:
        if jobs <= 1 or len(head) < POOL_THRESHOLD:
            # The alarm handler stays installed for a few files at a time, never across a
            # yield: a run abandoned half-way would otherwise leave it to whatever runs next.
            for batch in _chunks(chain(head, stream), IN_PROCESS_BATCH):
                with deadline.installed():
                    results = [_record(cache, *worker.run(item)) for item in batch]
                yield from results
        else:
            yield from _pooled(worker, chain(head, stream), jobs, cache)
    finally:
        if cache is not None:
            cache.flush()


def _record(cache: Any, result: FileResult, digest: str | None, today: str | None) -> FileResult:
    if cache is not None and digest is not None:
        cache.record(result.file, digest, today, result.findings, result.outcomes)
    return result


# -- the pool --------------------------------------------------------------------------------

_worker: Worker | None = None


def _start(worker: Worker | None, options: CheckOptions, cache: Any,
           checker: Callable[[CheckOptions], Checker] = Checker) -> None:
    """In each worker: the parent's warmed Worker when forked, else a new one."""
    import signal

    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    deadline.install()  # for the worker's life: each document then only arms a timer
    _worker = worker if worker is not None else Worker(options, cache, checker)
    # Everything loaded so far lives as long as the worker: keep the collector off it,
    # and collect young objects less often (documents hold no reference cycles).
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def _run_chunk(items: list[Item]) -> list[tuple[FileResult, str | None, str | None]]:
    assert _worker is not None
    return [_worker.run(item) for item in items]


def _chunks(items: Iterator[Item], size: int) -> Iterator[list[Item]]:
    while True:
        chunk = list(islice(items, size))
        if not chunk:
            return
        yield chunk


def _pooled(worker: Worker, items: Iterator[Item], jobs: int, cache: Any) -> Iterator[FileResult]:
    import multiprocessing  # 3 ms: only runs with a pool pay for it

    methods = multiprocessing.get_all_start_methods()
    forked = "fork" in methods
    context = multiprocessing.get_context("fork" if forked else "spawn")
    if forked:
        worker.warm()  # once here, instead of once per worker
        gc.freeze()    # the children share these pages; keep the collector from writing them
    pool = context.Pool(jobs, initializer=_start,
                        initargs=(worker if forked else None, worker.checker.options, worker.cache,
                                  worker.factory))
    pending: deque[Any] = deque()
    try:
        for chunk in _chunks(items, CHUNK):
            pending.append(pool.apply_async(_run_chunk, (chunk,)))
            while len(pending) >= jobs * WINDOW:
                for outcome in pending.popleft().get():
                    yield _record(cache, *outcome)
        while pending:
            for outcome in pending.popleft().get():
                yield _record(cache, *outcome)
        pool.close()
    finally:
        pool.terminate()
        pool.join()
        if forked:
            gc.unfreeze()


def check_paths(paths: Sequence[str], options: CheckOptions = CheckOptions(),
                postprocess: Callable[[FileResult], FileResult] | None = None,
                skip_named: bool = False) -> Iterator[FileResult]:
    """Check every file under ``paths`` in input order, one result per file, streamed.

    A YAML file that is not a policy document is skipped when a directory walk found it,
    and, with ``skip_named``, when it was named too (pre-commit names every YAML file);
    otherwise naming it is an ``input-not-policylint`` error.
    """
    walked: deque[bool] = deque()  # one flag per item, in the order results come back
    for result in check_files(_items(paths, options, walked), options, _cache(options)):
        result = skip_if_not_a_policy(result) if walked.popleft() or skip_named else result
        yield postprocess(result) if postprocess else result


def _items(paths: Sequence[str], options: CheckOptions, walked: deque[bool] | None = None) -> Iterator[Any]:
    """What to check, in order: ``(path, name to report)``, or a result decided already.

    ``walked`` gets one flag per item: whether a directory walk found it (else it was named).
    """
    limit = options.limits.max_documents
    named = set(paths)
    for count, (path, problem) in enumerate(discover(paths, options.exclude)):
        if walked is not None:
            walked.append(path not in named)
        shown = display_name(path)
        if count == limit:
            yield stopped(shown, limit)
            return
        if problem is not None:
            yield FileResult(shown, [problem.with_(file=shown)])
        else:
            yield path, shown if shown != path else None


def _cache(options: CheckOptions) -> Any:
    if options.cache_dir is None:
        return None
    from policylint.run.cache import Cache, run_digest

    # Neither how many processes run nor where the cache lives changes a result; the day
    # does only for documents whose waivers expire, and those entries record it.
    return Cache(options.cache_dir, run_digest(options, ignore=("jobs", "cache_dir", "suppress.today")))
