"""Every rule's own examples run as tests: pass documents stay clean, fail documents fail where they say."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from policylint.rules.examples import run_example
from policylint.rules.registry import load_rule_text, package_conditions

RULES = Path(__file__).resolve().parent.parent / "policylint" / "rules" / "data"


def _rule_files() -> list[Path]:
    return sorted(p for p in RULES.glob("*/*.y*ml") if p.parent.name not in ("packs", "conditions"))


def _cases() -> list[object]:
    """One case per example, named ``<rule-id>-pass-<n>`` (``-k <rule-id>`` selects a rule)."""
    cases: list[object] = []
    for path in _rule_files():
        try:
            data = yaml.safe_load(path.read_text("utf-8"))
            examples = data.get("examples") or {}
            counts = {kind: len(examples.get(kind) or ()) for kind in ("pass", "fail")}
        except Exception:
            counts = {"pass": 0, "fail": 0}
        for kind, count in counts.items():
            for n in range(count):
                cases.append(pytest.param(path, kind, n, id=f"{path.stem}-{kind}-{n}"))
    return cases


def _load(path: Path):
    compiled, problems = load_rule_text(path.read_text("utf-8"), str(path), path.parent.name,
                                        named=package_conditions(), shipped=True)
    assert not problems, "\n".join(str(p) for p in problems)
    return compiled


@pytest.mark.parametrize("path", _rule_files(), ids=lambda p: f"{p.stem}-loads")
def test_rule_file_loads(path: Path) -> None:
    """The rule file validates against the meta-schema and compiles."""
    _load(path)


@pytest.mark.parametrize(("path", "kind", "index"), _cases())
def test_rule_example(path: Path, kind: str, index: int) -> None:
    compiled = _load(path)
    result = run_example(compiled, kind, index)
    document = compiled.rule.examples[kind][index]["document"]
    assert result.problem is None, f"example document is not readable YAML: {result.problem}"
    shown = "\n".join(f"  {f.path} line {f.line}: {f.message}" for f in result.findings) or "  (none)"
    assert result.actual == result.expected, (
        f"{compiled.rule.id} {kind} example {index}\n--- document\n{document}\n"
        f"--- expected (at, line): {list(result.expected)}\n--- found:\n{shown}")
    for finding in result.findings:
        assert finding.message and finding.message != compiled.rule.title, (
            f"the message template did not render: {compiled.rule.message!r}")


# -- the catalogue and the packs (separate from the per-example cases above) -------------------

#: Every rule id of the research catalogue (PART C: law rules; PART D: drafting checks),
#: plus the incident check.  Two catalogue pairs say the same thing: one id of each pair is
#: kept as an alias (judicial-warrant-undefined, savings-clause-swallows-rule).
CATALOGUE_C = (
    "detainer-hold-prohibited admin-warrant-not-judicial no-inherent-authority-basis "
    "release-eligibility-defined detainer-48h-cap judicial-warrant-defined transfer-judicial-or-listed "
    "notification-request-limited notification-end-of-sentence-only notification-gap-when-holds-banned "
    "proactive-notification-prohibited decline-and-document-requests status-inquiry-restricted "
    "place-of-birth-inquiry-restricted victims-witnesses-no-inquiry iaq-requires-criminal-nexus "
    "iaq-trigger-national-origin no-287g no-deputization-informal no-civil-immigration-arrest "
    "criminal-immigration-1326-only task-force-criminal-scope task-force-annual-report "
    "no-operational-support no-facility-access interview-consent-form detainee-notice-of-requests "
    "no-nonpublic-personal-data criminal-history-sharing-ok status-info-ban-vs-1373 "
    "savings-clause-overbroad no-detention-contracts no-ice-interpreters resources-not-used "
    "sensitive-locations-addressed juvenile-provision-present sro-covered u-t-visa-procedure "
    "u-t-visa-inquiry-carveout ice-contact-log-and-report transfer-count-report training-required "
    "complaint-channel-present policy-filed-with-state ca-7282.5-list-exact"
).split()
CATALOGUE_D = (
    "exception-unbounded-public-safety exception-unbounded-national-security "
    "exception-undefined-crime-list bias-ban-vs-iaq-foreign-born iaq-is-notification "
    "discretion-any-officer-no-approval unwritten-directive no-written-policy missing-effective-date "
    "missing-review-date missing-issuing-authority stale-policy-age citation-nonexistent "
    "citation-ina-usc-mismatch citation-superseded-instrument citation-case-caption "
    "lunn-overclaim-or-underclaim judicial-warrant-undefined notification-vs-detainer-conflation "
    "ice-definition-too-narrow immigration-enforcement-undefined required-by-law-unspecified "
    "savings-clause-swallows-rule scope-omits-units task-force-channel-unaddressed "
    "fingerprint-channel-unacknowledged foreign-jurisdiction-citation value-without-quote "
    "cross-section-conflict"
).split()
ALIASES = {"judicial-warrant-undefined": "judicial-warrant-defined",
           "savings-clause-swallows-rule": "savings-clause-overbroad"}
PACKS = ("ma-lunn ma-safe-communities-act boston-trust-act ca-values-truth il-trust wa-kww nj-itd "
         "or-sanctuary-promise us-1373 federal-detainer-reg cfjj-checklist drafting sources").split()


def _registry():
    from policylint.rules.registry import load_registry

    return load_registry()


def test_catalogue_sizes() -> None:
    assert len(CATALOGUE_C) == len(set(CATALOGUE_C)) == 45
    assert len(CATALOGUE_D) == len(set(CATALOGUE_D)) == 29


@pytest.mark.parametrize("rule_id", [*CATALOGUE_C, *CATALOGUE_D, "incident-contradicts-policy"])
def test_catalogue_id_exists(rule_id: str) -> None:
    reg = _registry()
    assert reg.resolve(rule_id) is not None, f"no rule or alias `{rule_id}`"
    if rule_id in ALIASES:
        assert reg.resolve(rule_id) == ALIASES[rule_id] and rule_id not in reg.rules


def test_every_pack_loads_against_the_meta_schema() -> None:
    reg = _registry()
    assert sorted(reg.packs) == sorted(PACKS)
    for pack in reg.packs.values():
        assert pack.rules, f"pack `{pack.id}` has no rules"
        assert pack.sources, f"pack `{pack.id}` has no sources"


def test_every_rule_is_complete_and_in_a_pack() -> None:
    reg = _registry()
    in_packs = {e.rule for p in reg.packs.values() for e in p.rules}
    for rule in reg.rules.values():
        assert rule.law.get("citation"), rule.id
        assert rule.message.strip() and rule.rationale.strip(), rule.id
        assert rule.remediation.get("text"), rule.id
        assert rule.examples.get("pass") and rule.examples.get("fail"), rule.id
        assert rule.id in in_packs, f"`{rule.id}` is in no pack"


def test_rules_resting_on_a_summary_ship_as_warnings() -> None:
    reg = _registry()
    for rule in reg.rules.values():
        if rule.law.get("summary"):
            assert rule.severity != "error", f"`{rule.id}` rests on a summary but defaults to error"
