"""Rows of a comparison kept on disk and read back one at a time, so memory does not grow with them."""

from __future__ import annotations

import os
import pickle
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any, TypeVar, overload

#: Where a row is in the spool: (offset, length).
Where = tuple[int, int]

T = TypeVar("T")


def compact(cls: type[T]) -> type[T]:
    """Pickle a slotted dataclass as its class and field values: several times faster than
    the default state protocol, which a spool of tens of thousands of rows would feel."""
    from dataclasses import fields
    from operator import attrgetter

    names = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]
    values = attrgetter(*names)
    cls.__reduce__ = lambda self: (cls, values(self))  # type: ignore[method-assign]
    return cls


def pack(row: Any) -> bytes:
    """A row as the spool keeps it (made where the row is made, a worker or this process)."""
    return zlib.compress(pickle.dumps(row, pickle.HIGHEST_PROTOCOL), 1)


class Spool:
    """Rows compressed into an unlinked temporary file of this process.

    Only this process and the processes it forks read the file (it has no name once
    created), and only this process writes it: the pickles it holds are rows made by this
    run's own code (here or in its pool), never input from elsewhere.  Reads use
    ``pread``, so forked readers never move each other's file position.
    """

    def __init__(self) -> None:
        import tempfile

        # Unbuffered: whatever was put is on the file at once, for readers in forked processes.
        self.fh: IO[bytes] | None = tempfile.TemporaryFile(prefix="policylint-compare-", buffering=0)
        self.size = 0

    def put(self, row: Any) -> Where:
        return self.put_bytes(pack(row))

    def put_bytes(self, data: bytes) -> Where:
        """Append ``data`` (a packed row, or a line of text) and say where it is."""
        assert self.fh is not None, "the spool is closed"
        view, offset = memoryview(data), self.size
        while view:  # a regular file takes it all at once; a full disk raises OSError
            n = os.pwrite(self.fh.fileno(), view, offset)
            view, offset = view[n:], offset + n
        where = (self.size, len(data))
        self.size += len(data)
        return where

    def get_bytes(self, where: Where) -> bytes:
        assert self.fh is not None, "the spool is closed"
        return os.pread(self.fh.fileno(), where[1], where[0])

    def get(self, where: Where) -> Any:
        return pickle.loads(zlib.decompress(self.get_bytes(where)))

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()
            self.fh = None


@dataclass(frozen=True, slots=True)
class Placed:
    """An agency's place in the comparison: its row's position, its document and its other versions."""

    index: int
    where: Where
    history: tuple[Where, ...] = ()
    state: str = ""              # the state's label (the page the agency is on)
    line: Where | None = None    # its line of the national finder, in the spool


class Rows(Sequence[Any]):
    """A comparison's rows in order, each read from the spool when reached (and then let go).

    Every pass reads the rows again: a renderer that walks the rows many times should
    :meth:`hold` a bounded number of them instead.
    """

    def __init__(self, spool: Spool, placed: Sequence[Placed]) -> None:
        self.spool, self.placed = spool, list(placed)

    def __len__(self) -> int:
        return len(self.placed)

    @overload
    def __getitem__(self, i: int) -> Any: ...

    @overload
    def __getitem__(self, i: slice) -> Rows: ...

    def __getitem__(self, i: int | slice) -> Any:
        if isinstance(i, slice):
            return Rows(self.spool, self.placed[i])
        return self.load(self.placed[i])

    def __iter__(self) -> Iterator[Any]:
        for p in self.placed:
            yield self.load(p)

    def current(self) -> Iterator[Any]:
        """The rows without their other versions (what counts across agencies)."""
        for p in self.placed:
            row = self.spool.get(p.where)
            row.index = p.index
            yield row

    def load(self, p: Placed) -> Any:
        row = self.spool.get(p.where)
        row.index = p.index
        row.history = [self.spool.get(w) for w in p.history]
        for version in row.history:
            version.index = -1
        return row

    def hold(self) -> list[Any]:
        return list(self)
