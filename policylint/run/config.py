"""Configuration: find, read, validate and merge ``policylint.yaml`` / ``[tool.policylint]``.

Discovery walks up from the working directory and stops at the first folder holding
``policylint.yaml``, ``.policylint.yaml`` or a ``pyproject.toml`` with ``[tool.policylint]``.
Nothing is merged implicitly: a file builds on another only through ``extends:``.
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable

from policylint.errors import ConfigError, did_you_mean
from policylint.finding import Finding

CONFIG_NAMES = ("policylint.yaml", ".policylint.yaml")
PYPROJECT = "pyproject.toml"
#: Keys whose mappings merge key by key across ``extends``; ``per-path`` lists append.
_MERGED = ("severity", "limits", "suppressions")
#: Keys holding paths (or FORMAT:PATH specs) relative to the file that sets them.
_PATH_KEYS = ("rule-dirs", "baseline")


@lru_cache(maxsize=None)
def config_schema() -> dict[str, Any]:
    from policylint import shipped

    return json.loads(shipped.read_text("schema", "schemas", "config.schema.json"))


@dataclass(frozen=True, slots=True)
class PathOverride:
    """A ``per-path`` entry: globs relative to ``base`` and what changes for matching files."""

    base: str
    files: tuple[str, ...]
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    severity: tuple[tuple[str, str], ...] = ()
    source: str = ""

    def matches(self, file: str) -> bool:
        return any(glob_match(pattern, file, self.base) for pattern in self.files)


@dataclass(slots=True)
class Config:
    """The merged configuration: values, where each came from, and the files read."""

    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    per_path: list[PathOverride] = field(default_factory=list)
    exclude: list[tuple[str, str]] = field(default_factory=list)  # (base, glob)

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def set(self, key: str, value: Any, source: str) -> None:
        """Set ``key`` (a command-line option overriding the files)."""
        self.values[key] = value
        self.sources[key] = source


# -- globs ---------------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + "(?:/.*)?")


def glob_match(pattern: str, file: str, base: str) -> bool:
    """Whether ``file`` matches ``pattern`` relative to ``base``; a pattern without a slash
    matches a file or folder name anywhere below (as in .gitignore)."""
    rel = os.path.relpath(os.path.abspath(file), base).replace(os.sep, "/")
    if rel.startswith("../") or rel == "..":
        return False
    pattern = pattern.strip("/") if pattern not in ("/", "") else pattern
    if "/" not in pattern:
        return any(_glob_regex(pattern).fullmatch(part) for part in rel.split("/"))
    return _glob_regex(pattern).fullmatch(rel) is not None


# -- reading one file ----------------------------------------------------------------------------


def _toml() -> Any:
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib
    try:
        import tomli  # type: ignore[import-not-found]
    except ImportError:
        raise ConfigError("reading [tool.policylint] from pyproject.toml needs Python 3.11 or the "
                          "`tomli` package; install tomli or use policylint.yaml") from None
    return tomli


def _pyproject_table(path: str) -> dict[str, Any] | None:
    """``[tool.policylint]`` of a pyproject.toml, or ``None`` when it has none."""
    from policylint.load.limits import DEFAULT_LIMITS
    from policylint.load.loader import read_regular

    try:
        raw = read_regular(path, DEFAULT_LIMITS.max_file_size)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read: {getattr(exc, 'strerror', None) or exc}", location=path) from None
    if b"tool.policylint" not in raw:
        return None  # cheap check first: most pyproject files are not ours
    try:
        data = _toml().loads(raw.decode("utf-8"))
    except Exception as exc:
        raise ConfigError(f"invalid TOML: {exc}", location=path) from None
    table = data.get("tool", {}).get("policylint")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError("[tool.policylint] must be a table", location=path)
    return table


def _toml_line(path: str, key: str) -> int:
    """Best-effort line of ``key`` inside ``[tool.policylint]`` (TOML parsers give no positions)."""
    try:
        lines = open(path, encoding="utf-8").read().splitlines()
    except OSError:
        return 1
    start = next((n for n, ln in enumerate(lines) if ln.strip().startswith("[tool.policylint")), 0)
    for n in range(start, len(lines)):
        if re.match(rf'\s*"?{re.escape(key)}"?\s*=', lines[n]):
            return n + 1
    return start + 1


def _describe_error(error: Any) -> str:
    where = "/".join(str(p) for p in error.absolute_path)
    if error.validator == "additionalProperties":
        known = set(error.schema.get("properties", {}))
        extra = [k for k in error.instance if k not in known]
        return "; ".join(f"unknown key `{k}`{did_you_mean(k, known)}" for k in extra)
    if error.validator == "enum":
        return f"`{where}` is `{error.instance}`; expected one of: " + ", ".join(map(str, error.validator_value))
    return f"`{where}`: {error.message}" if where else error.message


def read_file(path: str) -> tuple[dict[str, Any], Callable[[str], str]]:
    """Read and validate one configuration file.

    Returns its data and a function from a key to ``file:line`` (for errors and show-config).
    """
    from jsonschema import Draft202012Validator

    display = os.path.relpath(path) if not os.path.isabs(path) else path
    if os.path.basename(path) == PYPROJECT:
        data = _pyproject_table(path)
        if data is None:
            raise ConfigError("no [tool.policylint] table", location=display)

        def where(key: str) -> str:
            return f"{display}:{_toml_line(path, key.split('/')[0])}"
    else:
        from policylint.load.loader import load_path

        loaded = load_path(path)
        if loaded.document is None or loaded.findings:
            f: Finding = loaded.findings[0]
            raise ConfigError(f.message, location=f"{display}:{f.line}:{f.column}")
        doc = loaded.document
        data = doc.data

        def where(key: str) -> str:
            span = doc.key_span("/" + key) if key else doc.span("")
            return f"{display}:{span.line}:{span.column}"
    validator = Draft202012Validator(config_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        first = errors[0]
        pointer = "/".join(str(p) for p in first.absolute_path)
        if first.validator == "additionalProperties":
            extra = [k for k in first.instance if k not in first.schema.get("properties", {})]
            pointer = "/".join(filter(None, (pointer, extra[0] if extra else "")))
        message = _describe_error(first)
        if len(errors) > 1:
            message += f" (and {len(errors) - 1} more problem(s))"
        raise ConfigError(message, location=where(pointer))
    return data, where


# -- merging ---------------------------------------------------------------------------------------


def _absolute(value: str, base: str) -> str:
    return value if os.path.isabs(value) else os.path.normpath(os.path.join(base, value))


def _confined(path: str, root: str | None, what: str, where: str) -> None:
    """A configuration error when ``path`` lies outside ``root`` (no check without a root)."""
    if root is None or not path:
        return
    real = os.path.realpath(path)
    if real != root and not real.startswith(root.rstrip(os.sep) + os.sep):
        raise ConfigError(f"{what} {path}, outside the project ({root}); name the configuration "
                          "with --config to allow it", location=where)


def parse_output_spec(spec: str) -> tuple[str, str | None]:
    """``sarif:out.sarif`` -> ("sarif", "out.sarif"); ``text`` -> ("text", None)."""
    name, sep, target = spec.partition(":")
    if name == "template":  # template:PATH.j2[:OUT]
        path, _, out = target.partition(":")
        return f"template:{path}", out or None
    return name, (target or None) if sep else None


def default_jobs() -> int:
    """The processors this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _target(spec: str) -> str:
    return parse_output_spec(spec)[1] or ""


