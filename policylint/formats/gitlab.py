"""The ``gitlab`` format: a Code Quality report (JSON array, unique fingerprints, relative paths)."""

from __future__ import annotations

import json
import os
from typing import Any

from policylint.baseline import occurrence_fingerprints, report_path

#: Code Climate severities; an unreadable input blocks everything else.
SEVERITIES = {"error": "major", "warning": "minor", "info": "info"}


def issue(f: Any, fingerprint: str, root: str) -> dict[str, Any]:
    description = f.message + (f" (Law: {f.citation})" if f.citation else "")
    return {
        "type": "issue",
        "description": description,
        "check_name": f.rule,
        "fingerprint": fingerprint,
        "severity": "blocker" if f.input_error else SEVERITIES.get(f.severity, "minor"),
        "location": {"path": report_path(f.file, root),
                     "lines": {"begin": max(1, f.line), "end": max(1, f.line, f.end_line)}},
    }


def report(results: list[Any], ctx: Any) -> list[dict[str, Any]]:
    """Active findings only: GitLab has no notion of suppressed or baselined issues."""
    root = os.environ.get("CI_PROJECT_DIR") or ctx.root
    out = []
    for r in results:
        path = report_path(r.file, root)
        for f, (_, digest) in zip(r.findings, occurrence_fingerprints(r.findings)):
            if f.suppressed is None and f.baseline is None:
                # The path is part of the fingerprint: equal findings in two files stay two.
                out.append(issue(f, _md5(path + "\0" + digest), root))
    return out


def _md5(text: str) -> str:
    import hashlib

    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def render(results: list[Any], summary: Any, ctx: Any) -> str:
    return json.dumps(report(results, ctx), indent=2, ensure_ascii=False) + "\n"
