"""The Python API of a check: settings in, one result per file out (report.outputs writes them)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

from policylint.load.limits import DEFAULT_LIMITS, Limits
from policylint.run.parallel import check_paths
from policylint.run.runner import Checker, CheckOptions, FileResult


@dataclass(frozen=True, slots=True)
class CheckSettings:
    """A fully resolved ``check`` run: inputs, rule selection, limits and outputs."""

    paths: tuple[str, ...] = ()
    stdin_filename: str = "<stdin>"
    packs: tuple[str, ...] | None = None
    extend_packs: tuple[str, ...] = ()
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    fail_on: str = "error"
    max_warnings: int | None = None
    limits: Limits = DEFAULT_LIMITS
    outputs: tuple[tuple[str, str | None], ...] = (("text", None),)
    color: bool = False
    verbose: int = 0
    quiet: bool = False
    statistics: bool = False
    rule_dirs: tuple[str, ...] = ()
    severity: tuple[tuple[str, str], ...] = ()   # rule id -> error|warning|info|off
    per_path: tuple[Any, ...] = ()               # policylint.run.config.PathOverride
    exclude: tuple[tuple[str, str], ...] = ()    # (base folder, glob)
    require_reason: bool = True
    report_unused: bool = True
    today: str = ""                              # waivers expire against it; "" = today
    baseline: str | None = None
    fingerprints: bool | None = None             # value hashes on findings; None = if needed
    jobs: int | None = None                      # processes; None = one per processor
    #: Files named explicitly that are not policy documents are skipped with a note, as a
    #: directory walk's are, instead of an `input-not-policylint` error (pre-commit).
    skip_other_yaml: bool = False
    cache_dir: str | None = None                 # results cache; None = none (the CLI sets one)
    config_files: tuple[str, ...] = ()           # the configuration files read (never outputs)


def _core_pattern(pattern: str) -> bool:
    """Whether ``pattern`` names core rules (loader, schema, suppressions) rather than packs."""
    from policylint.rules.catalog import CORE_RULES

    return any(rule == pattern or rule.startswith(pattern) for rule in CORE_RULES)


def selection(settings: CheckSettings) -> Any:
    """The engine's rule selection for ``settings`` (validated: unknown ids are usage errors).

    Patterns naming core rules (``schema-``, ``yaml-duplicate-key``) are applied after the
    engine by :func:`overrides`; a ``--select`` of core rules only runs no pack rule.
    """
    from policylint.rules.selection import Selection

    select = tuple(p for p in settings.select if not _core_pattern(p))
    ignore = tuple(p for p in settings.ignore if not _core_pattern(p))
    if settings.select and not select:
        return Selection(packs=(), extend_packs=())
    return Selection(packs=settings.packs, extend_packs=settings.extend_packs,
                     select=select, ignore=ignore)


def overrides(settings: CheckSettings) -> Any:
    """Severity overrides, per-path entries and core select/ignore, with ids made canonical.

    Unknown rule ids are configuration errors that say where they were written.
    """
    from policylint.rules.catalog import CORE_RULES
    from policylint.run.config import PathOverride, RuleOverrides

    if not (settings.severity or settings.per_path or settings.select or settings.ignore):
        return None
    registry = None

    def canonical(rule: str, where: str, prefix_ok: bool) -> str:
        nonlocal registry
        if rule in CORE_RULES or (prefix_ok and _core_pattern(rule)):
            return rule
        if registry is None:
            from policylint.rules.registry import load_registry

            registry = load_registry(settings.rule_dirs, settings.cache_dir)
        got = registry.resolve(rule)
        if got is not None:
            return got
        if prefix_ok and any(r.startswith(rule) for r in registry.rules):
            return rule
        from policylint.errors import ConfigError, did_you_mean

        raise ConfigError(f"unknown rule `{rule}`"
                          f"{did_you_mean(rule, registry.known_ids() | set(CORE_RULES))}",
                          location=where or None)

    severity = tuple((canonical(r, "", False), s) for r, s in settings.severity)
    per_path = tuple(
        PathOverride(base=p.base, files=p.files,
                     select=None if p.select is None else tuple(canonical(r, p.source, True) for r in p.select),
                     ignore=tuple(canonical(r, p.source, True) for r in p.ignore),
                     severity=tuple((canonical(r, p.source, False), s) for r, s in p.severity),
                     source=p.source)
        for p in settings.per_path)
    core_select = tuple(p for p in settings.select if _core_pattern(p))
    return RuleOverrides(severity=severity, per_path=per_path,
                         core_select=core_select if settings.select else None,
                         core_ignore=tuple(p for p in settings.ignore if _core_pattern(p)),
                         core_ids=frozenset(CORE_RULES))


#: Formats whose output identifies findings by their value hash (see policylint.run.baseline).
FINGERPRINTED = frozenset({"sarif", "gitlab"})


def check_options(settings: CheckSettings) -> CheckOptions:
    """What the checker needs from ``settings`` (plain data, so it can cross processes)."""
    import datetime

    from policylint.run.settings import SuppressSettings

    fingerprints = settings.fingerprints
    if fingerprints is None:  # hashing every finding costs more than the rest of finishing it
        fingerprints = bool(settings.baseline) or any(name in FINGERPRINTED for name, _ in settings.outputs)
    return CheckOptions(
        limits=settings.limits, selection=selection(settings), rule_dirs=settings.rule_dirs,
        overrides=overrides(settings), exclude=settings.exclude, fingerprints=fingerprints,
        jobs=settings.jobs if settings.jobs is not None else 0, cache_dir=settings.cache_dir,
        suppress=SuppressSettings(require_reason=settings.require_reason,
                                  report_unused=settings.report_unused,
                                  today=settings.today or datetime.date.today().isoformat()))


def rules_that_ran(settings: CheckSettings, result: FileResult) -> Any:
    """A predicate: was ``rule`` evaluated for ``result``'s document (and not filtered out)?

    Baseline entries of rules that did not run are neither matched nor stale.
    """
    from policylint.rules.catalog import CORE_RULES

    outcomes = result.outcomes or {}
    core_select = tuple(p for p in settings.select if _core_pattern(p))
    core_ignore = tuple(p for p in settings.ignore if _core_pattern(p))
    severity = dict(settings.severity)

    def ran(rule: str) -> bool:
        if severity.get(rule) == "off":
            return False
        if rule in CORE_RULES:
            if settings.select and not any(rule.startswith(p) for p in core_select):
                return False
            return not any(rule.startswith(p) for p in core_ignore)
        return outcomes.get(rule) in ("pass", "fail", "not_applicable")

    return ran


def iter_results(settings: CheckSettings) -> Iterator[FileResult]:
    """Check every input of ``settings``, one result per file, in input order."""
    options = check_options(settings)
    paths = [p for p in settings.paths if p != "-"]
    if "-" in settings.paths:
        checker = Checker(options)
        raw = sys.stdin.buffer.read(settings.limits.max_file_size + 1)
        yield checker.check_bytes(raw, settings.stdin_filename)
    if paths:
        yield from check_paths(paths, options, skip_named=settings.skip_other_yaml)


def check(paths: Sequence[str], **kwargs: Any) -> list[FileResult]:
    """Check files or directories and return their results (the simplest Python entry point)."""
    settings = CheckSettings(paths=tuple(paths), **kwargs)
    return list(iter_results(settings))


def check_text(text: str, file: str = "<string>", **kwargs: Any) -> FileResult:
    """Check one document given as text."""
    settings = CheckSettings(**kwargs)
    return Checker(check_options(settings)).check_bytes(text.encode("utf-8"), file)


def use_color(choice: str, stream: Any = None) -> bool:
    """Resolve ``--color auto|always|never`` (NO_COLOR and FORCE_COLOR honoured)."""
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)()) and os.environ.get("TERM") != "dumb"


def default_outputs(environ: Any = None) -> tuple[tuple[str, str | None], ...]:
    """``github`` inside GitHub Actions (annotations + job summary), else ``text``."""
    environ = os.environ if environ is None else environ
    return (("github", None),) if environ.get("GITHUB_ACTIONS") == "true" else (("text", None),)


def build_settings(config: Any, **cli: Any) -> CheckSettings:
    """Merge a :class:`policylint.run.config.Config` with command-line values (``None`` = not given).

    Command-line values win; then the configuration; then the defaults.  Relative paths in
    the configuration were already resolved against the file that set them.
    """
    from dataclasses import replace as _replace

    from policylint.run.config import parse_output_spec

    def pick(name: str, key: str, default: Any) -> Any:
        value = cli.get(name)
        if value is not None and value != ():
            return value
        got = config.get(key)
        return default if got is None else got

    limits = DEFAULT_LIMITS
    for key, value in (config.get("limits") or {}).items():
        limits = _replace(limits, **{key.replace("-", "_"): value})
    for name in ("max_file_size", "max_nodes", "max_depth", "max_string", "max_documents",
                 "max_rule_seconds"):
        if cli.get(name) is not None:
            limits = _replace(limits, **{name: cli[name]})
    specs = cli.get("formats") or ()
    outputs = tuple(parse_output_spec(s) for s in specs) if specs else \
        tuple(parse_output_spec(s) for s in config.get("output") or ()) or default_outputs()
    packs = pick("packs", "packs", None)
    suppressions = config.get("suppressions") or {}
    return CheckSettings(
        paths=tuple(cli.get("paths") or ()), stdin_filename=cli.get("stdin_filename") or "<stdin>",
        packs=tuple(packs) if packs is not None else None,
        extend_packs=tuple(pick("extend_packs", "extend-packs", ())),
        select=tuple(pick("select", "select", ())), ignore=tuple(pick("ignore", "ignore", ())),
        fail_on=pick("fail_on", "fail-on", "error"),
        max_warnings=pick("max_warnings", "max-warnings", None),
        limits=limits, outputs=outputs,
        color=bool(cli.get("color", False)), verbose=int(cli.get("verbose") or 0),
        quiet=bool(cli.get("quiet")), statistics=bool(cli.get("statistics")),
        rule_dirs=tuple(config.get("rule-dirs") or ()) + tuple(cli.get("rule_dirs") or ()),
        severity=tuple((config.get("severity") or {}).items()),
        per_path=tuple(config.per_path), exclude=tuple(config.exclude),
        require_reason=bool(suppressions.get("require-reason", True)),
        report_unused=bool(suppressions.get("report-unused", True)),
        baseline=pick("baseline", "baseline", None),
        jobs=pick("jobs", "jobs", None), cache_dir=_cache_dir(cli, config.get("cache")),
        config_files=tuple(config.files), skip_other_yaml=bool(cli.get("skip_other_yaml")),
    )


def _cache_dir(cli: dict[str, Any], configured: Any = None) -> str | None:
    """``--no-cache``: none; ``--cache-dir``: that one; ``cache: false`` in the configuration:
    none; else the default (see policylint.cachedir)."""
    if cli.get("no_cache"):
        return None
    if cli.get("cache_dir"):
        return str(cli["cache_dir"])
    if configured is False:
        return None
    from policylint.cachedir import default_dir

    return default_dir() or None
