"""Compile our JSON Schemas into Python closures that answer valid/invalid fast, without jsonschema."""

from __future__ import annotations

import json
import numbers
import re
from functools import lru_cache
from typing import Any, Callable

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
#: checker is asked for, and ``policylint.schema.validate`` asks for none (a test holds both to it).
ANNOTATIONS = frozenset({"$schema", "$id", "$defs", "$comment", "title", "description",
                         "examples", "default", "deprecated", "format"})


class UnsupportedSchema(ValueError):
    """The schema uses something this compiler does not implement (say where)."""


@lru_cache(maxsize=None)
def shipped(name: str) -> Check:
    """The check of ``policylint/schema/schemas/<name>.schema.json`` (policy, rule, pack).

    Each ships pre-generated beside its schema (``schemas/<name>_check.py``, written by
    ``python -m policylint.schema.generate``; a test fails when one is stale): imported, never
    compiled or executed from text at run time.
    """
    import importlib

    return importlib.import_module(f"policylint.schema.schemas.{name}_check").check


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
#
# Each subschema becomes one Python function in a generated module: a closure per keyword
# cost a call per keyword and ~3 ms to build at every start; generated code checks a
# document in about half the time, and its compiled form can be kept between runs.


class _Compiler:
    """Turns each subschema into one generated function; ``$ref`` targets are emitted once."""

    def __init__(self, root: Any) -> None:
        self.root = root
        self.done: dict[str, str] = {}
        self.functions: list[str] = []
        self.aliases: list[str] = []  # ``$ref`` names, bound after the functions...
        self.tables: list[str] = []  # ...and before the tables that hold them
        self.count = 0

    # -- naming ---------------------------------------------------------------------------

    def _name(self, prefix: str) -> str:
        self.count += 1
        return f"_{prefix}{self.count}"

    def _table(self, prefix: str, expression: str) -> str:
        name = self._name(prefix)
        self.tables.append(f"{name} = {expression}")
        return name

    # -- schemas --------------------------------------------------------------------------

    def compile(self, schema: Any, where: str) -> str:
        """The name of the function checking ``schema`` (emitted on first use)."""
        if schema is True:
            return "_always"
        if schema is False:
            return "_never"
        if not isinstance(schema, dict):
            raise UnsupportedSchema(f"{where}: a schema must be an object or a boolean")
        unknown = set(schema) - ASSERTIONS - ANNOTATIONS
        if unknown:
            raise UnsupportedSchema(f"{where}: keyword(s) {', '.join(sorted(unknown))} not supported")
        if "$id" in schema and where != "#":
            raise UnsupportedSchema(f"{where}: `$id` below the root changes the base URI")
        asserting = set(schema) & ASSERTIONS
        if not asserting:
            return "_always"
        if asserting == {"$ref"}:
            return self.ref(schema["$ref"], where)  # the common `{"$ref": ..., "description": ...}`
        name = self._name("s")
        body = self.body(schema, where)
        self.functions.append(f"def {name}(v):\n" + "".join(f"    {line}\n" for line in body))
        return name

    def body(self, schema: dict[str, Any], where: str) -> list[str]:
        """The statements of one schema's function: its type, its kind's keywords, the rest."""
        lines: list[str] = []
        if "type" in schema:
            allowed = _allowed_kinds(schema["type"], where)
            integral = _INT in allowed and _FLOAT not in allowed
            lines.append(f"if k not in {sorted(allowed)!r}:".replace("[", "(").replace("]", ",)"))
            if integral:  # 2020-12 counts 1.0 as an integer
                lines += [f"    if not (k == {_FLOAT} and v.is_integer()):", "        return False"]
            else:
                lines.append("    return False")
        branches = [(f"k == {_OBJECT}", self.object_lines(schema, where)),
                    (f"k == {_ARRAY}", self.array_lines(schema, where)),
                    (f"k == {_STRING}", self.string_lines(schema, where)),
                    (f"k == {_INT} or k == {_FLOAT}", _number_lines(schema))]
        keyword = "if"
        for test, block in branches:
            if block:
                lines.append(f"{keyword} {test}:")
                lines += [f"    {line}" for line in block]
                keyword = "elif"
        if lines:  # the kind of value, as jsonschema's type checker sees it
            lines[:0] = ["k = _KIND_OF_TYPE_GET(type(v))", "if k is None:", "    k = _kind(v)"]
        if "$ref" in schema:
            lines += [f"if not {self.ref(schema['$ref'], where)}(v):", "    return False"]
        if "enum" in schema:
            lines += self.enum_lines(schema["enum"], f"{where}/enum")
        if "const" in schema:
            lines += self.enum_lines([schema["const"]], f"{where}/const")
        if "anyOf" in schema:
            branches_raw = schema["anyOf"]
            if not isinstance(branches_raw, list) or not branches_raw:
                raise UnsupportedSchema(f"{where}/anyOf: must be a non-empty list")
            subs = [self.compile(b, f"{where}/anyOf/{i}") for i, b in enumerate(branches_raw)]
            lines += [f"if not ({' or '.join(f'{sub}(v)' for sub in subs)}):", "    return False"]
        lines.append("return True")
        return lines

    def ref(self, ref: Any, where: str) -> str:
        if not isinstance(ref, str) or not ref.startswith("#"):
            raise UnsupportedSchema(f"{where}/$ref: only references inside the schema (#/...)")
        got = self.done.get(ref)
        if got is not None:
            return got
        target = self.root
        for token in ref[1:].lstrip("/").split("/") if ref != "#" else ():
            token = token.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, dict) or token not in target:
                raise UnsupportedSchema(f"{where}/$ref: `{ref}` points at nothing")
            target = target[token]
        # A recursive schema calls the target by name: the name exists before its body.
        name = self.done[ref] = self._name("r")
        target_name = self.compile(target, ref)
        if target_name == name:
            raise UnsupportedSchema(f"{where}/$ref: `{ref}` refers to itself and nothing else")
        self.aliases.append(f"{name} = {target_name}")  # after its own target's aliases
        return name

    def enum_lines(self, values: Any, where: str) -> list[str]:
        if not isinstance(values, list):
            raise UnsupportedSchema(f"{where}: must be a list")
        words = sorted({v for v in values if type(v) is str})
        rest = [v for v in values if type(v) is not str]
        word_set = self._table("w", f"frozenset({words!r})")
        if all(v is None for v in rest):  # the usual case: words, maybe null
            null = " or v is None" if rest else ""
            return [f"if not ((type(v) is str or isinstance(v, str)) and v in {word_set}{null}):",
                    "    return False"]
        others = self._table("e", repr_json(values))
        return [f"if not ((isinstance(v, str) and v in {word_set}) or any(_equal(v, c) for c in {others})):",
                "    return False"]

    def object_lines(self, schema: dict[str, Any], where: str) -> list[str]:
        props_raw = schema.get("properties", {})
        if not isinstance(props_raw, dict):
            raise UnsupportedSchema(f"{where}/properties: must be an object")
        props = {k: self.compile(v, f"{where}/properties/{k}") for k, v in props_raw.items()}
        extra_raw = schema.get("additionalProperties", True)
        extra = None if extra_raw is True else self.compile(extra_raw, f"{where}/additionalProperties")
        names_raw = schema.get("propertyNames", True)
        names = None if names_raw is True else self.compile(names_raw, f"{where}/propertyNames")
        required = list(schema.get("required", ()))
        least = schema.get("minProperties", 0)
        if not props and extra is None and names is None and not required and not least:
            return []
        lines: list[str] = []
        if least:
            lines += [f"if len(v) < {least!r}:", "    return False"]
        if required:
            lines += [f"if {' or '.join(f'{key!r} not in v' for key in required)}:", "    return False"]
        if not props and extra is None and names is None:
            return lines
        table = self._table("p", "{" + ", ".join(f"{k!r}: {f}" for k, f in props.items()) + "}")
        lines += ["for key, item in v.items():", f"    sub = {table}.get(key)"]
        if extra == "_never":
            lines += ["    if sub is None:", "        return False"]
        elif extra is not None:
            lines += ["    if sub is None:", f"        if not {extra}(item):", "            return False",
                      "    elif not sub(item):", "        return False"]
        else:
            lines += ["    if sub is not None and not sub(item):", "        return False"]
        if extra == "_never":
            lines += ["    if not sub(item):", "        return False"]
        if names is not None:
            lines += [f"    if not {names}(key):", "        return False"]
        return lines

    def array_lines(self, schema: dict[str, Any], where: str) -> list[str]:
        items_raw = schema.get("items", True)
        if isinstance(items_raw, list):
            raise UnsupportedSchema(f"{where}/items: a list of schemas is not 2020-12 (prefixItems)")
        items = None if items_raw is True else self.compile(items_raw, f"{where}/items")
        least = schema.get("minItems", 0)
        unique = schema.get("uniqueItems", False) is True
        lines: list[str] = []
        if least:
            lines += [f"if len(v) < {least!r}:", "    return False"]
        if items is not None:
            lines += ["for item in v:", f"    if not {items}(item):", "        return False"]
        if unique:
            lines += ["if not _unique(v):", "    return False"]
        return lines

    def string_lines(self, schema: dict[str, Any], where: str) -> list[str]:
        least = schema.get("minLength", 0)
        pattern = schema.get("pattern")
        lines: list[str] = []
        if least:
            lines += [f"if len(v) < {least!r}:", "    return False"]
        if pattern is not None:
            try:
                re.compile(pattern)  # a bad pattern is the schema's error, found now
            except re.error as exc:
                raise UnsupportedSchema(f"{where}/pattern: {exc}") from None
            search = self._table("x", f"_Pattern({pattern!r})")
            lines += [f"if {search}.search(v) is None:", "    return False"]
        return lines

    def module(self, entry: str) -> str:
        """The generated module's source; ``check`` is the root schema's function."""
        return "\n".join([*self.functions, *self.aliases, *self.tables, f"check = {entry}", ""])


