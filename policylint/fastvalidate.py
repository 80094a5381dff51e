"""Compile our JSON Schemas into Python closures that answer valid/invalid fast, without jsonschema."""

from __future__ import annotations

import json
import numbers
import re
from functools import lru_cache
from typing import Any, Callable

from policylint.shipped import read_text

#: A compiled schema: True when the instance is valid.
Check = Callable[[Any], bool]

DIALECT = "https://json-schema.org/draft/2020-12/schema"

#: Keywords that assert something, all implemented below with jsonschema's semantics.
#: Exactly the ones the shipped schemas use: a schema that needs another one does not
#: compile (``UnsupportedSchema``), so a change to the generated schema can never be
#: validated by a check that silently ignores part of it.
ASSERTIONS = frozenset({
    "type", "enum", "const", "$ref", "anyOf",
    "properties", "additionalProperties", "required", "propertyNames", "minProperties",
    "items", "minItems", "uniqueItems",
    "minLength", "pattern",
    "minimum", "maximum",
})
#: Keywords that assert nothing.  ``format`` is an annotation in 2020-12 unless a format
#: checker is asked for, and ``policylint.validate`` asks for none (a test holds both to it).
ANNOTATIONS = frozenset({"$schema", "$id", "$defs", "$comment", "title", "description",
                         "examples", "default", "deprecated", "format"})


class UnsupportedSchema(ValueError):
    """The schema uses something this compiler does not implement (say where)."""


def compile_schema(schema: Any) -> Check:
    """Compile a 2020-12 ``schema`` (local ``$ref`` only) into a valid/invalid check."""
    if isinstance(schema, dict) and schema.get("$schema", DIALECT) != DIALECT:
        raise UnsupportedSchema(f"only the 2020-12 dialect is supported, not {schema['$schema']}")
    return _Compiler(schema).compile(schema, "#")


@lru_cache(maxsize=None)
def shipped(name: str) -> Check:
    """The compiled check of ``policylint/schemas/<name>.schema.json`` (once per process)."""
    text = read_text("schemas", f"{name}.schema.json")
    return compile_schema(json.loads(text))


# -- the kinds of JSON value, as jsonschema's 2020-12 type checker sees them ------------------

_OBJECT, _ARRAY, _STRING, _INT, _FLOAT, _BOOL, _NULL, _OTHER = range(8)
_KIND_OF_TYPE = {dict: _OBJECT, list: _ARRAY, str: _STRING, int: _INT, float: _FLOAT,
                 bool: _BOOL, type(None): _NULL}


def _kind(value: Any) -> int:
    got = _KIND_OF_TYPE.get(type(value))
    if got is not None:
        return got
    # Subclasses and other numbers: the same isinstance tests jsonschema makes.
    if isinstance(value, bool):
        return _BOOL
    if isinstance(value, dict):
        return _OBJECT
    if isinstance(value, list):
        return _ARRAY
    if isinstance(value, str):
        return _STRING
    if isinstance(value, int):
        return _INT
    if isinstance(value, numbers.Number):
        return _FLOAT
    return _OTHER


_NUMERIC = frozenset({_INT, _FLOAT})
_TYPE_KINDS = {"object": {_OBJECT}, "array": {_ARRAY}, "string": {_STRING}, "integer": {_INT},
               "number": {_INT, _FLOAT}, "boolean": {_BOOL}, "null": {_NULL}}


