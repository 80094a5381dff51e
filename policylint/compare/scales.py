"""Which end of each topic's scale limits cooperation and which cooperates (scales.yaml)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from policylint import shipped

#: The five steps of every scale, from the end that limits cooperation to the end that
#: cooperates, with the colour class (tone) each is drawn in.
STEPS = (("limits", "t0"), ("partly_limits", "t1"), ("neutral", "t2"),
         ("partly_cooperates", "t3"), ("cooperates", "t4"))

#: How each kind of topic names its two ends.
ENDS = {
    "cooperation": ("limits cooperation", "cooperates"),
    "safeguard": ("stronger safeguard", "weaker safeguard or none"),
}

#: What each step means, in the words of a legend.
STEP_WORDS = {
    "cooperation": {"t0": "limits cooperation", "t1": "limits it to stated cases",
                    "t2": "neither limits nor cooperates", "t3": "cooperates in stated cases",
                    "t4": "cooperates"},
    "safeguard": {"t0": "full safeguard", "t1": "partial safeguard", "t2": "neither",
                  "t3": "weak safeguard", "t4": "no safeguard"},
}


@dataclass(frozen=True, slots=True)
class Scale:
    """One topic's scale: its kind, the names of its ends and each value's tone."""

    kind: str
    tones: dict[str, str]

    @property
    def ends(self) -> tuple[str, str]:
        return ENDS[self.kind]

    def step(self, tone: str) -> str | None:
        """What a tone means on this scale ("cooperates"), None for cells with no value."""
        return STEP_WORDS[self.kind].get(tone)


def parse(raw: Any) -> dict[str, Scale]:
    out = {}
    for key, entry in (raw or {}).items():
        tones = {value: tone for step, tone in STEPS for value in entry.get(step) or ()}
        out[str(key)] = Scale(entry.get("kind", "cooperation"), tones)
    return out


@cache
def load() -> dict[str, Scale]:
    """The scales shipped with the package, by topic key."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return parse(yaml.load(shipped.read_text("compare", "scales.yaml"), Loader=loader))


def scale(topic_key: str) -> Scale:
    """A topic's scale; a topic without an entry reads as a cooperation topic in list order."""
    return load().get(topic_key) or Scale("cooperation", {})
