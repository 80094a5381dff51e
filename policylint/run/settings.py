"""How strict suppressions are: plain settings (a run answered from the cache needs no more)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SuppressSettings:
    """How strict suppressions are (config key ``suppressions``; applied by policylint.run.suppress)."""

    require_reason: bool = True
    report_unused: bool = True
    today: str = ""  # ISO date waivers expire against; "" = no expiry check
