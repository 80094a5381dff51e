"""Validate a document against the policy JSON Schema and explain each error to a policy drafter."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable

from policylint import shipped
from policylint.errors import did_you_mean
from policylint.finding import Finding, Span
from policylint.load.document import Document, join, split
from policylint.load.loader import line_excerpt
from policylint.schema.hints import KIND_SYNONYMS, VALUE_SYNONYMS, state_code, synonym

# YAML 1.1 reads these plain words as booleans; a drafter meant the word.
_YAML11_BOOLEANS = {"yes", "no", "on", "off", "y", "n", "true", "false"}
_TYPE_NAMES = {"string": "text", "integer": "a whole number", "number": "a number",
               "boolean": "true or false", "object": "a mapping of keys", "array": "a list",
               "null": "null"}


def policy_schema_text() -> str:
    """The committed schema, read from the installed package (works from a wheel or zip)."""
    return shipped.read_text("schema", "schemas", "policy.schema.json")


@lru_cache(maxsize=None)
def policy_schema() -> dict[str, Any]:
    """The policy-document schema shipped with the package."""
    return json.loads(policy_schema_text())


@lru_cache(maxsize=None)
def _validator() -> Any:
    # jsonschema costs ~50 ms to import: load it only when a document is validated.
    from jsonschema import Draft202012Validator

    schema = policy_schema()
    return Draft202012Validator(schema)


@dataclass(frozen=True, slots=True)
class Validation:
    """Schema findings for one document and the pointers whose values are invalid."""

    findings: list[Finding]
    invalid: frozenset[str]


@lru_cache(maxsize=None)
def _fast_check() -> Any:
    """The compiled valid/invalid check, or None when the schema needs jsonschema alone."""
    from policylint.schema.fastvalidate import UnsupportedSchema, shipped

    try:
        return shipped("policy")
    except UnsupportedSchema:  # a test fails on this; users still get every error, slower
        return None


def validate(doc: Document) -> Validation:
    """Validate ``doc``; every error becomes a finding at the offending value's position."""
    # Most documents are valid: the compiled check proves it without jsonschema, which
    # is imported and run only to explain an invalid document's errors.
    fast = _fast_check()
    if fast is not None and fast(doc.data):
        return Validation([], frozenset())
    validator = _validator()
    errors = list(validator.iter_errors(doc.data))
    if not errors:
        return Validation([], frozenset())
    findings: list[Finding] = []
    invalid: set[str] = set()
    for error in errors:
        for pointer, rule, message, span in _explain(error, doc):
            invalid.add(pointer)
            findings.append(Finding(
                file=doc.file, rule=rule, severity="error", message=message, path=pointer,
                line=span.line, column=span.column, end_line=span.end_line,
                end_column=span.end_column, snippet=doc.snippet(span),
                meta=line_excerpt(doc.line_text(span.line), span.column)))
    findings.sort(key=lambda f: (f.line, f.column, f.rule))
    return Validation(findings, frozenset(invalid))


def _pointer(path: Iterable[Any]) -> str:
    return join("", *path)


def _dotted(pointer: str) -> str:
    tokens = split(pointer)
    if not tokens:
        return "the document"
    out = tokens[0]
    for t in tokens[1:]:
        out += f"[{t}]" if t.isdigit() else f".{t}"
    return out


def _where(pointer: str) -> str:
    """How a message names the value at ``pointer``: `agency.state` in code, the document in words."""
    return f"`{_dotted(pointer)}`" if pointer else "the document"


