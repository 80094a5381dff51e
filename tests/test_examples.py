"""The shipped examples: valid documents, models that pass their own packs, pinned findings."""

from __future__ import annotations

import difflib
import json
import os
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from policylint.load.document import Document
from policylint.load.loader import load_path
from policylint.schema.validate import validate

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SNAPSHOT = Path(__file__).parent / "snapshots" / "examples-findings.json"
UPDATE_ENV = "POLICYLINT_UPDATE_SNAPSHOTS"
SCHEMA_LINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$")

# examples/policy-repo/ is a sample repository with its own configuration and tests.
_OWN_FOLDERS = ("ma", "models", "survey")


def _example_files() -> list[Path]:
    files = [p for folder in _OWN_FOLDERS for p in (EXAMPLES / folder).glob("*.yaml")]
    return sorted(files)


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


FILES = _example_files()
MODELS = sorted(p for p in FILES if p.parent.name == "models")
REAL_MA = sorted(p for p in FILES if p.parent.name == "ma")


@lru_cache(maxsize=None)
def _load(path: Path) -> tuple[Document, tuple[Any, ...], frozenset[str]]:
    """The document, its loader and schema findings, and the pointers the schema rejects."""
    result = load_path(str(path), display=_rel(path))
    assert result.document is not None, [f.message for f in result.findings]
    checked = validate(result.document)
    return result.document, tuple(result.findings) + tuple(checked.findings), checked.invalid


@lru_cache(maxsize=None)
def _registry() -> Any:
    from policylint.rules.registry import load_registry

    registry = load_registry()
    if not registry.packs:
        pytest.skip("no rule packs are installed yet; the findings tests need the rule engine")
    return registry


def _findings(path: Path, packs: tuple[str, ...] | None = None) -> list[Any]:
    from policylint.rules.engine import Engine, Selection

    doc, problems, invalid = _load(path)
    engine = Engine(_registry(), Selection(packs=packs))
    return [*problems, *engine.findings(doc, invalid)]


def test_examples_exist() -> None:
    assert len(REAL_MA) >= 17 and len(MODELS) >= 5, "examples are missing"


@pytest.mark.parametrize("path", FILES, ids=_rel)
def test_example_is_valid(path: Path) -> None:
    _, problems, _ = _load(path)
    assert not problems, "\n".join(f"{_rel(path)}:{f.line}:{f.column} {f.rule} {f.message}" for f in problems)


@pytest.mark.parametrize("path", FILES, ids=_rel)
def test_example_points_editors_at_the_schema(path: Path) -> None:
    first = path.read_text("utf-8").splitlines()[0]
    match = SCHEMA_LINE.match(first)
    assert match, f"{_rel(path)}: the first line must be the yaml-language-server $schema comment"
    target = (path.parent / match.group(1)).resolve()
    assert target == ROOT / "policylint" / "schema" / "schemas" / "policy.schema.json"


@pytest.mark.parametrize("path", FILES, ids=_rel)
def test_every_coded_value_says_what_it_rests_on(path: Path) -> None:
    """A value other than silent carries the instrument's words or the coder's paraphrase."""
    doc, _, _ = _load(path)
    provisions = doc.data.get("provisions") or {}
    bare = [topic for topic, prov in provisions.items()
            if prov.get("value") not in ("silent", None) and not (prov.get("quote") or prov.get("paraphrase"))]
    assert not bare, f"{_rel(path)}: coded without quote or paraphrase: {bare}"


@pytest.mark.parametrize("path", FILES, ids=_rel)
def test_press_reports_are_not_passed_off_as_published(path: Path) -> None:
    """A document known only from a press report says so in its instrument source."""
    doc, _, _ = _load(path)
    instrument = doc.data["instrument"]
    sources = [instrument.get("source") or {}, *(instrument.get("sources") or [])]
    for source in sources:
        url = source.get("url") or ""
        if any(host in url for host in ("wbur", "nenc.news", "masslive", "newbostonpost", "dotnews")):
            assert source.get("via") == "press_report", f"{_rel(path)}: {url} is a press report"


@pytest.mark.parametrize("path", REAL_MA + MODELS, ids=_rel)
def test_an_example_without_an_archive_says_so(path: Path) -> None:
    """Issue 17 §4: where no copy of the instrument is archived, the example says so."""
    doc, _, _ = _load(path)
    source = doc.data["instrument"].get("source") or {}
    if source.get("archive"):
        return
    notes = doc.data.get("notes") or []
    notes = [notes] if isinstance(notes, str) else notes
    assert any("not archived" in note and "examples/sources/README.md" in note for note in notes), (
        f"{_rel(path)}: no archive, and no note saying so (see examples/sources/README.md)")


def test_readme_lists_every_example() -> None:
    readme = (EXAMPLES / "README.md").read_text("utf-8")
    missing = [_rel(p) for p in FILES if p.relative_to(EXAMPLES).as_posix() not in readme]
    assert not missing, f"examples/README.md does not describe: {missing}"


@pytest.mark.parametrize("path", MODELS, ids=_rel)
def test_model_passes_its_own_pack(path: Path) -> None:
    pack = path.stem
    assert pack in _registry().packs, f"{_rel(path)} should be named after the pack it models"
    errors = [f for f in _findings(path, (pack,)) if f.severity == "error"]
    assert not errors, "\n".join(f"{f.line}: [{f.rule}] {f.message}" for f in errors)


