"""Rows of a comparison kept on disk and read back one at a time, so memory does not grow with them."""

from __future__ import annotations

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


class Spool:
    """Rows compressed into an unlinked temporary file of this process.

    Only this process writes and reads the file (it has no name once created), so the
    pickles it holds are our own rows, never input from elsewhere.
    """

    def __init__(self) -> None:
        import tempfile

        self.fh: IO[bytes] | None = tempfile.TemporaryFile(prefix="policylint-compare-")
        self.size = 0

    def put(self, row: Any) -> Where:
        assert self.fh is not None, "the spool is closed"
        data = zlib.compress(pickle.dumps(row, pickle.HIGHEST_PROTOCOL), 1)
        self.fh.seek(self.size)
        self.fh.write(data)
        where = (self.size, len(data))
        self.size += len(data)
        return where

    def get(self, where: Where) -> Any:
        assert self.fh is not None, "the spool is closed"
        self.fh.seek(where[0])
        return pickle.loads(zlib.decompress(self.fh.read(where[1])))

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
