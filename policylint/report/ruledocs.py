"""Describe rules and packs for people: `rules`, `explain`, `packs` and docs/rules.md."""

from __future__ import annotations

import sys
from typing import Any

from policylint.errors import UsageError, did_you_mean
from policylint.rules.governing import is_data_quality, law_scope
from policylint.rules.registry import Registry
from policylint.rules.rule import Pack, Rule
from policylint.rules.templating import package_environment

RULE_FORMATS = ("text", "markdown", "json")
PACK_FORMATS = ("text", "json")
_STATUS_ORDER = {"binding": 0, "model": 1, "federal": 2, "advisory": 3}


def _render(template: str, **context: Any) -> str:
    """Render a package template on text made terminal-safe: packs may come from third
    parties, and their titles, rationales and examples are printed to terminals."""
    return package_environment().get_template(template).render(**_safe(context))


def _safe(value: Any) -> Any:
    """``value`` with every string's control characters and bidi overrides escaped
    (line breaks and tabs kept; see :func:`policylint.report.environment.control_safe`)."""
    from policylint.report.environment import control_safe

    if isinstance(value, str):
        return control_safe(value)
    if isinstance(value, dict):
        return {k: _safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_safe(v) for v in value]
    return value


def _pack_or_error(registry: Registry, pack_id: str) -> Pack:
    pack = registry.packs.get(pack_id)
    if pack is None:
        raise UsageError(f"unknown pack `{pack_id}`{did_you_mean(pack_id, registry.packs)}")
    return pack


def ordered_packs(registry: Registry) -> list[Pack]:
    """Packs in reading order: binding, model, federal, advisory; then by id."""
    return sorted(registry.packs.values(), key=lambda p: (_STATUS_ORDER.get(p.status, 9), p.id))


def rule_view(registry: Registry, rule: Rule) -> dict[str, Any]:
    """Everything a reader needs about one rule, as plain data (JSON-ready)."""
    packs = [{"pack": p.id, "status": p.status, "severity": e.severity,
              "citation": e.citation or rule.law.get("citation"),
              "url": e.url if (e.citation or e.url) else rule.law.get("url"),
              "weight": e.weight, "basis": _entry_basis(p, e, is_data_quality(rule)),
              "requires_text": e.requires_text,
              "own_citation": bool(e.citation),
              "jurisdiction": p.jurisdiction}
             for p in ordered_packs(registry) for e in p.rules if e.rule == rule.id]
    return {
        "id": rule.id, "title": rule.title, "aliases": list(rule.aliases), "category": rule.category,
        "severity": rule.severity, "topics": list(rule.topics), "packs": packs,
        "rationale": rule.rationale, "law": dict(rule.law), "remediation": dict(rule.remediation),
        "examples": {kind: [dict(e) for e in rule.examples.get(kind, ())] for kind in ("pass", "fail")},
        "message": rule.message, "given": rule.given, "file": rule.file,
        "law_scope": law_scope(rule),
    }


def _entry_basis(pack: Pack, entry: Any, quality: bool = False) -> str:
    """What a pack entry rests on where its pack applies (see policylint.rules.governing): a
    data-quality rule is about the document, in every pack, never a drafting standard."""
    if quality:
        return "data-quality"
    if entry.basis == "drafting" or not entry.citation:
        return "drafting"
    return {"binding": "law", "federal": "law", "model": "model"}.get(pack.status, "advisory")


def pack_view(pack: Pack, registry: Registry | None = None) -> dict[str, Any]:
    """The pack as plain data; with ``registry``, its data-quality rules are labelled so."""
    rules = registry.rules if registry is not None else {}
    return {
        "id": pack.id, "title": pack.title, "jurisdiction": pack.jurisdiction,
        "states": list(pack.states), "jurisdictions": list(pack.jurisdictions),
        "status": pack.status, "effective_from": pack.effective_from,
        "effective_to": pack.effective_to, "description": pack.description,
        "sources": [dict(s) for s in pack.sources],
        "rules": [{"rule": e.rule, "severity": e.severity, "citation": e.citation, "url": e.url,
                   "weight": e.weight,
                   "basis": _entry_basis(pack, e, e.rule in rules and is_data_quality(rules[e.rule])),
                   "requires_text": e.requires_text} for e in pack.rules],
    }