def _equal(one: Any, two: Any) -> bool:
    """JSON equality: ``true`` is not ``1``; containers compare item by item."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, bool) or isinstance(two, bool):
        return False  # not the same object, and a boolean equals only itself
    if isinstance(one, list) and isinstance(two, list):
        return len(one) == len(two) and all(_equal(a, b) for a, b in zip(one, two))
    if isinstance(one, dict) and isinstance(two, dict):
        return len(one) == len(two) and all(k in two and _equal(v, two[k]) for k, v in one.items())
    if isinstance(one, (list, dict)) or isinstance(two, (list, dict)):
        return False
    return bool(one == two)


def _unique(items: list[Any]) -> bool:
    if all(type(i) is str for i in items):
        return len(set(items)) == len(items)
    return all(not _equal(a, b) for n, a in enumerate(items) for b in items[n + 1:])


def _always(value: Any) -> bool:
    return True


def _never(value: Any) -> bool:
    return False


# -- the compiler ------------------------------------------------------------------------------


class _Compiler:
    """Turns each subschema into one closure; ``$ref`` targets are compiled once."""

    def __init__(self, root: Any) -> None:
        self.root = root
        self.done: dict[str, Check] = {}
        self.busy: set[str] = set()

    def compile(self, schema: Any, where: str) -> Check:
        if schema is True:
            return _always
        if schema is False:
            return _never
        if not isinstance(schema, dict):
            raise UnsupportedSchema(f"{where}: a schema must be an object or a boolean")
        unknown = set(schema) - ASSERTIONS - ANNOTATIONS
        if unknown:
            raise UnsupportedSchema(f"{where}: keyword(s) {', '.join(sorted(unknown))} not supported")
        if "$id" in schema and where != "#":
            raise UnsupportedSchema(f"{where}: `$id` below the root changes the base URI")

        generic: list[Check] = []
        if "$ref" in schema:
            generic.append(self.ref(schema["$ref"], where))
        if "enum" in schema:
            generic.append(_enum(schema["enum"], where))
        if "const" in schema:
            generic.append(_enum([schema["const"]], where))
        if "anyOf" in schema:
            branches = schema["anyOf"]
            if not isinstance(branches, list) or not branches:
                raise UnsupportedSchema(f"{where}/anyOf: must be a non-empty list")
            subs = tuple(self.compile(b, f"{where}/anyOf/{i}") for i, b in enumerate(branches))
            generic.append(lambda value: any(s(value) for s in subs))

        per_kind: dict[int, Check] = {}
        obj = self.object_check(schema, where)
        if obj is not None:
            per_kind[_OBJECT] = obj
        arr = self.array_check(schema, where)
        if arr is not None:
            per_kind[_ARRAY] = arr
        text = _string_check(schema, where)
        if text is not None:
            per_kind[_STRING] = text
        num = _number_check(schema, where)
        if num is not None:
            per_kind[_INT] = per_kind[_FLOAT] = num

        allowed = _allowed_kinds(schema.get("type"), where) if "type" in schema else None
        return _combine(allowed, per_kind, generic)

    def ref(self, ref: Any, where: str) -> Check:
        if not isinstance(ref, str) or not ref.startswith("#"):
            raise UnsupportedSchema(f"{where}/$ref: only references inside the schema (#/...)")
        got = self.done.get(ref)
        if got is not None:
            return got
        if ref in self.busy:  # a recursive schema: look the target up when it is called
            done = self.done
            return lambda value: done[ref](value)
        self.busy.add(ref)
        target = self.root
        for token in ref[1:].lstrip("/").split("/") if ref != "#" else ():
            token = token.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, dict) or token not in target:
                raise UnsupportedSchema(f"{where}/$ref: `{ref}` points at nothing")
            target = target[token]
        check = self.done[ref] = self.compile(target, ref)
        self.busy.discard(ref)
        return check

    def object_check(self, schema: dict[str, Any], where: str) -> Check | None:
        props_raw = schema.get("properties", {})
        if not isinstance(props_raw, dict):
            raise UnsupportedSchema(f"{where}/properties: must be an object")
        props = {k: self.compile(v, f"{where}/properties/{k}") for k, v in props_raw.items()}
        extra_raw = schema.get("additionalProperties", True)
        extra = None if extra_raw is True else self.compile(extra_raw, f"{where}/additionalProperties")
        names_raw = schema.get("propertyNames", True)
        names = None if names_raw is True else self.compile(names_raw, f"{where}/propertyNames")
        required = tuple(schema.get("required", ()))
        least = schema.get("minProperties", 0)
        if not props and extra is None and names is None and not required and not least:
            return None
        get = props.get

        def check(value: dict[str, Any]) -> bool:
            if len(value) < least:
                return False
            for key in required:
                if key not in value:
                    return False
            for key, item in value.items():
                sub = get(key)
                if sub is None:
                    if extra is not None and not extra(item):
                        return False
                elif not sub(item):
                    return False
                if names is not None and not names(key):
                    return False
            return True

        return check

    def array_check(self, schema: dict[str, Any], where: str) -> Check | None:
        items_raw = schema.get("items", True)
        if isinstance(items_raw, list):
            raise UnsupportedSchema(f"{where}/items: a list of schemas is not 2020-12 (prefixItems)")
        items = None if items_raw is True else self.compile(items_raw, f"{where}/items")
        least = schema.get("minItems", 0)
        unique = schema.get("uniqueItems", False) is True
        if items is None and not least and not unique:
            return None

        def check(value: list[Any]) -> bool:
            if len(value) < least:
                return False
            if items is not None:
                for item in value:
                    if not items(item):
                        return False
            return not unique or _unique(value)

        return check


def _allowed_kinds(types: Any, where: str) -> frozenset[int]:
    names = [types] if isinstance(types, str) else types
    if not isinstance(names, list) or not all(n in _TYPE_KINDS for n in names):
        raise UnsupportedSchema(f"{where}/type: unknown type {types!r}")
    out: set[int] = set()
    for name in names:
        out |= _TYPE_KINDS[name]
    return frozenset(out)


def _enum(values: Any, where: str) -> Check:
    if not isinstance(values, list):
        raise UnsupportedSchema(f"{where}/enum: must be a list")
    words = frozenset(v for v in values if type(v) is str)
    rest = [v for v in values if type(v) is not str]
    has_null = any(v is None for v in rest)
    if all(v is None for v in rest):  # the usual case: words, maybe null
        def words_or_null(value: Any) -> bool:
            if isinstance(value, str):
                return value in words
            return has_null and value is None

        return words_or_null

    def check(value: Any) -> bool:
        if isinstance(value, str) and value in words:
            return True
        return any(_equal(value, v) for v in values)

    return check


def _string_check(schema: dict[str, Any], where: str) -> Check | None:
    least = schema.get("minLength", 0)
    pattern = schema.get("pattern")
    if not least and pattern is None:
        return None
    search = re.compile(pattern).search if pattern is not None else None

    def check(value: str) -> bool:
        if len(value) < least:
            return False
        return search is None or search(value) is not None

    return check


def _number_check(schema: dict[str, Any], where: str) -> Check | None:
    low = schema.get("minimum")
    high = schema.get("maximum")
    if low is None and high is None:
        return None

    def check(value: Any) -> bool:
        # Written as jsonschema compares, so NaN passes both bounds as it does there.
        if low is not None and value < low:
            return False
        return not (high is not None and value > high)

    return check


def _combine(allowed: frozenset[int] | None, per_kind: dict[int, Check],
             generic: list[Check]) -> Check:
    """One closure for a schema: its type, the keywords of the value's kind, then the rest."""
    integral_floats = allowed is not None and _INT in allowed and _FLOAT not in allowed
    if allowed is None and not per_kind:
        if not generic:
            return _always
        if len(generic) == 1:
            return generic[0]  # the common `{"$ref": ...}` with a description
    kind_of = _KIND_OF_TYPE.get
    for_kind = per_kind.get
    rest = tuple(generic)

    def full(value: Any) -> bool:
        kind = kind_of(type(value))
        if kind is None:
            kind = _kind(value)
        if allowed is not None and kind not in allowed:
            # 2020-12 counts 1.0 as an integer.
            if not (integral_floats and kind == _FLOAT and value.is_integer()):
                return False
        sub = for_kind(kind)
        if sub is not None and not sub(value):
            return False
        for other in rest:
            if not other(value):
                return False
        return True

    if allowed is None or rest:
        return full
    # The common case, a `type` and the keywords of that type: one dict lookup on the
    # value's exact type; anything unusual (subclasses, 1.0 as an integer) takes `full`.
    by_type = {t: per_kind.get(k) for t, k in _KIND_OF_TYPE.items() if k in allowed}
    lookup = by_type.get

    def typed(value: Any) -> bool:
        sub = lookup(type(value), full)
        return True if sub is None else sub(value)

    return typed
