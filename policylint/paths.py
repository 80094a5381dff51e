"""The dotted path selector of rule files (`given`, `path`, `each`), compiled once per rule."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from policylint.document import escape_token

#: Marks a value that is not in the document (distinct from an explicit ``null``).
MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING", "__bool__": lambda self: False})()

_STEP = re.compile(r"\.?(?:(\*)|([A-Za-z0-9_\-]+))|\[(\*|\d+)\]")

#: One compiled step: ("key", name) | ("index", n) | ("values", None) | ("items", None).
Step = tuple[str, Any]


class PathError(ValueError):
    """A path expression that cannot be parsed."""


@dataclass(frozen=True, slots=True)
class Path:
    """A compiled path: where it starts (``root``, ``subject`` or ``key``) and its steps."""

    text: str
    start: str
    steps: tuple[Step, ...]

    @property
    def wildcard(self) -> bool:
        return any(kind in ("values", "items") for kind, _ in self.steps)

    @property
    def static_pointer(self) -> str:
        """The JSON Pointer of the steps before the first wildcard (root paths only)."""
        out = ""
        for kind, arg in self.steps:
            if kind in ("values", "items"):
                break
            out += "/" + escape_token(arg)
        return out

    def select(self, root: Any, subject: Any = None, subject_pointer: str = "",
               key: Any = None) -> Iterator[tuple[str, Any, Any]]:
        """Yield ``(pointer, value, key)`` for every match; a missing value yields ``MISSING``.

        Only wildcard steps can yield nothing: a fixed path always yields exactly one triple,
        so a rule about an absent topic still has a subject (and a pointer to report).
        """
        if self.start == "key":
            yield subject_pointer, key, key
            return
        if self.start == "subject":
            yield from _walk(self.steps, 0, subject, subject_pointer, key)
        else:
            yield from _walk(self.steps, 0, root, "", None)

    def getter(self) -> Callable[[Any, Any, Any], Any]:
        """A fast ``(root, subject, key) -> value`` for a path without wildcards."""
        if self.wildcard:
            raise PathError(f"`{self.text}` has a wildcard; use select()")
        steps = self.steps
        start = self.start

        def get(root: Any, subject: Any, key: Any) -> Any:
            if start == "key":
                return key
            cur = subject if start == "subject" else root
            for kind, arg in steps:
                if kind == "key":
                    if type(cur) is not dict:
                        return MISSING
                    cur = cur.get(arg, MISSING)
                    if cur is MISSING:
                        return MISSING
                elif type(cur) is list and arg < len(cur):
                    cur = cur[arg]
                else:
                    return MISSING
            return cur

        return get


def _walk(steps: tuple[Step, ...], i: int, cur: Any, pointer: str,
          key: Any) -> Iterator[tuple[str, Any, Any]]:
    while i < len(steps):
        kind, arg = steps[i]
        if kind == "key":
            pointer += "/" + escape_token(arg)
            cur = cur.get(arg, MISSING) if type(cur) is dict else MISSING
        elif kind == "index":
            pointer += f"/{arg}"
            cur = cur[arg] if type(cur) is list and arg < len(cur) else MISSING
        elif kind == "items":
            if type(cur) is list:
                for n, item in enumerate(cur):
                    yield from _walk(steps, i + 1, item, f"{pointer}/{n}", key)
            return
        else:  # values: a mapping's values, keyed; a list's items also qualify
            if type(cur) is dict:
                for k, item in cur.items():
                    yield from _walk(steps, i + 1, item, pointer + "/" + escape_token(k), k)
            elif type(cur) is list:
                for n, item in enumerate(cur):
                    yield from _walk(steps, i + 1, item, f"{pointer}/{n}", n)
            return
        i += 1
    yield pointer, cur, key


def compile_path(text: str) -> Path:
    """Parse ``a.b[*].c``, ``a.*``, ``@``, ``@.kind``, ``@key`` into a :class:`Path`."""
    if not isinstance(text, str) or not text.strip():
        raise PathError("a path must be a non-empty string")
    src = text.strip()
    if src == "@key":
        return Path(text, "key", ())
    start, rest = "root", src
    if src == "@":
        return Path(text, "subject", ())
    if src.startswith("@."):
        start, rest = "subject", src[2:]
    elif src.startswith("@["):
        start, rest = "subject", src[1:]
    steps: list[Step] = []
    pos = 0
    while pos < len(rest):
        m = _STEP.match(rest, pos)
        if not m or m.end() == pos or (pos == 0 and rest[0] == "."):
            raise PathError(f"cannot parse path `{text}` at character {pos + 1}")
        star, name, bracket = m.groups()
        if bracket is None and pos > 0 and rest[pos] != ".":
            raise PathError(f"missing `.` at character {pos + 1} of path `{text}`")
        if star:
            steps.append(("values", None))
        elif name is not None:
            steps.append(("key", name))
        elif bracket == "*":
            steps.append(("items", None))
        else:
            steps.append(("index", int(bracket)))
        pos = m.end()
    if not steps:
        raise PathError(f"empty path `{text}`")
    return Path(text, start, tuple(steps))


def relative_pointer(base: str, at: str | None) -> str:
    """The pointer a finding reports: ``at`` is dotted and relative to the subject at ``base``
    (``value``, ``@.quote``; ``@`` or nothing is the subject itself) or absolute (``/...``)."""
    if not at or at == "@":
        return base
    if at.startswith("/"):
        return at
    path = compile_path(at if at.startswith("@") else "@." + at)
    if path.wildcard or path.start != "subject":
        raise PathError(f"`at: {at}` must be a fixed path relative to the subject")
    return base + "".join("/" + escape_token(arg) for _, arg in path.steps)
