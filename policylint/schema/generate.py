"""Generate the policy-document JSON Schema and docs/format.md from the taxonomy."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from policylint.schema.taxonomy import Field, Taxonomy, Term, Topic, load_taxonomy

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
# A URN names the schema without claiming a web address; editors are pointed at the file.
SCHEMA_ID = "urn:policylint:schema:policy-document:v1"

SCHEMA_DIR = Path(__file__).resolve().parent
SCHEMA_PATH = SCHEMA_DIR / "schemas" / "policy.schema.json"
DOCS_PATH = SCHEMA_DIR.parent.parent / "docs" / "format.md"
CHECK_PATH = SCHEMA_DIR / "schemas" / "policy_check.py"
#: The schemas of rule, pack and named-condition files, whose checks are generated beside
#: them (rule and pack are written by hand; conditions is made from the rule schema).
RULE_FILE_SCHEMAS = ("rule", "pack", "conditions")
CONDITIONS_SCHEMA_PATH = SCHEMA_DIR / "schemas" / "conditions.schema.json"

# Full dates, or a month or a year where the source gives no more (quote a bare year: YAML
# reads 2019 as a number).  Partial dates sort before every full date of their period.
DATE_PATTERN = r"^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$"
SNAKE_PATTERN = r"^[a-z0-9]+(_[a-z0-9]+)*$"
RULE_ID_PATTERN = r"^[a-z0-9]+([.-][a-z0-9]+)*$"
POINTER_PATTERN = r"^(/([^~/]|~[01])*)*$"
URL_PATTERN = r"^https?://\S+$"
NOT_BLANK = r"\S"

Schema = dict[str, Any]


def _ref(name: str, description: str, **extra: Any) -> Schema:
    """A reference to a shared shape, with the description editors show at this place."""
    return {"$ref": f"#/$defs/{name}", "description": description, **extra}


def _nullable(schema: Schema) -> Schema:
    """Let an optional scalar be null ("not known"), as the format allows."""
    out = dict(schema)
    kind: Any = out.get("type")
    out["type"] = [kind, "null"] if isinstance(kind, str) else [*kind, "null"]
    return out


def _string(description: str, *, nullable: bool = True, **extra: Any) -> Schema:
    schema: Schema = {"type": "string", "description": description, **extra}
    return _nullable(schema) if nullable else schema


def _enum(terms: tuple[Term, ...], description: str, *, nullable: bool = True) -> Schema:
    # No `type` beside the enum: it would only repeat the enum's error for a wrong value.
    listing = "\n".join(f"- `{t.value}`: {t.description}" for t in terms)
    words: list[str | None] = [t.value for t in terms]
    return {"enum": [*words, None] if nullable else words, "description": f"{description}\n{listing}"}


def _bool(description: str) -> Schema:
    return _nullable({"type": "boolean", "description": description})


def _string_list(description: str, **items: Any) -> Schema:
    return {"type": "array", "items": {"type": "string", **items}, "description": description}


def _object(properties: dict[str, Schema], description: str, *, required: tuple[str, ...] = (),
            title: str | None = None) -> Schema:
    schema: Schema = {"type": "object"}
    if title:
        schema["title"] = title
    schema["description"] = description
    if required:
        schema["required"] = list(required)
    schema["properties"] = properties
    schema["additionalProperties"] = False
    return schema


def _text_fields() -> dict[str, Schema]:
    """quote / paraphrase / section: how a coded statement is tied to the instrument."""
    return {
        "quote": _ref("quote", "The instrument's own words that support this entry, verbatim."),
        "paraphrase": _ref("paraphrase", "The coder's paraphrase, where no verbatim words were available."),
        "section": _ref("section", "Where in the instrument the words are (section, paragraph or page)."),
    }


def _archive_pattern(tax: Taxonomy) -> str:
    """A relative path (no leading slash or backslash) ending in an archive extension, any case."""
    exts = "|".join("".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in t.value)
                    for t in tax.archive_formats)
    return rf"^[^/\\].*\.({exts})$"


def _shared_defs(tax: Taxonomy) -> dict[str, Schema]:
    """Shapes used in several places of the document."""
    note = _string("Free-text remarks by the coder.")
    source = _object(
        {
            "url": _string("Where the text was found.", pattern=URL_PATTERN, format="uri"),
            "retrieved": _ref("date", "When the text was retrieved."),
            "via": _enum(tax.source_via, "How the text was obtained:"),
            "title": _string("Title of the source (document, article or filing)."),
            "note": _ref("note", "Remarks on the source."),
        },
        "Where a text came from.",
    )
    return {
        "date": {
            "type": ["string", "null"],
            "pattern": DATE_PATTERN,
            "description": (
                "A date as YYYY-MM-DD; YYYY-MM or a quoted \"YYYY\" where the source gives only "
                "a month or a year; null where unknown."
            ),
        },
        "quote": _string("Verbatim words of the instrument.", minLength=1),
        "paraphrase": _string("A paraphrase by the coder (not the instrument's words).", minLength=1),
        "section": {
            "type": ["string", "integer", "null"],
            "description": "A section, paragraph or page reference, e.g. \"III.C\" (quote numbers like 1.33).",
        },
        "note": note,
        "source": source,
        "instrument_source": _object(
            {
                **source["properties"],
                "archive": _string(
                    "A local copy of the instrument, as a path relative to this document (inside its "
                    "folder tree), ending in "
                    + ", ".join(f"`.{t.value}`" for t in tax.archive_formats)
                    + ": the `sources` rules check every quote against its text.",
                    minLength=1, pattern=_archive_pattern(tax)),
                "sha256": _string(
                    "The SHA-256 of the archived file, 64 hexadecimal digits: a different file "
                    "is reported (`archive-changed`).",
                    pattern="^[0-9a-fA-F]{64}$"),
            },
            "Where the text of the instrument came from, and the local copy it is checked against.",
        ),
        "exception": _object(
            {
                "kind": _enum(tax.exception_kinds, "What kind of exception this is:", nullable=False),
                "bounded": _bool(
                    "True only where the instrument itself defines the exception's limits "
                    "(a definition, a closed list, an approval step); absent or null reads as false."
                ),
                **_text_fields(),
                "crimes": _string_list(
                    "For a list of crimes: the crimes as the instrument lists them.", minLength=1
                ),
                "citation": _string("The law the exception relies on or that lists the crimes, as cited."),
                "note": _ref("note", "Remarks on the exception."),
            },
            "An exception a provision carries (T32).",
            required=("kind",),
        ),
        "definition": _object(
            {**_text_fields(), "note": _ref("note", "Remarks on the definition.")},
            "How the instrument defines a term.",
        ),
    }


def _field_schema(f: Field) -> Schema:
    if f.type == "enum":
        return _enum(f.values, f.description)
    if f.type == "list":
        if f.items == "enum":
            items: Schema = {"enum": list(f.words)}
            listing = "\n".join(f"- `{t.value}`: {t.description}" for t in f.values)
            return {"type": "array", "items": items, "uniqueItems": True,
                    "description": f"{f.description}\n{listing}"}
        return _string_list(f.description, minLength=1)
    if f.type == "boolean":
        return _bool(f.description)
    if f.type == "integer":
        return _nullable({"type": "integer", "minimum": 0, "description": f.description})
    return _string(f.description)


def _value_schema(topic: Topic, tax: Taxonomy) -> Schema:
    order = "least to most" if topic.least_restrictive_first else "most to least"
    terms = (*topic.values, *tax.special_values)
    return _enum(terms, f"The coded value ({order} restrictive, then silent and unclear):",
                 nullable=False)


def _provision_schema(topic: Topic, tax: Taxonomy) -> Schema:
    value = _value_schema(topic, tax)
    properties: dict[str, Schema] = {
        "value": value,
        **_text_fields(),
        "note": _ref("note", "Remarks on the provision."),
        "form": _enum(tax.provision_forms, "How the rule exists:"),
        "source": _ref("source", "Where this provision is known from, when not from the instrument "
                                 "itself (e.g. a press report)."),
        "effective_date": _ref("date", "When this provision took effect, where it differs from the "
                                       "instrument's (e.g. an agreement in force beside a policy)."),
        "ended": _ref("date", "When this provision stopped being in force, where it differs from the "
                              "instrument's; absent or null while in force or where unknown."),
        "exceptions": {
            "type": "array",
            "items": {"$ref": "#/$defs/exception"},
            "description": "Exceptions to the provision, each with its kind and whether it is bounded.",
        },
        "other_sections": {
            "type": "array",
            "items": _object(
                {"value": {**value, "description": "The value this other section supports."},
                 **_text_fields(),
                 "note": _ref("note", "Remarks on this section.")},
                "The same topic as another section codes it.",
                required=("value",),
            ),
            "description": (
                "The same topic coded differently in another section of the instrument "
                "(checked by the cross-section conflict rule)."
            ),
        },
    }
    for f in topic.fields:
        properties[f.name] = _field_schema(f)
    return _object(properties, f"{topic.number}. {topic.title}: {topic.description}",
                   required=("value",), title=topic.title)


def build_schema(tax: Taxonomy | None = None) -> Schema:
    """The JSON Schema (2020-12) of a policy document, format v1."""
    tax = tax or load_taxonomy()
    defs = _shared_defs(tax)
    source_ref = "#/$defs/source"

    agency = _object(
        {
            "name": _string("The agency's name, e.g. \"Quincy Police Department\".", nullable=False,
                            minLength=1),
            "kind": _enum(tax.agency_kinds, "What kind of agency it is:"),
            "state": _string("Two-letter state code, e.g. MA; it chooses which binding rule packs apply.",
                             nullable=False, pattern="^[A-Z]{2}$"),
            "jurisdiction": _string("The city, town or county the agency serves."),
            "county": _string("The county."),
            "ori": _string("The agency's nine-character ORI number.", pattern="^[A-Z]{2}[0-9A-Z]{7}$"),
            "population": _nullable({"type": "integer", "minimum": 0,
                                     "description": "Population of the jurisdiction."}),
            "note": _ref("note", "Remarks on the agency."),
        },
        "The agency whose policy this is.",
        required=("name", "state"),
    )
    instrument = _object(
        {
            "kind": _enum(tax.instrument_kinds, "What kind of instrument this is (T01):", nullable=False),
            "title": _string("The instrument's title, as published."),
            "number": _string("Its number, e.g. a general order number (quote numbers like 1.33)."),
            "effective_date": _ref("date", "When it took effect; null where unknown."),
            "ended": _ref("date", "The day it stopped being in force (repealed, superseded, terminated, "
                                  "withdrawn); absent or null while it is in force or where unknown. "
                                  "YYYY-MM where the source gives only the month."),
            "review_date": _ref("date", "When it is next to be reviewed, or was last reviewed; null where none."),
            "issuing_authority": _string("Who issued it (a chief, a council, a board)."),
            "public": _enum(tax.public_values,
                            "Whether the public can see it (not yes/no: YAML 1.1 reads those as booleans):"),
            "applies_to": _string_list(
                "Who it applies to, as snake_case words: "
                + ", ".join(f"`{t.value}` ({t.description.rstrip('.').lower()})" for t in tax.units)
                + "; any other snake_case word is accepted.",
                pattern=SNAKE_PATTERN,
            ) | {"examples": [[t.value for t in tax.units[:3]]]},
            "state_filing": _enum(
                tax.state_filing_values,
                "Whether the instrument was adopted from, or filed with, a state body that publishes "
                "model policies and collects agencies' own (Washington: RCW 43.10.310-.315); null "
                "where unknown:"),
            "supersedes": {
                "type": ["string", "array", "null"],
                "items": {"type": "string"},
                "description": "The instrument or instruments this one replaces, by title or number.",
            },
            "text_read": _enum(
                tax.text_read_values,
                "How much of the instrument's own text the encoding rests on (absent or null means "
                "`full`). With `partial` or `none`, a topic left out is not read, not `silent`:"),
            "source": _ref("instrument_source", "Where the text of the instrument came from, and "
                           "its local copy (`archive`, `sha256`)."),
            "sources": {"type": "array", "items": {"$ref": source_ref},
                        "description": "Further sources, for an instrument known from several."},
            "note": _ref("note", "Remarks on the instrument."),
        },
        "The instrument encoded: ordinance, order, policy, directive, or none (topic T01).",
        required=("kind",),
    )
    provisions = _object(
        {t.key: _provision_schema(t, tax) for t in tax.topics},
        "The provisions, keyed by topic; an absent topic means `silent`.",
    )
    definitions: Schema = {
        "type": "object",
        "description": "Terms the instrument defines, keyed by snake_case term.",
        "properties": {t.value: _ref("definition", t.description) for t in tax.definition_terms},
        "propertyNames": {"pattern": SNAKE_PATTERN},
        "additionalProperties": {"$ref": "#/$defs/definition"},
    }
    citations: Schema = {
        "type": "array",
        "description": "Legal citations the instrument itself makes (checked by the citation rules).",
        "items": _object(
            {
                "cite": _string("The citation as the instrument writes it.", nullable=False, minLength=1),
                "section": _ref("section", "Where in the instrument the citation is."),
                "quote": _ref("quote", "The instrument's words around the citation."),
                "note": _ref("note", "Remarks on the citation."),
            },
            "A citation made by the instrument.",
            required=("cite",),
        ),
    }
    incidents: Schema = {
        "type": "array",
        "description": "Documented practice, to hold against the written policy.",
        "items": _object(
            {
                "date": _ref("date", "When it happened."),
                "topics": {"type": "array", "items": {"enum": list(tax.topic_keys)},
                           "uniqueItems": True, "description": "The provision topics it bears on."},
                "summary": _string("What happened, in the coder's words.", nullable=False, pattern=NOT_BLANK),
                "source": {"anyOf": [{"type": "string", "minLength": 1}, {"$ref": source_ref}],
                           "description": "Where it is reported: a URL, or a source object."},
                "note": _ref("note", "Remarks on the incident."),
            },
            "One documented incident.",
            required=("summary",),
        ),
    }
    survey = _object(
        {
            "status": _enum(tax.survey_statuses, "Where the records request stands:", nullable=False),
            "requested": _ref("date", "When the policy was requested."),
            "responded": _ref("date", "When the agency answered."),
            "note": _ref("note", "Remarks on the request."),
        },
        "For tracking a public records request for the policy.",
        required=("status",),
    )
    waivers: Schema = {
        "type": "array",
        "description": "Findings this document accepts on purpose; each needs a reason and may expire.",
        "items": _object(
            {
                "rule": _string("The id of the rule waived.", nullable=False, pattern=RULE_ID_PATTERN),
                "pointer": _string("JSON Pointer to the one place waived, e.g. /provisions/civil_detainer_hold;"
                                   " absent waives the rule for the whole document.",
                                   nullable=False, pattern=POINTER_PATTERN),
                "reason": _string("Why the finding is accepted.", nullable=False, pattern=NOT_BLANK),
                "until": _ref("date", "When the waiver expires; absent or null means never."),
            },
            "A waiver of one rule.",
            required=("rule", "reason"),
        ),
    }
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": SCHEMA_ID,
        "title": "policylint policy document (format v1)",
        "description": (
            "A police department's policy on cooperation with federal immigration enforcement, "
            "encoded for policylint. Generated from policylint/schema/taxonomy.yaml; do not edit by hand."
        ),
        "type": "object",
        "required": ["policylint", "agency", "instrument"],
        "properties": {
            "$schema": {"type": "string", "description": "The schema an editor should use for this file."},
            "policylint": {"const": tax.format_version, "description": "The format version; always 1."},
            "agency": agency,
            "instrument": instrument,
            "provisions": provisions,
            "definitions": definitions,
            "citations": citations,
            "incidents": incidents,
            "survey": survey,
            "waivers": waivers,
            "notes": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
                      "description": "Free-text notes on the whole document: a string or a list of strings."},
        },
        "additionalProperties": False,
        "$defs": defs,
    }


def render_schema(schema: Schema | None = None) -> str:
    """The schema as committed: two-space indents, key order as built, a final newline."""
    return json.dumps(schema or build_schema(), indent=2, ensure_ascii=False) + "\n"


# --- docs/format.md -------------------------------------------------------------------------

_INTRO = """\
# The policy document format (v1)

