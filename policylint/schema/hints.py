"""What a drafter probably meant: state names and abbreviations, agency kinds and value synonyms."""

from __future__ import annotations

import re

#: Two-letter USPS codes by full name (states, the District of Columbia and the territories).
STATE_CODES: dict[str, str] = {
    "alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA",
    "colorado": "CO", "connecticut": "CT", "delaware": "DE", "florida": "FL", "georgia": "GA",
    "hawaii": "HI", "idaho": "ID", "illinois": "IL", "indiana": "IN", "iowa": "IA",
    "kansas": "KS", "kentucky": "KY", "louisiana": "LA", "maine": "ME", "maryland": "MD",
    "massachusetts": "MA", "michigan": "MI", "minnesota": "MN", "mississippi": "MS",
    "missouri": "MO", "montana": "MT", "nebraska": "NE", "nevada": "NV", "new hampshire": "NH",
    "new jersey": "NJ", "new mexico": "NM", "new york": "NY", "north carolina": "NC",
    "north dakota": "ND", "ohio": "OH", "oklahoma": "OK", "oregon": "OR", "pennsylvania": "PA",
    "rhode island": "RI", "south carolina": "SC", "south dakota": "SD", "tennessee": "TN",
    "texas": "TX", "utah": "UT", "vermont": "VT", "virginia": "VA", "washington": "WA",
    "west virginia": "WV", "wisconsin": "WI", "wyoming": "WY", "district of columbia": "DC",
    "washington dc": "DC", "puerto rico": "PR", "guam": "GU", "us virgin islands": "VI",
    "virgin islands": "VI", "american samoa": "AS", "northern mariana islands": "MP",
}

#: The traditional (AP-style and Bluebook) abbreviations, written without their dots.
STATE_ABBREVIATIONS: dict[str, str] = {
    "ala": "AL", "ariz": "AZ", "ark": "AR", "cal": "CA", "calif": "CA", "colo": "CO",
    "conn": "CT", "del": "DE", "fla": "FL", "ga": "GA", "haw": "HI", "ill": "IL", "ind": "IN",
    "kan": "KS", "kans": "KS", "ky": "KY", "la": "LA", "md": "MD", "mass": "MA", "me": "ME",
    "mich": "MI", "minn": "MN", "miss": "MS", "mo": "MO", "mont": "MT", "neb": "NE",
    "nebr": "NE", "nev": "NV", "nh": "NH", "nj": "NJ", "nm": "NM", "ny": "NY", "nc": "NC",
    "nd": "ND", "okla": "OK", "ore": "OR", "oreg": "OR", "pa": "PA", "penn": "PA",
    "penna": "PA", "ri": "RI", "sc": "SC", "sd": "SD", "tenn": "TN", "tex": "TX", "vt": "VT",
    "va": "VA", "wash": "WA", "wva": "WV", "w va": "WV", "wis": "WI", "wisc": "WI",
    "wyo": "WY", "dc": "DC", "pr": "PR",
}

_CODES = frozenset(STATE_CODES.values())

#: Words drafters use for an agency kind that spelling alone would not lead to.
KIND_SYNONYMS: dict[str, str] = {
    "police": "municipal_police", "police_department": "municipal_police",
    "city_police": "municipal_police", "town_police": "municipal_police",
    "municipal": "municipal_police", "local_police": "municipal_police", "pd": "municipal_police",
    "sheriffs": "sheriff", "sheriff_office": "sheriff", "sheriffs_office": "sheriff",
    "sheriff_s_office": "sheriff", "sheriffs_department": "sheriff",
    "state_patrol": "state_police", "highway_patrol": "state_police",
    "university_police": "campus_police", "college_police": "campus_police",
    "school_police": "campus_police", "county": "county_police", "county_sheriff": "sheriff",
    "transit": "transit_police", "jail": "corrections", "house_of_correction": "corrections",
    "prison": "corrections", "department_of_correction": "corrections",
}

#: Words drafters write for a vocabulary word that spelling alone would not suggest.
VALUE_SYNONYMS: dict[str, str] = {
    "forbidden": "prohibited", "banned": "prohibited", "barred": "prohibited",
    "disallowed": "prohibited", "not_allowed": "prohibited", "never": "prohibited",
    "none": "prohibited", "permitted": "allowed", "always": "required",
    "mandatory": "required", "must": "required", "warrant_only": "judicial_warrant_only",
    "judicial_warrant": "judicial_warrant_only", "unknown": "unclear", "ambiguous": "unclear",
    "not_addressed": "silent", "absent": "silent",
}


def normal_word(text: str) -> str:
    """``"Sheriff's Office"`` -> ``"sheriff_s_office"``: the form the synonym tables use."""
    return re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")


def state_code(text: str) -> str | None:
    """The two-letter code ``text`` names ("Massachusetts", "Mass.", "ma"), or None."""
    plain = re.sub(r"\s+", " ", text.replace(".", " ").strip().lower()).strip()
    plain = re.sub(r"^(the )?(commonwealth|state) of ", "", plain)
    if plain.upper() in _CODES:
        return plain.upper()
    return STATE_CODES.get(plain) or STATE_ABBREVIATIONS.get(plain) \
        or STATE_ABBREVIATIONS.get(plain.replace(" ", ""))


def synonym(text: str, table: dict[str, str], allowed: list[str] | tuple[str, ...]) -> str | None:
    """The allowed word ``text`` means according to ``table``, or None."""
    target = table.get(normal_word(text))
    return target if target in allowed else None