def _show(value: Any, limit: int = 60) -> str:
    """A short rendering of a value for a message (never the whole instance)."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif value is None:
        text = "null"
    elif isinstance(value, (dict, list)):
        text = "a mapping" if isinstance(value, dict) else "a list"
        return text
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _kind(value: Any) -> str:
    """What a drafter would call the type of ``value`` (YAML reads `yes` as true/false)."""
    if isinstance(value, bool):  # before int: bool is an int in Python
        return "true/false"
    for types, name in (((int, float), "a number"), (str, "text"), (dict, "a mapping"), (list, "a list")):
        if isinstance(value, types):
            return name
    return "null"


def _best(error: Any) -> Any:
    """Reduce a oneOf/anyOf error to its most relevant sub-error."""
    from jsonschema.exceptions import relevance

    while error.validator in ("oneOf", "anyOf") and error.context:
        # Among the branches' errors the deepest wins, then the one whose branch has the
        # instance's type: ``relevance`` ranks that way when the smallest is taken, as
        # ``best_match`` does below the top level.  (``best_match(error.context)`` takes the
        # largest among them, as for top-level errors, and picks the shallow type mismatch.)
        error = min(error.context, key=relevance)
    return error


def _explain(error: Any, doc: Document) -> list[tuple[str, str, str, Span]]:
    error = _best(error)
    pointer = _pointer(error.absolute_path)
    where = _where(pointer)
    instance, schema, keyword = error.instance, error.schema, error.validator
    if keyword == "additionalProperties" and isinstance(instance, dict):
        known = set(schema.get("properties", {}))
        patterns = list(schema.get("patternProperties", {}))
        import re

        extras = [k for k in instance if k not in known and not any(re.search(p, k) for p in patterns)]
        out = []
        for n, key in enumerate(extras):
            key_pointer = join(pointer, key)
            # A spelling hint costs ~0.1 ms and reports list only the first 1,000 findings of
            # a rule: 60,000 unknown keys took seconds of hints nobody would see.
            hint = did_you_mean(key, known) if n < 1_000 else ""
            out.append((key_pointer, "schema-unknown-key", f"unknown key `{key}` in {where}{hint}",
                        doc.key_span(key_pointer)))
        return out
    if keyword == "required":
        # One error per missing key; its message is the only place jsonschema names the key.
        names = [n for n in schema.get("required", []) if isinstance(instance, dict) and n not in instance]
        missing = next((n for n in names if error.message == f"{n!r} is a required property"),
                       names[0] if names else "?")
        return [(join(pointer, missing), "schema-missing-key",
                 f"{where} is missing the required key `{missing}`", _parent_span(doc, pointer))]
    if keyword in ("enum", "const"):
        allowed = schema.get("enum", [schema.get("const")])
        words = [str(a) for a in allowed if a is not None]  # null: "not known", not a choice
        listing = ", ".join(words[:14]) + (", …" if len(words) > 14 else "")
        raw = _raw(doc, pointer, instance)
        if isinstance(instance, bool) and raw.lower() in _YAML11_BOOLEANS:
            if raw in words:  # quoting makes it the allowed word
                tail = f" — YAML reads the bare word `{raw}` as true/false; write \"{raw}\" in quotes"
            else:  # quoting would only trade a boolean for a word that is not allowed either
                tail = f" (YAML reads the bare word `{raw}` as true/false; write one of the words above instead)"
            return [(pointer, "schema-invalid-value",
                     f"{where} is `{raw}`; expected one of: {listing}{tail}", doc.span(pointer))]
        table = KIND_SYNONYMS if pointer == "/agency/kind" else VALUE_SYNONYMS
        hint = _suggest(instance, words, table)
        return [(pointer, "schema-invalid-value",
                 f"{where} is `{_show(instance)}`; expected one of: {listing}{hint}"
                 + _yaml_hint(doc, pointer, instance), doc.span(pointer))]
    if keyword == "type":
        expected = schema.get("type")
        names = [expected] if isinstance(expected, str) else list(expected or [])
        wanted = " or ".join(_TYPE_NAMES.get(n, n) for n in names)
        return [(pointer, "schema-wrong-type",
                 f"{where} should be {wanted}, not {_kind(instance)}"
                 # quoting a bare word would not make it a mapping: only show the mapping
                 + (_mapping_form(pointer, instance, schema) if "object" in names
                    else _yaml_hint(doc, pointer, instance)), doc.span(pointer))]
    if keyword in ("pattern", "format"):
        described = schema.get("description", "")
        expected = _expected_form(schema)
        code = state_code(instance) if pointer == "/agency/state" and isinstance(instance, str) else None
        if code:
            return [(pointer, "schema-invalid-format",
                     f"{where} is `{_show(instance)}`; write the two-letter code `{code}`",
                     doc.span(pointer))]
        return [(pointer, "schema-invalid-format",
                 f"{where} is `{_show(instance)}`; {expected}"
                 + (f" ({described.rstrip('.')})" if described and len(described) < 100 else ""),
                 doc.span(pointer))]
    generic = {
        "minItems": f"{where} needs at least {schema.get('minItems')} item(s)",
        "maxItems": f"{where} allows at most {schema.get('maxItems')} item(s)",
        "minLength": f"{where} must not be empty",
        "maxLength": f"{where} is longer than {schema.get('maxLength')} characters",
        "minimum": f"{where} must be at least {schema.get('minimum')}",
        "maximum": f"{where} must be at most {schema.get('maximum')}",
        "uniqueItems": f"{where} lists the same item twice",
        "propertyNames": f"{where} has a key that is not allowed here",
        "minProperties": f"{where} must not be empty",
    }
    message = generic.get(keyword) or f"{where} is not valid here ({keyword})"
    return [(pointer, "schema-invalid", message, doc.span(pointer))]


def _suggest(instance: Any, words: list[str], synonyms: dict[str, str] = VALUE_SYNONYMS) -> str:
    """A did-you-mean by meaning (``forbidden`` -> ``prohibited``), else by spelling."""
    if not isinstance(instance, str):
        return ""
    target = synonym(instance, synonyms, words)
    if target:
        return f" (did you mean `{target}`?)"
    hint = did_you_mean(instance, words)
    if hint:
        return hint
    normal = instance.strip().lower().replace(" ", "_").replace("-", "_")
    return did_you_mean(normal, words)


def _mapping_form(pointer: str, instance: Any, schema: dict[str, Any]) -> str:
    """For a topic written as a bare word (`training: required`): the mapping it should be."""
    tokens = split(pointer)
    value_schema = schema.get("properties", {}).get("value", {})
    if len(tokens) != 2 or tokens[0] != "provisions" or not isinstance(instance, (str, bool, int, float)):
        return ""
    words = [str(w) for w in value_schema.get("enum", []) if w is not None]
    word = str(instance)
    if word not in words:
        word = synonym(word, VALUE_SYNONYMS, words) or "..."
    return (f"; write the topic as a mapping: `{tokens[1]}: {{value: {word}}}` "
            f"(values: {', '.join(words)})" if words else "")


def _raw(doc: Document, pointer: str, instance: Any) -> str:
    """The value as written in the file (`yes`, not true), or its rendering."""
    if isinstance(instance, (dict, list)) or not doc.exists(pointer):
        return _show(instance)
    return doc.snippet(doc.span(pointer), limit=40) or _show(instance)


def _expected_form(schema: dict[str, Any]) -> str:
    pattern = schema.get("pattern", "")
    fmt = schema.get("format", "")
    if fmt == "date" or pattern.startswith("^\\d{4}") or pattern.startswith("^[0-9]{4}"):
        return "expected a date written YYYY-MM-DD (e.g. 2025-02-01)"
    if fmt == "uri":
        return "expected a web address (https://...)"
    if pattern:
        return f"expected text matching `{pattern}`"
    return f"expected {fmt or 'a different form'}"


def _yaml_hint(doc: Document, pointer: str, instance: Any) -> str:
    """Explain YAML 1.1's surprises: `yes`/`no`/`on`/`off` are booleans, 1.33 is a number."""
    if isinstance(instance, (dict, list)) or instance is None and not doc.exists(pointer):
        return ""
    raw = doc.snippet(doc.span(pointer), limit=40)
    if isinstance(instance, bool) and raw.lower() in _YAML11_BOOLEANS:
        return f" — YAML reads the bare word `{raw}` as true/false; write \"{raw}\" in quotes"
    if isinstance(instance, (int, float)) and not isinstance(instance, bool) and raw:
        return f" — YAML reads `{raw}` as a number; write \"{raw}\" in quotes if you meant text"
    if instance is None and raw in ("", "~", "null", "Null", "NULL"):
        return " — the value is empty"
    return ""


def _parent_span(doc: Document, pointer: str) -> Span:
    """Where a missing key is reported: the key naming its parent mapping, or the file start."""
    if pointer:
        return doc.key_span(pointer)
    return Span(1, 1, 1, 1)