<!-- Generated by `python -m policylint.schema.generate --docs` from policylint/schema/taxonomy.yaml; do not edit. -->

A policy document is one YAML file that encodes what one agency's instrument (ordinance,
general order, department policy, unwritten directive, or nothing at all) says about
cooperation with federal immigration enforcement. policylint validates it against
`policylint/schema/schemas/policy.schema.json` (print it with `policylint schema`) and then lints it.
Topic keys and value words are a stable contract: they may be extended, never renamed.

Keep the schema in the repository with `policylint schema -o schemas/policy.schema.json` and
make this the first line of each document, with the path relative to the document
(`../../schemas/policy.schema.json` for `policies/ma/quincy.yaml`): editors that use the YAML
language server then complete keys and values and show every description, for everyone who
clones the repository. `policylint init` writes that line itself: it points at the nearest
`schemas/policy.schema.json` up to the repository root (the folder holding `.git` or a
policylint configuration), and writes the schema there first when the repository keeps none.
The schema's `$id` (`urn:policylint:schema:policy-document:v1`) names the format version; it
is not a web address an editor could fetch.

```yaml
# yaml-language-server: $schema=<path or URL of policy.schema.json>
policylint: 1
agency: {name: Example Police Department, kind: municipal_police, state: MA}
instrument: {kind: department_policy, title: "Immigration enforcement", effective_date: 2025-02-01}
provisions:
  civil_detainer_hold:
    value: judicial_warrant_only
    quote: "... unless presented with a warrant signed by a judge ..."
    section: "III.A"
    exceptions:
      - {kind: public_safety, bounded: false, quote: "... public safety ..."}
```