def _number_lines(schema: dict[str, Any]) -> list[str]:
    # Written as jsonschema compares, so NaN passes both bounds as it does there.
    lines: list[str] = []
    for key, op in (("minimum", "<"), ("maximum", ">")):
        bound = schema.get(key)
        if bound is not None:
            lines += [f"if v {op} {bound!r}:", "    return False"]
    return lines


def repr_json(values: list[Any]) -> str:
    """A Python expression rebuilding JSON ``values`` (``true``/``false``/``null`` included)."""
    return f"_json_loads({json.dumps(json.dumps(values))})"


class _Pattern:
    """A ``pattern`` compiled on its first use (most documents never reach most patterns)."""

    __slots__ = ("source", "_search")

    def __init__(self, source: str) -> None:
        self.source = source
        self._search: Any = None

    def search(self, text: str) -> Any:
        if self._search is None:
            self._search = re.compile(self.source).search
        return self._search(text)


def _allowed_kinds(types: Any, where: str) -> frozenset[int]:
    names = [types] if isinstance(types, str) else types
    if not isinstance(names, list) or not all(n in _TYPE_KINDS for n in names):
        raise UnsupportedSchema(f"{where}/type: unknown type {types!r}")
    out: set[int] = set()
    for name in names:
        out |= _TYPE_KINDS[name]
    return frozenset(out)


