"""Load and validate the cue data of `extract` (cues.yaml): topics' cues and value patterns."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from policylint import shipped
from policylint.schema.taxonomy import Taxonomy, load_taxonomy

_MACRO = re.compile(r"\{([A-Z][A-Z0-9_]*)\}")
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_TOPIC_KEYS = frozenset({"cues", "context", "definitions", "patterns"})
_PATTERN_KEYS = frozenset({"id", "value", "description", "all", "none", "supersedes", "alone", "examples"})
_FLAGS = re.IGNORECASE


class CueError(ValueError):
    """The cue data is malformed: which entry, and what is wrong with it."""


@dataclass(frozen=True, slots=True)
class Pattern:
    """A documented pattern: when every ``all`` regex and no ``none`` regex is found in a
    passage, ``value`` is proposed for the topic."""

    id: str
    topic: str
    value: str
    description: str
    all: tuple[re.Pattern[str], ...]
    none: tuple[re.Pattern[str], ...]
    match_examples: tuple[str, ...]
    no_match_examples: tuple[str, ...]
    # Values this one adds to (a public report beside a log): where both are proposed in one
    # instrument they do not conflict, and this value is proposed.
    supersedes: tuple[str, ...] = ()
    # False: the value is proposed only beside a value it supersedes (a report on task forces
    # makes criminal_only_with_reporting only where the limit to criminal work is written too).
    alone: bool = True

    def fires(self, text: str) -> bool:
        """Whether this pattern proposes its value for ``text``."""
        return all(p.search(text) for p in self.all) and not any(p.search(text) for p in self.none)


@dataclass(frozen=True, slots=True)
class TopicCues:
    """What makes a passage bear on one topic, and the patterns that propose its value."""

    topic: str
    cues: tuple[re.Pattern[str], ...]
    context: bool
    patterns: tuple[Pattern, ...]
    definitions: bool = False  # definitions of terms may propose this topic's value
    joined: re.Pattern[str] | None = None  # the cues as one alternation: one search per sentence

    def bears_on(self, text: str) -> bool:
        if self.joined is not None:
            return self.joined.search(text) is not None
        return any(c.search(text) for c in self.cues)


@dataclass(frozen=True, slots=True)
class Reading:
    """A regex that changes how every passage is read (``doubt``, ``continues``), with the
    sentences it must find (``match``) and must not (``no_match``)."""

    name: str
    regex: re.Pattern[str]
    match_examples: tuple[str, ...]
    no_match_examples: tuple[str, ...]

    def search(self, text: str) -> bool:
        return self.regex.search(text) is not None


@dataclass(frozen=True, slots=True)
class Cues:
    """All topics' cues, in taxonomy order, the exception cue and the readings."""

    topics: tuple[TopicCues, ...]
    exception: re.Pattern[str]
    definition: re.Pattern[str]
    doubt: Reading  # a passage this finds proposes no value (a double negation, a purpose clause)
    continues: Reading  # a sentence this finds is read with the one before ("Only a judicial warrant ...")
    caveat: Reading  # a sentence this finds puts its whole section in doubt ("There is one exception.")
    refers: Reading  # a sentence this finds is read with the clause it names (group `label`)
    exception_kinds: tuple[Reading, ...] = ()  # an exception clause's kind (``name``), when one alone finds it

    def patterns(self) -> list[Pattern]:
        return [p for t in self.topics for p in t.patterns]


def _fail(where: str, what: str) -> CueError:
    return CueError(f"cues.yaml: {where}: {what}")


def _expand(text: Any, macros: dict[str, str], where: str) -> re.Pattern[str]:
    if not isinstance(text, str) or not text.strip():
        raise _fail(where, "a regular expression must be a non-empty string")

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in macros:
            raise _fail(where, f"unknown macro {{{name}}} (known: {', '.join(sorted(macros))})")
        return macros[name]

    expanded = _MACRO.sub(sub, text)
    try:
        return re.compile(expanded, _FLAGS)
    except re.error as exc:
        raise _fail(where, f"invalid regular expression {text!r}: {exc}") from None


