"""A cache of check results keyed by file content, rules, options and tool version."""

from __future__ import annotations

import bisect
import dataclasses
import json
import os
import sys
import time
import zlib
from hashlib import blake2b
from typing import Any

from policylint.cachedir import STALE_SECONDS, listdir, mtime, same_mac, secret, sign, unlink
from policylint.finding import Finding

#: Bumped when the layout or the entry format changes; old caches are then ignored.
#: 3: entries signed (a keyed BLAKE2b) and a folder's entries kept in parts.
FORMAT = 3
#: Entries per part of a folder's results (see Cache): a folder of more than twice this many
#: files is split, so no process holds more than a few hundred entries at once.
PART = 256
#: The most bytes one entry file may hold, packed or unpacked; a larger one is a miss.
MAX_SHARD = 256 * 1024 * 1024
_TAG = ("Signature: 8a477f597d28d172789f06886806bc55\n"
        "# This directory is a cache made by policylint (https://bford.info/cachedir/).\n")


# -- what a result depends on --------------------------------------------------------------


def _tree_digest(h: Any, root: str, suffixes: tuple[str, ...], contents: bool = True) -> None:
    """Feed ``h`` every matching file under ``root``: its bytes, or (``contents=False``)
    its size and modification time, which is enough for the package's own files and
    costs a stat instead of a read."""
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
        for name in sorted(files):
            if name.endswith(suffixes):
                path = os.path.join(folder, name)
                h.update(os.path.relpath(path, root).encode("utf-8", "surrogateescape") + b"\0")
                try:
                    if contents:  # a third party's folder: a FIFO or /dev/zero is refused
                        from policylint.load.limits import DEFAULT_LIMITS
                        from policylint.load.loader import read_regular

                        h.update(read_regular(path, DEFAULT_LIMITS.max_file_size))
                    else:
                        st = os.stat(path)
                        h.update(f"{st.st_size} {st.st_mtime_ns}".encode())
                except (OSError, ValueError):
                    h.update(b"?")


def _canonical(value: Any) -> Any:
    """Options as JSON-ready data whose text does not depend on hash seeds or ids."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (set, frozenset)):
        return sorted((_canonical(v) for v in value), key=repr)
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return repr(value)


def run_digest(options: Any, ignore: tuple[str, ...] = ()) -> str:
    """A digest of everything besides a file's bytes that its result depends on.

    The package's own files (code, rules, packs, schemas, templates: their sizes and
    times) besides its version number, so an edited rule is never answered from the
    cache; the extra rule folders (their contents); the options (minus the dotted names
    in ``ignore``); and the working directory, which per-path settings and the file names in results are relative to.
    """
    from policylint import __version__

    h = blake2b(digest_size=16)
    h.update(f"policylint {__version__} cache {FORMAT} {sys.version}".encode())
    _tree_digest(h, os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                 (".py", ".yaml", ".yml", ".json", ".j2", ".csv", ".md"), contents=False)
    for folder in getattr(options, "rule_dirs", ()) or ():
        h.update(b"\0rules\0" + os.path.abspath(folder).encode("utf-8", "surrogateescape"))
        _tree_digest(h, folder, (".yaml", ".yml"))
    data = _canonical(options)
    for dotted in ignore:  # e.g. "suppress.today"
        *parents, name = dotted.split(".")
        node = data
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(name, None)
    h.update(json.dumps(data, sort_keys=True, default=repr).encode())
    h.update(os.getcwd().encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def content_hash(raw: bytes) -> str:
    return blake2b(raw, digest_size=16).hexdigest()


# -- findings as JSON ------------------------------------------------------------------------

_DEFAULTS = {f.name: f.default for f in dataclasses.fields(Finding)
             if f.default is not dataclasses.MISSING}
_TUPLE_FIELDS = ("args", "packs", "meta")


def _tuples(value: Any) -> Any:
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def encode_finding(f: Finding) -> dict[str, Any]:
    """The finding's fields that differ from their defaults; ``file`` is restored on reading."""
    out: dict[str, Any] = {}
    for name in Finding.__slots__:
        if name == "file":
            continue
        value = getattr(f, name)
        if name not in _DEFAULTS or value != _DEFAULTS[name]:
            out[name] = value
    return out


#: What each field of a cached finding may hold (anything else and the entry is a miss).
_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "rule": (str,), "severity": (str,), "message": (str,), "path": (str,),
    "line": (int,), "column": (int,), "end_line": (int,), "end_column": (int,),
    "args": (list,), "packs": (list,), "citation": (str, type(None)), "url": (str, type(None)),
    "snippet": (str, type(None)), "suppressed": (str, type(None)), "baseline": (str, type(None)),
    "basis": (str, type(None)),
    "input_error": (bool,), "meta": (list,),
}
_OUTCOMES = frozenset({"pass", "fail", "not_applicable", "skipped"})