# The findings each real encoding exists to show; the snapshot pins the rest.
SIGNATURES = {
    "examples/ma/quincy.yaml": {"iaq-trigger-national-origin", "exception-unbounded-public-safety",
                                "exception-unbounded-national-security", "iaq-is-notification"},
    # Lunn is the hold floor of every Massachusetts agency: both Lynn files leave ICE's
    # release questions open (the November answer; the directive limits proactive contact).
    "examples/ma/lynn-2025-11.yaml": {"notification-gap-when-holds-banned", "encoding-partial"},
    "examples/ma/lynn-updated-directive.yaml": {"notification-gap-when-holds-banned", "encoding-partial"},
    "examples/ma/tewksbury.yaml": {"no-written-policy", "incident-contradicts-bias-ban",
                                   "notification-gap-when-holds-banned"},
    "examples/ma/boston.yaml": {"citation-nonexistent"},
    "examples/ma/chelsea.yaml": {"citation-superseded-instrument", "encoding-partial"},
    "examples/ma/framingham.yaml": {"exception-unbounded-public-safety", "encoding-partial"},
    "examples/ma/brookline.yaml": {"encoding-partial"},
}

#: Findings an example must not show: each rests on text nobody read, or on a fact the
#: sources do not give.
ABSENT = {
    # The form of Lynn's directives is not known: no "unwritten directive" error.
    "examples/ma/lynn-2025-11.yaml": {"unwritten-directive"},
    "examples/ma/lynn-updated-directive.yaml": {"unwritten-directive"},
    # Only an excerpt of Brookline's vote was read: its silence on the rest is not known.
    "examples/ma/brookline.yaml": {"notification-gap-when-holds-banned", "missing-effective-date",
                                   "complaint-channel-present", "ice-contact-log-and-report",
                                   "release-eligibility-defined"},
    "examples/ma/cambridge.yaml": {"notification-gap-when-holds-banned", "missing-effective-date"},
    "examples/ma/somerville.yaml": {"notification-gap-when-holds-banned", "complaint-channel-present"},
    "examples/ma/chelsea.yaml": {"complaint-channel-present", "ice-contact-log-and-report",
                                 "missing-review-date"},
    "examples/ma/watertown.yaml": {"complaint-channel-present", "missing-issuing-authority"},
    # The copy seen stops before Section A: whether it was reviewed since 2008 is not known.
    "examples/ma/framingham.yaml": {"stale-policy-age", "missing-review-date"},
    # Quincy's task-force rules were not reported: no finding on their silence.
    "examples/ma/quincy.yaml": {"task-force-criminal-scope", "complaint-channel-present"},
}


@pytest.mark.parametrize("file", sorted(SIGNATURES))
def test_signature_findings(file: str) -> None:
    found = {f.rule for f in _findings(ROOT / file)}
    assert SIGNATURES[file] <= found, f"{file}: missing {sorted(SIGNATURES[file] - found)}"


@pytest.mark.parametrize("file, in_force", [
    ("examples/ma/ma-doc-287g.yaml", True),
    ("examples/ma/bristol-sheriff-287g-2017.yaml", False),    # ended 2021-05
    ("examples/ma/plymouth-sheriff-287g-2017.yaml", False),   # ended 2021-09-10
    ("examples/ma/barnstable-sheriff-287g.yaml", False),      # ended 2023-01
    ("examples/ma/framingham.yaml", False),                   # withdrawn 2009-10-01, model unknown
])
def test_only_an_agreement_in_force_is_reported_as_in_force(file: str, in_force: bool) -> None:
    found = {f.rule for f in _findings(ROOT / file, packs=("ma-safe-communities-act",))}
    assert ("no-287g" in found) is in_force


def test_framingham_encodes_the_287g_overlap_so_a_rule_can_see_it() -> None:
    # The agreement (2007 - 2009-10-01) was in force beside Policy #200-15 (2008-02-04):
    # the provision's own dates say so in terms a rule condition reads.
    from policylint.rules.checks import get
    from policylint.rules.conditions import Env, compile_condition

    doc, _, _ = _load(ROOT / "examples/ma/framingham.yaml")
    overlap = compile_condition({"all": [
        {"path": "provisions.agreement_287g.effective_date", "before": "2008-02-04"},
        {"path": "provisions.agreement_287g.ended", "after": "2008-02-04"},
        {"path": "instrument.effective_date", "after": "2008-02-03"},
        {"path": "instrument.effective_date", "before": "2008-02-05"}]}, get)
    assert overlap(Env(doc.data), None, None)


@pytest.mark.parametrize("file", sorted(ABSENT))
def test_findings_that_would_rest_on_unread_text_are_absent(file: str) -> None:
    found = {f.rule for f in _findings(ROOT / file)}
    assert not ABSENT[file] & found, f"{file}: {sorted(ABSENT[file] & found)}"


def _summary() -> dict[str, dict[str, int]]:
    """Per example, the rule ids found with the default packs and how often."""
    out = {}
    for path in FILES:
        counts = Counter(f.rule for f in _findings(path))
        out[_rel(path)] = dict(sorted(counts.items()))
    return out


def test_findings_snapshot() -> None:
    current = _summary()
    text = json.dumps(current, indent=2, sort_keys=True) + "\n"
    if os.environ.get(UPDATE_ENV) == "1":
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_text(text, "utf-8")
        return
    if not SNAPSHOT.exists():
        pytest.fail(f"no snapshot at {SNAPSHOT.relative_to(ROOT)}; create it with {UPDATE_ENV}=1")
    pinned = SNAPSHOT.read_text("utf-8")
    if pinned != text:
        diff = "".join(difflib.unified_diff(pinned.splitlines(True), text.splitlines(True),
                                            "pinned", "now"))
        pytest.fail("the findings for the examples changed; review the diff, and if it is right "
                    f"regenerate with {UPDATE_ENV}=1 python -m pytest tests/test_examples.py\n{diff}")