**Provisions.** `provisions` is keyed by topic. Each provision has a `value` from its topic's
vocabulary, listed below from most to least restrictive. Two more values exist for every topic:
`silent` — the instrument does not address the topic (leaving the topic out means the same) —
and `unclear` — it addresses the topic but its words support more than one value. Use `unclear`
only for real ambiguity, and say why in `note`.

**Quote or paraphrase.** `quote` holds the instrument's own words, verbatim; rules and reports
cite it as evidence. Where no verbatim words are available (an unwritten directive, a press
account), put the coder's words in `paraphrase` and record where they came from in `source`;
never put a paraphrase in `quote`. `section` says where the words are. `form` records whether
the rule is `written`, `oral`, `email` or only `practice`.

**Exceptions.** Record each exception separately from the value, with its `kind` and
`bounded`: `bounded: true` only where the instrument itself limits the exception (a
definition, a closed list of crimes in `crimes` or a `citation`, an approval step). An
exception for "public safety" with nothing more is unbounded, and can swallow the rule.

**Other sections.** When another section of the instrument says something different about the
same topic, code it under `other_sections`; the conflict is a finding.

**Dates** are `YYYY-MM-DD`. Where a source gives only a month or a year, write `2014-08` or
`"2019"` (quoted: YAML reads a bare year as a number); partial dates sort before every full date
of their period. Optional scalar fields accept `null` for "not known".

