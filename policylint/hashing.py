"""The one fast hash the cache folders use (BLAKE2b), without loading OpenSSL."""

from __future__ import annotations

try:
    # hashlib's import loads OpenSSL (~2 ms, a fortieth of a one-file run); BLAKE2 is built
    # into CPython itself, and this is the very function hashlib.blake2b names.
    from _blake2 import blake2b
except ImportError:  # an interpreter built without it
    from hashlib import blake2b

__all__ = ["blake2b"]
