"""The ``concise`` format: one ``file:line:col: severity [rule] message`` line per finding."""

from __future__ import annotations

from typing import Any

from policylint.report.environment import render_text

STREAM = True


def render_file(result: Any, ctx: Any) -> str:
    findings = result.active
    if not findings:
        return ""
    return render_text("concise.j2", findings=findings)


def render_summary(summary: Any, ctx: Any) -> str:
    return ""