def list_rules(registry: Registry, pack: str | None = None, fmt: str = "text") -> str:
    """The rules (all, or one pack's) as text, markdown (docs/rules.md) or JSON."""
    if fmt not in RULE_FORMATS:
        raise UsageError(f"unknown format `{fmt}`{did_you_mean(fmt, RULE_FORMATS)}")
    chosen = _pack_or_error(registry, pack) if pack else None
    ids = [e.rule for e in chosen.rules] if chosen else sorted(registry.rules)
    rules = [rule_view(registry, registry.rules[i]) for i in ids]
    if chosen:
        local = {e.rule: e for e in chosen.rules}
        for view in rules:
            view["severity"] = local[view["id"]].severity  # as this pack uses it
    if fmt == "json":
        from policylint.report.stream import dump

        return dump({"version": 1, "pack": pack, "rules": rules}, indent=2) + "\n"
    if fmt == "markdown":
        packs = [pack_view(p, registry) for p in ordered_packs(registry) if not chosen or p.id == chosen.id]
        categories: dict[str, list[dict[str, Any]]] = {}
        for view in sorted(rules, key=lambda v: (v["category"], v["id"])):
            categories.setdefault(view["category"] or "other", []).append(view)
        return _render("rules.md.j2", packs=packs, categories=categories, total=len(rules))
    width = max((len(v["id"]) for v in rules), default=0)
    return _render("rules.txt.j2", rules=rules, width=width, pack=pack_view(chosen, registry) if chosen else None)


def list_packs(registry: Registry, fmt: str = "text") -> str:
    """The packs with status, jurisdiction, dates and rule counts."""
    if fmt not in PACK_FORMATS:
        raise UsageError(f"unknown format `{fmt}`{did_you_mean(fmt, PACK_FORMATS)}")
    packs = [pack_view(p, registry) for p in ordered_packs(registry)]
    if fmt == "json":
        from policylint.report.stream import dump

        return dump({"version": 1, "packs": packs}, indent=2) + "\n"
    width = max((len(p["id"]) for p in packs), default=0)
    return _render("packs.txt.j2", packs=packs, width=width)


def explain(registry: Registry, rule_id: str) -> str:
    """What ``rule_id`` (or an alias) checks, why, the law, its packs, examples and the fix."""
    from policylint.rules.examples import run_example

    canonical = registry.resolve(rule_id)
    if canonical is None and rule_id in registry.packs:
        return explain_pack(registry, rule_id)
    if canonical is None:
        known = registry.known_ids() | set(registry.packs)
        raise UsageError(f"unknown rule or pack `{rule_id}`{did_you_mean(rule_id, known)}")
    rule = registry.rules[canonical]
    view = rule_view(registry, rule)
    compiled = registry.compiled[canonical]
    failing = passing = None
    if rule.examples.get("fail"):
        result = run_example(compiled, "fail", 0)
        failing = {"document": rule.examples["fail"][0]["document"],
                   "findings": [{"line": f.line, "column": f.column, "path": f.path,
                                 "message": f.message} for f in result.findings]}
    if rule.examples.get("pass"):
        passing = {"document": rule.examples["pass"][0]["document"]}
    return _render("explain.txt.j2", rule=view, asked=rule_id, failing=failing, passing=passing)


def explain_pack(registry: Registry, pack_id: str) -> str:
    """What the pack ``pack_id`` is: status, jurisdiction, when it applies, sources and rules."""
    view = pack_view(_pack_or_error(registry, pack_id), registry)
    width = max((len(r["rule"]) for r in view["rules"]), default=0)
    return _render("explain-pack.txt.j2", pack=view, width=width)


#: The lines of docs/rule-format.md between which :func:`checks_table` is kept.
CHECKS_BEGIN = "<!-- named checks: generated by `python -m policylint.report.ruledocs --checks` -->"
CHECKS_END = "<!-- end of named checks -->"


def checks_table() -> str:
    """The named checks rules may call, as a Markdown table made from their docstrings."""
    import inspect

    from policylint.rules.checks import CHECKS

    lines = ["| check | defined in | true when |", "|---|---|---|"]
    for name in sorted(CHECKS):
        func = CHECKS[name]
        doc = " ".join((inspect.getdoc(func) or "").split()).replace("``", "`").replace("|", "\\|")
        module = func.__module__.replace(".", "/") + ".py"
        lines.append(f"| `{name}` | `{module}` | {doc} |")
    return "\n".join(lines) + "\n"


def with_checks_table(text: str) -> str:
    """``text`` (docs/rule-format.md) with the table between the markers made anew."""
    head, sep, rest = text.partition(CHECKS_BEGIN + "\n")
    _, end, tail = rest.partition(CHECKS_END)
    if not sep or not end:
        raise ValueError("the named-checks markers are missing")
    return head + sep + checks_table() + end + tail


def main(argv: list[str] | None = None) -> int:
    """``python -m policylint.report.ruledocs``: print docs/rules.md; ``--checks FILE``: rewrite the
    named-checks table of docs/rule-format.md in place."""
    from policylint.rules.registry import load_registry

    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--checks"]:
        path = args[1] if len(args) > 1 else "docs/rule-format.md"
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(with_checks_table(text))
        return 0
    sys.stdout.write(list_rules(load_registry(), fmt="markdown"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
