"""The compiled validator gives jsonschema's verdict on every document, valid or broken."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from policylint.schema.fastvalidate import ASSERTIONS, RUNTIME, UnsupportedSchema, generate, shipped

REPO = Path(__file__).resolve().parents[1]
SCHEMAS = {name: json.loads((REPO / "policylint" / "schema" / "schemas" / f"{name}.schema.json").read_text("utf-8"))
           for name in ("policy", "rule", "pack", "conditions")}
REFERENCE = {name: Draft202012Validator(schema) for name, schema in SCHEMAS.items()}


def compile_schema(schema: Any) -> Any:
    """The generated check of ``schema``, run here (the package only imports generated files)."""
    code = compile(generate(schema), "<schema>", "exec")
    namespace = dict(RUNTIME, __builtins__=__builtins__)
    try:
        exec(code, namespace)
    except NameError as exc:  # `$ref`s that only point at each other, round and round
        raise UnsupportedSchema(f"a cycle of references with no schema in it ({exc})") from None
    return namespace["check"]


def agree(name: str, instance: Any) -> None:
    fast = shipped(name)(instance)
    slow = REFERENCE[name].is_valid(instance)
    assert fast == slow, f"fast={fast} jsonschema={slow} for {json.dumps(instance)}"


# -- the shipped schemas compile, and nothing else does ---------------------------------------


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_every_shipped_schema_compiles(name):
    assert callable(shipped(name))


def _keywords(schema: Any, out: set[str]) -> set[str]:
    if isinstance(schema, dict):
        for key, value in schema.items():
            out.add(key)
            if key in ("properties", "$defs"):
                for sub in value.values():
                    _keywords(sub, out)
            elif key not in ("enum", "const", "required", "examples", "default", "description", "title"):
                _keywords(value, out)
    elif isinstance(schema, list):
        for item in schema:
            _keywords(item, out)
    return out


def test_the_supported_keywords_are_exactly_those_the_schemas_use():
    used: set[str] = set()
    for schema in SCHEMAS.values():
        _keywords(schema, used)
    assert ASSERTIONS <= used, f"supported but unused: {sorted(ASSERTIONS - used)}"


@pytest.mark.parametrize("name", ["rule", "pack", "conditions"])
def test_the_rule_and_pack_checks_are_pre_generated_and_fresh(name: str) -> None:
    import importlib

    from policylint.schema import generate as schemagen

    module = importlib.import_module(f"policylint.schema.schemas.{name}_check")
    assert shipped(name) is module.check
    committed = Path(module.__file__ or "").read_text(encoding="utf-8")
    assert committed == schemagen.render_file_check(name), \
        f"schemas/{name}_check.py is stale; run python -m policylint.schema.generate"


def test_the_policy_check_is_the_pre_generated_module_and_agrees_with_a_fresh_compile():
    from policylint.schema.schemas import policy_check

    assert shipped("policy") is policy_check.check
    fresh = compile_schema(SCHEMAS["policy"])
    for path in sorted((REPO / "examples").rglob("*.yaml")):
        import yaml

        data = yaml.safe_load(path.read_text("utf-8"))
        assert fresh(data) == policy_check.check(data) == REFERENCE["policy"].is_valid(data), path


def test_references_that_only_point_at_each_other_are_unsupported():
    with pytest.raises(UnsupportedSchema):
        compile_schema({"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}},
                        "$ref": "#/$defs/a"})


@pytest.mark.parametrize("schema", [
    {"type": "string", "maxLength": 3},
    {"type": "object", "patternProperties": {"^x": {}}},
    {"oneOf": [{"type": "string"}]},
    {"items": [{"type": "string"}]},
    {"$ref": "https://example.org/other.json"},
    {"$ref": "#/$defs/missing"},
    {"$schema": "http://json-schema.org/draft-07/schema#", "type": "string"},
    {"properties": {"a": {"if": {"type": "string"}}}},
    {"type": "strin"},
    {"$defs": {"a": {"$id": "urn:x", "type": "string"}}, "$ref": "#/$defs/a"},
])
def test_an_unsupported_schema_fails_loudly(schema):
    with pytest.raises(UnsupportedSchema):
        compile_schema(schema)


def test_the_reference_validator_checks_no_formats():
    # `format` is compiled as an annotation; that is right only while jsonschema asserts none.
    from policylint.schema.validate import _validator

    assert _validator().format_checker is None


# -- keyword semantics, one by one against jsonschema ------------------------------------------

CASES = [
    ({"type": "integer"}, [1, 1.0, 1.5, True, "1", None, float("inf"), -0.0]),
    ({"type": "number"}, [1, 1.5, True, float("nan"), "x"]),
    ({"type": ["string", "null"], "minLength": 1}, ["", "a", None, 0, False, "é"]),
    ({"enum": [1, "a", None]}, [1, 1.0, True, "a", None, "b", [1]]),
    ({"enum": [[1], {"a": True}]}, [[1], [True], [1.0], {"a": True}, {"a": 1}, [1, 1]]),
    ({"const": 1}, [1, 1.0, True, False, 0]),
    ({"const": False}, [False, 0, None, 0.0]),
    ({"minimum": 0, "maximum": 10}, [0, -1, 10, 11, True, -0.5, "5", float("nan")]),
    ({"uniqueItems": True}, [[1, 2], [1, 1], [1, 1.0], [1, True], ["a", "a"], [{"a": 1}, {"a": 1}],
                              [[1], [1]], [None, None], [0, False], []]),
    ({"minItems": 2, "items": {"type": "string"}}, [["a"], ["a", "b"], ["a", 1], "ab", {}]),
    ({"required": ["a"], "minProperties": 2}, [{"a": 1}, {"a": 1, "b": 2}, {"b": 1, "c": 2}, [], "a"]),
    ({"properties": {"a": {"type": "string"}}, "additionalProperties": False},
     [{}, {"a": "x"}, {"a": 1}, {"b": 1}, {"a": "x", "b": None}]),
    ({"additionalProperties": {"type": "integer"}, "propertyNames": {"pattern": "^[a-z]+$"}},
     [{"ab": 1}, {"Ab": 1}, {"ab": "1"}, {"": 1}]),
    ({"pattern": "\\S"}, ["", " ", " x ", 5, None]),
    ({"pattern": "^[0-9]{4}(-(0[1-9]|1[0-2]))?$"}, ["2024", "2024-13", "2024-12", "2024-12\n", "x2024"]),
    ({"anyOf": [{"type": "string", "minLength": 1}, {"type": "array", "items": {"type": "string"}}]},
     ["", "a", [], ["a", 1], None]),
    ({"$defs": {"n": {"anyOf": [{"type": "null"}, {"type": "array", "items": {"$ref": "#/$defs/n"}}]}},
      "$ref": "#/$defs/n"},
     [None, [], [None, [None]], [[1]], [[[None]]]]),
    (True, [1, None, {}]),
    ({"items": False}, [[], [1], "x"]),
]


@pytest.mark.parametrize("schema, instances", CASES)
def test_keyword_semantics_match_jsonschema(schema, instances):
    fast = compile_schema(schema)
    slow = Draft202012Validator(schema)
    for instance in instances:
        assert fast(instance) == slow.is_valid(instance), (schema, instance)


# -- generated documents and their mutations ---------------------------------------------------


def _resolve(root: dict[str, Any], ref: str) -> Any:
    node: Any = root
    for token in ref[2:].split("/"):
        node = node[token]
    return node


def instances(root: dict[str, Any], schema: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values valid against ``schema`` (a strategy written from the schema itself)."""
    if schema is True or schema == {}:
        return st.none() | st.text(max_size=5) | st.integers()
    if "$ref" in schema:
        return instances(root, _resolve(root, schema["$ref"]), depth)
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "const" in schema:
        return st.just(schema["const"])
    if "anyOf" in schema:
        return st.one_of([instances(root, s, depth) for s in schema["anyOf"]])
    types = schema.get("type", ["object"] if "properties" in schema else ["string"])
    types = [types] if isinstance(types, str) else types
    return st.one_of([_of_type(root, schema, t, depth) for t in types])


