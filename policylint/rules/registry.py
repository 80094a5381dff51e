"""Load, validate and index every rule file and pack manifest, once per process."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Iterable, Iterator

from policylint import shipped
from policylint.errors import RuleFileError, did_you_mean
from policylint.load.document import Document, join
from policylint.rules.conditions import ConditionError, compile_condition, expand_named
from policylint.rules.fastconditions import Patterns
from policylint.rules.rule import CompiledRule, Pack, Rule, RuleCompileError, compile_rule

#: Pack manifests live in a directory of this name; every other YAML file is a rule.
PACK_DIR = "packs"
#: Named conditions shared by rules (``{condition: NAME}``) live in a directory of this name.
CONDITIONS_DIR = "conditions"


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in a rule or pack file, with its ``file:line:col``."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class CompiledRules(dict[str, CompiledRule]):
    """Compiled rules by id; rules whose text compiled in an earlier run compile on first use.

    A document reads the rules of its packs only (43 of 74 for a Massachusetts town), and
    compiling the rest cost a one-file run ~4 ms.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pending: dict[str, Rule] = {}

    def defer(self, rule: Rule) -> None:
        self.pending[rule.id] = rule

    def __missing__(self, rule_id: str) -> CompiledRule:
        rule = self.pending.pop(rule_id)  # KeyError for a rule that does not exist
        compiled = self[rule_id] = compile_rule(rule, trusted=True)
        return compiled


@dataclass(slots=True)
class Registry:
    """Every known rule (compiled) and pack, with alias resolution."""

    rules: dict[str, Rule] = field(default_factory=dict)
    compiled: dict[str, CompiledRule] = field(default_factory=CompiledRules)
    aliases: dict[str, str] = field(default_factory=dict)
    packs: dict[str, Pack] = field(default_factory=dict)

    def resolve(self, rule_id: str) -> str | None:
        """The canonical id of ``rule_id`` (itself or an alias), or ``None``."""
        if rule_id in self.rules:
            return rule_id
        return self.aliases.get(rule_id)

    def rule(self, rule_id: str) -> Rule:
        """The rule named ``rule_id`` (or one of its aliases); ``KeyError`` with a hint."""
        canonical = self.resolve(rule_id)
        if canonical is None:
            raise KeyError(f"no rule `{rule_id}`{did_you_mean(rule_id, self.known_ids())}")
        return self.rules[canonical]

    def known_ids(self) -> set[str]:
        return set(self.rules) | set(self.aliases)

    def packs_using(self, rule_id: str) -> list[tuple[Pack, Any]]:
        """Every pack that uses ``rule_id``, with its entry there, in pack order."""
        out = []
        for pack in self.packs.values():
            for entry in pack.rules:
                if entry.rule == rule_id:
                    out.append((pack, entry))
        return out


# -- reading files ---------------------------------------------------------------------------


def read_yaml(text: str, file: str) -> tuple[Document | None, list[Problem]]:
    """Parse a rule/pack file with positions, through the same loader as policy documents."""
    from policylint.load.loader import load_text

    result = load_text(text, file)
    problems = [Problem(file, f.line, f.column, f.message) for f in result.findings]
    return result.document, problems


def package_files() -> Iterator[tuple[str, str, str]]:
    """``(display name, category, text)`` of every YAML file under ``policylint/rules``."""
    def walk(folder: str, parts: tuple[str, ...]) -> Iterator[tuple[str, str, str]]:
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            if entry.is_dir():
                if not entry.name.startswith(("_", ".")):
                    yield from walk(entry.path, (*parts, entry.name))
            elif parts and entry.name.endswith((".yaml", ".yml")):
                # Files directly under rules/data/ are data tables for check functions, not rules.
                display = "/".join(("policylint", "rules", "data", *parts, entry.name))
                with open(entry.path, encoding="utf-8") as fh:
                    yield display, parts[0], fh.read()

    yield from walk(shipped.path("rules", "data"), ())


