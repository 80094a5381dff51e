"""Suppressions: comments on and above a line, blocks, whole files, waivers with expiry;
reasons required; unknown and unused suppressions reported; findings marked, not dropped."""

from __future__ import annotations

from policylint.run.api import check_text
from policylint.run.suppress import parse_directive

HEAD = """\
policylint: 1
agency: {name: Example Police Department, kind: municipal_police, state: MA, jurisdiction: Example}
instrument: {kind: department_policy, title: Example, effective_date: 2024-01-01}
provisions:
"""
HOLD = '  civil_detainer_hold: {value: allowed, quote: "Officers may hold on detainers.", section: "II"}\n'
RULE = "detainer-hold-prohibited"


def findings(text: str, **kw):
    return check_text(text, "d.yaml", today="2026-06-01", **kw).findings


def of(result, rule):
    return [f for f in result if f.rule == rule]


def test_parse_directive():
    assert parse_directive("disable=a-b, c -- why not") == ("disable", ("a-b", "c"), "why not")
    assert parse_directive("disable-file=x") == ("disable-file", ("x",), None)
    assert parse_directive("enable") == ("enable", (), None)
    assert parse_directive("something else") is None


def test_unsuppressed_finding_is_active():
    held = of(findings(HEAD + HOLD), RULE)
    assert held and held[0].suppressed is None


def test_trailing_comment_suppresses_its_line_with_the_reason():
    text = HEAD + HOLD.rstrip("\n") + f"  # policylint: disable={RULE} -- counsel reviewing\n"
    result = findings(text)
    assert of(result, RULE)[0].suppressed == "counsel reviewing"
    assert not of(result, "unused-suppression")


def test_comment_above_a_key_covers_the_whole_value_and_survives_line_shifts():
    text = HEAD + f"  # policylint: disable={RULE} -- counsel reviewing\n\n" + HOLD
    assert of(findings(text), RULE)[0].suppressed == "counsel reviewing"
    shifted = "\n" * 10 + text
    assert of(findings(shifted), RULE)[0].suppressed == "counsel reviewing"


def test_comment_inside_a_quoted_value_is_not_a_directive():
    text = HEAD + HOLD.replace("Officers may hold on detainers.",
                               f"x # policylint: disable={RULE} -- no")
    assert of(findings(text), RULE)[0].suppressed is None


def test_block_disable_enable():
    text = (HEAD + f"# policylint: disable={RULE} -- block reason\n" + HOLD
            + f"# policylint: enable={RULE}\n")
    assert of(findings(text), RULE)[0].suppressed == "block reason"


def test_enable_without_disable_is_reported():
    result = findings(HEAD + HOLD + f"# policylint: enable={RULE}\n")
    assert of(result, "suppression-invalid")


def test_disable_file():
    text = f"# policylint: disable-file={RULE} -- whole file\n" + HEAD + HOLD
    assert of(findings(text), RULE)[0].suppressed == "whole file"


def test_reason_is_required_unless_configured_otherwise():
    text = HEAD + HOLD.rstrip("\n") + f"  # policylint: disable={RULE}\n"
    strict = findings(text)
    assert of(strict, RULE)[0].suppressed is None
    assert of(strict, "suppression-without-reason")[0].line == 5
    lax = findings(text, require_reason=False)
    assert of(lax, RULE)[0].suppressed and not of(lax, "suppression-without-reason")


def test_unknown_rules_are_reported():
    text = HEAD + HOLD.rstrip("\n") + "  # policylint: disable=detainer-hold-prohibitd -- typo\n"
    result = findings(text)
    assert "unknown rule `detainer-hold-prohibitd`" in of(result, "suppression-invalid")[0].message
    assert of(result, RULE)[0].suppressed is None


def test_aliases_resolve_to_the_rule():
    from policylint.finding import Finding
    from policylint.load.loader import load_text
    from policylint.run.suppress import apply

    doc = load_text(HEAD + HOLD.rstrip("\n") + "  # policylint: disable=old-name -- renamed\n").document
    f = Finding(file="d.yaml", rule=RULE, severity="error", message="m", line=5, column=3)
    out = apply(doc, [f], {"old-name": RULE}.get, lambda rule: True)
    assert [g.suppressed for g in out] == ["renamed"]