**What was read.** `instrument.text_read` says how much of the instrument's own text the
encoding rests on: `full` (the default), `partial` (an excerpt, a copy cut off, the words a
press report quotes) or `none` (the instrument is known only from reports or descriptions).
With `partial` or `none`, a topic left out is *not read*, which is not the same as `silent`:
rules that would report its silence (or a missing effective date, review date or issuing
authority) do not run, one info finding (`encoding-partial`) says the encoding is partial,
and `compare` shows the topic as "not read", costing no points. Code a topic `silent`
explicitly only where what was read shows that the instrument does not address it, and say
how in `note`.

**Instruments that ended.** `instrument.ended` is the day the instrument stopped being in
force (`2021-05` where only the month is known). Rules about what is in force (a 287(g)
agreement, for one) do not report an ended instrument as in force, and `compare` shows it as
ended. A provision may carry its own `effective_date` and `ended` where it differs from the
instrument's: a 287(g) agreement that overlapped a department policy is coded on the
policy's document with the agreement's own dates, so rules can see the overlap.

**`public`** takes `published`, `on_request` or `not_public`, never `yes`/`no`: YAML 1.1 reads
those as booleans.
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _summary(prop: Schema) -> str:
    """A property's first description line, with its enum words where it has a short enum."""
    first = prop["description"].split("\n")[0]
    words = [w for w in prop.get("enum", ()) if w is not None]
    if words and len(words) <= 12:
        return first.rstrip(":") + ": " + ", ".join(f"`{w}`" for w in words) + "."
    return first