def directory_files(path: str) -> Iterator[tuple[str, str, str]]:
    """``(file, category, text)`` of each rule or pack file under ``path``: regular files
    within the document size limit only (a link to /dev/zero or a FIFO is an error)."""
    from policylint.load.limits import DEFAULT_LIMITS
    from policylint.load.loader import read_regular

    if not os.path.isdir(path):
        raise RuleFileError(f"rule directory not found: {path}")
    for dirpath, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        for name in sorted(files):
            if name.endswith((".yaml", ".yml")):
                full = os.path.join(dirpath, name)
                rel = os.path.relpath(full, path).split(os.sep)
                try:
                    text = read_regular(full, DEFAULT_LIMITS.max_file_size).decode("utf-8")
                except (OSError, ValueError) as exc:  # UnicodeDecodeError is a ValueError
                    reason = getattr(exc, "strerror", None) or exc
                    raise RuleFileError(f"cannot read rule file: {reason}", location=full) from None
                yield full, rel[0] if len(rel) > 1 else "", text


# -- meta-schemas ----------------------------------------------------------------------------


@lru_cache(maxsize=None)
def package_conditions() -> dict[str, Any]:
    """The package's named conditions by name, as its rules see them (no rule directory's)."""
    problems: list[Problem] = []
    files = [f for f in package_files() if f[1] == CONDITIONS_DIR]
    _, package = _named_conditions(files, False, {}, None, problems, frozenset(f[0] for f in files))
    if problems:
        raise rule_file_error(problems)
    return package


@lru_cache(maxsize=None)
def meta_schema(name: str) -> dict[str, Any]:
    """``rule``, ``pack`` or ``conditions``: the meta-schema shipped in ``policylint/schema/schemas``."""
    return json.loads(shipped.read_text("schema", "schemas", f"{name}.schema.json"))


@lru_cache(maxsize=None)
def _validator(name: str) -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(meta_schema(name))


