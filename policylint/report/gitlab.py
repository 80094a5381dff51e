"""The ``gitlab`` format: a Code Quality report (JSON array, unique fingerprints, relative paths)."""

from __future__ import annotations

import os
from typing import Any

from policylint.report.stream import JsonArray
from policylint.report.stream import render as render_stream
from policylint.run.baseline import occurrence_fingerprints, report_path

#: Code Climate severities; an unreadable input blocks everything else.
SEVERITIES = {"error": "major", "warning": "minor", "info": "info"}


def issue(f: Any, fingerprint: str, root: str, path: str | None = None) -> dict[str, Any]:
    """One Code Quality issue; ``path``: ``f.file`` relative to ``root``, when known already."""
    description = f.message + (f" (Law: {f.citation})" if f.citation else "")
    return {
        "type": "issue",
        "description": description,
        "check_name": f.rule,
        "fingerprint": fingerprint,
        "severity": "blocker" if f.input_error else SEVERITIES.get(f.severity, "minor"),
        "location": {"path": path if path is not None else report_path(f.file, root),
                     "lines": {"begin": max(1, f.line), "end": max(1, f.line, f.end_line)}},
    }


def issues(result: Any, root: str) -> list[dict[str, Any]]:
    """The issues of one file: active findings only (GitLab has no notion of suppressed or
    baselined issues)."""
    path = report_path(result.file, root)
    out = []
    for f, (_, digest) in zip(result.findings, occurrence_fingerprints(result.findings)):
        if f.suppressed is None and f.baseline is None:
            # The path is part of the fingerprint: equal findings in two files stay two.
            out.append(issue(f, _md5(path + "\0" + digest), root, path if f.file == result.file else None))
    return out


def project_root(ctx: Any) -> str:
    return os.environ.get("CI_PROJECT_DIR") or ctx.root


def report(results: list[Any], ctx: Any) -> list[dict[str, Any]]:
    """Every active finding as a Code Quality issue."""
    root = project_root(ctx)
    return [item for r in results for item in issues(r, root)]


def _md5(text: str) -> str:
    import hashlib

    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


class Stream:
    """The JSON array written an issue at a time."""

    def __init__(self, ctx: Any) -> None:
        self.root = project_root(ctx)
        self.array = JsonArray(0)

    def begin(self) -> str:
        return "["

    def result(self, result: Any) -> str:
        return "".join(self.array.item(i) for i in issues(result, self.root))

    def end(self, summary: Any) -> str:
        return self.array.close() + "\n"


def stream(ctx: Any) -> Stream:
    return Stream(ctx)


def render(results: list[Any], summary: Any, ctx: Any) -> str:
    return render_stream(stream(ctx), results, summary)