def _regexes(raw: Any, macros: dict[str, str], where: str, required: bool) -> tuple[re.Pattern[str], ...]:
    if raw is None and not required:
        return ()
    if not isinstance(raw, list) or (required and not raw):
        raise _fail(where, "must be a non-empty list of regular expressions" if required
                    else "must be a list of regular expressions")
    return tuple(_expand(r, macros, f"{where}[{i}]") for i, r in enumerate(raw))


def _strings(raw: Any, where: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw or not all(isinstance(s, str) and s.strip() for s in raw):
        raise _fail(where, "must be a non-empty list of sentences")
    return tuple(raw)


def _pattern(raw: Any, topic: str, words: tuple[str, ...], macros: dict[str, str], where: str) -> Pattern:
    if not isinstance(raw, dict):
        raise _fail(where, "a pattern must be a mapping")
    unknown = set(raw) - _PATTERN_KEYS
    if unknown:
        raise _fail(where, f"unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    pid = raw.get("id")
    if not isinstance(pid, str) or not _ID.match(pid):
        raise _fail(where, "`id` must be a kebab-case word")
    value = raw.get("value")
    if value not in words:
        raise _fail(f"{where} ({pid})", f"`value` {value!r} is not a word of {topic}'s vocabulary "
                    f"({', '.join(words)}); extract proposes only vocabulary words, never silent or unclear")
    description = raw.get("description")
    if not isinstance(description, str) or not description.strip():
        raise _fail(f"{where} ({pid})", "`description` must say in words what the pattern finds")
    examples = raw.get("examples")
    if not isinstance(examples, dict) or set(examples) != {"match", "no_match"}:
        raise _fail(f"{where} ({pid})", "`examples` must give `match` and `no_match` sentences")
    supersedes = raw.get("supersedes", [])
    if not isinstance(supersedes, list) or any(w not in words or w == value for w in supersedes):
        raise _fail(f"{where} ({pid})", "`supersedes` must list other words of the topic's vocabulary")
    alone = raw.get("alone", True)
    if not isinstance(alone, bool) or (not alone and not supersedes):
        raise _fail(f"{where} ({pid})", "`alone` must be true or false, and false only with `supersedes`")
    return Pattern(
        pid, topic, value, description.strip(),
        _regexes(raw.get("all"), macros, f"{where} ({pid}).all", required=True),
        _regexes(raw.get("none"), macros, f"{where} ({pid}).none", required=False),
        _strings(examples["match"], f"{where} ({pid}).examples.match"),
        _strings(examples["no_match"], f"{where} ({pid}).examples.no_match"), tuple(supersedes), alone)


def _reading(raw: Any, name: str, macros: dict[str, str]) -> Reading:
    if not isinstance(raw, dict) or set(raw) != {"regex", "examples"}:
        raise _fail(name, "must be a mapping with `regex` and `examples`")
    examples = raw["examples"]
    if not isinstance(examples, dict) or set(examples) != {"match", "no_match"}:
        raise _fail(name, "`examples` must give `match` and `no_match` sentences")
    return Reading(name, _expand(raw["regex"], macros, f"{name}.regex"),
                   _strings(examples["match"], f"{name}.examples.match"),
                   _strings(examples["no_match"], f"{name}.examples.no_match"))


def parse_cues(raw: Any, taxonomy: Taxonomy) -> Cues:
    """Validate ``raw`` (the parsed YAML) against the taxonomy and compile it."""
    if not isinstance(raw, dict) or raw.get("version") != 1:
        raise _fail("top level", "must be a mapping with `version: 1`")
    macros = raw.get("macros") or {}
    if not isinstance(macros, dict) or not all(
            isinstance(k, str) and re.fullmatch(r"[A-Z][A-Z0-9_]*", k) and isinstance(v, str)
            for k, v in macros.items()):
        raise _fail("macros", "must map UPPER_CASE names to regular expressions")
    macros = {k: v.strip() for k, v in macros.items()}
    for name, text in macros.items():
        if _MACRO.search(text):
            raise _fail(f"macros.{name}", "a macro may not use another macro")
        _expand(text, {}, f"macros.{name}")
    exception = _expand("{EXC}", macros, "macros.EXC")
    definition = _expand(raw.get("definition"), {}, "definition")
    doubt = _reading(raw.get("doubt"), "doubt", macros)
    continues = _reading(raw.get("continues"), "continues", macros)
    caveat = _reading(raw.get("caveat"), "caveat", macros)
    refers = _reading(raw.get("refers"), "refers", macros)
    if "label" not in refers.regex.groupindex:
        raise _fail("refers.regex", "must name the clause it refers to in a group `(?P<label>...)`")
    kinds_raw = raw.get("exception_kinds")
    known_kinds = {t.value for t in taxonomy.exception_kinds}
    if not isinstance(kinds_raw, dict) or not kinds_raw:
        raise _fail("exception_kinds", "must map exception kinds to a `regex` and `examples`")
    unknown_kinds = sorted(str(k) for k in kinds_raw if k not in known_kinds)
    if unknown_kinds:
        raise _fail("exception_kinds", f"unknown kind(s) {', '.join(unknown_kinds)} "
                    f"(known: {', '.join(sorted(known_kinds))})")
    exception_kinds = tuple(_reading(v, str(k), macros) for k, v in kinds_raw.items())
    topics_raw = raw.get("topics")
    if not isinstance(topics_raw, dict):
        raise _fail("topics", "must be a mapping keyed by topic")
    known = taxonomy.topic_keys
    unknown = [k for k in topics_raw if k not in known]
    if unknown:
        raise _fail("topics", f"unknown topic(s) {', '.join(map(str, unknown))}")
    missing = [k for k in known if k not in topics_raw]
    if missing:
        raise _fail("topics", f"every topic needs its cues; missing: {', '.join(missing)}")
    seen: set[str] = set()
    topics = []
    for key in known:
        entry = topics_raw[key]
        where = f"topics.{key}"
        if not isinstance(entry, dict):
            raise _fail(where, "must be a mapping with `cues` and `patterns`")
        extra = set(entry) - _TOPIC_KEYS
        if extra:
            raise _fail(where, f"unknown key(s) {', '.join(sorted(map(str, extra)))}")
        context = entry.get("context", False)
        definitions = entry.get("definitions", False)
        for name, flag in (("context", context), ("definitions", definitions)):
            if not isinstance(flag, bool):
                raise _fail(f"{where}.{name}", "must be true or false")
        patterns_raw = entry.get("patterns") or []
        if not isinstance(patterns_raw, list):
            raise _fail(f"{where}.patterns", "must be a list")
        words = taxonomy.topic(key).words
        patterns = tuple(_pattern(p, key, words, macros, f"{where}.patterns[{i}]")
                         for i, p in enumerate(patterns_raw))
        for p in patterns:
            if p.id in seen:
                raise _fail(where, f"pattern id {p.id} is used twice")
            seen.add(p.id)
        cues = _regexes(entry.get("cues"), macros, f"{where}.cues", required=True)
        joined = re.compile("|".join(f"(?:{c.pattern})" for c in cues), _FLAGS)
        topics.append(TopicCues(key, cues, context, patterns, definitions, joined))
    return Cues(tuple(topics), exception, definition, doubt, continues, caveat, refers, exception_kinds)


@cache
def load_cues() -> Cues:
    """The shipped cue data, validated (a malformed file is a packaging bug: CueError)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 30 times faster
    return parse_cues(yaml.load(shipped.read_text("schema", "cues.yaml"), Loader=loader), load_taxonomy())