def _of_type(root: dict[str, Any], schema: dict[str, Any], kind: str, depth: int) -> st.SearchStrategy[Any]:
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers(min_value=schema.get("minimum"), max_value=schema.get("maximum"))
    if kind == "number":
        return st.integers(min_value=schema.get("minimum", -10), max_value=schema.get("maximum", 10))
    if kind == "string":
        if "pattern" in schema:
            pattern = schema["pattern"]
            return st.from_regex(pattern, fullmatch=pattern.startswith("^")).filter(
                lambda s: len(s) >= schema.get("minLength", 0))
        return st.text(min_size=schema.get("minLength", 0), max_size=12)
    if kind == "array":
        items = instances(root, schema.get("items", True), depth + 1)
        return st.lists(items, min_size=schema.get("minItems", 0), max_size=3,
                        unique_by=(lambda v: json.dumps(v, sort_keys=True)) if schema.get("uniqueItems") else None)
    props = schema.get("properties", {})
    required = {k: instances(root, props[k], depth + 1) for k in schema.get("required", ())}
    optional_keys = [k for k in props if k not in required]
    # Deep, wide schemas (34 topics): keep generated documents small enough to shrink.
    optional = {k: instances(root, props[k], depth + 1) for k in optional_keys} if depth < 4 else {}
    base = st.fixed_dictionaries(required, optional=optional)
    extra = schema.get("additionalProperties", True)
    if isinstance(extra, dict) and depth < 4:
        names = schema.get("propertyNames", {}).get("pattern", "^[a-z]+$")
        extras = st.dictionaries(st.from_regex(names, fullmatch=True), instances(root, extra, depth + 1),
                                 max_size=2)
        return st.tuples(base, extras).map(lambda pair: {**pair[1], **pair[0]})
    return base


