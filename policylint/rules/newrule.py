"""``policylint new-rule``: write a new rule file from a template and add it to a pack."""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass

from policylint import shipped
from policylint.errors import UsageError, did_you_mean
from policylint.rules.registry import Registry, build_registry, directory_files, package_files

#: Rule ids and category folders: lower-case words joined by `-` (as the rule meta-schema).
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9.]+)*$")
_CATEGORY = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
#: Folders of a rule tree that hold no rules.
_NOT_CATEGORIES = ("packs", "conditions")
#: Every placeholder the author must replace says this (a test refuses it in shipped rules).
TODO = "TODO"

# The file validates against the rule meta-schema and loads, so the pack that names it still
# loads and `policylint explain` shows it; but its fail example expects a finding at `/TODO`
# that the placeholder condition never gives, so the rule's example test fails until real
# examples are written.
TEMPLATE = """\
# Written by `policylint new-rule`: replace every TODO (docs/rule-format.md, "A rule").
# The rule loads as it is, but its fail example expects a finding at /TODO that it cannot
# give: its example test fails until the examples are real.
id: {id}
aliases: []
title: "TODO: what the policy must say, as one requirement"
topics: []                     # TODO: the provision topics the rule reads (docs/format.md)
reads: []
severity: warning              # error only where binding law requires it
given: provisions.TODO         # TODO: the subject, e.g. provisions.civil_detainer_hold
fail: {{path: "@.value", in: [TODO]}}   # TODO: when the subject fails (or {{condition: NAME}})
at: value
message: >-
  TODO: what is wrong, for the drafter, e.g. {{{{ agency.name or 'The policy' }}}} ... (`{{{{ value }}}}`).
rationale: >-
  TODO: why the rule exists, in plain words, with the law it rests on.
law:
  citation: "TODO: the citation of the law or standard (never invent one)"
  summary: false               # true when it rests on a secondary summary (ships as a warning)
  # url, quote (verbatim, short), jurisdiction (a state, US, or "City, ST"), basis
remediation:
  text: "TODO: what to change, in plain words."
  # model_language (verbatim, with model_source) where a model law's words were seen; else:
  suggested_language: >-
    TODO: language that would fix a finding, drafted for policylint ([brackets] for the
    drafter's choices).
examples:
  pass:
    - document: |
        provisions: {{}}
  fail:
    - document: |
        provisions: {{}}
      findings:
        - {{at: /TODO, line: 1}}
"""


@dataclass(frozen=True, slots=True)
class NewRule:
    """What :func:`new_rule` wrote, and what the author does next."""

    rule_file: str
    pack_file: str
    next_steps: tuple[str, ...]


def new_rule(rule_id: str, pack: str, category: str | None = None, rule_dir: str | None = None) -> NewRule:
    """Write ``<root>/<category>/<rule_id>.yaml`` from the template and add the rule to ``pack``.

    ``root`` is the package's rules (``policylint/rules``), or ``rule_dir`` for a third-party
    rule directory.  Without ``category`` the rule goes in the folder holding most of the
    pack's rules.  Nothing is overwritten: an id (or alias) already in use, an unknown pack,
    or a pack whose rule list cannot be extended is a :class:`UsageError`, and then no file
    is written.
    """
    if not _ID.match(rule_id):
        raise UsageError(f"rule id `{rule_id}` must be lower-case words joined by `-` (e.g. detainer-hold-prohibited)")
    root = rule_dir if rule_dir is not None else shipped.path("rules", "data")
    pack_file = os.path.join(root, "packs", f"{pack}.yaml")
    if not os.path.isfile(pack_file):
        folder = os.path.join(root, "packs")
        local = sorted(n[: -len(".yaml")] for n in os.listdir(folder) if n.endswith(".yaml")) \
            if os.path.isdir(folder) else []
        raise UsageError(f"no pack `{pack}` in {folder}{did_you_mean(pack, local)}"
                         + (f"; its packs: {', '.join(local)}" if local else ""))
    registry = _registry(rule_dir)  # every rule must load: the new id is checked against all
    if registry.resolve(rule_id) is not None:
        taken = registry.rule(rule_id)
        raise UsageError(f"rule id `{rule_id}` is already used by {taken.file}"
                         + ("" if taken.id == rule_id else f" (as an alias of `{taken.id}`)"))
    if category is None:
        category = _usual_category(registry, pack)
    if not _CATEGORY.match(category) or category in _NOT_CATEGORIES:
        raise UsageError(f"category `{category}` must be a folder name of lower-case words joined by `-`, "
                         f"not {' or '.join(_NOT_CATEGORIES)}")
    rule_file = os.path.join(root, category, f"{rule_id}.yaml")
    if os.path.lexists(rule_file):
        raise UsageError(f"{rule_file} already exists; not overwritten")
    with open(pack_file, encoding="utf-8") as fh:
        pack_text = fh.read()
    new_pack_text = add_to_pack(pack_text, rule_id, pack_file)
    os.makedirs(os.path.dirname(rule_file), exist_ok=True)
    with open(rule_file, "x", encoding="utf-8") as fh:  # "x": never replaces a file
        fh.write(TEMPLATE.format(id=rule_id))
    with open(pack_file, "w", encoding="utf-8") as fh:
        fh.write(new_pack_text)
    return NewRule(rule_file, pack_file, _next_steps(rule_id, rule_file, rule_dir))