def generate(schema: Any) -> str:
    """The Python source of the module checking ``schema``: it defines ``check`` and uses the
    names of :data:`RUNTIME` (see :func:`generate_module`)."""
    if isinstance(schema, dict) and schema.get("$schema", DIALECT) != DIALECT:
        raise UnsupportedSchema(f"only the 2020-12 dialect is supported, not {schema['$schema']}")
    compiler = _Compiler(schema)
    entry = compiler.compile(schema, "#")
    return compiler.module(entry)


#: What generated code calls besides builtins (a generated module imports these names).
RUNTIME: dict[str, Any] = {
    "_KIND_OF_TYPE_GET": _KIND_OF_TYPE.get, "_kind": _kind, "_equal": _equal,
    "_unique": _unique, "_always": _always, "_never": _never, "_Pattern": _Pattern,
    "_json_loads": json.loads,
}


def generate_module(schema: Any, origin: str) -> str:
    """``generate(schema)`` as an importable module with a header saying where it came from."""
    header = [
        f'"""The valid/invalid check of {origin}, generated by `python -m policylint.schema.generate`."""',
        "",
        "# Generated code: do not edit; regenerate when the schema changes.",
        "from policylint.schema.fastvalidate import RUNTIME as _RUNTIME",
        "",
        "globals().update(_RUNTIME)",
        "",
        "",
    ]
    return "\n".join(header) + generate(schema)