def _paths(value: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [here]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, (*here, key))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            out += _paths(item, (*here, n))
    return out


REPLACEMENTS = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False, allow_infinity=False),
    st.just(1.0), st.just(-1),
    st.sampled_from(["", " ", "prohibited", "forbiden", "2024-13-01", "2024-02-30", "24-01-01",
                     "MA", "ma", "yes", "http://x", "not a url", "judicial_warrant", "a b", "A_B"]),
    st.lists(st.sampled_from(["a", "sworn_officers", "purpose", "purpose"]), max_size=3),
    st.just({}), st.just({"value": "silent"}), st.just([{}]),
).map(copy.deepcopy)  # a fresh object each time: a shared one could end up inside itself


@lru_cache(maxsize=None)
def valid_instances(name: str) -> st.SearchStrategy[Any]:
    return instances(SCHEMAS[name], SCHEMAS[name])


BAD_KEYS = ["valeu", "x", "Kind", "bad key", "x-y", "", "quote", "value", "note", "bounded"]


def schema_at(root: dict[str, Any], path: tuple[Any, ...], value_at: Any) -> Any:
    """The subschema that governs the node at ``path`` (None past a free-form value)."""
    schema: Any = root
    node = value_at
    for token in (*path, None):
        while isinstance(schema, dict) and "$ref" in schema:
            schema = _resolve(root, schema["$ref"])
        if isinstance(schema, dict) and "anyOf" in schema:  # the branch for this kind of value
            kinds = {dict: "object", list: "array", str: "string"}
            want = kinds.get(type(node), "")
            schema = next((b for b in schema["anyOf"] if b.get("type") == want or "$ref" in b),
                          schema["anyOf"][0])
            while "$ref" in schema:
                schema = _resolve(root, schema["$ref"])
        if token is None or not isinstance(schema, dict):
            return schema
        if isinstance(token, str):
            extra = schema.get("additionalProperties")
            schema = schema.get("properties", {}).get(token, extra if isinstance(extra, dict) else None)
        else:
            schema = schema.get("items")
        node = node[token]
    return schema


def violations(schema: Any, node: Any) -> list[tuple[str, str, Any]]:
    """Ways to break the keywords of ``schema`` at ``node``: (keyword, action, argument)."""
    if not isinstance(schema, dict):
        return []
    out: list[tuple[str, str, Any]] = []
    if "enum" in schema:
        out += [("enum", "set", "forbiden"), ("enum", "set", True)]
        if None not in schema["enum"]:
            out.append(("enum", "set", None))
    if "const" in schema:
        out += [("const", "set", True), ("const", "set", str(schema["const"]))]
    if "type" in schema:
        allowed = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        samples = {"null": None, "boolean": True, "integer": 3, "number": 1.5, "string": "x",
                   "array": [], "object": {}}
        out += [("type", "set", v) for t, v in samples.items() if t not in allowed
                and not (t == "integer" and "number" in allowed)]
    if schema.get("minLength"):
        out.append(("minLength", "set", "a" * (schema["minLength"] - 1)))
    if "pattern" in schema:
        out += [("pattern", "set", text) for text in ("", " ", "x y", "2024-13-01", "A")
                if not re.search(schema["pattern"], text)]
    if "minimum" in schema:
        out.append(("minimum", "set", schema["minimum"] - 1))
    if "maximum" in schema:
        out.append(("maximum", "set", schema["maximum"] + 1))
    if isinstance(node, list):
        if schema.get("minItems"):
            out.append(("minItems", "set", node[: schema["minItems"] - 1]))
        if schema.get("uniqueItems") and node:
            out.append(("uniqueItems", "set", [*node, node[0]]))
    if isinstance(node, dict):
        out += [("required", "drop", key) for key in schema.get("required", ()) if key in node]
        if schema.get("additionalProperties") is False:
            out.append(("additionalProperties", "add", "unknown_key"))
        if "propertyNames" in schema:
            # Renamed, not added: the value stays valid, so only the name is wrong.
            out += [("propertyNames", "rename" if node else "add", key) for key in ("Bad Key", "x-y", "")
                    if not re.search(schema["propertyNames"].get("pattern", ""), key)]
        if schema.get("minProperties"):
            out.append(("minProperties", "set", {}))
    return out


