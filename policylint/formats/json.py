"""The ``json`` format: versioned, documented in docs/json-format.md, built as data and dumped."""

from __future__ import annotations

import json
from typing import Any

from policylint import __version__

#: Bumped only on an incompatible change of shape; additions keep the version.
JSON_FORMAT_VERSION = 1


def report(results: list[Any], summary: Any) -> dict[str, Any]:
    """The report as plain data (also used by other formats and the Python API)."""
    return {
        "version": JSON_FORMAT_VERSION,
        "tool": {"name": "policylint", "version": __version__},
        "summary": {
            "files": summary.files,
            "files_with_findings": summary.files_with_findings,
            "input_errors": summary.input_errors,
            "findings": summary.total,
            "by_severity": dict(summary.by_severity),
            "by_rule": dict(sorted(summary.by_rule.items())),
            "suppressed": summary.suppressed,
            "baselined": summary.baselined,
        },
        "files": [{"file": r.file, "findings": [f.to_dict() for f in r.findings]} for r in results],
    }


def render(results: list[Any], summary: Any, ctx: Any) -> str:
    return json.dumps(report(results, summary), indent=2, ensure_ascii=False, default=str) + "\n"
