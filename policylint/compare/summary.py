"""The compact, plain-data summary of one document that comparisons are built from."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence

from policylint.load.loader import LoadResult
from policylint.run.runner import Checker, CheckOptions, FileResult, discover, skip_if_not_a_policy

#: Longest quote, paraphrase or title kept; a hostile 100 KB quote must not swell a report
#: of hundreds of agencies.  Real evidence quotes are a few sentences.
MAX_TEXT = 1200

#: Only these schemes become links in a report; anything else is shown as inert text.
_SAFE_URL = re.compile(r"^https?://[^\s<>\"'`]+$", re.IGNORECASE)


def safe_url(value: Any) -> str | None:
    """``value`` when it is a plain http(s) URL, else ``None`` (``javascript:`` and the like)."""
    if isinstance(value, str) and _SAFE_URL.match(value.strip()):
        return value.strip()
    return None


def text(value: Any, limit: int = MAX_TEXT) -> str | None:
    """A scalar as display text (documents may be invalid: anything can be anywhere)."""
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    out = " ".join(str(value).split())
    if not out:
        return None
    return out if len(out) <= limit else out[: limit - 1] + "…"


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


#: How much of an instrument's own text its encoding rests on (``instrument.text_read``).
TEXT_READ = ("full", "partial", "none")


def text_read(value: Any) -> str:
    """``full`` unless the document says ``partial`` or ``none`` (absent means ``full``)."""
    return value if value in TEXT_READ else "full"


def _words(value: Any) -> list[str]:
    """A string or a list of strings as a list of display texts."""
    items = value if isinstance(value, list) else [value]
    return [t for item in items if (t := text(item, 300))]


def _source(source: Any) -> dict[str, Any]:
    """A source's URL split into a safe link or rejected text, with how it was obtained."""
    src = _mapping(source)
    raw = src.get("url")
    url = safe_url(raw)
    return {"url": url, "url_text": None if url or raw is None else text(raw, 300),
            "via": text(src.get("via")), "title": text(src.get("title"), 300)}


def _provision(raw: dict[str, Any], fallback: dict[str, Any]) -> dict[str, Any]:
    """A provision as a comparison shows it (its own dates only where it carries them)."""
    source = _source(raw.get("source")) if isinstance(raw.get("source"), dict) else fallback
    exceptions = []
    for item in raw.get("exceptions") or []:
        if isinstance(item, dict) and text(item.get("kind")):
            exceptions.append({"kind": text(item.get("kind"), 80),
                               "bounded": item.get("bounded") is True,
                               "quote": text(item.get("quote"))})
    return {
        "value": text(raw.get("value"), 80) or "unclear",
        "quote": text(raw.get("quote")),
        "paraphrase": text(raw.get("paraphrase")),
        "section": text(raw.get("section"), 80),
        "form": text(raw.get("form"), 40),
        "source": source,
        "exceptions": exceptions,
        **{k: text(raw.get(k), 20) for k in ("effective_date", "ended") if raw.get(k) is not None},
    }


def summarise(data: Any, packs: Sequence[str] = ()) -> dict[str, Any]:
    """What a comparison needs of a document, as JSON-ready data; no node tree, no positions.

    Works on invalid documents too (wrong types become ``None``), because a comparison
    shows every agency even when one document has a schema error.  ``packs`` records the
    rule packs the document was checked against.
    """
    doc = _mapping(data)
    agency = _mapping(doc.get("agency"))
    instrument = _mapping(doc.get("instrument"))
    survey = doc.get("survey")
    population = agency.get("population")
    fallback = _source(instrument.get("source"))
    provisions = {}
    for key, raw in _mapping(doc.get("provisions")).items():
        if isinstance(key, str) and isinstance(raw, dict):
            provisions[key] = _provision(raw, fallback)
    waivers = doc.get("waivers")
    return {
        "agency": {
            "name": text(agency.get("name"), 200),
            "kind": text(agency.get("kind"), 80),
            "state": text(agency.get("state"), 20),
            "jurisdiction": text(agency.get("jurisdiction"), 200),
            "county": text(agency.get("county"), 80),
            "population": population if isinstance(population, int) and not isinstance(population, bool) else None,
        },
        "instrument": {
            "kind": text(instrument.get("kind"), 80),
            "title": text(instrument.get("title"), 300),
            "number": text(instrument.get("number"), 80),
            "effective_date": text(instrument.get("effective_date"), 20),
            # Read defensively: both keys are optional, and a document may be invalid.
            "text_read": text_read(instrument.get("text_read")),
            "ended": text(instrument.get("ended"), 20),
            "supersedes": _words(instrument.get("supersedes")),
            "source": fallback,
        },
        "survey": {"status": text(survey.get("status"), 40),
                   "requested": text(survey.get("requested"), 20),
                   "responded": text(survey.get("responded"), 20)} if isinstance(survey, dict) else None,
        "provisions": provisions,
        "waivers": len(waivers) if isinstance(waivers, list) else 0,
        "packs": list(packs),
    }


