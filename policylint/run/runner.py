"""Check files: discover them, load, validate, run the rules, and stream one result per file."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Sequence, cast

from policylint.finding import SEVERITY_RANK, Finding
from policylint.load.limits import DEFAULT_LIMITS, Limits

if TYPE_CHECKING:  # the loader (and the YAML parser) loads when a file is first read:
    # a run answered from the results cache never needs it
    from policylint.load.loader import LoadResult
    from policylint.rules.engine import Engine
    from policylint.rules.selection import Selection
    from policylint.run.config import RuleOverrides
    from policylint.run.settings import SuppressSettings

YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(slots=True)
class FileResult:
    """Everything found in one file, sorted by position."""

    file: str
    findings: list[Finding] = field(default_factory=list)
    summary: dict[str, Any] | None = None  # compact provision summary, for compare
    outcomes: dict[str, str] | None = None  # rule id -> pass/fail/not_applicable/skipped
    #: a YAML file a directory walk found that is not a policy document (no `policylint` key):
    #: not checked, only counted
    skipped: bool = False

    @property
    def input_error(self) -> bool:
        return any(f.input_error for f in self.findings)

    @property
    def active(self) -> list[Finding]:
        """Findings not hidden by a suppression, waiver or baseline."""
        return [f for f in self.findings if f.suppressed is None and f.baseline is None]


@dataclass(slots=True)
class Summary:
    """Totals over a run, for summary lines, exit codes and reports."""

    files: int = 0
    files_with_findings: int = 0
    input_errors: int = 0
    by_severity: dict[str, int] = field(default_factory=lambda: {"error": 0, "warning": 0, "info": 0})
    by_rule: dict[str, int] = field(default_factory=dict)
    suppressed: int = 0
    baselined: int = 0
    skipped: int = 0  # YAML files of a directory walk that are not policy documents

    def add(self, result: FileResult) -> None:
        if result.skipped:
            self.skipped += 1
            return
        self.files += 1
        active = result.active
        if active:
            self.files_with_findings += 1
        if result.input_error:
            self.input_errors += 1
        for f in result.findings:
            if f.suppressed is not None:
                self.suppressed += 1
            elif f.baseline is not None:
                self.baselined += 1
        for f in active:
            self.by_severity[f.severity] += 1
            self.by_rule[f.rule] = self.by_rule.get(f.rule, 0) + 1

    @property
    def total(self) -> int:
        return sum(self.by_severity.values())

    def exit_code(self, fail_on: str = "error", max_warnings: int | None = None) -> int:
        """0 clean, 1 findings at or above ``fail_on``, 2 an input could not be read."""
        if self.input_errors:
            return 2
        threshold = SEVERITY_RANK[fail_on]
        if any(n and SEVERITY_RANK[s] >= threshold for s, n in self.by_severity.items()):
            return 1
        if max_warnings is not None and self.by_severity["warning"] > max_warnings:
            return 1
        return 0

    def exit_reason(self, fail_on: str = "error", max_warnings: int | None = None) -> str:
        """Why :meth:`exit_code` is not 0, in one line ("" when it is 0).

        ``exit 1: 31 warnings exceed --max-warnings 20``: a red build says which setting
        turned it red, so nobody has to work it out from the counts.
        """
        code = self.exit_code(fail_on, max_warnings)
        if code == 0:
            return ""
        if code == 2:
            n = self.input_errors
            return f"exit 2: {n} file{'s' if n != 1 else ''} could not be read or checked"
        threshold = SEVERITY_RANK[fail_on]
        failing = [count_words(n, s) for s, n in self.by_severity.items()
                   if n and SEVERITY_RANK[s] >= threshold]
        reasons = []
        if failing:
            reasons.append(f"{' and '.join(failing)} at or above --fail-on {fail_on}")
        warnings = self.by_severity["warning"]
        if (max_warnings is not None and warnings > max_warnings
                and SEVERITY_RANK["warning"] < threshold):
            reasons.append(f"{count_words(warnings, 'warning')} exceed{'s' if warnings == 1 else ''} "
                           f"--max-warnings {max_warnings}")
        return f"exit {code}: {'; '.join(reasons)}"


def count_words(n: int, severity: str) -> str:
    """``3 errors``, ``1 warning``, ``2 info`` (as the summary line counts them)."""
    return f"{n} {severity}{'s' if n != 1 and not severity.endswith('info') else ''}"


@dataclass(frozen=True, slots=True)
class CheckOptions:
    """What a check run needs besides the files: limits and the rule selection."""

    limits: Limits = DEFAULT_LIMITS
    selection: Selection | None = None  # None = default packs
    rule_dirs: tuple[str, ...] = ()
    validate: bool = True
    overrides: RuleOverrides | None = None  # severities, per-path, core select
    suppress: SuppressSettings | None = None  # None: the defaults
    exclude: tuple[tuple[str, str], ...] = ()  # (base folder, glob) skipped in directory walks
    fingerprints: bool = True  # stamp each finding's value hash (baseline, SARIF, GitLab)
    jobs: int = 1  # processes (policylint.run.parallel); 0 = one per processor
    cache_dir: str | None = None  # results cache (policylint.run.cache); None = no cache


#: The finding for a YAML file without a top-level `policylint` key, named explicitly.
NOT_A_POLICY = "input-not-policylint"

#: policylint's own configuration files are never policy documents.
CONFIG_NAMES = frozenset({"policylint.yaml", ".policylint.yaml"})


def discover(paths: Sequence[str], exclude: Sequence[tuple[str, str]] = ()) -> Iterator[tuple[str, Finding | None]]:
    """Expand files and directories into YAML files (sorted; hidden directories skipped).

    Yields ``(path, None)`` for each file to check and ``(path, finding)`` for a path that
    cannot be walked, so one bad path never stops the others.  ``exclude`` globs apply to
    what a directory walk finds, not to files named explicitly.
    """
    def excluded(path: str) -> bool:
        if not exclude:
            return False
        from policylint.run.config import glob_match

        return any(glob_match(pattern, path, base) for base, pattern in exclude)

    for path in paths:
        if os.path.isdir(path):
            problems: list[OSError] = []
            walk = os.walk(path, onerror=problems.append, followlinks=False)
            for root, dirs, files in walk:
                dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                                 and not excluded(os.path.join(root, d)))
                for name in sorted(files):
                    if name.endswith(YAML_SUFFIXES) and not name.startswith(".") \
                            and name not in CONFIG_NAMES and not excluded(os.path.join(root, name)):
                        full = os.path.join(root, name)
                        yield full, _not_a_file(full)
            for err in problems:
                where = err.filename or path
                yield where, _input_error(where, "input-unreadable",
                                          f"cannot read directory: {err.strerror or err}")
        elif os.path.exists(path) or os.path.islink(path):
            yield path, None
        else:
            yield path, _input_error(path, "input-unreadable", "no such file or directory")


def _not_a_file(path: str) -> Finding | None:
    """Why a walked entry cannot be read as a file, or ``None`` (the loader reports the rest).

    Reading a FIFO or a device found in a directory would block or never end; a path given
    explicitly is read whatever it is (``policylint check <(generate)`` is a pipe).
    """
    import stat

    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None  # broken links, link loops, permissions: load_path names the cause
    if stat.S_ISREG(mode):
        return None
    return _input_error(path, "input-unreadable", "not a regular file (a pipe, socket or device); skipped")


def _input_error(*args: Any, **kwargs: Any) -> Finding:
    """The loader's one constructor for input problems (imported only when one occurs)."""
    from policylint.load.loader import _input_error as make

    return make(*args, **kwargs)


