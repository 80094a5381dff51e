"""Chart geometry for the HTML report, computed here so templates only draw what they are given."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence


@dataclass(frozen=True, slots=True)
class Segment:
    """One part of a stacked bar, in percent of the bar's width."""

    label: str
    tone: str
    count: int
    x: float
    width: float

    @property
    def centre(self) -> float:
        return round(self.x + self.width / 2, 2)


def stacked(counts: Sequence[tuple[str, str, int]]) -> tuple[Segment, ...]:
    """Segments for ``(label, tone, count)`` in order, widths summing to 100 %."""
    total = sum(n for _, _, n in counts)
    out = []
    x = 0.0
    for label, tone, n in counts:
        if not n:
            continue
        width = round(100 * n / total, 2)
        out.append(Segment(label, tone, n, round(x, 2), width))
        x += width
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Bar:
    """One bin of a histogram in a 0 0 WIDTH HEIGHT view box."""

    label: str
    count: int
    x: float
    y: float
    width: float
    height: float


HIST_WIDTH, HIST_HEIGHT, HIST_BASE = 220, 92, 76


def histogram_bars(bins: Sequence[int]) -> tuple[Bar, ...]:
    """Bars for score bins 0–1, …, 9–10, scaled to the tallest bin."""
    top = max(bins) if bins else 0
    step = HIST_WIDTH / max(len(bins), 1)
    out = []
    for i, n in enumerate(bins):
        height = round((HIST_BASE - 12) * n / top, 1) if top else 0.0
        out.append(Bar(f"{i}–{i + 1}", n, round(i * step + 1, 1), round(HIST_BASE - height, 1),
                       round(step - 2, 1), height))
    return tuple(out)
