"""Finding identity that survives line shifts, and the baseline file built on it.

A finding is identified by its document, rule, JSON pointer and a hash of the offending
value — never by line number — so inserting lines elsewhere changes neither the baseline
match nor the SARIF/GitLab fingerprints.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from policylint.errors import UsageError
from policylint.finding import FILE_START, Finding
from policylint.load.document import Document, resolve

BASELINE_VERSION = 1
DEFAULT_FILE = "policylint-baseline.json"


def value_hash(data: Any, pointer: str) -> str:
    """A short hash of the value at ``pointer`` (normalised: key order and layout ignored)."""
    value = resolve(data, pointer)
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def stamp(doc: Document | None, findings: list[Finding]) -> list[Finding]:
    """Record each finding's value hash (in ``meta``) while the document is at hand."""
    if doc is None:
        return findings
    return [f if f.input_error else f.with_(meta=(*f.meta, ("value_hash", value_hash(doc.data, f.path))))
            for f in findings]


def identity(f: Finding) -> tuple[str, str, str]:
    """(rule, pointer, value hash): what stays the same while lines move."""
    vh = dict(f.meta).get("value_hash")
    if vh is None:  # no document (an input error): the message is all there is
        vh = hashlib.sha256(f.message.encode("utf-8")).hexdigest()[:16]
    return f.rule, f.path, vh


def occurrence_fingerprints(findings: Iterable[Finding]) -> list[tuple[str, str]]:
    """Per finding of one file: (``hash:n`` line-hash style, full ``policylint/v1`` hash).

    ``n`` counts identical identities in file order, so two equal findings stay distinct.
    """
    seen: Counter[tuple[str, str, str]] = Counter()
    out = []
    for f in findings:
        key = identity(f)
        seen[key] += 1
        digest = hashlib.sha256("\0".join((*key, str(seen[key]))).encode("utf-8")).hexdigest()
        out.append((f"{digest[:16]}:{seen[key]}", digest))
    return out


def report_path(file: str, root: str) -> str:
    """``file`` relative to ``root`` with ``/`` separators (unchanged when outside it)."""
    if file.startswith("<"):
        return file
    try:
        rel = os.path.relpath(os.path.abspath(file), os.path.abspath(root))
    except ValueError:  # another drive on Windows
        return file.replace(os.sep, "/")
    if rel.startswith(".."):
        return os.path.abspath(file).replace(os.sep, "/")
    return rel.replace(os.sep, "/")


Key = tuple[str, str, str, str]  # file, rule, pointer, value hash


@dataclass(slots=True)
class Baseline:
    """Known findings with counts; files are relative to the baseline file's folder."""

    path: str
    counts: Counter[Key] = field(default_factory=Counter)
    messages: dict[Key, str] = field(default_factory=dict)
    matched: Counter[Key] = field(default_factory=Counter)
    checked: set[str] = field(default_factory=set)  # files seen by apply()
    stale: Counter[Key] = field(default_factory=Counter)  # entries apply() found gone

    @property
    def root(self) -> str:
        return os.path.dirname(os.path.abspath(self.path))

    def key(self, f: Finding) -> Key:
        return (report_path(f.file, self.root), *identity(f))

    # -- reading and writing ---------------------------------------------------------------

    @classmethod
    def load(cls, path: str, max_size: int | None = None) -> Baseline:
        """Read a baseline: a regular file of at most ``max_size`` bytes (the file-size limit)."""
        from policylint.load.limits import DEFAULT_LIMITS
        from policylint.load.loader import read_regular

        try:
            data = json.loads(read_regular(path, max_size or DEFAULT_LIMITS.max_file_size))
        except FileNotFoundError:
            raise UsageError(f"baseline file not found: {path} "
                             "(create it with `policylint baseline create`)") from None
        except (OSError, ValueError) as exc:  # JSON and encoding errors are ValueErrors
            raise UsageError(f"cannot read the baseline {path}: {getattr(exc, 'strerror', None) or exc}") from None
        if not isinstance(data, dict) or data.get("policylint-baseline") != BASELINE_VERSION \
                or not isinstance(data.get("findings"), list):
            raise UsageError(f"{path} is not a policylint baseline (version {BASELINE_VERSION})")
        baseline = cls(path)
        for n, item in enumerate(data["findings"]):
            try:
                key = (item["file"], item["rule"], item["pointer"], item["hash"])
                count = int(item.get("count", 1))
            except (TypeError, KeyError, ValueError):
                raise UsageError(f"{path}: entry {n} needs file, rule, pointer and hash") from None
            if not all(isinstance(k, str) for k in key) or count < 1:
                raise UsageError(f"{path}: entry {n} is malformed")
            baseline.counts[key] += count
            baseline.messages[key] = str(item.get("message", ""))
        return baseline

    def add(self, f: Finding) -> None:
        key = self.key(f)
        self.counts[key] += 1
        self.messages.setdefault(key, f.message)

    def to_data(self) -> dict[str, Any]:
        from policylint import __version__

        return {
            "policylint-baseline": BASELINE_VERSION,
            "tool_version": __version__,
            "findings": [
                {"file": k[0], "rule": k[1], "pointer": k[2], "hash": k[3], "count": n,
                 "message": self.messages.get(k, "")}
                for k, n in sorted(self.counts.items())
            ],
        }

    def to_text(self) -> str:
        """The baseline file's text (written whole by :mod:`policylint.report.outputs`)."""
        return json.dumps(self.to_data(), indent=2, ensure_ascii=False) + "\n"

    # -- matching ----------------------------------------------------------------------------

    def apply(self, file: str, findings: list[Finding],
              ran: Callable[[str], bool] | None = None) -> list[Finding]:
        """Mark known findings ``baseline="unchanged"``; add a finding per stale entry.

        Stale entries are only those of ``file`` whose rule ran (``ran``, default: all): an
        entry for a file not checked, or for a rule not selected, is neither matched nor stale.
        """
        out = []
        rel = report_path(file, self.root)
        self.checked.add(rel)
        for f in findings:
            if f.input_error or f.suppressed is not None or f.rule == "baseline-stale":
                out.append(f)
                continue
            key = self.key(f)
            if self.matched[key] < self.counts.get(key, 0):
                self.matched[key] += 1
                out.append(f.with_(baseline="unchanged"))
            else:
                out.append(f)
        if any(f.input_error for f in findings):
            return out  # an unreadable file says nothing about what was fixed
        for key, count in sorted(self.counts.items()):
            if key[0] != rel or self.matched[key] >= count or (ran is not None and not ran(key[1])):
                continue
            _, rule, pointer, _ = key
            self.stale[key] = count - self.matched[key]
            out.append(Finding(
                file=file, rule="baseline-stale", severity="warning", path=pointer,
                line=FILE_START.line, column=FILE_START.column, end_line=FILE_START.end_line,
                end_column=FILE_START.end_column,
                message=f"the baseline expects `{rule}` at `{pointer or '/'}` but it is gone "
                        "(fixed, or the value changed); run `policylint baseline prune`",
                args=(("rule", rule), ("pointer", pointer))))
        return out

    def pruned(self) -> Baseline:
        """A copy without stale entries (found by :meth:`apply`) and without the entries of
        files that no longer exist.  Entries of files or rules not checked are kept."""
        kept = Baseline(self.path)
        for key, count in self.counts.items():
            if key[0] in self.checked:
                n = count - self.stale[key]
            else:
                n = count if os.path.exists(os.path.join(self.root, key[0])) else 0
            if n:
                kept.counts[key] = n
                kept.messages[key] = self.messages.get(key, "")
        return kept