@lru_cache(maxsize=None)
def corpus_documents() -> st.SearchStrategy[Any]:
    """Full-size realistic documents from the benchmark generator (every field in use)."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    from gen_corpus import document

    from policylint.load.loader import load_text

    def build(serial: int) -> Any:
        return load_text(document(11, serial, None, 0.0, 0.3)).document.data

    return st.integers(1, 100_000).map(build)


def _node(doc: Any, path: tuple[Any, ...]) -> Any:
    for token in path:
        doc = doc[token]
    return doc


def _violate(draw: Any, doc: Any, name: str) -> None:
    """Break one keyword of the schema governing some node of ``doc``.

    The keyword is drawn first and the place second, so rare keywords (``propertyNames``
    under ``definitions``, ``uniqueItems``, ``minimum``) are broken as often as ``type``.
    """
    options: dict[str, list[tuple[tuple[Any, ...], str, Any]]] = {}
    for where in _paths(doc):
        node = _node(doc, where)
        for keyword, how, arg in violations(schema_at(SCHEMAS[name], where, doc), node):
            options.setdefault(keyword, []).append((where, how, arg))
    if not options:
        return
    where, how, arg = draw(st.sampled_from(options[draw(st.sampled_from(sorted(options)))]))
    if how == "set" and where:
        _node(doc, where[:-1])[where[-1]] = copy.deepcopy(arg)
    elif how == "drop":
        del _node(doc, where)[arg]
    elif how == "add":
        _node(doc, where)[arg] = "x"
    elif how == "rename":
        mapping = _node(doc, where)
        mapping[arg] = mapping.pop(next(iter(mapping)))


#: Blind breakage: what each does and which nodes it applies to.
BLIND = {
    "replace": lambda n: True,
    "null": lambda n: True,
    "drop": lambda n: True,
    "add_key": lambda n: isinstance(n, dict),
    "rename": lambda n: isinstance(n, dict) and bool(n),
    "duplicate": lambda n: isinstance(n, list) and bool(n),
    "clear": lambda n: isinstance(n, (list, dict)) and bool(n),
    "negate": lambda n: isinstance(n, (int, float)) and not isinstance(n, bool),
    "empty": lambda n: isinstance(n, str),
}


def _blind(draw: Any, doc: Any, action: str) -> None:
    """One blind change; the target is drawn among nodes grouped by the key naming them."""
    applies = BLIND[action]
    paths = [p for p in _paths(doc) if (p or action in ("add_key", "rename")) and applies(_node(doc, p))]
    if not paths:
        return
    groups: dict[str, list[tuple[Any, ...]]] = {}
    for path in paths:
        groups.setdefault(next((t for t in reversed(path) if isinstance(t, str)), ""), []).append(path)
    path = draw(st.sampled_from(groups[draw(st.sampled_from(sorted(groups)))]))
    target = _node(doc, path)
    parent = _node(doc, path[:-1]) if path else None
    if action == "replace":
        parent[path[-1]] = draw(REPLACEMENTS)
    elif action == "null":
        parent[path[-1]] = None
    elif action == "drop":
        parent.pop(path[-1])  # may remove a required key or empty a list
    elif action == "add_key":
        target[draw(st.sampled_from(BAD_KEYS + ["extra", "policylint", "provisions"]))] = draw(REPLACEMENTS)
    elif action == "rename":
        old = draw(st.sampled_from(sorted(target)))
        target[draw(st.sampled_from(BAD_KEYS + [old.upper(), old + "s"]))] = target.pop(old)
    elif action == "duplicate":
        target.append(copy.deepcopy(draw(st.sampled_from(target))))
    elif action == "clear":
        target.clear()
    elif action == "negate":
        parent[path[-1]] = -target - 1
    else:
        parent[path[-1]] = draw(st.sampled_from(["", " ", target + "\n", target.upper()]))


@st.composite
def mutated(draw: Any, name: str) -> Any:
    """A valid instance of schema ``name`` with up to three things broken, aimed or blind."""
    base = valid_instances(name)
    if name == "policy":
        base = base | corpus_documents()
    doc = copy.deepcopy(draw(base))
    for _ in range(draw(st.sampled_from([0, 1, 1, 2, 2, 3]))):
        action = draw(st.sampled_from(["violate"] * 3 + sorted(BLIND)))
        if action == "violate":
            _violate(draw, doc, name)
        else:
            _blind(draw, doc, action)
    return doc


# Shrinking documents this large takes minutes; a failure prints the whole instance instead.
FAST = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck),
                phases=(Phase.explicit, Phase.reuse, Phase.generate))


@FAST
@given(st.data())
def test_generated_policy_documents_and_mutations_agree(data):
    agree("policy", data.draw(mutated("policy")))


@settings(FAST, max_examples=200)
@given(st.data())
def test_generated_rule_and_pack_files_and_mutations_agree(data):
    name = data.draw(st.sampled_from(["rule", "pack"]))
    agree(name, data.draw(mutated(name)))


@FAST
@given(st.data())
def test_mutations_of_the_shipped_examples_agree(data):
    from policylint.load.loader import load_path

    files = sorted(p for p in (REPO / "examples").rglob("*.yaml"))
    path = data.draw(st.sampled_from(files))
    loaded = load_path(str(path))
    if loaded.document is None:
        return
    doc = copy.deepcopy(loaded.document.data)
    for _ in range(data.draw(st.integers(0, 2))):
        paths = _paths(doc)[1:]
        if not paths:
            break
        where = data.draw(st.sampled_from(paths))
        parent = doc
        for token in where[:-1]:
            parent = parent[token]
        parent[where[-1]] = data.draw(REPLACEMENTS)
    agree("policy", doc)


@FAST
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=4),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
                    max_leaves=12))
def test_arbitrary_json_agrees(value):
    agree("policy", value)
    agree("rule", value)


def test_every_shipped_example_and_rule_file_agrees():
    from policylint.load.loader import load_path

    checked = 0
    for path in sorted((REPO / "examples").rglob("*.yaml")):
        doc = load_path(str(path)).document
        if doc is not None:
            agree("policy", doc.data)
            checked += 1
    for path in sorted((REPO / "policylint" / "rules" / "data").rglob("*.yaml")):
        doc = load_path(str(path)).document
        if doc is not None and path.parent.name != "data":
            kind = {"packs": "pack", "conditions": "conditions"}.get(path.parent.name, "rule")
            agree(kind, doc.data)
            checked += 1
    assert checked > 10


def test_a_valid_document_is_checked_without_importing_jsonschema():
    code = (
        "import sys\n"
        "from policylint.load.loader import load_path\n"
        "from policylint.schema.validate import validate\n"
        f"doc = load_path({str(REPO / 'examples' / 'ma' / 'quincy.yaml')!r}).document\n"
        "assert validate(doc).findings == []\n"
        "assert 'jsonschema' not in sys.modules, 'jsonschema was imported'\n"
        "from policylint.load.loader import load_text\n"
        "bad = load_text('policylint: 1\\nagency: {name: X, state: MA}\\ninstrument: {kind: polcy}\\n').document\n"
        "assert [f.rule for f in validate(bad).findings] == ['schema-invalid-value']\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_the_conditions_schema_is_generated_from_the_rule_schema_and_fresh():
    from policylint.schema import generate as schemagen

    committed = schemagen.CONDITIONS_SCHEMA_PATH.read_text(encoding="utf-8")
    assert committed == schemagen.render_conditions_schema(), \
        "schemas/conditions.schema.json is stale; run python -m policylint.schema.generate"
    assert SCHEMAS["conditions"]["$defs"]["condition"] == SCHEMAS["rule"]["$defs"]["condition"]
