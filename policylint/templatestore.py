"""Compiled templates kept as marshalled code in the cache folder, loaded without importing Jinja."""

from __future__ import annotations

import importlib.util
import marshal
import os
from types import CodeType
from typing import Any, Callable

from policylint.hashing import blake2b
from policylint.templateruntime import COMPILER_VERSION, namespace

Render = Callable[[dict[str, Any]], str]

_FORMAT = b"policylint-template\n"
_NOT_COMPILABLE = b"-"
_loaded: dict[tuple[str, str], Render | None] = {}


def load(kind: str, source: str) -> Render | None:
    """``render(ctx) -> str`` for the template ``source`` of ``kind``; None when Jinja must render it.

    The compiled code is read from the cache folder when an earlier run stored it (no Jinja
    import), else compiled now (with Jinja's parser) and stored.  ``kind`` is "message" or
    "text" (see :mod:`policylint.templatecode`).
    """
    got = _loaded.get((kind, source), False)
    if got is not False:
        return got  # type: ignore[return-value]
    code = _code(kind, source)
    render: Render | None = None
    if code is not None:
        scope = namespace(kind)
        exec(code, scope)  # noqa: S102 - code this package compiled from a template
        render = scope["render"]
    _loaded[(kind, source)] = render
    return render


def key(kind: str, source: str) -> str:
    """The entry's name: everything the compiled code depends on, hashed."""
    h = blake2b(f"{kind}\0{COMPILER_VERSION}\0".encode(), digest_size=32)
    h.update(importlib.util.MAGIC_NUMBER)
    h.update(source.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def folder() -> str | None:
    """Where entries live; None when caching is off (``POLICYLINT_CACHE_DIR=""``)."""
    from policylint.cache import default_dir

    root = default_dir()
    return os.path.join(root, "templates", "compiled") if root else None


def _code(kind: str, source: str) -> CodeType | None:
    where = folder()
    name = key(kind, source)
    path = os.path.join(where, name) if where else None
    if path is not None:
        found, code = _read(path, name)
        if found:
            return code
    from policylint.templatecode import compile_template

    code = compile_template(kind, source)
    if path is not None:
        _write(path, name, code)
    return code


def _read(path: str, name: str) -> tuple[bool, CodeType | None]:
    """(True, code or None for "not compilable") from a sound entry; (False, None) otherwise."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        return False, None
    header = _FORMAT + name.encode() + b"\n"
    if not data.startswith(header):
        return False, None
    body = data[len(header):]
    digest, body = body[:32], body[32:]
    if blake2b(body, digest_size=32).digest() != digest:
        return False, None  # torn or damaged: compile again
    if body == _NOT_COMPILABLE:
        return True, None
    try:
        code = marshal.loads(body)
    except (ValueError, EOFError, TypeError):
        return False, None
    return (True, code) if isinstance(code, CodeType) else (False, None)


def _write(path: str, name: str, code: CodeType | None) -> None:
    import tempfile

    body = _NOT_COMPILABLE if code is None else marshal.dumps(code)
    data = _FORMAT + name.encode() + b"\n" + blake2b(body, digest_size=32).digest() + body
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)  # whole or not at all: a reader never sees half of it
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        return  # a read-only or full cache folder: compile again next time
    from policylint.cache import prune_files

    prune_files(os.path.dirname(path), keep=name)  # only when something new was stored