def build_engine(options: CheckOptions) -> Engine:
    """The one place a run's registry and engine are built (the registry is loaded once per
    process and folder set; a pool's workers share the one built before they fork)."""
    from policylint.rules.engine import Engine
    from policylint.rules.registry import load_registry

    return Engine(load_registry(options.rule_dirs, options.cache_dir), options.selection)


class Checker:
    """Runs validation and the selected rule packs on loaded documents.

    ``engine``: the run's engine, built by :func:`build_engine` on first use when not given
    (a run answered from the results cache never loads the rules).
    """

    def __init__(self, options: CheckOptions = CheckOptions(), engine: Engine | None = None) -> None:
        self.options = options
        self._engine = engine

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = build_engine(self.options)
        return self._engine

    def check_loaded(self, loaded: LoadResult) -> FileResult:
        """Validate and lint one loaded document; rules run even when the schema fails."""
        doc = loaded.document
        findings = list(loaded.findings)
        if doc is None:
            return FileResult(findings[0].file if findings else "<unknown>", findings)
        if isinstance(doc.data, dict) and "policylint" not in doc.data:
            # mkdocs.yml, docker-compose.yml, an OpenAPI file: rules about ICE would only mislead
            return FileResult(doc.file, [_input_error(
                doc.file, NOT_A_POLICY, "not a policylint document: add `policylint: 1` "
                "at the top if it is one (it has no top-level `policylint` key)")])
        invalid: frozenset[str] = frozenset()
        if self.options.validate:
            from policylint.schema.validate import validate

            validation = validate(doc)
            findings.extend(validation.findings)
            invalid = validation.invalid
        from policylint.rules.engine import has_archive

        if has_archive(doc.data):
            from policylint.rules.checks.sources import prepare

            prepare(doc, self.options.limits.max_file_size)
        # The engine starts the clock once its rules are built and planned: building them
        # costs the first document of a process up to half a second, more on a busy machine.
        evaluation = self.engine.evaluate(doc, invalid, self.options.limits.max_rule_seconds)
        findings.extend(evaluation.findings)
        # Each outcome is one of the engine's words; results carry them as plain strings.
        outcomes = cast("dict[str, str]", evaluation.outcomes)
        findings = self.finish(doc, findings, outcomes)
        findings.sort(key=lambda f: (f.line, f.column, f.rule, f.path))
        findings = cap_findings(findings, self.options.limits.max_findings_per_rule)
        return FileResult(doc.file, findings, outcomes=outcomes)

    def finish(self, doc: Any, findings: list[Finding], outcomes: dict[str, str]) -> list[Finding]:
        """Rule overrides, then suppressions and waivers, then each finding's value hash."""
        from policylint.rules.catalog import CORE_RULES
        from policylint.run import suppress

        overrides = self.options.overrides
        if overrides is not None:
            findings = overrides.apply(doc.file, findings)
        registry = self.engine.registry

        def resolve(rule_id: str) -> str | None:
            return rule_id if rule_id in CORE_RULES else registry.resolve(rule_id)

        def ran(rule_id: str) -> bool:
            if overrides is not None and not overrides.keeps(doc.file, rule_id):
                return False
            return rule_id in CORE_RULES or outcomes.get(rule_id) in ("pass", "fail", "not_applicable")

        count = len(findings)
        findings = suppress.apply(doc, findings, resolve, ran, self.options.suppress or suppress.SuppressSettings())
        if overrides is not None and len(findings) > count:  # findings about suppressions
            findings = findings[:count] + overrides.apply(doc.file, findings[count:])
        if not self.options.fingerprints:
            return findings
        from policylint.run.baseline import stamp  # hashes each finding: only reports that need it

        return stamp(doc, findings)

    def check_path(self, path: str, display: str | None = None) -> FileResult:
        from policylint.load.loader import load_path

        return self.check_loaded(load_path(path, self.options.limits, display))

    def check_bytes(self, raw: bytes, file: str) -> FileResult:
        from policylint.load.loader import load_bytes

        return self.check_loaded(load_bytes(raw, file, self.options.limits))