def _schema_problems(doc: Document, kind: str) -> list[Problem]:
    from policylint.schema.fastvalidate import UnsupportedSchema, shipped

    try:
        if shipped(kind)(doc.data):
            return []  # the compiled check: jsonschema (50 ms to import) only explains errors
    except UnsupportedSchema:
        pass
    from jsonschema.exceptions import best_match

    out = []
    for error in sorted(_validator(kind).iter_errors(doc.data), key=lambda e: list(map(str, e.absolute_path))):
        while error.validator in ("anyOf", "oneOf") and error.context:
            # A list or a single condition: report what is wrong inside, not "no schema matched".
            error = best_match(error.context, key=lambda e: (len(e.absolute_path), e.validator != "type"))
        pointer = join("", *error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = set((error.schema or {}).get("properties", {}))
            for key in sorted(set(error.instance) - allowed):
                span = doc.key_span(join(pointer, key))
                out.append(Problem(doc.file, span.line, span.column,
                                   f"unknown key `{key}`{did_you_mean(key, allowed)}"))
            continue
        span = doc.span(pointer)
        where = f"`{pointer}`: " if pointer else ""
        message = error.message if len(error.message) <= 160 else error.message[:157] + "..."
        out.append(Problem(doc.file, span.line, span.column, f"{where}{message}"))
    return sorted(out, key=lambda p: (p.line, p.column))


# -- loading ---------------------------------------------------------------------------------


def _stem(file: str) -> str:
    base = file.replace("\\", "/").rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[0]


def load_rule_text(text: str, file: str, category: str = "", trusted: bool = False,
                   data: Any = None, defer: Callable[[Rule], None] | None = None,
                   named: dict[str, Any] | None = None, shipped: bool = False,
                   ) -> tuple[CompiledRule | Rule | None, list[Problem]]:
    """Read, validate and compile one rule file; problems come back with positions.

    ``trusted``: this exact text was validated before (see :func:`load_registry`), so the
    meta-schema is not run again and the message template compiles on first use.
    ``data``: that text as already parsed (from the snapshot beside the stamp).
    ``defer``: for trusted texts, receives the rule instead of compiling it now (the
    :class:`Rule` is returned in place of the compiled rule).
    ``named``: the named conditions the rule may use, by name (their conditions).
    ``shipped``: the file is the package's own, so its patterns compile with ``re``.
    """
    doc, problems = _parsed(text, file, data)
    if doc is None or problems:
        return None, problems or [Problem(file, 1, 1, "cannot read the rule file")]
    problems = [] if trusted else _schema_problems(doc, "rule")
    if problems:
        return None, problems
    data = doc.data
    if data["id"] != _stem(file):
        span = doc.span("/id")
        problems.append(Problem(file, span.line, span.column,
                                f"rule id `{data['id']}` must match the file name `{_stem(file)}`"))
        return None, problems
    data, problems = _expanded(doc, named or {})
    if problems:
        return None, problems
    rule = Rule.from_data(data, file=file, category=category, shipped=shipped)
    if trusted and defer is not None:
        defer(rule)
        return rule, []
    try:
        compiled = compile_rule(rule, trusted)
    except RuleCompileError as exc:
        span = doc.span(exc.pointer)
        return None, [Problem(file, span.line, span.column, exc.message)]
    return compiled, []


def _expanded(doc: Document, named: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """The rule's data with its named conditions written out (the same dict when none)."""
    data = doc.data
    out = data
    for part in ("when", "fail"):
        if data.get(part) is None:
            continue
        try:
            got = expand_named(data[part], named, "/" + part)
        except ConditionError as exc:
            span = doc.span(exc.pointer)
            return data, [Problem(doc.file, span.line, span.column, exc.message)]
        if got is not data[part]:
            out = {**out, part: got}
    return out, []


def load_conditions_text(text: str, file: str, trusted: bool = False, data: Any = None,
                         ) -> tuple[dict[str, Any], Document | None, list[Problem]]:
    """Read and validate one file of named conditions: ``{name: condition}`` and its document
    (references between them are checked by the registry, which knows every name)."""
    doc, problems = _parsed(text, file, data)
    if doc is None or problems:
        return {}, doc, problems or [Problem(file, 1, 1, "cannot read the conditions file")]
    problems = [] if trusted else _schema_problems(doc, "conditions")
    if problems:
        return {}, doc, problems
    return {name: entry["condition"] for name, entry in doc.data.items()}, doc, []


def _named_conditions(files: list[tuple[str, str, str]], trusted: bool, parsed: dict[str, Any],
                      record: dict[str, Any] | None, problems: list[Problem],
                      shipped_files: frozenset[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Every named condition in the ``conditions/`` files by name, and those of the package.

    The package's rules and conditions see only the package's names (a rule directory
    cannot change what a shipped rule means); a rule directory's see every name.

    Each is checked in its own file: a name defined twice, a reference to an unknown name
    or a cycle of names, and (for texts not validated before) a condition that does not
    compile are problems there, before any rule uses it.
    """
    named: dict[str, Any] = {}
    owners: dict[str, str] = {}
    docs: dict[str, Document] = {}
    for file, category, text in files:
        if category != CONDITIONS_DIR:
            continue
        found, doc, bad = load_conditions_text(text, file, trusted, parsed.get(file))
        problems.extend(bad)
        if doc is None or bad:
            continue
        if record is not None:
            record[file] = doc.data
        for name, condition in found.items():
            if name in owners:
                span = doc.key_span("/" + name)
                problems.append(Problem(file, span.line, span.column,
                                        f"named condition `{name}` is already defined in {owners[name]}"))
                continue
            named[name], owners[name], docs[name] = condition, file, doc
    from policylint.rules.checks import get as get_check

    package = {name: c for name, c in named.items() if owners[name] in shipped_files}
    for name, condition in named.items():
        doc = docs[name]
        where = f"/{name}/condition"
        try:
            expanded = expand_named(condition, package if name in package else named, where, (name,))
            if not trusted:
                compile_condition(expanded, get_check, where, Patterns(shipped=name in package))
        except ConditionError as exc:
            span = doc.span(exc.pointer)
            problems.append(Problem(doc.file, span.line, span.column, exc.message))
    return named, package


def load_pack_text(text: str, file: str, trusted: bool = False,
                   data: Any = None) -> tuple[Pack | None, Document | None, list[Problem]]:
    """Read and validate one pack manifest (rule references are checked by the registry)."""
    doc, problems = _parsed(text, file, data)
    if doc is None or problems:
        return None, doc, problems or [Problem(file, 1, 1, "cannot read the pack file")]
    problems = [] if trusted else _schema_problems(doc, "pack")
    if problems:
        return None, doc, problems
    if doc.data["id"] != _stem(file):
        span = doc.span("/id")
        return None, doc, [Problem(file, span.line, span.column,
                                   f"pack id `{doc.data['id']}` must match the file name `{_stem(file)}`")]
    return Pack.from_data(doc.data, file=file), doc, []


def _parsed(text: str, file: str, data: Any) -> tuple[Document | None, list[Problem]]:
    if data is None:
        return read_yaml(text, file)
    return Document(file=file, data=data, text=text), []  # positions: only problems need them


def build_registry(files: Iterable[tuple[str, str, str]], trusted: bool = False,
                   parsed: dict[str, Any] | None = None,
                   record: dict[str, Any] | None = None,
                   shipped_files: frozenset[str] = frozenset()) -> Registry:
    """Build a registry from ``(file, category, text)`` triples; raise on any problem.

    ``parsed`` gives files' data already parsed (trusted runs only); ``record`` collects
    the data of every file read, for the next run's snapshot.  ``shipped_files`` names the
    files that come from the package itself; every other file is a third party's.
    """
    parsed = parsed or {}
    registry = Registry()
    problems: list[Problem] = []
    owners: dict[str, str] = {}  # id or alias -> file that claims it
    packs: list[tuple[Pack, Document]] = []
    files = list(files)
    named, package_named = _named_conditions(files, trusted, parsed, record, problems, shipped_files)
    for file, category, text in files:
        if category == CONDITIONS_DIR:
            continue
        if category == PACK_DIR:
            pack, doc, found = load_pack_text(text, file, trusted, parsed.get(file))
            problems.extend(found)
            if record is not None and doc is not None:
                record[file] = doc.data
            if pack is not None and doc is not None:
                if pack.id in registry.packs:
                    problems.append(Problem(file, 1, 1, f"duplicate pack id `{pack.id}` "
                                            f"(also in {registry.packs[pack.id].file})"))
                else:
                    registry.packs[pack.id] = pack
                    packs.append((pack, doc))
            continue
        loaded, found = load_rule_text(text, file, category, trusted, parsed.get(file),
                                       registry.compiled.defer,  # type: ignore[attr-defined]
                                       package_named if file in shipped_files else named,
                                       file in shipped_files)
        problems.extend(found)
        if loaded is None:
            continue
        rule = loaded if isinstance(loaded, Rule) else loaded.rule
        if record is not None:
            record[file] = rule.data
        for name in (rule.id, *rule.aliases):
            if name in owners:
                problems.append(Problem(file, 1, 1, f"`{name}` is already defined in {owners[name]}"))
                break
        else:
            owners.update({name: file for name in (rule.id, *rule.aliases)})
            registry.rules[rule.id] = rule
            if not isinstance(loaded, Rule):
                registry.compiled[rule.id] = loaded
            registry.aliases.update({a: rule.id for a in rule.aliases})
    for pack, doc in packs:
        seen: set[str] = set()
        for n, entry in enumerate(pack.rules):
            if entry.rule not in registry.rules:
                span = doc.span(f"/rules/{n}/rule")
                hint = (f" (it is an alias of `{registry.aliases[entry.rule]}`; use the rule id)"
                        if entry.rule in registry.aliases else did_you_mean(entry.rule, registry.rules))
                problems.append(Problem(pack.file, span.line, span.column,
                                        f"pack `{pack.id}` uses unknown rule `{entry.rule}`{hint}"))
            elif entry.rule in seen:
                span = doc.span(f"/rules/{n}/rule")
                problems.append(Problem(pack.file, span.line, span.column,
                                        f"rule `{entry.rule}` is listed twice in pack `{pack.id}`"))
            seen.add(entry.rule)
    if problems:
        raise rule_file_error(problems)
    return registry


def rule_file_error(problems: list[Problem]) -> RuleFileError:
    """One error for all problems: the first with its location, the rest listed below it."""
    first = problems[0]
    message = first.message
    if len(problems) > 1:
        message += "".join(f"\n  {p}" for p in problems[1:])
    error = RuleFileError(message, location=f"{first.file}:{first.line}:{first.column}")
    error.problems = problems  # type: ignore[attr-defined]
    return error


#: ``cache_dir`` of :func:`load_registry` when not given: the user's cache folder.
DEFAULT_CACHE = "<default>"


def load_registry(extra_dirs: tuple[str, ...] = (), cache_dir: str | None = DEFAULT_CACHE) -> Registry:
    """The package's rules and packs plus those in ``extra_dirs`` (cached per process).

    Validating every file against the meta-schemas and compiling every message template
    costs more than linting a document, so a run that has validated this exact set of
    texts leaves a stamp in the cache folder ``cache_dir`` (a file named by their hash,
    signed with the folder's key, see :func:`policylint.cachedir.secret`); later runs with
    the same texts skip that work.  Any change to any file, the schemas or the version
    means a new hash and a full validation.  ``cache_dir`` None or "": no stamp is read or
    written (``--no-cache``); by default the user's cache folder.
    """
    if cache_dir == DEFAULT_CACHE:
        from policylint.cachedir import default_dir

        cache_dir = default_dir()
    return _load_registry(tuple(extra_dirs), cache_dir or None)


@lru_cache(maxsize=8)
def _load_registry(extra_dirs: tuple[str, ...], cache_dir: str | None) -> Registry:
    shipped_files = list(package_files())
    files = list(shipped_files)
    for path in extra_dirs:
        files.extend(directory_files(path))
    key = None
    if cache_dir:
        from policylint.cachedir import secret

        key = secret(cache_dir, create=True)  # None: not our folder, or others can write it
    stamp = _stamp_path(files, cache_dir) if key is not None and cache_dir else None
    trusted = stamp is not None and key is not None and _stamped(stamp, key)
    # Beside the stamp, the texts as parsed: parsing them is most of what is left to do.
    snapshot = stamp[: -len(".ok")] + ".json" if stamp is not None else None
    parsed = _read_snapshot(snapshot, key) if trusted and snapshot and key else None
    record: dict[str, Any] | None = {} if snapshot and not parsed else None
    registry = build_registry(files, trusted=trusted, parsed=parsed, record=record,
                              shipped_files=frozenset(file for file, _, _ in shipped_files))
    if stamp is not None and key is not None and not trusted:
        from policylint.cachedir import sign

        try:
            with open(stamp, "w", encoding="utf-8") as fh:
                fh.write(sign(key, os.path.basename(stamp).encode()) + "\n")
        except OSError:
            pass  # a read-only home is fine: the next run validates again
        else:
            from policylint.cachedir import prune_files

            prune_files(os.path.dirname(stamp), "rules-", os.path.basename(stamp))
    if snapshot and record and key is not None:
        _write_snapshot(snapshot, record, key)
    return registry


def _stamped(stamp: str, key: bytes) -> bool:
    """Whether ``stamp`` holds this folder's signature of its own name (a stamp anyone else
    made would let a pack skip the checks that refuse unsafe patterns and templates)."""
    from policylint.cachedir import verify

    try:
        with open(stamp, encoding="utf-8") as fh:
            mac = fh.read(100).strip()
    except (OSError, ValueError):
        return False
    return verify(key, os.path.basename(stamp).encode(), mac)


def _parser_version() -> str:
    """The loader that parsed a snapshot's texts (its data depends on it, not only on them)."""
    from policylint.load import loader

    st = os.stat(loader.__file__)
    return f"{st.st_size}:{st.st_mtime_ns}"


def _read_snapshot(path: str, key: bytes) -> dict[str, Any] | None:
    """The parsed texts of a snapshot whose signature verifies, else None (parse them)."""
    from policylint.cachedir import verify

    try:
        with open(path, "rb") as fh:
            mac, _, body = fh.read().partition(b"\n")
        if not verify(key, body, mac.decode("ascii")):
            return None
        data = json.loads(body)
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("parser") != _parser_version():
        return None
    files = data.get("files")
    return files if isinstance(files, dict) else None


def _write_snapshot(path: str, record: dict[str, Any], key: bytes) -> None:
    import tempfile

    from policylint.cachedir import sign

    try:
        body = json.dumps({"parser": _parser_version(), "files": record}).encode("utf-8")
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".rules-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(sign(key, body).encode("ascii") + b"\n" + body)
        os.replace(tmp, path)  # whole or not at all: a reader never sees half of it
    except (OSError, TypeError, ValueError):
        pass


def _stamp_path(files: list[tuple[str, str, str]], root: str) -> str:
    """Where the stamp for ``files`` lives in the cache folder ``root``."""
    from hashlib import blake2b

    from policylint import __version__

    digest = blake2b(__version__.encode())
    for name in ("rule", "pack"):
        digest.update(shipped.read_bytes("schema", "schemas", f"{name}.schema.json"))
    from policylint.rules import checks

    digest.update(" ".join(sorted(checks.CHECKS)).encode())
    for file, category, text in files:
        digest.update(f"\0{file}\0{category}\0".encode())
        digest.update(text.encode())
    return os.path.join(root, f"rules-{digest.hexdigest()[:32]}.ok")
