"""policylint: lint police policies on cooperation with federal immigration enforcement."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