def _template(spec: str) -> str:
    return parse_output_spec(spec)[0][len("template:"):]


def _output_spec(spec: str, base: str) -> str:
    """``sarif:out.sarif`` -> ``sarif:/abs/out.sarif`` (targets are relative to the file)."""
    name, target = parse_output_spec(spec)
    if name.startswith("template:"):
        name = "template:" + _absolute(name[len("template:"):], base)
    return f"{name}:{_absolute(target, base)}" if target else name


#: How deep a chain of ``extends`` may go (a 1,200-deep chain overflowed Python's stack).
MAX_EXTENDS_DEPTH = 32


def _lowered(limits: dict[str, Any], where: Callable[[str], str]) -> None:
    """A configuration found by searching may lower the limits, never raise them: a pull
    request could otherwise lift the bounds that keep hostile documents harmless."""
    for name, value in limits.items():
        default = DEFAULTS["limits"].get(name)
        if default is not None and value > default:
            raise ConfigError(f"`limits.{name}` is {value:,}, above the default {default:,}; a "
                              "configuration found by searching may only lower limits (name it "
                              "with --config, or use the command-line option, to raise one)",
                              location=where(f"limits/{name}"))


def load(path: str, config: Config | None = None, chain: tuple[str, ...] = (),
         root: str | None = None) -> Config:
    """Read ``path`` and everything it ``extends`` (first) into ``config``.

    ``root``: the project folder of a configuration found by searching (not named with
    ``--config``).  Such a file comes with the repository being checked, perhaps from a
    stranger's pull request, so every path it names (``extends``, ``rule-dirs``,
    ``baseline``, output files and templates) must stay inside it, and its limits may only
    be lowered.  Each file is read once however often it is extended (a chain of diamonds
    doubled the work at every level), and chains stop at :data:`MAX_EXTENDS_DEPTH`.
    """
    config = config if config is not None else Config()
    real = os.path.realpath(path)
    if real in chain:
        cycle = " -> ".join(os.path.relpath(p) for p in (*chain, real))
        raise ConfigError(f"`extends` forms a cycle: {cycle}", location=path)
    if len(chain) >= MAX_EXTENDS_DEPTH:
        raise ConfigError(f"`extends` goes more than {MAX_EXTENDS_DEPTH} files deep", location=path)
    if any(os.path.realpath(f) == real for f in config.files):
        return config  # already read through another branch of `extends`
    if not os.path.isfile(path):
        raise ConfigError("configuration file not found", location=path)
    data, where = read_file(path)
    base = os.path.dirname(os.path.abspath(path))
    parents = data.get("extends", [])
    for parent in [parents] if isinstance(parents, str) else parents:
        _confined(_absolute(parent, base), root, "`extends` reads", where("extends"))
        load(_absolute(parent, base), config, (*chain, real), root)
    config.files.append(path)
    for key, value in data.items():
        if key == "extends":
            continue
        source = where(key)
        if key in _PATH_KEYS:
            value = [_absolute(v, base) for v in value] if isinstance(value, list) else _absolute(value, base)
            for named in value if isinstance(value, list) else [value]:
                _confined(named, root, "`rule-dirs` reads" if key == "rule-dirs" else f"`{key}` names", source)
        elif key == "output":
            value = [_output_spec(v, base) for v in value]
            for spec in value:
                _confined(_target(spec), root, "`output` writes", source)
                if spec.startswith("template:"):
                    _confined(_template(spec), root, "`output` reads the template", source)
        elif key == "limits" and root is not None:
            _lowered(value, where)
        elif key == "jobs":
            value = min(value, default_jobs()) or 0  # 0: one per processor, as before
        if key in _MERGED:
            merged = dict(config.values.get(key, {}))
            for sub, subvalue in value.items():
                merged[sub] = subvalue
                config.sources[f"{key}.{sub}"] = where(f"{key}/{sub}")
            config.values[key] = merged
            config.sources[key] = source
        elif key == "per-path":
            for n, entry in enumerate(value):
                files = entry["files"]
                config.per_path.append(PathOverride(
                    base=base, files=(files,) if isinstance(files, str) else tuple(files),
                    select=tuple(entry["select"]) if "select" in entry else None,
                    ignore=tuple(entry.get("ignore", ())),
                    severity=tuple(entry.get("severity", {}).items()),
                    source=where(f"per-path/{n}")))
            config.values["per-path"] = [*config.values.get("per-path", []), *value]
            config.sources[key] = source
        elif key == "exclude":
            config.exclude = [(base, g) for g in value]
            config.values[key] = value
            config.sources[key] = source
        else:
            config.values[key] = value
            config.sources[key] = source
    return config