def test_unused_suppression_is_reported_but_not_for_rules_that_did_not_run():
    text = HEAD + HOLD.replace("allowed", "prohibited").rstrip("\n") \
        + f"  # policylint: disable={RULE} -- stale\n"
    assert of(findings(text), "unused-suppression")
    assert not of(findings(text, ignore=(RULE,)), "unused-suppression")
    assert not of(findings(text, report_unused=False), "unused-suppression")


WAIVERS = "waivers:\n  - {rule: %s, pointer: /provisions/civil_detainer_hold, reason: 'council vote pending'%s}\n"


def test_waiver_suppresses_under_its_pointer():
    result = findings(HEAD + HOLD + WAIVERS % (RULE, ", until: 2027-01-01"))
    assert of(result, RULE)[0].suppressed == "waiver: council vote pending (until 2027-01-01)"
    assert not of(result, "expired-waiver")


def test_expired_waiver_stops_suppressing_and_is_reported():
    result = findings(HEAD + HOLD + WAIVERS % (RULE, ", until: 2025-01-01"))
    assert of(result, RULE)[0].suppressed is None
    expired = of(result, "expired-waiver")
    assert expired and expired[0].path == "/waivers/0/until" and expired[0].line == 7


def test_waiver_elsewhere_does_not_apply_and_is_unused():
    text = HEAD + HOLD + WAIVERS.replace("/provisions/civil_detainer_hold", "/provisions/other") % (RULE, "")
    result = findings(text)
    assert of(result, RULE)[0].suppressed is None
    assert of(result, "unused-suppression")[0].path == "/waivers/0"


def test_suppressed_findings_do_not_fail_the_run(run_cli, write):
    doc = write("d.yaml", HEAD + HOLD.rstrip("\n") + f"  # policylint: disable={RULE} -- reviewing\n")
    result = run_cli("check", "--isolated", "--select", RULE, "-f", "json", str(doc))
    assert result.exit_code == 0, result.output
    assert '"suppressed": "reviewing"' in result.output


# A topic the document lacks is reported on the `provisions:` key line, where its text would
# go; suppressions of such findings belong there (or in a `disable-file` directive).
ABSENT = "ice-contact-log-and-report"
PROVISIONS_LINE = 4


def relaxed(text: str):
    from dataclasses import replace

    from policylint.load.limits import DEFAULT_LIMITS

    # A loaded machine must not stop the rules (the finding would be missing, not suppressed).
    return findings(text, limits=replace(DEFAULT_LIMITS, max_rule_seconds=60))


def test_absent_topic_is_reported_on_the_provisions_line():
    absent = of(relaxed(HEAD + HOLD), ABSENT)
    assert absent and absent[0].line == PROVISIONS_LINE and absent[0].suppressed is None


def test_absent_topic_is_suppressed_above_or_on_the_provisions_line():
    directive = f"# policylint: disable={ABSENT} -- drafting with counsel"
    above = HEAD.replace("provisions:\n", f"{directive}\nprovisions:\n")
    trailing = HEAD.replace("provisions:\n",
                            f"provisions:  # policylint: disable={ABSENT} -- drafting with counsel\n")
    whole = f"# policylint: disable-file={ABSENT} -- drafting with counsel\n" + HEAD
    for text in (above, trailing, whole):
        result = relaxed(text + HOLD)
        assert [f.suppressed for f in of(result, ABSENT)] == ["drafting with counsel"], text
        assert not of(result, "unused-suppression"), text


def test_a_suppression_above_a_provision_says_where_the_absent_topic_is_reported():
    text = HEAD + f"  # policylint: disable={ABSENT} -- drafting with counsel\n" + HOLD
    result = relaxed(text)
    assert of(result, ABSENT)[0].suppressed is None
    expected = (f"this suppression of `{ABSENT}` matches no finding; `{ABSENT}` is reported "
                f"on line {PROVISIONS_LINE}: suppress it there")
    assert [f.message for f in of(result, "unused-suppression")] == [expected]