def cap_findings(findings: list[Finding], limit: int) -> list[Finding]:
    """At most ``limit`` findings of one rule in one document, then one that counts the rest.

    A 2 MB document can hold 45,000 unknown keys; reported one by one they cost half a
    gigabyte of SARIF.  Suppressed and baselined findings count too, since reports carry them.
    """
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.rule] = counts.get(f.rule, 0) + 1
    if all(n <= limit for n in counts.values()):
        return findings
    kept: list[Finding] = []
    seen: dict[str, int] = {}
    for f in findings:
        seen[f.rule] = seen.get(f.rule, 0) + 1
        if seen[f.rule] <= limit:
            kept.append(f)
        elif seen[f.rule] == limit + 1:
            kept.append(Finding(
                file=f.file, rule="findings-capped", severity="info",
                message=f"`{f.rule}` found {counts[f.rule]:,} problems in this document; only the "
                        f"first {limit:,} are reported", path=f.path, line=f.line, column=f.column,
                end_line=f.end_line, end_column=f.end_column,
                args=(("rule", f.rule), ("total", counts[f.rule]))))
    return kept


def skipped_note(n: int) -> str:
    """What a run says on standard error about the YAML files its walk skipped."""
    what = "YAML file that is not a policylint document" if n == 1 else \
        "YAML files that are not policylint documents"
    return f"policylint: skipped {n} {what} (no top-level `policylint` key)"


def skip_if_not_a_policy(result: FileResult) -> FileResult:
    """A walked file that is not a policy document becomes a skipped result, without findings."""
    if len(result.findings) == 1 and result.findings[0].rule == NOT_A_POLICY:
        return FileResult(result.file, [], skipped=True)
    return result


def display_name(path: str) -> str:
    """``path`` as reports show it: a name that is not UTF-8 (``caf\\xe9.yaml``, read by
    Python as lone surrogates) gets its odd bytes escaped, since no output can encode them."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def stopped(path: str, limit: int) -> FileResult:
    """The result that ends a run at its document limit (an input error: exit code 2)."""
    from policylint.load.loader import _input_error

    return FileResult(path, [_input_error(
        path, "input-too-many-files",
        f"the run reached its limit of {limit:,} documents; this file and the rest were not "
        "checked (raise the limit with --max-documents or `limits.max-documents`)")])


def summarise(results: Iterable[FileResult]) -> Summary:
    summary = Summary()
    for r in results:
        summary.add(r)
    return summary
