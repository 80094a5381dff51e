"""Generate a deterministic corpus of synthetic policy documents (format v1) for benchmarks."""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from typing import Any, Iterator

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # run from a checkout without installing

from policylint.schema.taxonomy import Topic, load_taxonomy  # noqa: E402

# Every agency here is invented: names are built from syllables plus a serial number so no
# document can be mistaken for a real department's policy.
_SYLLABLES = ("Ash", "Bel", "Cal", "Dun", "Elm", "Fair", "Glen", "Hol", "Ivy", "Kest", "Lark",
              "Mor", "North", "Oak", "Pel", "Quar", "Red", "Stan", "Tarn", "Vale", "West", "Wil")
_ENDINGS = ("ford", "field", "brook", "ton", "ham", "wick", "dale", "port", "mere", "by")
_STATES = ("AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL",
           "IN", "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE",
           "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD",
           "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY")
_KINDS = ("municipal_police",) * 6 + ("sheriff", "sheriff", "campus_police", "county_police",
                                      "state_police", "transit_police", "corrections")
_INSTRUMENTS = ("general_order",) * 4 + ("department_policy",) * 4 + (
    "ordinance", "bylaw", "executive_order", "select_board_vote", "unwritten_directive", "draft")

# Sentence parts for quotes: drafted like policy text, several sentences per quote.
_SUBJECTS = ("Members of the Department", "No officer or employee", "Officers", "Booking staff",
             "Any employee of the Department", "Supervisors", "The shift commander")
_VERBS = ("shall not", "may", "shall", "shall only", "are not permitted to", "must not")
_ACTS = {
    "civil_detainer_hold": "detain any person solely on the basis of a civil immigration detainer",
    "admin_warrant_hold": "hold an individual on an administrative warrant issued by an immigration officer",
    "judicial_warrant_definition": "treat as a judicial warrant any order not signed by a judge or magistrate",
    "transfer_to_ice": "transfer custody of an individual to federal immigration authorities",
    "release_notification_requests": "respond to requests for release dates or times from immigration authorities",
    "proactive_notification": "notify federal immigration authorities of an arrest or release",
    "status_inquiry": "inquire about the immigration status of any person",
    "place_of_birth_inquiry": "ask any person about their place of birth",
    "status_database_query": "run an Immigration Alien Query for any person in custody",
    "agreement_287g": "enter into an agreement under section 287(g) of the Immigration and Nationality Act",
    "immigration_officer_functions": "perform the functions of a federal immigration officer",
    "civil_immigration_arrest": "arrest a person for a civil immigration violation",
    "criminal_immigration_enforcement": "arrest a person for unlawful reentry or other immigration crimes",
    "joint_task_forces": "participate in a joint task force whose purpose includes civil immigration enforcement",
    "joint_operations_support": "support a federal immigration operation with personnel or equipment",
    "ice_facility_access": "give federal immigration agents access to non-public areas of the facility",
    "ice_interviews_in_custody": "permit an interview of a person in custody by immigration agents",
    "detainee_notice": "provide a person in custody with a copy of any detainer request",
    "nonpublic_data_sharing": "share non-public personal information with immigration authorities",
    "criminal_history_sharing": "share criminal history information with federal agencies",
    "status_information_sharing": "exchange information about citizenship or immigration status",
    "agency_resources": "use Department funds, facilities or equipment for immigration enforcement",
    "detention_contracts": "contract to house federal immigration detainees",
    "ice_as_interpreters": "use immigration agents as interpreters",
    "sensitive_locations": "assist immigration enforcement at schools, courthouses, shelters or clinics",
    "juveniles": "share information about a juvenile with immigration authorities",
    "discretion_and_approval": "act on an immigration request without the approval of the Chief",
    "record_keeping_reporting": "fail to record each request received from immigration authorities",
    "training": "begin duty before completing training on this policy",
    "complaints_discipline": "retaliate against any person who reports a violation of this policy",
    "bias_based_policing": "consider national origin or immigration status in any enforcement decision",
    "u_t_visa_certification": "delay a request to certify a U or T visa application",
    "consular_notification": "fail to advise a foreign national of the right to consular notification",
    "biometric_channel_acknowledged": "ignore that fingerprints taken at booking are shared with DHS",
}
_TAILS = ("except as provided in this section", "unless presented with a warrant signed by a judge",
          "in accordance with state and federal law", "and shall document each such request",
          "as set out in the procedures of this order", "without the written approval of a supervisor",
          "for any purpose related to civil immigration enforcement")
