"""Errors that end a run with exit code 2: usage, configuration, rule files, input."""

from __future__ import annotations

from typing import Iterable


class PolicylintError(Exception):
    """Base class: a problem the user can fix, reported as one clear line (exit code 2)."""

    exit_code = 2

    def __init__(self, message: str, *, location: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location  # "file:line:col" when there is one

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class UsageError(PolicylintError):
    """A bad command-line option or argument (unknown pack or rule id, bad format, ...)."""


class ConfigError(PolicylintError):
    """An invalid configuration file."""


class RuleFileError(PolicylintError):
    """An invalid rule or pack file, found when the packs are loaded."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A " (did you mean `x`?)" hint for ``word`` among ``choices``, or ""."""
    import difflib

    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean `{close[0]}`?)" if close else ""
