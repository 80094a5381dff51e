"""The dotted path selector of rule files (`given`, `path`, `each`), compiled once per rule."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from policylint.load.document import escape_token

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
               key: Any = None) -> list[tuple[str, Any, Any]]:
        """``(pointer, value, key)`` for every match; a missing value is ``MISSING``.

        Only wildcard steps can yield nothing: a fixed path always yields exactly one triple,
        so a rule about an absent topic still has a subject (and a pointer to report).
        """
        if self.start == "key":
            return [(subject_pointer, key, key)]
        if self.start == "subject":
            return _select(_tokens(self.steps), subject, subject_pointer, key)
        return _select(_tokens(self.steps), root, "", None)

    def selector(self) -> Callable[[Any], list[tuple[str, Any, Any]]]:
        """A fast ``root -> [(pointer, value, key)]`` for a root path (rule subjects)."""
        if self.start != "root":
            raise PathError(f"`{self.text}` does not start at the root")
        if self.wildcard:
            tokens = _tokens(self.steps)
            return lambda root: _select(tokens, root, "", None)
        pointer = self.static_pointer
        get = self.getter()
        return lambda root: [(pointer, get(root, None, None), None)]

    def getter(self) -> Callable[[Any, Any, Any], Any]:
        """A fast ``(root, subject, key) -> value`` for a path without wildcards."""
        if self.wildcard:
            raise PathError(f"`{self.text}` has a wildcard; use values()")
        steps = self.steps
        start = self.start
        if start == "key":
            return lambda root, subject, key: key
        if len(steps) == 1 and steps[0][0] == "key":
            name = steps[0][1]
            if start == "subject":
                return lambda root, s, k: s.get(name, MISSING) if type(s) is dict else MISSING
            return lambda root, s, k: root.get(name, MISSING) if type(root) is dict else MISSING

        def get(root: Any, subject: Any, key: Any) -> Any:
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

    def values(self) -> Callable[[Any, Any, Any], list[Any]]:
        """A ``(root, subject, key) -> [values]`` for any path (no pointers are built)."""
        if not self.wildcard:
            get = self.getter()
            return lambda root, s, k: [get(root, s, k)]
        steps, start = self.steps, self.start

        def read(root: Any, subject: Any, key: Any) -> list[Any]:
            frontier = [subject if start == "subject" else root]
            for kind, arg in steps:
                nxt: list[Any] = []
                if kind == "key":
                    for v in frontier:
                        nxt.append(v.get(arg, MISSING) if type(v) is dict else MISSING)
                elif kind == "index":
                    for v in frontier:
                        nxt.append(v[arg] if type(v) is list and arg < len(v) else MISSING)
                elif kind == "items":
                    for v in frontier:
                        if type(v) is list:
                            nxt.extend(v)
                else:
                    for v in frontier:
                        if type(v) is dict:
                            nxt.extend(v.values())
                        elif type(v) is list:
                            nxt.extend(v)
                frontier = nxt
            return frontier

        return read


#: Steps with their escaped pointer suffix precomputed: (kind, arg, "/token").
_TOKENS: dict[tuple[Step, ...], tuple[tuple[str, Any, str], ...]] = {}


def _tokens(steps: tuple[Step, ...]) -> tuple[tuple[str, Any, str], ...]:
    got = _TOKENS.get(steps)
    if got is None:
        got = _TOKENS[steps] = tuple(
            (kind, arg, "/" + escape_token(arg) if kind in ("key", "index") else "")
            for kind, arg in steps)
    return got


def _select(steps: tuple[tuple[str, Any, str], ...], cur: Any, pointer: str,
            key: Any) -> list[tuple[str, Any, Any]]:
    frontier = [(pointer, cur, key)]
    for kind, arg, token in steps:
        nxt: list[tuple[str, Any, Any]] = []
        if kind == "key":
            for p, v, k in frontier:
                nxt.append((p + token, v.get(arg, MISSING) if type(v) is dict else MISSING, k))
        elif kind == "index":
            for p, v, k in frontier:
                nxt.append((p + token, v[arg] if type(v) is list and arg < len(v) else MISSING, k))
        elif kind == "items":
            for p, v, k in frontier:
                if type(v) is list:
                    for n, item in enumerate(v):
                        nxt.append((f"{p}/{n}", item, k))
        else:  # values: a mapping's values, keyed; a list's items also qualify
            for p, v, _key in frontier:
                if type(v) is dict:
                    for name, item in v.items():
                        # Plain keys (nearly all) need no escaping: skip the call for them.
                        plain = type(name) is str and "~" not in name and "/" not in name
                        nxt.append((f"{p}/{name if plain else escape_token(name)}", item, name))
                elif type(v) is list:
                    for n, item in enumerate(v):
                        nxt.append((f"{p}/{n}", item, n))
        frontier = nxt
    return frontier


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