def _registry(rule_dir: str | None) -> Registry:
    """The package's rules and packs, and ``rule_dir``'s, read now (not a cached registry)."""
    files = list(package_files())
    package = frozenset(file for file, _, _ in files)
    if rule_dir is not None:
        files.extend(directory_files(rule_dir))
    return build_registry(files, shipped_files=package)


def _usual_category(registry: Registry, pack: str) -> str:
    """The folder holding most of ``pack``'s rules (the first in name order when tied)."""
    counts = Counter(registry.rules[e.rule].category for e in registry.packs[pack].rules
                     if e.rule in registry.rules and registry.rules[e.rule].category)
    if not counts:
        raise UsageError(f"pack `{pack}` has no rules to take a category from: give --category")
    best = max(counts.values())
    return min(c for c, n in counts.items() if n == best)


_RULES_KEY = re.compile(r"^rules:[ \t]*(#.*)?$")


def add_to_pack(text: str, rule_id: str, file: str = "pack") -> str:
    """Pack manifest ``text`` with ``- {rule: RULE_ID, severity: warning}`` ending its ``rules:``
    list, in the indentation of the entries already there; the rest of the text unchanged."""
    lines = text.splitlines(keepends=True)
    start = next((n for n, line in enumerate(lines) if _RULES_KEY.match(line.rstrip("\r\n"))), None)
    if start is None:
        raise UsageError(f"{file}: no block `rules:` list to add the rule to")
    end = start + 1  # one past the last line of the block (its entries are indented)
    indent = None
    for n in range(start + 1, len(lines)):
        line = lines[n]
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if not line[0].isspace() and not stripped.startswith("-"):
            break  # the next top-level key
        if indent is None and stripped.startswith("-"):
            indent = line[: len(line) - len(line.lstrip())]
        end = n + 1
    if indent is None:
        indent = "  "
    if end and not lines[end - 1].endswith("\n"):
        lines[end - 1] += "\n"
    lines.insert(end, f"{indent}- rule: {rule_id}\n{indent}  severity: warning\n")
    return "".join(lines)


def _next_steps(rule_id: str, rule_file: str, rule_dir: str | None) -> tuple[str, ...]:
    dir_option = f" --rules-dir {rule_dir}" if rule_dir is not None else ""
    steps = [
        f"Replace every {TODO} in {rule_file}: the condition, message, law (its citation), "
        "remediation and real pass/fail examples (docs/rule-format.md, \"A rule\").",
        f"Set the pack entry's severity, citation and weight; see the rule: policylint explain {rule_id}{dir_option}",
    ]
    if rule_dir is None:
        steps += [
            f"Run its examples: python -m pytest tests/test_rule_examples.py -k {rule_id}",
            "Regenerate docs/rules.md: python -m policylint.report.ruledocs > docs/rules.md",
            "Regenerate the findings snapshot and review its diff: "
            "POLICYLINT_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_examples.py",
            "If it uses a new named check: python -m policylint.report.ruledocs --checks",
        ]
    else:
        steps.append(f"Check that the directory loads: policylint rules{dir_option}")
    return tuple(steps)
