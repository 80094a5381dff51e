"""The provision topics and vocabularies of the document format, loaded from taxonomy.yaml."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from policylint import shipped

#: Added to every topic's vocabulary; not listed per topic in taxonomy.yaml.
SILENT = "silent"
UNCLEAR = "unclear"

FIELD_TYPES = ("string", "boolean", "integer", "enum", "list")

_SNAKE = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)*$")
_TOPIC_NUMBER = re.compile(r"^T[0-9]{2}$")
# Words YAML 1.1 reads as booleans or null: a document could never spell them as strings.
_YAML11_TRAPS = frozenset({"yes", "no", "on", "off", "y", "n", "true", "false", "null", "~"})
# Keys of a topic's provision object that every topic has; a topic field may not reuse them.
COMMON_PROVISION_KEYS = (
    "value", "quote", "paraphrase", "section", "note", "form", "source", "exceptions",
    "other_sections",
)


class TaxonomyError(ValueError):
    """taxonomy.yaml is malformed (a packaging bug, found when it is loaded)."""


@dataclass(frozen=True, slots=True)
class Term:
    """One word of a vocabulary and what it means."""

    value: str
    description: str


@dataclass(frozen=True, slots=True)
class Field:
    """A topic-specific field of a provision (e.g. ``trigger`` of ``status_database_query``).

    ``type`` is one of FIELD_TYPES; ``items`` ("string" or "enum") is set for lists;
    ``values`` holds the vocabulary of an enum or of a list of enums.
    """

    name: str
    type: str
    description: str
    items: str | None = None
    values: tuple[Term, ...] = ()

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(t.value for t in self.values)


@dataclass(frozen=True, slots=True)
class Topic:
    """A provision topic: its key, number (T02..), vocabulary and own fields.

    ``values`` is the topic's vocabulary in its listed order (most to least restrictive,
    unless ``least_restrictive_first``), without ``silent``/``unclear``.
    """

    key: str
    number: str
    title: str
    description: str
    values: tuple[Term, ...]
    fields: tuple[Field, ...] = ()
    least_restrictive_first: bool = False

    @property
    def words(self) -> tuple[str, ...]:
        """The vocabulary words, in listed order."""
        return tuple(t.value for t in self.values)

    @property
    def all_values(self) -> tuple[str, ...]:
        """Every word valid in ``value``: the vocabulary, then ``silent`` and ``unclear``."""
        return (*self.words, SILENT, UNCLEAR)

    @property
    def by_restrictiveness(self) -> tuple[str, ...]:
        """The vocabulary from most to least restrictive."""
        return tuple(reversed(self.words)) if self.least_restrictive_first else self.words

    def rank(self, value: str) -> int | None:
        """0 for the most restrictive value, upwards; None for silent, unclear or unknown."""
        order = self.by_restrictiveness
        return order.index(value) if value in order else None

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    def describe(self, value: str) -> str | None:
        """The description of one of the topic's values (silent and unclear included)."""
        for term in (*self.values, *load_taxonomy().special_values):
            if term.value == value:
                return term.description
        return None


@dataclass(frozen=True, slots=True)
class Taxonomy:
    """Everything taxonomy.yaml defines: the format version, vocabularies and topics."""

    format_version: int
    special_values: tuple[Term, ...]
    agency_kinds: tuple[Term, ...]
    instrument_kinds: tuple[Term, ...]
    public_values: tuple[Term, ...]
    source_via: tuple[Term, ...]
    survey_statuses: tuple[Term, ...]
    state_filing_values: tuple[Term, ...]
    text_read_values: tuple[Term, ...]
    archive_formats: tuple[Term, ...]
    provision_forms: tuple[Term, ...]
    exception_kinds: tuple[Term, ...]
    units: tuple[Term, ...]
    definition_terms: tuple[Term, ...]
    topics: tuple[Topic, ...]

    def topic(self, key: str) -> Topic:
        for t in self.topics:
            if t.key == key:
                return t
        from policylint.errors import did_you_mean

        raise KeyError(f"unknown topic `{key}`{did_you_mean(key, self.topic_keys)}")

    @property
    def topic_keys(self) -> tuple[str, ...]:
        return tuple(t.key for t in self.topics)


def _terms(raw: Any, where: str) -> tuple[Term, ...]:
    if not isinstance(raw, list) or not raw:
        raise TaxonomyError(f"{where}: expected a non-empty list of {{value, description}}")
    terms: list[Term] = []
    for item in raw:
        if not isinstance(item, dict) or set(item) != {"value", "description"}:
            raise TaxonomyError(f"{where}: each entry needs exactly `value` and `description`: {item!r}")
        value, description = item["value"], item["description"]
        if not isinstance(value, str) or not _SNAKE.match(value) or value in _YAML11_TRAPS:
            raise TaxonomyError(f"{where}: `{value!r}` is not a usable snake_case word")
        if not isinstance(description, str) or not description.strip():
            raise TaxonomyError(f"{where}: `{value}` has no description")
        terms.append(Term(value, description.strip()))
    words = [t.value for t in terms]
    if len(set(words)) != len(words):
        raise TaxonomyError(f"{where}: duplicate values")
    return tuple(terms)