def _field_doc(f: Field) -> str:
    if f.type == "enum":
        kind = "one of " + ", ".join(f"`{w}`" for w in f.words)
    elif f.type == "list":
        kind = "list of " + (", ".join(f"`{w}`" for w in f.words) if f.items == "enum" else "strings")
    else:
        kind = f.type
    return f"- `{f.name}` ({kind}): {f.description}"


def _schema_table(schema: Schema) -> list[str]:
    rows = ["| key | description |", "|---|---|"]
    required = set(schema.get("required", ()))
    for name, prop in schema["properties"].items():
        mark = " (required)" if name in required else ""
        rows.append(f"| `{name}`{mark} | {_cell(_summary(prop))} |")
    return rows


def _vocab(title: str, terms: tuple[Term, ...]) -> list[str]:
    return [f"**{title}**", "", *(f"- `{t.value}`: {t.description}" for t in terms), ""]


def build_docs(tax: Taxonomy | None = None) -> str:
    """docs/format.md: the format for humans, from the same taxonomy as the schema."""
    tax = tax or load_taxonomy()
    schema = build_schema(tax)
    props = schema["properties"]
    out: list[str] = [_INTRO]

    out += ["## Top level", "", *_schema_table(schema), ""]
    for block in ("agency", "instrument", "survey"):
        out += [f"### `{block}`", "", *_schema_table(props[block]), ""]
        if block == "instrument":
            out += ["### `instrument.source`", "", *_schema_table(schema["$defs"]["instrument_source"]), ""]
    out += ["### A provision", "", "Every topic's provision takes these keys, plus the topic's own fields:", ""]
    out += _schema_table(props["provisions"]["properties"][tax.topics[0].key])[:2]
    common = props["provisions"]["properties"][tax.topics[0].key]["properties"]
    for name in ("value", "quote", "paraphrase", "section", "note", "form", "source", "effective_date",
                 "ended", "exceptions", "other_sections"):
        text = "The coded value: a word of the topic's vocabulary, `silent` or `unclear`." \
            if name == "value" else _summary(common[name])
        out.append(f"| `{name}` | {_cell(text)} |")
    out.append("")
    for block, item in (("exceptions", schema["$defs"]["exception"]),
                        ("citations", props["citations"]["items"]),
                        ("incidents", props["incidents"]["items"]),
                        ("waivers", props["waivers"]["items"])):
        out += [f"### An item of `{block}`", "", *_schema_table(item), ""]

    out += ["## Vocabularies", ""]
    out += _vocab("Exception kinds (`exceptions[].kind`, T32)", tax.exception_kinds)
    out += _vocab("Instrument kinds (`instrument.kind`, T01)", tax.instrument_kinds)
    out += _vocab("`instrument.public`", tax.public_values)
    out += _vocab("`instrument.applies_to` (suggested; any snake_case word)", tax.units)
    out += _vocab("Agency kinds (`agency.kind`)", tax.agency_kinds)
    out += _vocab("`source.via`", tax.source_via)
    out += _vocab("`survey.status`", tax.survey_statuses)
    out += _vocab("`instrument.state_filing`", tax.state_filing_values)
    out += _vocab("`instrument.text_read` (absent means `full`)", tax.text_read_values)
    out += _vocab("`instrument.source.archive` file kinds (by extension)", tax.archive_formats)
    out += _vocab("`form`", tax.provision_forms)
    out += _vocab("Defined terms (`definitions`; any snake_case term is accepted)", tax.definition_terms)

    out += ["## Topics", "",
            "Values run from most to least restrictive (marked †: from least to most); "
            "`silent` and `unclear` apply to every topic.", "",
            "| # | key | title | values | own fields |", "|---|---|---|---|---|"]
    for t in tax.topics:
        mark = " †" if t.least_restrictive_first else ""
        values = " / ".join(f"`{w}`" for w in t.words) + mark
        fields = ", ".join(f"`{f.name}`" for f in t.fields)
        out.append(f"| {t.number} | `{t.key}` | {_cell(t.title)} | {values} | {fields} |")
    out.append("")
    for t in tax.topics:
        out += [f"### {t.number} `{t.key}` — {t.title}", "", t.description, ""]
        out += [f"- `{v.value}`: {v.description}" for v in t.values]
        if t.fields:
            out += ["", "Fields:", "", *(_field_doc(f) for f in t.fields)]
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def render_check(schema_text: str | None = None) -> str:
    """The generated module that checks a document against the schema (see fastvalidate)."""
    from policylint.schema.fastvalidate import generate_module

    return generate_module(json.loads(schema_text or render_schema()), "policy.schema.json")