def find(start: str) -> str | None:
    """The nearest configuration file at or above ``start``."""
    current = os.path.abspath(start)
    while True:
        for name in CONFIG_NAMES:
            candidate = os.path.join(current, name)
            if os.path.isfile(candidate):
                return candidate
        candidate = os.path.join(current, PYPROJECT)
        if os.path.isfile(candidate) and _pyproject_table(candidate) is not None:
            return candidate
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def resolve(cwd: str | None = None, explicit: str | None = None, isolated: bool = False) -> Config:
    """The configuration of a run: ``--config FILE``, else the discovered file, else none."""
    if isolated:
        return Config()
    path = explicit or find(cwd or os.getcwd())
    if not path:
        return Config()
    return load(path, root=None if explicit else os.path.dirname(os.path.realpath(path)))


# -- applying rule overrides -------------------------------------------------------------------------


def _matches(rule: str, patterns: tuple[str, ...]) -> bool:
    return any(rule == p or rule.startswith(p) for p in patterns)


@dataclass(frozen=True, slots=True)
class RuleOverrides:
    """Severity overrides, ``per-path`` entries, and select/ignore for the core rules (the
    engine applies select/ignore to pack rules itself).  Rule ids are canonical already.

    Input errors are never dropped or downgraded: an unreadable file always exits 2.
    """

    severity: tuple[tuple[str, str], ...] = ()
    per_path: tuple[PathOverride, ...] = ()
    core_select: tuple[str, ...] | None = None
    core_ignore: tuple[str, ...] = ()
    core_ids: frozenset[str] = frozenset()

    def _for(self, file: str) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]], dict[str, str]]:
        selects: list[tuple[str, ...]] = []
        ignores: list[tuple[str, ...]] = []
        severity = dict(self.severity)
        for entry in self.per_path:
            if entry.matches(file):
                if entry.select is not None:
                    selects.append(entry.select)
                if entry.ignore:
                    ignores.append(entry.ignore)
                severity.update(entry.severity)
        return selects, ignores, severity

    def keeps(self, file: str, rule: str) -> bool:
        """Whether findings of ``rule`` in ``file`` survive select/ignore/``off``."""
        selects, ignores, severity = self._for(file)
        return self._keeps(rule, selects, ignores, severity)

    def _keeps(self, rule: str, selects: list[tuple[str, ...]], ignores: list[tuple[str, ...]],
               severity: dict[str, str]) -> bool:
        if severity.get(rule) == "off":
            return False
        # A selection names the rules to run; that some of them were stopped before they
        # finished is news about those rules, not a rule left out (only ignore/off hide it).
        selected = rule == "rule-timeout"
        if rule in self.core_ids:
            if self.core_select is not None and not selected and not _matches(rule, self.core_select):
                return False
            if _matches(rule, self.core_ignore):
                return False
        if not selected and any(not _matches(rule, s) for s in selects):
            return False
        return not any(_matches(rule, i) for i in ignores)

    def apply(self, file: str, findings: list[Finding]) -> list[Finding]:
        if not (self.severity or self.per_path or self.core_select is not None or self.core_ignore):
            return findings
        selects, ignores, severity = self._for(file)
        out = []
        for f in findings:
            if f.input_error:
                out.append(f)
            elif self._keeps(f.rule, selects, ignores, severity):
                level = severity.get(f.rule)
                out.append(f.with_(severity=level) if level and level != f.severity else f)
        return out


