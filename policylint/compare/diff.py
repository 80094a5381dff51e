"""What changed between two versions of a policy: provisions by topic, findings and scores."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from policylint.compare.model import Row, make_row
from policylint.compare.scores import pack_methods, score_row
from policylint.errors import PolicylintError
from policylint.rules.registry import Registry
from policylint.schema.taxonomy import SILENT, load_taxonomy

#: Instrument fields whose change a reader of a pull request wants to see.
INSTRUMENT_FIELDS = ("kind", "title", "number", "effective_date")


class UnreadableVersion(PolicylintError):
    """One of the two versions could not be read at all (exit code 2)."""


@dataclass(frozen=True, slots=True)
class ProvisionChange:
    """One topic whose coding changed; ``kind`` says how."""

    topic: str
    title: str
    number: str
    kind: str                      # added | removed | value_changed | reworded | amended
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    direction: str | None = None   # more_restrictive | less_restrictive (value changes only)
    details: tuple[str, ...] = ()


@dataclass(slots=True)
class Diff:
    """Two versions of one document compared."""

    old_file: str
    new_file: str
    old: Row
    new: Row
    instrument: list[tuple[str, Any, Any]] = field(default_factory=list)
    provisions: list[ProvisionChange] = field(default_factory=list)
    new_findings: list[Any] = field(default_factory=list)
    fixed: list[Any] = field(default_factory=list)
    unchanged: list[Any] = field(default_factory=list)
    #: (pack id, title, score before, score after): scores.Score objects, None where the
    #: pack did not apply to that version.
    scores: list[tuple[str, str, Any, Any]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.instrument or self.provisions or self.new_findings or self.fixed)


def _coded(provision: dict[str, Any] | None) -> bool:
    return provision is not None and provision.get("value") != SILENT


def _exception_words(provision: dict[str, Any]) -> list[str]:
    return [f"{e['kind']}{'' if e.get('bounded') else ' (unbounded)'}" for e in provision.get("exceptions") or ()]


def provision_change(topic: Any, old: dict[str, Any] | None, new: dict[str, Any] | None) -> ProvisionChange | None:
    """How ``topic`` changed between two provision summaries, or ``None`` if it did not."""
    base = (topic.key, topic.title, topic.number)
    if not _coded(old) and not _coded(new):
        return None
    if not _coded(old):
        return ProvisionChange(*base, "added", None, new)
    if not _coded(new):
        return ProvisionChange(*base, "removed", old, None)
    assert old is not None and new is not None
    details = []
    for key, label in (("section", "section"), ("form", "form"), ("paraphrase", "paraphrase")):
        if old.get(key) != new.get(key):
            details.append(f"{label}: {old.get(key) or '—'} → {new.get(key) or '—'}")
    before, after = _exception_words(old), _exception_words(new)
    details += [f"exception removed: {w}" for w in before if w not in after]
    details += [f"exception added: {w}" for w in after if w not in before]
    if old["value"] != new["value"]:
        ro, rn = topic.rank(old["value"]), topic.rank(new["value"])
        direction = None if ro is None or rn is None or ro == rn else (
            "more_restrictive" if rn < ro else "less_restrictive")
        return ProvisionChange(*base, "value_changed", old, new, direction, tuple(details))
    if old.get("quote") != new.get("quote"):
        return ProvisionChange(*base, "reworded", old, new, None, tuple(details))
    if details:
        return ProvisionChange(*base, "amended", old, new, None, tuple(details))
    return None


def _match_findings(old: list[Any], new: list[Any]) -> tuple[list[Any], list[Any], list[Any]]:
    """(new, fixed, unchanged): findings paired by rule and place, never by line number."""
    pending: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for f in old:
        pending[(f.rule, f.path)].append(f)
    added, unchanged = [], []
    for f in new:
        bucket = pending.get((f.rule, f.path))
        if bucket:
            bucket.pop(0)
            unchanged.append(f)
        else:
            added.append(f)
    fixed = [f for bucket in pending.values() for f in bucket]
    key = lambda f: (-f.rank, f.rule, f.line)  # noqa: E731
    return sorted(added, key=key), sorted(fixed, key=key), sorted(unchanged, key=key)


def _row(result: Any, registry: Registry, root: str) -> Row:
    if result.summary is None:
        problem = next((f.message for f in result.findings if f.input_error), "could not be read")
        raise UnreadableVersion(f"{result.file}: {problem}")
    return make_row(result, registry, root)


def diff(old_result: Any, new_result: Any, registry: Registry, root: str = ".") -> Diff:
    """Compare two checked versions (results of ``SummarisingChecker``) of one policy."""
    old, new = _row(old_result, registry, root), _row(new_result, registry, root)
    methods = pack_methods(registry, [old, new])
    score_row(old, methods)
    score_row(new, methods)
    out = Diff(old_result.file, new_result.file, old, new)
    for name in INSTRUMENT_FIELDS:
        if old.instrument.get(name) != new.instrument.get(name):
            out.instrument.append((name, old.instrument.get(name), new.instrument.get(name)))
    provisions_old = old_result.summary["provisions"]
    provisions_new = new_result.summary["provisions"]
    for topic in load_taxonomy().topics:
        change = provision_change(topic, provisions_old.get(topic.key), provisions_new.get(topic.key))
        if change is not None:
            out.provisions.append(change)
    out.new_findings, out.fixed, out.unchanged = _match_findings(
        [f for f in old_result.findings if f.suppressed is None and f.baseline is None],
        [f for f in new_result.findings if f.suppressed is None and f.baseline is None])
    for method in methods:
        pid = method.pack.id
        a, b = old.scores.get(pid), new.scores.get(pid)
        if a is not None or b is not None:
            out.scores.append((pid, method.pack.title, a, b))
    return out
