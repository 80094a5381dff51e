"""A loaded policy document: plain data plus the YAML node tree that knows every position."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from policylint.finding import FILE_START, Span


def escape_token(token: str | int) -> str:
    """Escape one JSON Pointer reference token (RFC 6901)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def unescape_token(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def join(pointer: str, *tokens: str | int) -> str:
    """Append reference tokens to a JSON Pointer."""
    return pointer + "".join("/" + escape_token(t) for t in tokens)


def split(pointer: str) -> list[str]:
    """The unescaped reference tokens of a JSON Pointer ("" is the whole document)."""
    if not pointer:
        return []
    tokens = pointer.lstrip("/").split("/")
    if "~" not in pointer:
        return tokens  # nothing escaped (nearly every pointer)
    return [unescape_token(t) for t in tokens]


def resolve(data: Any, pointer: str) -> Any:
    """The value at ``pointer``, or ``None`` when any step is missing."""
    cur = data
    for token in split(pointer):
        if isinstance(cur, dict):
            cur = cur.get(token)
        elif isinstance(cur, list) and token.isdigit() and int(token) < len(cur):
            cur = cur[int(token)]
        else:
            return None
    return cur


def node_span(node: Any) -> Span:
    """Where a YAML node is, from its first character to the one after its last (1-based)."""
    start, end = node.start_mark, node.end_mark
    return Span(start.line + 1, start.column + 1, end.line + 1, end.column + 1)


@dataclass(slots=True)
class Document:
    """One parsed policy document.

    ``data`` is JSON-compatible (dicts, lists, str, int, float, bool, None; YAML timestamps
    stay as their ISO text).  ``root`` is the composed YAML node tree, kept only while the
    document is being checked, so positions are resolved lazily and only for findings.
    """

    file: str
    data: Any
    root: Any = None
    text: str = ""
    lines: list[str] | None = field(default=None, repr=False)
    #: id of a mapping node -> its keys, built on first use: a document with many findings in
    #: one wide mapping would otherwise rescan the mapping for each (quadratic time).
    keys: dict[int, dict[str, tuple[Any, Any]]] = field(default_factory=dict, repr=False)

    def _walk(self, pointer: str) -> tuple[Any, Any, bool]:
        """Follow ``pointer`` through the node tree.

        Returns ``(node, key_node, complete)``: the deepest node reached, the key node of
        the last mapping step taken, and whether the whole pointer was found.
        """
        node, key_node = self.root, None
        if node is None:
            return None, None, False
        for token in split(pointer):
            child = None
            child_key = None
            if node.id == "mapping":
                index = self.keys.get(id(node))
                if index is None:
                    # The last wins: duplicates resolve to it, own keys override merged ones.
                    index = self.keys[id(node)] = {
                        k.value: (k, v) for k, v in _mapping_pairs(node) if k.id == "scalar"}
                child_key, child = index.get(token, (None, None))
            elif node.id == "sequence" and token.isdigit() and int(token) < len(node.value):
                child = node.value[int(token)]
            if child is None:
                return node, key_node, False
            node, key_node = child, child_key
        return node, key_node, True

    def span(self, pointer: str) -> Span:
        """Span of the value at ``pointer``.

        A missing key points at the key that names its nearest existing parent (the
        `provisions:` line for a missing topic), or at the parent itself when that has no key.
        """
        return _span_of(*self._walk(pointer))

    def target(self, pointer: str) -> tuple[Span, str]:
        """Where a finding about ``pointer`` points, and what to add when it is missing.

        A present value: its span and "".  A missing one: the key of its nearest existing
        parent (the `provisions:` line for an absent topic), or the top of the file when even
        the top-level key is missing (never the unrelated `policylint: 1` it would otherwise
        land on), with advice naming the key to add.
        """
        walked = node, key_node, complete = self._walk(pointer)  # once: a finding's pointer
        if complete or node is None:
            return _span_of(*walked), ""
        tokens = split(pointer)
        depth = _depth(self, tokens)
        missing = tokens[depth]
        if depth == 0:
            if len(tokens) > 1 and not tokens[1].isdigit():
                return FILE_START, f"Add `{missing}:` with `{tokens[1]}:` to the document."
            return FILE_START, f"Add `{missing}:` to the document."
        if missing.isdigit() or key_node is None:
            return _span_of(*walked), ""
        return node_span(key_node), f"Add `{missing}:` under `{tokens[depth - 1]}:`."

    def key_span(self, pointer: str) -> Span:
        """Span of the mapping key that names ``pointer`` (the value's span if it has none)."""
        node, key_node, complete = self._walk(pointer)
        if complete and key_node is not None:
            return node_span(key_node)
        return node_span(node) if node is not None else FILE_START

    def exists(self, pointer: str) -> bool:
        return self._walk(pointer)[2]

    def line_text(self, line: int) -> str:
        """The text of 1-based ``line`` (for snippets and suppression comments)."""
        if self.lines is None:
            self.lines = self.text.splitlines()
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""

    def snippet(self, span: Span, limit: int = 200) -> str:
        """The source text covered by ``span``, cut to ``limit`` characters."""
        if self.lines is None:
            self.lines = self.text.splitlines()
        rows = self.lines[span.line - 1: span.end_line]
        if not rows:
            return ""
        if len(rows) == 1:
            text = rows[0][span.column - 1: span.end_column - 1] if span.end_line == span.line \
                else rows[0][span.column - 1:]
        else:
            text = "\n".join([rows[0][span.column - 1:], *rows[1:-1], rows[-1][: span.end_column - 1]])
        text = text.strip()
        return text if len(text) <= limit else text[: limit - 1] + "…"


def _span_of(node: Any, key_node: Any, complete: bool) -> Span:
    """:meth:`Document.span` of what :meth:`Document._walk` reached."""
    if node is None:
        return FILE_START
    if not complete and key_node is not None:
        return node_span(key_node)
    return node_span(node)


def _depth(doc: Document, tokens: list[str]) -> int:
    """How many of ``tokens`` lead to existing values (the first missing one's index)."""
    for n in range(len(tokens), 0, -1):
        if doc.exists("".join("/" + escape_token(t) for t in tokens[:n])):
            return n
    return 0


def _mapping_pairs(node: Any) -> list[tuple[Any, Any]]:
    """Key/value node pairs of a mapping, looking through ``<<`` merge keys."""
    merged: list[tuple[Any, Any]] = []
    plain = True
    for k, v in node.value:
        if k.tag == "tag:yaml.org,2002:merge":
            plain = False
            sources = v.value if v.id == "sequence" else [v]
            for src in sources:
                if src.id == "mapping":
                    merged.extend(_mapping_pairs(src))
    if plain:
        return node.value  # no merge key (nearly every mapping): its own pairs, as they are
    return merged + [(k, v) for k, v in node.value if k.tag != "tag:yaml.org,2002:merge"]