#: What each key is when no file sets it (shown by ``show-config``).
DEFAULTS: dict[str, Any] = {
    "packs": None, "extend-packs": [], "select": [], "ignore": [], "severity": {},
    "per-path": [], "fail-on": "error", "max-warnings": None, "output": ["text"],
    "rule-dirs": [], "exclude": [], "baseline": None, "jobs": 0, "cache": True,
    "limits": {"max-file-size": 2 * 1024 * 1024, "max-nodes": 100_000, "max-depth": 64,
               "max-string": 100_000, "max-documents": 100_000, "max-rule-seconds": 1.0},
    "suppressions": {"require-reason": True, "report-unused": True},
}


def explain(config: Config) -> list[tuple[str, Any, str]]:
    """``(key, value, where it came from)`` for every key, defaults included, in schema order."""
    rows: list[tuple[str, Any, str]] = []
    for key in DEFAULTS:
        if key in _MERGED:
            merged = {**DEFAULTS[key], **config.values.get(key, {})}
            if not merged:
                rows.append((key, {}, "default"))
            for sub, value in merged.items():
                rows.append((f"{key}.{sub}", value, config.sources.get(f"{key}.{sub}", "default")))
        else:
            value = config.values.get(key, DEFAULTS[key])
            rows.append((key, value, config.sources.get(key, "default")))
    return rows
