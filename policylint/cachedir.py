"""The cache folder: where it is, whose it is, the key that signs what is kept in it, pruning.

Shared by the results cache (policylint.run.cache) and the rule registry's validation
stamps; anything read back from the folder is untrusted until its signature verifies.
"""

from __future__ import annotations

import os
import sys
import time
from hashlib import blake2b
from typing import Any, Iterator

#: Run directories (one per combination of rules, options and version) unused this long
#: are deleted when a run writes the cache.
STALE_SECONDS = 30 * 24 * 3600


def default_dir() -> str:
    """``$POLICYLINT_CACHE_DIR``, else the platform's per-user cache directory; "" for none.

    Not a folder in the working directory: a repository is untrusted input, and a cache
    committed with it could make a changed document look already checked.
    """
    env = os.environ.get("POLICYLINT_CACHE_DIR")
    if env is not None:
        return env  # "" turns every cache off
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.expanduser(r"~\AppData\Local")
        return os.path.join(base, "policylint", "Cache")
    if sys.platform == "darwin":
        return os.path.expanduser("~/Library/Caches/policylint")
    return os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "policylint")


# -- whose folder it is --------------------------------------------------------------------

#: The secret that signs every entry, in the cache folder, readable by its owner only.
KEY_FILE = "key"
_KEY_BYTES = 32


def _ours(path: str, mask: int) -> bool:
    """Whether ``path`` is a real folder or file (not a link) owned by this user with none
    of the ``mask`` permission bits: what Jinja's FileSystemBytecodeCache requires of its
    default folder, so that nobody else can plant or change an entry."""
    import stat

    try:
        st = os.lstat(path)
    except OSError:
        return False
    if not (stat.S_ISDIR(st.st_mode) or stat.S_ISREG(st.st_mode)):
        return False
    if hasattr(os, "geteuid") and st.st_uid != os.geteuid():
        return False
    return not st.st_mode & mask


def secret(root: str, create: bool = False) -> bytes | None:
    """The key that signs the entries under ``root``, or None: the cache is then not used.

    ``root`` must be a folder of this user's that others cannot write (one made here is
    private); the key file is readable by its owner only.  ``create`` makes both when
    missing.  An entry that does not verify against the key is a miss, so nothing put in
    the folder by anyone without the key can change a result.
    """
    import stat

    if not root:
        return None
    path = os.path.join(root, KEY_FILE)
    if create and not os.path.lexists(path):
        try:
            os.makedirs(root, mode=0o700, exist_ok=True)
            if _ours(root, stat.S_IWGRP | stat.S_IWOTH):
                _new_key(root, path)
        except OSError:
            return None
    if not _ours(root, stat.S_IWGRP | stat.S_IWOTH) or not _ours(path, 0o077):
        return None
    try:
        with open(path, "rb") as fh:
            key = fh.read(_KEY_BYTES + 1)
    except OSError:
        return None
    return key if len(key) == _KEY_BYTES else None


def _new_key(root: str, path: str) -> None:
    """Write a fresh key whole: linked into place, so two processes never see half of one."""
    import tempfile

    fd, tmp = tempfile.mkstemp(dir=root, prefix=".key-")  # private (0600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(os.urandom(_KEY_BYTES))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process made one first: use it
    finally:
        os.unlink(tmp)


def sign(key: bytes, data: bytes) -> str:
    """The keyed BLAKE2b of ``data`` (a MAC: without the key it cannot be made)."""
    return blake2b(data, key=key, digest_size=16).hexdigest()


def same_mac(expected: str, got: Any) -> bool:
    import hmac

    return isinstance(got, str) and hmac.compare_digest(expected, got)


def verify(key: bytes, data: bytes, mac: Any) -> bool:
    """Whether ``mac`` is :func:`sign` of ``data`` under ``key``."""
    return same_mac(sign(key, data), mac)


def prune_files(folder: str, prefix: str = "", keep: str = "") -> None:
    """Delete the files of ``folder`` starting with ``prefix`` unwritten for a month.

    For entries named by what they depend on (the rule-validation stamps): an edit of a
    rule, or an upgrade, leaves the old ones behind for good.  An entry still in use is
    simply written again on its next use.
    """
    now = time.time()
    for name in listdir(folder):
        if name.startswith(prefix) and name != keep:
            path = os.path.join(folder, name)
            if now - mtime(path) > STALE_SECONDS and os.path.isfile(path):
                unlink(path)


def listdir(path: str) -> Iterator[str]:
    try:
        yield from os.listdir(path)
    except OSError:
        return


def mtime(path: str) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return time.time()


def unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
