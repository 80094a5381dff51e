"""Scaffold new policy documents: every topic listed as `silent`, with its vocabulary explained."""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass
from typing import Iterable

from policylint.errors import UsageError, did_you_mean
from policylint.schema.hints import KIND_SYNONYMS, state_code, synonym
from policylint.schema.taxonomy import load_taxonomy

_STATE = re.compile(r"^[A-Z]{2}$")
CSV_COLUMNS = ("name", "state", "kind", "jurisdiction")


@dataclass(frozen=True, slots=True)
class Agency:
    """What a new document needs to know about its agency."""

    name: str
    state: str
    kind: str = "municipal_police"
    jurisdiction: str | None = None
    county: str | None = None

    def checked(self, where: str = "") -> Agency:
        """This agency, or a UsageError naming what is wrong (``where``: e.g. "row 3: ")."""
        if not self.name.strip():
            raise UsageError(f"{where}the agency name is empty")
        state = self.state.strip().upper()
        if not _STATE.match(state):
            code = state_code(self.state)
            hint = f" (did you mean `{code}`?)" if code else " (e.g. MA)"
            raise UsageError(f"{where}`{self.state}` is not a two-letter state code{hint}")
        kinds = [t.value for t in load_taxonomy().agency_kinds]
        if self.kind not in kinds:
            meant = synonym(self.kind, KIND_SYNONYMS, kinds)
            hint = f" (did you mean `{meant}`?)" if meant else did_you_mean(self.kind, kinds)
            raise UsageError(f"{where}unknown agency kind `{self.kind}`{hint}; "
                             f"choose from: {', '.join(kinds)}")
        return Agency(self.name.strip(), state, self.kind, (self.jurisdiction or "").strip() or None,
                      (self.county or "").strip() or None)


#: Where a repository keeps the policy schema (``policylint schema -o schemas/policy.schema.json``),
#: relative to its root; documents point at it by a relative path that works for everyone.
KEPT_SCHEMA = os.path.join("schemas", "policy.schema.json")
_ROOT_MARKERS = (".git", "policylint.yaml", ".policylint.yaml")


def kept_schema(directory: str) -> tuple[str, bool]:
    """The schema file documents in ``directory`` should point at, and whether it exists.

    The nearest ``schemas/policy.schema.json`` at or above ``directory``, searching up to the
    repository root (a folder holding ``.git`` or a policylint configuration); else that
    path under the root (or under ``directory`` outside any repository), still to be written.
    """
    start = os.path.abspath(directory)
    current = start
    root = None
    while True:
        candidate = os.path.join(current, KEPT_SCHEMA)
        if os.path.isfile(candidate):
            return candidate, True
        if any(os.path.exists(os.path.join(current, m)) for m in _ROOT_MARKERS):
            root = current
            break
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    return os.path.join(root or start, KEPT_SCHEMA), False


def schema_ref(document: str, schema_file: str) -> str:
    """``schema_file`` relative to the folder of ``document``, with ``/`` (the editor line's form)."""
    folder = os.path.dirname(os.path.abspath(document))
    return os.path.relpath(os.path.abspath(schema_file), folder).replace(os.sep, "/")


def ensure_kept_schema(document: str) -> tuple[str, str | None]:
    """The ``$schema`` reference for a new ``document``, and the schema file written for it
    (None when the repository keeps one already)."""
    from policylint.schema.validate import policy_schema_text

    path, exists = kept_schema(os.path.dirname(os.path.abspath(document)))
    written = None
    if not exists:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(policy_schema_text())
        written = path
    return schema_ref(document, path), written


def render_document(agency: Agency, schema_ref: str) -> str:
    """The YAML text of a blank document for ``agency`` (valid against the schema)."""
    from policylint.report.environment import render_text

    taxonomy = load_taxonomy()
    return render_text(
        "init.yaml.j2", agency=agency, schema_ref=schema_ref,
        topics=taxonomy.topics, instrument_kinds=[t.value for t in taxonomy.instrument_kinds],
        yaml_str=_yaml_str)


def _yaml_str(value: str | None) -> str:
    """A YAML double-quoted scalar (or null) that round-trips any text."""
    if value is None:
        return "null"
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'


def write_new(path: str, text: str, force: bool = False) -> None:
    """Write ``text`` to ``path``; refuse to overwrite an existing file unless ``force``."""
    if os.path.exists(path) and not force:
        raise UsageError(f"{path} already exists; use --force to overwrite it")
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    from policylint.report.writer import write_file

    write_file(path, text)


def slug(name: str) -> str:
    """A file-name slug: "Quincy Police Department" -> "quincy-police-department"."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "agency"


def agencies_from_csv(text: str, source: str = "<csv>") -> list[Agency]:
    """Agencies from a CSV with a header row naming at least ``name`` and ``state``."""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in ("name", "state") if c not in header]
    if missing:
        raise UsageError(f"{source}: the CSV header must name the columns {', '.join(CSV_COLUMNS)} "
                         f"(missing: {', '.join(missing)})")
    out: list[Agency] = []
    for number, row in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        if not any(row.values()):
            continue
        agency = Agency(row.get("name", ""), row.get("state", ""), row.get("kind") or "municipal_police",
                        row.get("jurisdiction"), row.get("county"))
        out.append(agency.checked(f"{source}:{number}: "))
    return out


def scaffold_many(agencies: Iterable[Agency], directory: str, force: bool = False,
                  schema_ref: str | None = None) -> list[str]:
    """Write one stub per agency into ``directory``; returns the paths written (the kept
    schema first, when it had to be written)."""
    written: list[str] = []
    seen: set[str] = set()
    for agency in agencies:
        name = slug(agency.name)
        base, n = name, 2
        while name in seen:
            name, n = f"{base}-{n}", n + 1
        seen.add(name)
        path = os.path.join(directory, f"{name}.yaml")
        if os.path.exists(path) and not force:
            raise UsageError(f"{path} already exists; use --force to overwrite it")
        ref = schema_ref
        if ref is None:
            ref, schema = ensure_kept_schema(path)
            if schema:
                written.append(schema)
        write_new(path, render_document(agency, ref), force)
        written.append(path)
    return written
