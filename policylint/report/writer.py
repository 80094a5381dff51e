"""The one way policylint writes a file: never over what it reads, whole or not at all."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO

from policylint.errors import UsageError

#: Link targets under these folders are the process's own streams (``/dev/stdout`` ->
#: ``/proc/self/fd/1``): written to, never renamed over, even when they lead to a file.
_SPECIAL = ("/dev/", "/proc/")


@dataclass(slots=True)
class Guard:
    """Files an output must never replace: each real path with what it is.

    ``folders`` are input folders: the YAML files a walk of them reads are inputs too.
    """

    files: dict[str, str] = field(default_factory=dict)
    folders: list[str] = field(default_factory=list)

    def protect(self, paths: Iterable[str | None], what: str) -> Guard:
        """Add ``paths`` (missing, ``-`` and ``None`` entries are skipped) as ``what``."""
        for path in paths:
            if not path or path == "-":
                continue
            real = os.path.realpath(path)
            if os.path.isdir(real):
                if what == "an input":
                    self.folders.append(real.rstrip(os.sep) + os.sep)
            else:
                self.files.setdefault(real, what)
        return self

    def refuse(self, target: str) -> None:
        """A usage error (exit 2) when writing ``target`` would replace a protected file."""
        from policylint.run.runner import YAML_SUFFIXES

        real = os.path.realpath(target)
        what = self.files.get(real)
        if what is None and real.endswith(YAML_SUFFIXES) and any(real.startswith(f) for f in self.folders):
            what = "an input"
        if what is not None:
            raise UsageError(f"the output file {target} is {what} of this run; policylint never "
                             "writes over what it reads")


def _special(target: str) -> bool:
    """Whether ``target`` is not a plain file of ours to replace: a device, pipe or socket,
    or a link through /dev or /proc (``/dev/stdout``, ``/dev/fd/1``)."""
    try:
        mode = os.stat(target).st_mode
    except OSError:
        return False  # missing (or unreachable: opening it reports why)
    if not stat.S_ISREG(mode):
        return True
    path = os.path.abspath(target)
    for _ in range(40):  # a link chain; the kernel gives up after 40 too
        if path.startswith(_SPECIAL):
            return True
        if not os.path.islink(path):
            return False
        path = os.path.normpath(os.path.join(os.path.dirname(path), os.readlink(path)))
    return True


def _failed(target: str, exc: OSError) -> UsageError:
    return UsageError(f"cannot write {target}: {exc.strerror or exc}")


class GuardedWriter:
    """Writes ``target`` after checking it against a :class:`Guard`.

    A regular file (or a missing one) is written to a temporary file beside it and renamed
    into place on :meth:`close`, so an interrupted run leaves the previous file, never half
    of a new one; the temporary file is removed on every failure.  A device, pipe, socket
    or a link to the process's own streams is written directly: renaming over ``/dev/null``
    as root would replace the system's null device with a file.  Every ``OSError`` (a
    read-only folder, a full disk) becomes a :class:`UsageError` naming the file.

    ``append``: add to the end of ``target`` instead (``$GITHUB_STEP_SUMMARY``, which other
    steps of a job write too), in place, after the same checks: never to a file the run
    reads (a link to an input included), never to a folder.
    """

    def __init__(self, target: str, guard: Guard | None = None, append: bool = False) -> None:
        self.target = target
        self.tmp: str | None = None
        if guard is not None:
            guard.refuse(target)
        if os.path.isdir(target):
            raise UsageError(f"cannot write {target}: it is a folder")
        try:
            if append or _special(target):
                self.fh: IO[str] = open(target, "a" if append else "w", encoding="utf-8", newline="")
                return
            import tempfile  # only runs that write a file need it (3 ms to import)

            # Beside the real file: a link to a report stays a link.
            self.path = os.path.realpath(target)
            fd, self.tmp = tempfile.mkstemp(prefix=".policylint-", dir=os.path.dirname(self.path))
            self.fh = os.fdopen(fd, "w", encoding="utf-8", newline="")
        except OSError as exc:
            raise _failed(target, exc) from None

    def write(self, text: str) -> None:
        try:
            self.fh.write(text)
        except OSError as exc:
            self.abort()
            raise _failed(self.target, exc) from None

    def close(self) -> None:
        try:
            self.fh.close()
            if self.tmp is None:
                return
            # mkstemp creates the file private (0600); a report gets the mode a new file would.
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(self.tmp, 0o666 & ~umask)
            os.replace(self.tmp, self.path)
            self.tmp = None
        except OSError as exc:
            self.abort()
            raise _failed(self.target, exc) from None

    def abort(self) -> None:
        try:
            self.fh.close()
        except OSError:
            pass
        if self.tmp is not None:
            try:
                os.unlink(self.tmp)
            except OSError:
                pass
            self.tmp = None


def write_file(target: str, text: str, guard: Guard | None = None) -> None:
    """Write ``text`` to ``target`` whole through a :class:`GuardedWriter`."""
    write_pieces((text,), target, guard)


def write_pieces(pieces: Iterable[str], target: str, guard: Guard | None = None) -> None:
    """Write each piece as it is made to ``target`` through a :class:`GuardedWriter`: the
    file appears whole or not at all, and the pieces are never all held at once."""
    writer = GuardedWriter(target, guard)
    try:
        for piece in pieces:
            writer.write(piece)
    except BaseException:
        writer.abort()
        raise
    writer.close()