def points_at_nothing(data: Any, pointer: str | None) -> bool:
    """True when the JSON pointer names a key the document leaves out, empty or ``silent``:
    a finding there reports what the policy leaves unsaid, not something it says."""
    if not pointer or not pointer.startswith("/"):
        return False
    node = data
    for raw in pointer[1:].split("/"):
        key = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict):
            if key not in node:
                return True
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return not isinstance(node, (dict, list))  # a scalar cannot hold the key: absent
    return node is None or node == "" or node == "silent"


class SummarisingChecker(Checker):
    """A checker that also fills each result's ``summary`` while the document is at hand."""

    def check_loaded(self, loaded: LoadResult) -> FileResult:
        result = super().check_loaded(loaded)
        doc = loaded.document
        if doc is not None:
            result.summary = summarise(doc.data, self.engine.packs_for(doc.data))
            # Which findings point at what the document leaves unsaid (kept as their paths).
            result.summary["absent"] = sorted({f.path for f in result.findings
                                               if f.path and points_at_nothing(doc.data, f.path)})
        return result


@dataclass(slots=True)
class RowResult(FileResult):
    """A checked document as a comparison takes it: its row made, scored and packed."""

    arrival: Any = None   # model.Arrival


class RowChecker(SummarisingChecker):
    """A checker that also makes each document's comparison row, scores it and packs it
    for the spool, in the process that checked it (a pool worker): the process writing the
    report then only files rows and adds up counts.  The findings and the summary stay in
    the worker; a document that could not be read, or a YAML file that is not a policy
    document, comes back as a plain result."""

    def __init__(self, options: CheckOptions = CheckOptions(), engine: Any = None,
                 shaping: Any = None) -> None:
        super().__init__(options, engine)
        self.shaping = shaping
        self._shaper: Any = None

    def check_loaded(self, loaded: LoadResult) -> FileResult:
        result = super().check_loaded(loaded)
        if result.summary is None or skip_if_not_a_policy(result).skipped:
            return result  # unreadable, or not a policy: collect() decides, as for any checker
        if self._shaper is None:
            from policylint.compare.model import Shaper, Shaping

            self._shaper = Shaper(self.engine.registry, self.shaping or Shaping())
        return RowResult(result.file, arrival=self._shaper(result))


def collect(paths: Sequence[str], options: CheckOptions = CheckOptions(),
            skipped: list[str] | None = None,
            checker: Callable[[CheckOptions], Checker] = SummarisingChecker) -> Iterator[FileResult]:
    """Check every document under ``paths`` and yield results with summaries, in path order.

    Documents are checked as ``policylint check`` checks them, on one process per processor
    (``options.jobs``) when there are enough.  Results hold findings, rule outcomes and the
    summary; each document's node tree is dropped as soon as its result is made, so a corpus
    costs memory per summary only.  YAML files a folder walk finds that are not policy
    documents are left out (and added to ``skipped`` when given).  ``checker`` makes the
    checker of each process (:class:`RowChecker` with its shaping: rows made in the workers).
    """
    from policylint.run.parallel import check_files

    named = set(paths)
    items = (FileResult(path, [problem]) if problem is not None else (path, None)
             for path, problem in discover(paths, options.exclude))
    for result in check_files(items, options, None, checker):
        if result.file not in named and skip_if_not_a_policy(result).skipped:
            if skipped is not None:  # a walk found mkdocs.yml or the like: not a town to compare
                skipped.append(result.file)
            continue
        yield result


def load_revision(spec: str, options: CheckOptions, checker: Checker | None = None) -> FileResult:
    """Check one document given as a path or ``REV:path`` (read with ``git show``)."""
    import os

    checker = checker or SummarisingChecker(options)
    if os.path.exists(spec) or ":" not in spec:
        return checker.check_path(spec)
    return checker.check_bytes(git_show(spec), spec)


def git_show(spec: str) -> bytes:
    """The bytes of ``REV:path`` from git; a ``UsageError`` (exit 2) with git's reason."""
    import subprocess

    from policylint.errors import UsageError

    rev, _, path = spec.partition(":")
    if not rev or not path or rev.startswith("-"):  # "-..." would reach git as an option
        raise UsageError(f"`{spec}` is neither a file nor a git revision of one (REV:path)")
    try:
        proc = subprocess.run(["git", "show", f"{rev}:{path}"], capture_output=True, timeout=60,
                              check=False)
    except FileNotFoundError:
        raise UsageError(f"cannot read `{spec}`: git is not installed") from None
    except subprocess.TimeoutExpired:
        raise UsageError(f"cannot read `{spec}`: git did not answer within 60 s") from None
    if proc.returncode != 0:
        reason = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"cannot read `{spec}` from git: "
                         f"{reason[0] if reason else f'git exited {proc.returncode}'}")
    return proc.stdout