def _field(name: str, raw: Any, where: str) -> Field:
    where = f"{where}.fields.{name}"
    if not _SNAKE.match(name) or name in COMMON_PROVISION_KEYS:
        raise TaxonomyError(f"{where}: not a usable field name")
    if not isinstance(raw, dict) or raw.get("type") not in FIELD_TYPES:
        raise TaxonomyError(f"{where}: `type` must be one of {', '.join(FIELD_TYPES)}")
    unknown = set(raw) - {"type", "description", "items", "values"}
    if unknown:
        raise TaxonomyError(f"{where}: unknown keys {sorted(unknown)}")
    if not isinstance(raw.get("description"), str) or not raw["description"].strip():
        raise TaxonomyError(f"{where}: needs a description")
    kind, items = raw["type"], raw.get("items")
    if kind == "list" and items not in ("string", "enum"):
        raise TaxonomyError(f"{where}: a list needs `items: string` or `items: enum`")
    if kind != "list" and items is not None:
        raise TaxonomyError(f"{where}: `items` is only for lists")
    needs_values = kind == "enum" or items == "enum"
    if needs_values != ("values" in raw):
        raise TaxonomyError(f"{where}: `values` is required for enums and only for enums")
    values = _terms(raw["values"], where) if needs_values else ()
    return Field(name, kind, raw["description"].strip(), items, values)


def _topic(raw: Any) -> Topic:
    if not isinstance(raw, dict):
        raise TaxonomyError(f"topics: expected a mapping, got {raw!r}")
    key = raw.get("key")
    where = f"topics.{key}"
    unknown = set(raw) - {"key", "number", "title", "description", "values", "fields",
                          "least_restrictive_first"}
    if unknown:
        raise TaxonomyError(f"{where}: unknown keys {sorted(unknown)}")
    if not isinstance(key, str) or not _SNAKE.match(key):
        raise TaxonomyError(f"{where}: `key` must be snake_case")
    if not isinstance(raw.get("number"), str) or not _TOPIC_NUMBER.match(raw["number"]):
        raise TaxonomyError(f"{where}: `number` must look like T02")
    for text in ("title", "description"):
        if not isinstance(raw.get(text), str) or not raw[text].strip():
            raise TaxonomyError(f"{where}: needs a {text}")
    values = _terms(raw.get("values"), where)
    if {SILENT, UNCLEAR} & {t.value for t in values}:
        raise TaxonomyError(f"{where}: `silent` and `unclear` are added to every topic; do not list them")
    fields = raw.get("fields") or {}
    if not isinstance(fields, dict):
        raise TaxonomyError(f"{where}: `fields` must be a mapping")
    return Topic(
        key=key,
        number=raw["number"],
        title=raw["title"].strip(),
        description=raw["description"].strip(),
        values=values,
        fields=tuple(_field(name, spec, where) for name, spec in fields.items()),
        least_restrictive_first=bool(raw.get("least_restrictive_first", False)),
    )


def parse_taxonomy(raw: Any) -> Taxonomy:
    """Build and check a Taxonomy from the parsed YAML (raises TaxonomyError)."""
    if not isinstance(raw, dict):
        raise TaxonomyError("taxonomy.yaml: expected a mapping")
    vocabularies = ("special_values", "agency_kinds", "instrument_kinds", "public_values",
                    "source_via", "survey_statuses", "state_filing_values", "text_read_values", "archive_formats",
                    "provision_forms",
                    "exception_kinds", "units", "definition_terms")
    unknown = set(raw) - {"format_version", "topics", *vocabularies}
    if unknown:
        raise TaxonomyError(f"taxonomy.yaml: unknown keys {sorted(unknown)}")
    if not isinstance(raw.get("format_version"), int):
        raise TaxonomyError("taxonomy.yaml: `format_version` must be an integer")
    special = _terms(raw.get("special_values"), "special_values")
    if [t.value for t in special] != [SILENT, UNCLEAR]:
        raise TaxonomyError("special_values: must be exactly `silent` then `unclear`")
    topics = tuple(_topic(t) for t in raw.get("topics") or [])
    if not topics:
        raise TaxonomyError("taxonomy.yaml: no topics")
    for attr in ("key", "number"):
        seen = [getattr(t, attr) for t in topics]
        if len(set(seen)) != len(seen):
            raise TaxonomyError(f"topics: duplicate topic {attr}s")
    return Taxonomy(
        format_version=raw["format_version"],
        special_values=special,
        topics=topics,
        **{name: _terms(raw.get(name), name) for name in vocabularies if name != "special_values"},
    )


@cache
def load_taxonomy() -> Taxonomy:
    """The taxonomy shipped with the package (parsed once per process)."""
    text = shipped.read_text("schema", "taxonomy.yaml")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return parse_taxonomy(yaml.load(text, Loader=loader))


def topic_keys() -> tuple[str, ...]:
    """Every provision topic key, in topic-number order."""
    return load_taxonomy().topic_keys


def get_topic(key: str) -> Topic:
    """The topic called ``key`` (KeyError with a suggestion when there is none)."""
    return load_taxonomy().topic(key)


def values_for(topic: str) -> tuple[str, ...]:
    """Every word valid as ``provisions.<topic>.value``: the vocabulary, ``silent``, ``unclear``."""
    return load_taxonomy().topic(topic).all_values