def decode_finding(data: dict[str, Any], file: str) -> Finding:
    """A finding read back; ``ValueError`` for anything a finding cannot hold."""
    from policylint.finding import SEVERITIES

    if not isinstance(data, dict):
        raise TypeError("not a finding")
    for name, value in data.items():
        types = _FIELD_TYPES.get(name)
        if types is None or not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            raise ValueError(f"bad field {name!r}")
    if not {"rule", "severity", "message"} <= data.keys() or data["severity"] not in SEVERITIES:
        raise ValueError("bad severity, or no rule or message")
    values = {k: _tuples(v) if k in _TUPLE_FIELDS else v for k, v in data.items()}
    return Finding(file=file, **values)


def _same(a: list[Finding], b: list[Finding]) -> bool:
    # ``meta`` (value hashes for baselines) is left out of Finding equality; compare it too.
    return a == b and all(x.meta == y.meta for x, y in zip(a, b))


# -- the cache -----------------------------------------------------------------------------


class Cache:
    """Results of one kind of run (one digest), kept per input folder in parts by file name.

    A folder's entries live in one file until it holds more than ``2 * PART`` of them; it
    is then split into parts of ``PART`` names, and the folder's first part lists where the
    others begin.  Files arrive sorted by name, folder by folder, so a process reads one part
    at a time, and memory holds at most a few hundred entries whatever the number of files
    or the size of a folder.  The process that renders the results writes them back, merged
    with what the part held, when the walk leaves the part or ``PART`` results are waiting;
    workers never write.  Every problem with the cache (unwritable, corrupt, half-written,
    a part missing) just means a miss.
    """

    def __init__(self, root: str, digest: str) -> None:
        self.root = root
        self.digest = digest
        self.folder = os.path.join(root, f"v{FORMAT}", digest)
        self._shards: dict[str, dict[str, Any]] = {}  # the one part in memory
        self._bounds: tuple[str, list[str]] = ("", [])  # a folder's first part, where the others begin
        self._pending: dict[str, list[Any]] = {}
        self._pending_shard: str | None = None
        self.writable = True
        self._key: bytes | None | bool = False  # False: not read yet

    def key(self, create: bool = False) -> bytes | None:
        """The folder's signing key (see :func:`secret`); None: use no entry, write none."""
        if self._key is False or (self._key is None and create):
            self._key = secret(self.root, create)
        return self._key if isinstance(self._key, bytes) else None

    def _mac(self, key: bytes, display: str, entry: list[Any]) -> str:
        """Binds an entry to the run (rules, options, version), the file's name and content,
        the day it depends on, and what it says."""
        data = json.dumps([self.digest, display, *entry[:4]], sort_keys=True, separators=(",", ":"))
        return sign(key, data.encode("utf-8", "surrogateescape"))

    # reading (any process)

    def _shard_name(self, display: str) -> str:
        """The folder's first part (the only one of a folder of up to ``2 * PART`` files)."""
        where = os.path.dirname(display) or "."
        return blake2b(where.encode("utf-8", "surrogateescape"), digest_size=12).hexdigest()

    def _part_name(self, first: str, bound: str) -> str:
        if not bound:
            return first
        return first + "-" + blake2b(bound.encode("utf-8", "surrogateescape"), digest_size=8).hexdigest()

    def _read(self, name: str) -> dict[str, Any]:
        try:
            with open(os.path.join(self.folder, name), "rb") as fh:
                packed = fh.read(MAX_SHARD + 1)
            inflate = zlib.decompressobj()
            text = inflate.decompress(packed, MAX_SHARD)
            if len(packed) > MAX_SHARD or inflate.unconsumed_tail:
                raise ValueError("too large")  # a few KB can inflate to gigabytes
            data = json.loads(text)
        except (OSError, ValueError, zlib.error):
            return {}
        return data if isinstance(data, dict) and data.get("format") == FORMAT else {}

    def _load(self, shard: str) -> dict[str, Any]:
        got = self._shards.get(shard)
        if got is None:
            data = self._read(shard)
            got = data.get("entries") or {}
            if not isinstance(got, dict):
                got = {}
            self._shards = {shard: got}  # one part at a time: files arrive sorted, folder by folder
            if "-" not in shard:
                bounds = data.get("bounds")
                if not isinstance(bounds, list) or not all(isinstance(b, str) and b for b in bounds):
                    bounds = []
                self._bounds = (shard, sorted(bounds))
        return got

    def _folder_bounds(self, first: str) -> list[str]:
        if self._bounds[0] != first:
            self._load(first)
        return self._bounds[1] if self._bounds[0] == first else []

    def _locate(self, display: str) -> str:
        """The part that holds (or would hold) the entry of ``display``."""
        first = self._shard_name(display)
        bounds = self._folder_bounds(first)
        at = bisect.bisect_right(bounds, display)
        return self._part_name(first, bounds[at - 1] if at else "")

    def lookup(self, display: str, digest: str, today: str) -> tuple[list[Finding], dict[str, str]] | None:
        """The findings and rule outcomes cached for ``display`` with content ``digest``."""
        key = self.key()
        if key is None:
            return None
        entry = self._load(self._locate(display)).get(display)
        if not isinstance(entry, list) or len(entry) != 5 or entry[0] != digest:
            return None
        if entry[1] is not None and entry[1] != today:  # it depends on the day
            return None
        try:
            if not same_mac(self._mac(key, display, entry), entry[4]):
                return None  # not written by a holder of the key, or changed since
            findings = [decode_finding(f, display) for f in entry[2]]
        except (TypeError, ValueError):
            return None
        outcomes = entry[3]
        if not isinstance(outcomes, dict) or not all(
                isinstance(k, str) and v in _OUTCOMES for k, v in outcomes.items()):
            return None
        return findings, outcomes

    # writing (the process that renders)

    def record(self, display: str, digest: str, today: str | None, findings: list[Finding],
               outcomes: dict[str, str] | None) -> None:
        """Keep one result for its part (written when the walk leaves the part)."""
        if not self.writable:
            return
        try:
            encoded = [encode_finding(f) for f in findings]
            text = json.dumps(encoded)
            if not _same([decode_finding(f, display) for f in json.loads(text)], findings):
                return  # something in it does not survive JSON: check it again next time
        except (TypeError, ValueError):
            return
        key = self.key(create=True)
        if key is None:
            self.writable = False  # someone else's folder, or one others can write: leave it
            return
        part = self._locate(display)
        if part != self._pending_shard:
            self.flush()
            self._pending_shard = part
        entry: list[Any] = [digest, today, encoded, outcomes or {}]
        try:
            entry.append(self._mac(key, display, entry))
        except (TypeError, ValueError):
            return
        self._pending[display] = entry
        if len(self._pending) >= PART:
            self.flush()

    def flush(self) -> None:
        """Write the pending part's entries, merged with what the part already held, and
        split it when it has grown past ``2 * PART`` entries."""
        part, pending = self._pending_shard, self._pending
        self._pending, self._pending_shard = {}, None
        if not pending or part is None or not self.writable:
            return
        first = part.split("-", 1)[0]
        bounds = list(self._folder_bounds(first))
        name = next(iter(pending))
        at = bisect.bisect_right(bounds, name)
        low, high = (bounds[at - 1] if at else ""), (bounds[at] if at < len(bounds) else None)
        entries = dict(self._load(part))
        # Entries of files this run did not see are kept while the file exists and still
        # belongs to this part (a split leaves copies behind in the part it came from).
        for other in [n for n in entries if n not in pending]:
            if other < low or (high is not None and other >= high) or not os.path.exists(other):
                del entries[other]
        entries.update(pending)
        names = sorted(entries)
        chunks = [names] if len(names) <= 2 * PART else \
            [names[i:i + PART] for i in range(0, len(names), PART)]
        new_bounds = sorted(set(bounds) | {chunk[0] for chunk in chunks[1:]})
        self._shards = {}
        try:
            self._prepare()
            for n, chunk in enumerate(chunks):
                bound = low if n == 0 else chunk[0]
                self._write(self._part_name(first, bound), {k: entries[k] for k in chunk},
                            new_bounds if not bound else None)
            if new_bounds != bounds and low:  # the first part lists the parts: rewrite it
                head = dict(self._load(first))
                self._shards = {}
                self._write(first, head, new_bounds)
        except OSError:
            self.writable = False  # a read-only home or a full disk: run on without it
        self._bounds = (first, new_bounds)

    def _write(self, name: str, entries: dict[str, Any], bounds: list[str] | None) -> None:
        data: dict[str, Any] = {"format": FORMAT, "entries": entries}
        if bounds:
            data["bounds"] = bounds
        blob = zlib.compress(json.dumps(data, separators=(",", ":")).encode("utf-8", "surrogateescape"), 1)
        import tempfile

        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(blob)
        os.replace(tmp, os.path.join(self.folder, name))

    def _prepare(self) -> None:
        if os.path.isdir(self.folder):
            return
        os.makedirs(self.folder, mode=0o700, exist_ok=True)
        tag = os.path.join(self.root, "CACHEDIR.TAG")
        if not os.path.exists(tag):
            with open(tag, "w", encoding="ascii") as fh:
                fh.write(_TAG)
            # Never committed by accident when someone points --cache-dir into a repository.
            with open(os.path.join(self.root, ".gitignore"), "w", encoding="ascii") as fh:
                fh.write("*\n")
        self._prune()

    def _prune(self) -> None:
        """Delete run folders nobody has written for a month (old rules, old options)."""
        parent = os.path.dirname(self.folder)
        now = time.time()
        for name in listdir(parent):
            path = os.path.join(parent, name)
            if path != self.folder and now - mtime(path) > STALE_SECONDS:
                for shard in listdir(path):
                    unlink(os.path.join(path, shard))
                try:
                    os.rmdir(path)
                except OSError:
                    pass
