"""What "the same report" means for the formats whose text changed order when they began
streaming: JSON objects compare as data; SARIF rule indexes as the rules they point to; the
GitHub log as the same commands, listing and summary line with any stop-commands token."""

from __future__ import annotations

import json
import re
from typing import Any


def same_json(old: str, new: str) -> bool:
    return bool(json.loads(old) == json.loads(new))


def _sarif_canonical(text: str) -> Any:
    log = json.loads(text)
    for run in log["runs"]:
        rules = run["tool"]["driver"]["rules"]
        for result in run["results"]:
            assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
            del result["ruleIndex"]
        run["tool"]["driver"]["rules"] = sorted(rules, key=lambda r: r["id"])
    return log


def same_sarif(old: str, new: str) -> bool:
    return bool(_sarif_canonical(old) == _sarif_canonical(new))


def _github_parts(text: str) -> tuple[list[str], list[str], list[str]]:
    """(lines outside the stopped listing, the listing, the stop/resume lines) with the token
    replaced by a placeholder."""
    lines = text.splitlines()
    token = next((ln.split("::")[2] for ln in lines if ln.startswith("::stop-commands::")), None)
    if token is None:
        return lines, [], []
    start = lines.index(f"::stop-commands::{token}")
    end = lines.index(f"::{token}::")
    outside = lines[:start] + lines[end + 1:]
    return outside, lines[start + 1:end], ["::stop-commands::TOKEN", "::TOKEN::"]


def same_github(old: str, new: str) -> bool:
    """The same annotations in the same order, the same listing in a stopped group, and the same
    last line (the summary); where the listing sits among the annotations may differ."""
    o_out, o_list, o_stop = _github_parts(old)
    n_out, n_list, n_stop = _github_parts(new)
    commands = re.compile(r"::(error|warning|notice) ")
    return (o_list == n_list and o_stop == n_stop
            and [x for x in o_out if commands.match(x)] == [x for x in n_out if commands.match(x)]
            and sorted(o_out) == sorted(n_out) and o_out[-1:] == n_out[-1:])
