"""Descriptors of every rule id, for reports: core ids (loader, schema, suppressions) and pack rules."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

#: Where the YAML and JSON Schema rules come from, for their help links.
_YAML_SPEC = "https://yaml.org/spec/1.2.2/"

#: id -> (default severity, title, what it means and how to fix it).  These rules are not in
#: the rule packs: the loader, the schema validator, suppressions and the baseline emit them.
CORE_RULES: dict[str, tuple[str, str, str]] = {
    # Reading the file (input errors: exit code 2).
    "input-unreadable": ("error", "The file cannot be read",
                         "The path does not exist, is a directory, or cannot be opened."),
    "input-binary": ("error", "The file is binary, not YAML text",
                     "A NUL byte was found: the file is not a text file. Policy documents are "
                     "UTF-8 YAML files."),
    "input-encoding": ("error", "The file is not valid UTF-8",
                       "Save the document as UTF-8 (UTF-16 with a byte-order mark is also read)."),
    "input-too-large": ("error", "The file is larger than the size limit",
                        "The file exceeds the size limit (2 MiB by default). Raise it with "
                        "--max-file-size or `limits.max-file-size` if the file is genuine."),
    "input-too-many-files": ("error", "The run reached its document limit",
                             "A run checks at most 100,000 documents by default; the rest were "
                             "not checked. Raise it with --max-documents or "
                             "`limits.max-documents`."),
    "input-not-policylint": ("error", "The file is not a policylint document",
                             ("The YAML file has no top-level `policylint` key, so it is not a "
                              "policy document (mkdocs.yml, docker-compose.yml ...). A directory "
                              "walk skips such files and counts them; named explicitly, add "
                              "`policylint: 1` at the top if it is a policy document.")),
    "yaml-syntax": ("error", "YAML syntax error",
                    "The file is not valid YAML; the position shows where the parser stopped."),
    "yaml-empty": ("error", "The file holds no document",
                   "The file is empty or holds only comments."),
    "yaml-multiple-documents": ("error", "Several YAML documents in one file",
                                "Put each policy document in its own file (no `---` separators "
                                "between documents)."),
    "yaml-not-mapping": ("error", "The document is not a mapping",
                         "A policy document is a mapping of keys (`policylint: 1`, `agency:`, "
                         "`provisions:` ...), not a list or a single value."),
    "yaml-too-deep": ("error", "Values are nested too deeply",
                      "The document nests values deeper than the limit (64 by default)."),
    "yaml-too-many-nodes": ("error", "The document expands to too many values",
                            "Aliases expand the document past the value limit (an alias bomb?)."),
    "yaml-string-too-long": ("error", "A value is too long",
                             "One text value is longer than the string limit."),
    "yaml-tag": ("error", "Unsupported YAML tag",
                 "Policy documents use plain values; tags such as `!!python/object` are ignored, "
                 "never executed."),
    "yaml-complex-key": ("error", "A mapping key is not a plain word",
                         "Mapping keys must be plain words, not lists or mappings."),
    "yaml-duplicate-key": ("error", "Duplicate key",
                           "A key appears twice in one mapping; YAML would silently keep only "
                           "the last one."),
    "findings-capped": ("info", "More findings of one rule than a report lists",
                        "One rule found more than 1,000 problems in one document (60,000 "
                        "unknown keys, say); the first 1,000 are reported and this finding "
                        "counts the rest."),
    "rule-timeout": ("error", "A rule was stopped by the time limit",
                     "A rule ran longer than the time limit on this document (1 s by default, "
                     "`limits.max-rule-seconds`), so it was stopped and its findings are "
                     "missing; a slow pattern or message template in a third-party pack is "
                     "the usual cause."),
    # The policy-document schema.
    "schema-unknown-key": ("error", "Unknown key",
                           "The key is not part of the policy document format (a typo?)."),
    "schema-missing-key": ("error", "A required key is missing",
                           "The document format requires this key."),
    "schema-invalid-value": ("error", "A value is not one of the allowed words",
                             "The value must be one of the words the format lists for this field."),
    "schema-wrong-type": ("error", "A value has the wrong type",
                          "The value is of the wrong kind (text, number, list, mapping ...). "
                          "YAML reads bare yes/no/on/off as true/false: quote them."),
    "schema-invalid-format": ("error", "A value has the wrong form",
                              "The value does not have the expected form (a date written "
                              "YYYY-MM-DD, a web address ...)."),
    "schema-invalid": ("error", "A value is not valid here",
                       "The value breaks a constraint of the document format."),
    # Suppressions, waivers and the baseline.
    "unused-suppression": ("warning", "A suppression or waiver matches no finding",
                           "A `# policylint: disable=...` comment or a `waivers:` entry no "
                           "longer suppresses anything: remove it, so it cannot hide a future "
                           "problem."),
    "expired-waiver": ("warning", "A waiver has expired",
                       "The waiver's `until` date has passed: it no longer suppresses the "
                       "finding. Fix the policy, or renew the waiver with a new reason."),
    "suppression-without-reason": ("warning", "A suppression gives no reason",
                                   "Suppressions need a reason (`-- why`, or `reason:` in a "
                                   "waiver) so a reviewer can audit them; without one the "
                                   "suppression is not applied."),
    "suppression-invalid": ("warning", "A suppression comment cannot be understood",
                            "The comment names an unknown rule, has no rule list, or is an "
                            "`enable` without a matching `disable`."),
    "baseline-stale": ("warning", "A baseline entry matches no finding",
                       "A finding recorded in the baseline is gone (fixed, or its value "
                       "changed). Run `policylint baseline prune` to drop the entry."),
}

_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What reports say about a rule: titles, help text with the law, and a link."""

    id: str
    title: str
    description: str
    severity: str = "warning"
    help_text: str = ""
    help_markdown: str = ""
    help_uri: str | None = None
    citation: str | None = None
    tags: tuple[str, ...] = ()
    #: language that would fix a finding: ``(label, text)``, the label saying whether it is a
    #: model law's words (and whose) or a suggestion drafted for policylint; None for core rules
    language: tuple[str, str] | None = None

    @property
    def sarif_level(self) -> str:
        return _SARIF_LEVEL.get(self.severity, "warning")