_CLAUSES = ("This section applies to all sworn and civilian members.",
            "Any request shall be forwarded to the Office of the Chief.",
            "Nothing in this section prohibits compliance with a judicial warrant.",
            "Records of each request shall be kept for three years.",
            "Members who violate this section are subject to discipline.",
            "The Department shall review this section every two years.",
            "A copy of any request shall be given to the person concerned and their counsel.")
_CRIMES = ("murder", "rape", "armed robbery", "kidnapping", "aggravated assault", "arson",
           "human trafficking", "carjacking", "assault with a dangerous weapon")
_SERIOUS_EXCEPTIONS = ("public_safety", "national_security", "chief_discretion")
_OTHER_EXCEPTIONS = ("judicial_warrant", "required_by_law", "listed_serious_violent_crimes",
                     "federal_felony_warrant", "exigent_circumstances", "officer_safety_deconfliction")
_FORBIDDEN_SCALARS = {"yes", "no", "on", "off", "y", "n", "true", "false", "null", "~"}


def _town(rng: random.Random, serial: int) -> str:
    return f"{rng.choice(_SYLLABLES)}{rng.choice(_ENDINGS)} {serial:05d}"


def _sentence(rng: random.Random, topic: str) -> str:
    return f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {_ACTS[topic]}, {rng.choice(_TAILS)}."


def _quote(rng: random.Random, topic: str, sentences: int) -> str:
    parts = [_sentence(rng, topic)]
    parts += [rng.choice(_CLAUSES) for _ in range(sentences - 1)]
    return " ".join(parts)


def _date(rng: random.Random, first: int = 2008, last: int = 2026) -> str:
    return f"{rng.randint(first, last)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _section(rng: random.Random) -> str:
    return f"{rng.choice('IVX')}{rng.choice(('', 'I', 'II'))}.{rng.choice('ABCDEF')}.{rng.randint(1, 9)}"


# -- a tiny YAML writer: deterministic, block style, quoting only where YAML needs it ----------


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    plain = (text and text[0].isalpha() and text.lower() not in _FORBIDDEN_SCALARS
             and all(c.isalnum() or c in " _-.()" for c in text) and not text.endswith(" "))
    return text if plain else json.dumps(text, ensure_ascii=False)