def render_conditions_schema() -> str:
    """The schema of a named-conditions file (``rules/data/conditions/*.yaml``), made from the rule
    schema's ``condition`` so that the condition language is defined in one place."""
    rule = json.loads((SCHEMA_DIR / "schemas" / "rule.schema.json").read_text(encoding="utf-8"))
    schema = {
        "$schema": SCHEMA_DIALECT,
        "$id": "https://policylint.invalid/schemas/conditions.schema.json",
        "title": "policylint named conditions file",
        "description": "Conditions defined once and used by name in rule files (`{condition: NAME}`). "
                       "Generated from rule.schema.json by `python -m policylint.schema.generate`. "
                       "See docs/rule-format.md, \"Shared conditions\".",
        "type": "object",
        "minProperties": 1,
        "propertyNames": {"pattern": rule["$defs"]["condition"]["properties"]["condition"]["pattern"]},
        "additionalProperties": {
            "type": "object",
            "additionalProperties": False,
            "required": ["description", "condition"],
            "properties": {
                "description": {"description": "What the condition means, in plain words.",
                                "type": "string", "pattern": NOT_BLANK},
                "condition": {"$ref": "#/$defs/condition"},
            },
        },
        "$defs": {"condition": rule["$defs"]["condition"]},
    }
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def render_file_check(name: str) -> str:
    """The generated check of ``schemas/<name>.schema.json`` (rule, pack, conditions)."""
    from policylint.schema.fastvalidate import generate_module

    if name == "conditions":
        schema = render_conditions_schema()
    else:
        schema = (SCHEMA_DIR / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8")
    return generate_module(json.loads(schema), f"{name}.schema.json")


def _write_or_check(path: Path, text: str, check: bool) -> bool:
    """Write ``text`` to ``path``, or with ``check`` only say whether it is current."""
    current = path.read_text(encoding="utf-8") if path.exists() else None
    if check:
        return current == text
    if current != text:
        path.write_text(text, encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m policylint.schema.generate",
        description="Regenerate policy.schema.json and its compiled check policy_check.py (and with "
                    "--docs, docs/format.md) from taxonomy.yaml, and the compiled checks of the "
                    "rule, pack and named-conditions schemas (rule_check.py, pack_check.py, "
                    "conditions.schema.json, conditions_check.py).",
    )
    parser.add_argument("--docs", action="store_true", help="also write docs/format.md")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file is stale")
    args = parser.parse_args(argv)

    schema_text = render_schema()
    targets = [(SCHEMA_PATH, schema_text), (CHECK_PATH, render_check(schema_text)),
               (CONDITIONS_SCHEMA_PATH, render_conditions_schema())]
    targets += [(CHECK_PATH.parent / f"{name}_check.py", render_file_check(name)) for name in RULE_FILE_SCHEMAS]
    if args.docs:
        targets.append((DOCS_PATH, build_docs()))
    stale = [p for p, text in targets if not _write_or_check(p, text, args.check)]
    for path in stale:
        print(f"{path} is stale; run: python -m policylint.schema.generate --docs", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