def _core(rule_id: str) -> RuleInfo:
    severity, title, description = CORE_RULES[rule_id]
    kind = rule_id.split("-", 1)[0]
    uri = _YAML_SPEC if kind == "yaml" else None
    return RuleInfo(id=rule_id, title=title, description=description, severity=severity,
                    help_text=description, help_markdown=description, help_uri=uri,
                    tags=(kind if kind in ("input", "yaml", "schema") else "suppression",))


def _unknown(rule_id: str) -> RuleInfo:
    text = f"Rule `{rule_id}`."
    return RuleInfo(id=rule_id, title=rule_id, description=text, help_text=text, help_markdown=text)


def from_rule(rule: Any) -> RuleInfo:
    """A descriptor for a pack rule (``policylint.rules.rule.Rule``): its law and remediation."""
    law = rule.law or {}
    remedy = rule.remediation or {}
    rationale = " ".join(str(rule.rationale or rule.title).split())
    text = [rationale]
    md = [rationale]
    if law.get("citation"):
        from policylint.rules.governing import law_scope

        # A report covers agencies of any state: the rule's own law says where it binds, and
        # each result's message carries the law that governs it for its agency.
        scope = f" ({law_scope(rule)})"
        text.append(f"Law: {law['citation']}{scope}" + (f" <{law['url']}>" if law.get("url") else ""))
        cite = f"[{law['citation']}]({law['url']})" if law.get("url") else law["citation"]
        md.append(f"**Law:** {cite}{scope}" + (" (secondary summary)" if law.get("summary") else ""))
    if law.get("quote"):
        quote = " ".join(str(law["quote"]).split())
        text.append(f'"{quote}"')
        md.append(f"> {quote}")
    if remedy.get("text"):
        fix = " ".join(str(remedy["text"]).split())
        text.append(f"Remediation: {fix}")
        md.append(f"**Remediation:** {fix}")
    if remedy.get("model_language"):
        model = " ".join(str(remedy["model_language"]).split())
        source = f" ({remedy['model_source']})" if remedy.get("model_source") else ""
        text.append(f'Model language{source}: "{model}"')
        md.append(f"**Model language**{source}:\n\n> {model}")
    if remedy.get("suggested_language"):
        # Not a quotation of anything, so shown without quotation marks.
        suggested = _plain_lines(remedy["suggested_language"])
        text.append(f"{SUGGESTED_LABEL}:\n{suggested}")
        md.append(f"**{SUGGESTED_LABEL}:**\n\n> " + suggested.replace("\n", "  \n> "))
    tags = tuple(t for t in (rule.category, *rule.topics) if t)
    return RuleInfo(id=rule.id, title=rule.title, description=rationale, severity=rule.severity,
                    help_text="\n\n".join(text), help_markdown="\n\n".join(md),
                    help_uri=law.get("url") or None, citation=law.get("citation"), tags=tags,
                    language=language_of(remedy))


#: How every output labels language drafted for policylint, so it is never read as law.
SUGGESTED_LABEL = "Suggested language (drafted for policylint, not taken from any law)"


def language_of(remedy: Any) -> tuple[str, str] | None:
    """A rule's fixing language with its label: a model law's words, else the project's draft."""
    if remedy.get("model_language"):
        source = remedy.get("model_source")
        label = f"Model language ({source})" if source else "Model language"
        return label, " ".join(str(remedy["model_language"]).split())
    if remedy.get("suggested_language"):
        return SUGGESTED_LABEL, _plain_lines(remedy["suggested_language"])
    return None


def _plain_lines(text: Any) -> str:
    """Whitespace collapsed within each line; the line breaks of a YAML snippet kept."""
    return "\n".join(" ".join(line.split()) for line in str(text).strip().splitlines())


@lru_cache(maxsize=8)
def describer(rule_dirs: tuple[str, ...] = (), cache_dir: str | None = "<default>") -> Callable[[str], RuleInfo]:
    """A function from rule id to descriptor; the rule registry is loaded only if needed
    (``cache_dir``: as for :func:`policylint.rules.registry.load_registry`)."""

    @lru_cache(maxsize=None)
    def describe(rule_id: str) -> RuleInfo:
        if rule_id in CORE_RULES:
            return _core(rule_id)
        try:
            from policylint.rules.registry import load_registry

            registry = load_registry(tuple(rule_dirs), cache_dir)
            canonical = registry.resolve(rule_id)
        except Exception:
            return _unknown(rule_id)
        return from_rule(registry.rules[canonical]) if canonical else _unknown(rule_id)

    return describe
