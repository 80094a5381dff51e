"""Paths and texts of the data files shipped inside the package (schemas, rules, tables)."""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable


def _resource(parts: tuple[str, ...]) -> Traversable:
    found = resources.files("policylint")
    for part in parts:  # joinpath takes one name at a time before Python 3.11
        found = found.joinpath(part)
    return found


def path(*parts: str) -> str:
    """The file-system path of ``policylint/<parts...>`` (the package is installed as a folder:
    the shipped rules are walked like any rule directory)."""
    return str(_resource(parts))


def read_text(*parts: str) -> str:
    return _resource(parts).read_text(encoding="utf-8")


def read_bytes(*parts: str) -> bytes:
    return _resource(parts).read_bytes()