def _block(text: str, indent: int, rng: random.Random, width: int = 88) -> list[str]:
    """A long string as a folded (``>-``) or literal (``|``) block scalar."""
    style = rng.choice((">-", ">-", "|"))
    pad = " " * indent
    lines, line = [], ""
    for word in text.split():
        if line and len(pad) + len(line) + 1 + len(word) > width:
            lines.append(pad + line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(pad + line)
    return [style, *lines]


def _emit(value: Any, indent: int, rng: random.Random) -> Iterator[str]:
    pad = " " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            if (isinstance(item, list) and item and not any(isinstance(i, (dict, list)) for i in item)
                    and len(_flow_list(item)) < 60):
                yield f"{pad}{key}: {_flow_list(item)}"  # short lists in flow style, as people write them
            elif isinstance(item, (dict, list)) and item:
                yield f"{pad}{key}:"
                yield from _emit(item, indent + 2 if isinstance(item, dict) else indent, rng)
            elif isinstance(item, str) and len(item) > 70:
                style, *rest = _block(item, indent + 2, rng)
                yield f"{pad}{key}: {style}"
                yield from rest
            elif isinstance(item, (dict, list)):
                yield f"{pad}{key}: {'{}' if isinstance(item, dict) else '[]'}"
            else:
                yield f"{pad}{key}: {_scalar(item)}"
    else:
        for item in value:
            if isinstance(item, dict):
                lines = list(_emit(item, indent + 2, rng))
                yield f"{pad}- {lines[0].lstrip()}"
                yield from lines[1:]
            else:
                yield f"{pad}- {_scalar(item)}"


def _flow_list(items: list[str]) -> str:
    return "[" + ", ".join(_scalar(i) for i in items) + "]"


# -- documents ---------------------------------------------------------------------------------


_DEFINITIONS = {
    "judicial_warrant": "a warrant or order issued by a judge or magistrate of a state or federal "
                        "court in a criminal matter, and not a warrant issued by an immigration officer",
    "immigration_enforcement": "any effort to investigate, enforce or assist in the enforcement of "
                               "federal civil immigration law",
    "ice": "U.S. Immigration and Customs Enforcement, U.S. Customs and Border Protection, U.S. "
           "Citizenship and Immigration Services, and any other federal immigration authority",
    "eligible_for_release": "a person whose charges are dismissed, who is acquitted, who has served "
                            "the sentence, who has posted bail or who is otherwise eligible for release",
    "hold_request": "a request to keep a person in custody beyond the time of release",
    "notification_request": "a request to be told the date or time of a person's release",
    "administrative_warrant": "a warrant issued by an immigration officer rather than a judge",
    "contact_information": "a home or work address, telephone number, e-mail address or social media account",
}
_FEDERAL_CITES = ("8 C.F.R. § 287.7", "8 U.S.C. § 1373", "8 U.S.C. § 1357(g)")
_MA_CITES = ("Lunn v. Commonwealth, 477 Mass. 517 (2017)",)
_CORE_TOPICS = ("civil_detainer_hold", "admin_warrant_hold", "transfer_to_ice",
                "release_notification_requests", "proactive_notification",
                "biometric_channel_acknowledged")
_UNITS = ["sworn_officers", "lockup_staff", "records_staff", "task_force_officers", "dispatch"]


def _provision(rng: random.Random, topic: Topic, violate: bool) -> dict[str, Any]:
    words = topic.by_restrictiveness
    if violate:
        value = rng.choice(topic.all_values)
    else:  # most policies in a corpus lean restrictive; a few are silent or permissive
        roll = rng.random()
        value = words[0] if roll < 0.55 or topic.key in _CORE_TOPICS else \
            words[min(1, len(words) - 1)] if roll < 0.8 else \
            "silent" if roll < 0.9 else rng.choice(words)
    out: dict[str, Any] = {"value": value}
    if value != "silent":
        out["quote"] = _quote(rng, topic.key, rng.choice((1, 2, 2, 3)))
        if rng.random() < 0.2:
            out["paraphrase"] = _quote(rng, topic.key, 1)
        out["section"] = _section(rng)
        if violate and rng.random() < 0.2:
            out["form"] = rng.choice(("oral", "email", "practice"))
            del out["quote"]
    for field in topic.fields:
        if rng.random() < 0.6 or (field.type == "boolean" and not violate):
            if field.type == "boolean":
                out[field.name] = not violate or rng.random() < 0.5
            elif field.type == "integer":
                out[field.name] = rng.choice((24, 48, 48, 72) if violate else (0, 24, 48))
            elif field.type == "enum":
                out[field.name] = rng.choice(field.words)
            elif field.type == "string":
                out[field.name] = rng.choice(("City Clerk", "Police Commission", "Select Board"))
            elif field.items == "enum":
                out[field.name] = rng.sample(field.words, rng.randint(1, min(4, len(field.words))))
            else:
                out[field.name] = [rng.choice(("HSI", "DEA", "USMS", "FBI-JTTF", "ATF"))]
    if value != "silent" and rng.random() < 0.45:
        exceptions = []
        for _ in range(rng.randint(1, 2)):
            unbounded = violate and rng.random() < 0.5
            kind = rng.choice(_SERIOUS_EXCEPTIONS if unbounded else _OTHER_EXCEPTIONS)
            exc: dict[str, Any] = {"kind": kind, "bounded": not unbounded}
            exc["quote"] = f"{rng.choice(_TAILS)}, where {kind.replace('_', ' ')} requires it"
            if kind == "listed_serious_violent_crimes":
                exc["crimes"] = rng.sample(_CRIMES, rng.randint(2, 5))
            if kind == "required_by_law":
                exc["citation"] = "8 U.S.C. § 1357(g)"
            exceptions.append(exc)
        out["exceptions"] = exceptions
    if rng.random() < 0.1:
        out["note"] = "Coded from the copy produced in response to the records request."
    return out


def document(seed: int, serial: int, state: str | None, invalid_rate: float,
             violation_rate: float) -> str:
    """One synthetic policy document as YAML text (deterministic in ``seed`` and ``serial``)."""
    rng = random.Random(seed * 1_000_003 + serial)
    taxonomy = load_taxonomy()
    st = state or rng.choice(_STATES)
    town = _town(rng, serial)
    violate = rng.random() < violation_rate
    doc: dict[str, Any] = {
        "policylint": 1,
        "agency": {
            "name": f"{town} Police Department",
            "kind": rng.choice(_KINDS),
            "state": st,
            "jurisdiction": town,
            "county": f"{rng.choice(_SYLLABLES)} County",
            "ori": f"{st}{serial:05d}00",
            "population": rng.randint(800, 900_000),
        },
    }
    effective = _date(rng, 2008 if violate else 2025)
    instrument: dict[str, Any] = {
        "kind": rng.choice(_INSTRUMENTS[:-2] if not violate else _INSTRUMENTS),
        "title": f"{rng.choice(('General Order', 'Policy', 'Directive'))} {rng.randint(1, 400)}: "
                 "Immigration Enforcement",
        "number": f"{rng.randint(1, 9)}.{rng.randint(10, 99)}",
        "effective_date": None if violate and rng.random() < 0.5 else effective,
        "review_date": _date(rng, 2026, 2028) if not violate or rng.random() < 0.5 else None,
        "issuing_authority": rng.choice(("Chief of Police", "Sheriff", "City Council", "Town Manager")),
        "public": rng.choice(("published", "on_request", "not_public")),
        "applies_to": _UNITS if not violate else rng.sample(_UNITS, 2),
        "source": {"url": f"https://records.example.org/{st.lower()}/{serial:05d}/policy.pdf",
                   "retrieved": _date(rng, 2024, 2026),
                   "via": rng.choice(("published", "public_records_request", "press_report"))},
    }
    doc["instrument"] = instrument
    topics = rng.sample(taxonomy.topics, rng.randint(9, 16))
    if not violate:  # a careful drafter covers the core topics
        topics += [t for t in taxonomy.topics if t.key in _CORE_TOPICS and t not in topics]
    doc["provisions"] = {t.key: _provision(rng, t, violate) for t in topics}
    terms = ["judicial_warrant", "immigration_enforcement", "ice"]
    terms += rng.sample(sorted(set(_DEFINITIONS) - set(terms)), rng.randint(0, 3))
    doc["definitions"] = {
        term: {"quote": f"\"{term.replace('_', ' ').title()}\" means {_DEFINITIONS[term]}.",
               "section": f"II.{rng.choice('ABCDEFG')}"}
        for term in terms
    }
    cites = _FEDERAL_CITES + (_MA_CITES if st == "MA" or violate else ())
    doc["citations"] = [{"cite": c, "section": _section(rng)}
                        for c in rng.sample(cites, rng.randint(1, 3))]
    if rng.random() < 0.3:
        doc["incidents"] = [{"date": _date(rng, 2020, 2026),
                             "topics": [rng.choice(topics).key],
                             "summary": "A person was held for several hours after release was ordered.",
                             "source": "Local newspaper report"}]
    doc["survey"] = {"status": "provided", "requested": _date(rng, 2025, 2025),
                     "responded": _date(rng, 2025, 2026)}
    if rng.random() < invalid_rate:  # a drafter's typo: the schema path runs on these
        first = next(iter(doc["provisions"].values()))
        first["value"] = "forbiden"
    header = [
        "# yaml-language-server: $schema=../policylint/schema/schemas/policy.schema.json",
        f"# Synthetic benchmark document {serial:05d} (seed {seed}); not a real agency's policy.",
    ]
    return "\n".join(header + list(_emit(doc, 0, rng))) + "\n"


def write_corpus(n: int, out: str, seed: int = 7, state: str | None = None,
                 invalid_rate: float = 0.005, violation_rate: float = 0.08) -> int:
    """Write ``n`` documents under ``out`` (one directory per state); return total bytes."""
    total = 0
    for serial in range(1, n + 1):
        text = document(seed, serial, state, invalid_rate, violation_rate)
        st = text.split("\n  state: ", 1)[1][:2]
        folder = os.path.join(out, st.lower())
        os.makedirs(folder, exist_ok=True)
        data = text.encode("utf-8")
        with open(os.path.join(folder, f"agency-{serial:05d}.yaml"), "wb") as fh:
            fh.write(data)
        total += len(data)
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", type=int, help="number of documents")
    parser.add_argument("out", help="output directory (created)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--state", default=None, help="one state for every agency (e.g. MA)")
    parser.add_argument("--invalid-rate", type=float, default=0.005,
                        help="share of documents with a schema error (default 0.5%%)")
    parser.add_argument("--violation-rate", type=float, default=0.08,
                        help="share of documents written to break rules (default 8%%)")
    args = parser.parse_args(argv)
    total = write_corpus(args.n, args.out, args.seed, args.state, args.invalid_rate,
                         args.violation_rate)
    print(f"{args.n} documents, {total:,} bytes ({total / max(args.n, 1):,.0f} B/doc) in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
