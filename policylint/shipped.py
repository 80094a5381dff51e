"""Paths and texts of the data files shipped inside the package (schemas, rules, tables)."""

from __future__ import annotations

import os

# The package is always installed as a folder (pyproject sets no zip-safe mode), so its
# files are read beside this module: importlib.resources costs ~3 ms to import, a tenth of
# a one-file run's own work.
ROOT = os.path.dirname(os.path.abspath(__file__))


def path(*parts: str) -> str:
    """The absolute path of ``policylint/<parts...>``."""
    return os.path.join(ROOT, *parts)


def read_text(*parts: str) -> str:
    with open(path(*parts), encoding="utf-8") as fh:
        return fh.read()


def read_bytes(*parts: str) -> bytes:
    with open(path(*parts), "rb") as fh:
        return fh.read()
