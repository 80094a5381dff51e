"""Read a policy file into plain data and a node tree, refusing hostile or broken YAML with a position."""

from __future__ import annotations

import gc
import operator
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from policylint.finding import FILE_START, Finding, Span
from policylint.load.document import Document, escape_token, node_span
from policylint.load.limits import DEFAULT_LIMITS, Limits, read_capped

# libyaml is 10x faster than the pure-Python parser; the fallback is correct, only slower.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
HAVE_LIBYAML: bool = _Loader is not yaml.SafeLoader

_TAG = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = _TAG + "str", _TAG + "int", _TAG + "float", _TAG + "bool", _TAG + "null"
_TIMESTAMP, _MAP, _SEQ, _MERGE = _TAG + "timestamp", _TAG + "map", _TAG + "seq", _TAG + "merge"
_STANDARD_TAGS = frozenset({_STR, _INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP, _MAP, _SEQ, _MERGE})


class _Composer(_Loader):
    """The C parser with the implicit-tag resolver written for speed; the same answers.

    libyaml calls back into Python for every node: ``resolve`` for its tag and
    ``descend_resolver``/``ascend_resolver`` around it (no-ops without path resolvers).
    PyYAML's versions cost a sixth of composing a document; these look a scalar's
    resolvers up by its first character once, and the no-ops are C built-ins (class
    attributes that are not descriptors, so they are called without ``self``).
    """

    _by_first = {first: tuple((tag, regexp.match) for tag, regexp in resolvers)
                 for first, resolvers in _Loader.yaml_implicit_resolvers.items()}

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is ScalarNode:
            if implicit[0]:
                for tag, match in self._by_first.get(value[:1], ()):
                    if match(value):
                        return tag
            return _STR
        return _SEQ if kind is SequenceNode else _MAP

    descend_resolver = operator.is_    # (parent, index) -> ignored
    ascend_resolver = tuple            # () -> ignored


# Only where the stock resolver has nothing our version skips.
_COMPOSER: Any = _Composer if (None not in _Loader.yaml_implicit_resolvers
                               and not _Loader.yaml_path_resolvers) else _Loader

# Borrowed only for its scalar conversions (ints like 0x1F or 1_000, floats like .inf);
# it never builds Python objects from tags because we call it for standard tags only.
_SCALARS = yaml.constructor.SafeConstructor()


@dataclass(slots=True)
class LoadResult:
    """A document (``None`` when it could not be read) and the problems found reading it."""

    document: Document | None
    findings: list[Finding] = field(default_factory=list)


class _LimitExceeded(Exception):
    def __init__(self, rule: str, message: str, node: Any) -> None:
        super().__init__(message)
        self.rule, self.message, self.node = rule, message, node


def _mark_span(mark: Any) -> Span:
    return Span(mark.line + 1, mark.column + 1, mark.line + 1, mark.column + 2)


def _input_error(file: str, rule: str, message: str, span: Span = FILE_START) -> Finding:
    return Finding(file=file, rule=rule, severity="error", message=message, line=span.line,
                   column=span.column, end_line=span.end_line, end_column=span.end_column,
                   input_error=True)


class _Builder:
    """Turns a composed node tree into JSON-compatible data, within the limits.

    This runs on every value of every document, so the common case is inlined: plain
    string keys and values are built in the loop of their mapping or list, limits are
    counted per collection, and a finding's JSON Pointer is worked out only when there is
    a finding (by finding its node in the tree), never built for every value.
    """

    def __init__(self, file: str, limits: Limits, text: str = "") -> None:
        self.file = file
        self.limits = limits
        self.text = text  # to find alias keys (the node tree shows only their anchor), excerpts
        self.lines: list[str] | None = None
        self.nodes = 1  # the root
        self.chars = 0  # characters of every value built, aliases expanded
        self.findings: list[Finding] = []
        self.root: Any = None
        self.tagged: set[int] = set()
        self.deduplicated: set[int] = set()  # mappings whose duplicates are reported

    def build(self, node: Any, depth: int = 0) -> Any:
        if self.root is None:
            self.root = node
        cls = node.__class__
        tag = node.tag
        if cls is ScalarNode:
            return self._scalar(node, tag)
        if tag not in _STANDARD_TAGS:
            self._tag_finding(node, f"unsupported YAML tag `{tag}`: policy documents use plain "
                                    "values (the tag is ignored, never executed)")
        elif tag != (_MAP if cls is MappingNode else _SEQ):
            self._tag_finding(node, f"the tag `{_short(tag)}` does not fit "
                                    f"{'a mapping' if cls is MappingNode else 'a list'}; it is ignored")
        if cls is MappingNode:
            return self._mapping(node, depth)
        return self._sequence(node, depth)

    def _too_many(self, node: Any) -> _LimitExceeded:
        return _LimitExceeded(
            "yaml-too-many-nodes",
            f"the document expands to more than {self.limits.max_nodes:,} values "
            "(an alias bomb?); raise the limit with --max-nodes if it is genuine", node)

    def _too_much_text(self, node: Any) -> _LimitExceeded:
        # Aliases can repeat a long value thousands of times within the node limit; the text
        # they expand to may not exceed what the file itself could hold.
        return _LimitExceeded(
            "yaml-too-many-nodes",
            f"the document's aliases expand it to more than {self.limits.max_file_size:,} "
            "characters of text (an alias bomb?)", node)

    def _too_deep(self, node: Any) -> _LimitExceeded:
        return _LimitExceeded(
            "yaml-too-deep", f"values are nested more than {self.limits.max_depth} levels deep", node)

    def _text(self, value: str, node: Any, what: str = "value") -> str:
        """Check one string (a value or a key) against the per-string limits."""
        if len(value) > self.limits.max_string:
            raise _LimitExceeded(
                "yaml-string-too-long",
                f"a {what} is {len(value):,} characters long (limit {self.limits.max_string:,})", node)
        if not value.isascii():
            _encodable(value, node)
        return value

    def _scalar(self, node: Any, tag: str) -> Any:
        value = self._text(node.value, node)
        self.chars += len(value)
        if self.chars > self.limits.max_file_size:
            raise self._too_much_text(node)
        if tag == _STR or tag == _TIMESTAMP:  # dates stay ISO text: JSON-compatible, schema-checked
            return value
        if tag == _NULL:
            return None
        if tag not in _STANDARD_TAGS:
            self._tag_finding(node, f"unsupported YAML tag `{tag}`: policy documents use plain "
                                    "values (the tag is ignored, never executed)")
            return value
        convert = _CONVERT.get(tag)
        if convert is None:  # !!map, !!seq or !!merge on a plain value
            self._tag_finding(node, f"the tag `{_short(tag)}` does not fit a plain value; "
                                    "it is read as text")
            return value
        try:
            return convert(node)
        except (ValueError, KeyError, TypeError):  # `!!int abc`: only an explicit tag gets here
            self._tag_finding(node, f"`{value[:40]}` is not a valid `{_short(tag)}`; it is read as text")
            return value

    # Both loops keep the counts in locals and hand them back to ``self`` around each
    # nested collection, so every value is counted in document order at the cost of an
    # addition: a limit is reported at the very value that passes it.

    def _sequence(self, node: Any, depth: int) -> list[Any]:
        limits = self.limits
        max_string, max_nodes, max_chars = limits.max_string, limits.max_nodes, limits.max_file_size
        if node.value and depth >= limits.max_depth:
            raise self._too_deep(node.value[0])
        out: list[Any] = []
        count, chars = self.nodes, self.chars
        scalar, text_tag = ScalarNode, _STR
        for child in node.value:
            count += 1
            if count > max_nodes:
                raise self._too_many(child)
            if child.__class__ is scalar and child.tag == text_tag:
                value = child.value
                size = len(value)
                if size > max_string or not value.isascii():
                    self._text(value, child)
                chars += size
                if chars > max_chars:
                    raise self._too_much_text(child)
                out.append(value)
            else:
                self.nodes, self.chars = count, chars
                out.append(self.build(child, depth + 1))
                count, chars = self.nodes, self.chars
        self.nodes, self.chars = count, chars
        return out

    def _mapping(self, node: Any, depth: int) -> dict[str, Any]:
        limits = self.limits
        max_string, max_nodes, max_chars = limits.max_string, limits.max_nodes, limits.max_file_size
        if node.value and depth >= limits.max_depth:
            raise self._too_deep(node.value[0][1])
        out: dict[str, Any] = {}
        count, chars = self.nodes, self.chars
        scalar, text_tag = ScalarNode, _STR
        merged = False
        for key_node, value_node in node.value:
            if key_node.__class__ is not scalar:
                self._finding(key_node, "yaml-complex-key",
                              "a mapping key must be a plain word, not a list or mapping",
                              self._pointer(node))
                continue
            if key_node.tag == _MERGE:
                if merged:
                    self._duplicates(node)
                merged = True
                self.nodes, self.chars = count, chars
                self._merge(node, out, value_node, depth)
                count, chars = self.nodes, self.chars
                continue
            key = key_node.value  # keys keep their text: `on:` means "on", not True
            size = len(key)
            if size > max_string or not key.isascii():
                self._text(key, key_node, "key")
            chars += size
            if chars > max_chars:
                raise self._too_much_text(key_node)
            if key in out:
                self._duplicates(node)
            count += 1
            if count > max_nodes:
                raise self._too_many(value_node)
            if value_node.__class__ is scalar and value_node.tag == text_tag:
                value = value_node.value
                size = len(value)
                if size > max_string or not value.isascii():
                    self._text(value, value_node)
                chars += size
                if chars > max_chars:
                    raise self._too_much_text(value_node)
                out[key] = value
            else:
                self.nodes, self.chars = count, chars
                out[key] = self.build(value_node, depth + 1)
                count, chars = self.nodes, self.chars
        self.nodes, self.chars = count, chars
        return out

    def _merge(self, node: Any, out: dict[str, Any], value_node: Any, depth: int) -> None:
        sources = value_node.value if value_node.__class__ is SequenceNode else [value_node]
        for src in sources:
            if src.__class__ is not MappingNode:
                self._finding(src, "yaml-syntax", "a `<<` merge key must refer to a mapping",
                              self._pointer(node))
                continue
            for key, value in self._mapping(src, depth).items():
                out.setdefault(key, value)

    def _duplicates(self, node: Any) -> None:
        """Report every repeated key of ``node`` once, however often aliases or merges reuse it.

        A key from a `<<` merge is not a duplicate (an explicit key overrides it), but two
        `<<` keys in one mapping are.  An alias used as a key (``*k :``) is the anchored key
        node itself, so its own position comes from the event stream.
        """
        if id(node) in self.deduplicated:
            return
        self.deduplicated.add(id(node))
        first: dict[str, Any] = {}
        seen: set[int] = set()
        marks: list[Any] | None = None
        pointer: str | None = None
        for index, (key_node, _) in enumerate(node.value):
            if key_node.__class__ is not ScalarNode:
                continue
            key = "<<" if key_node.tag == _MERGE else key_node.value
            again = id(key_node) in seen
            seen.add(id(key_node))
            if key not in first:
                first[key] = key_node
                continue
            where = key_node
            if again:
                marks = marks if marks is not None else _key_marks(self.text, node)
                where = _MarkNode(marks[index]) if index < len(marks) else key_node
            line = first[key].start_mark.line + 1
            if key == "<<":
                message = (f"a second `<<` merge key (the first is on line {line}); merge several "
                           "mappings with one key: `<<: [*a, *b]`")
            else:
                message = (f"duplicate key `{key}` (first defined on line {line}); "
                           "only the last one would be used")
            if pointer is None:
                pointer = self._pointer(node)
            self._finding(where, "yaml-duplicate-key", message, pointer + "/" + escape_token(key),
                          args=(("key", key), ("first_line", line)))

    def _tag_finding(self, node: Any, message: str) -> None:
        if id(node) in self.tagged:
            return  # the same node again, through an alias
        self.tagged.add(id(node))
        self._finding(node, "yaml-tag", message, self._pointer(node))

    def _finding(self, node: Any, rule: str, message: str, path: str, **extra: Any) -> None:
        span = _span_kwargs(node)
        if self.lines is None:  # split once: a document can hold thousands of duplicate keys
            self.lines = _YAML_BREAK.split(self.text)
        source = self.lines[span["line"] - 1] if span["line"] <= len(self.lines) else ""
        self.findings.append(Finding(file=self.file, rule=rule, severity="error", path=path,
                                     message=message, line=span["line"], column=span["column"],
                                     end_line=span["end_line"], end_column=span["end_column"], **extra,
                                     meta=line_excerpt(source, span["column"])))

    def _pointer(self, target: Any) -> str:
        """The JSON Pointer of ``target``: a search of the tree, done only for findings.

        Each node is visited once, so a tree of shared aliases costs its size, not its
        expansion.
        """
        stack: list[tuple[Any, str]] = [(self.root, "")]
        seen: set[int] = set()
        while stack:
            node, pointer = stack.pop()
            if node is target:
                return pointer
            if id(node) in seen:
                continue
            seen.add(id(node))
            if node.__class__ is MappingNode:
                for key_node, value_node in reversed(node.value):
                    if key_node.__class__ is ScalarNode and key_node.tag == _MERGE:
                        stack.append((value_node, pointer))
                        for src in (value_node.value if value_node.__class__ is SequenceNode else ()):
                            stack.append((src, pointer))
                    elif key_node.__class__ is ScalarNode:
                        stack.append((value_node, pointer + "/" + escape_token(key_node.value)))
            elif node.__class__ is SequenceNode:
                for n in range(len(node.value) - 1, -1, -1):
                    stack.append((node.value[n], f"{pointer}/{n}"))
        return ""


# Conversions for explicitly or implicitly tagged scalars (``1_000``, ``0x1F``, ``.inf``).
_CONVERT = {_BOOL: _SCALARS.construct_yaml_bool, _INT: _SCALARS.construct_yaml_int,
            _FLOAT: _SCALARS.construct_yaml_float}


def _short(tag: str) -> str:
    return "!!" + tag[len(_TAG):] if tag.startswith(_TAG) else tag


def _encodable(text: str, node: Any) -> str:
    """``text``, unless it holds a lone surrogate (``"\\ud800"``): libyaml refuses that escape,
    the pure-Python parser lets it through, and no output could encode it."""
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise _LimitExceeded("yaml-syntax", "YAML syntax error: found invalid Unicode "
                                 "character escape code (a lone surrogate)", node) from None
    return text


def _span_kwargs(node: Any) -> dict[str, int]:
    s = node_span(node)
    return {"line": s.line, "column": s.column, "end_line": s.end_line, "end_column": s.end_column}


class _MarkNode:
    """A stand-in node at one mark (an alias key's own position)."""

    def __init__(self, mark: Any) -> None:
        self.start_mark = mark
        self.end_mark = mark


def _key_marks(text: str, mapping: Any) -> list[Any]:
    """The start mark of each key of ``mapping``, as written (an alias key's own ``*k``).

    Walks the parser's events (no recursion) to the mapping that starts where ``mapping``
    does; runs only for a duplicate through an alias key.
    """
    target = mapping.start_mark.index
    marks: list[Any] = []
    stack: list[list[Any]] = []  # [is_mapping, children seen, collecting]
    parser = _Loader(text)
    try:
        while True:
            event = parser.get_event()
            if event is None or isinstance(event, yaml.StreamEndEvent):
                return marks
            if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                done = stack.pop()
                if done[2]:
                    return marks
                if stack:
                    stack[-1][1] += 1
                continue
            if not isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent,
                                      yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                continue
            if stack and stack[-1][0] and stack[-1][2] and stack[-1][1] % 2 == 0:
                marks.append(event.start_mark)
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                is_mapping = isinstance(event, yaml.MappingStartEvent)
                stack.append([is_mapping, 0, is_mapping and event.start_mark.index == target])
            elif stack:
                stack[-1][1] += 1
    except yaml.YAMLError:
        return marks
    finally:
        parser.dispose()


def _position_of_offset(raw: bytes, offset: int) -> Span:
    """1-based line/column of byte ``offset`` (column in characters of the valid prefix)."""
    line_start = raw.rfind(b"\n", 0, offset) + 1
    line = raw.count(b"\n", 0, offset) + 1
    column = len(raw[line_start:offset].decode("utf-8", "replace")) + 1
    return Span(line, column, line, column + 1)


def decode(raw: bytes, file: str) -> tuple[str | None, Finding | None]:
    """Bytes to text, or the finding that says why they are not a UTF-8 text file."""
    nul = raw.find(b"\x00")
    if nul != -1 and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, _input_error(file, "input-binary",
                                  "this is a binary file, not a YAML text file (NUL byte found)",
                                  _position_of_offset(raw, nul))
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if raw.startswith(bom):
            try:
                return raw.decode(codec), None
            except UnicodeDecodeError as exc:
                return None, _input_error(file, "input-encoding", f"not valid {codec.upper()}: {exc.reason}")
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        return None, _input_error(
            file, "input-encoding",
            f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
            _position_of_offset(raw, exc.start))


# libyaml 0.2.5 recurses on the C stack once per nesting level and crashes the process
# (a segmentation fault, not an exception) somewhere past 20,000 levels.  Every level
# costs at least one character, and flow or compact nesting needs one of these
# indicator characters per level, so their count bounds the depth.
_C_SAFE_DEPTH = 10_000


def _may_nest_deeper_than_c_can(text: str) -> bool:
    if len(text) < _C_SAFE_DEPTH:
        return False
    indicators = sum(text.count(c) for c in "[{-?:")
    need = _C_SAFE_DEPTH - indicators + 1  # spaces of indent that would pass the bound
    if need > 0 and " " * need not in text:
        return False  # one substring search instead of measuring every line's indent
    widest_indent = max((len(ln) - len(ln.lstrip(" ")) for ln in text.splitlines()), default=0)
    return indicators + widest_indent > _C_SAFE_DEPTH


def _too_deep(text: str, file: str, max_depth: int) -> Finding | None:
    """Walk libyaml's events (a loop, no recursion) and stop where nesting passes the limit.

    Only the composer recurses per level, so this is safe at any depth and much cheaper
    than the pure-Python parser; the composer then runs only on text known to be shallow.
    """
    parser = _Loader(text)
    depth = 0
    try:
        while True:
            event = parser.get_event()
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > max_depth + 1:  # the root collection is level 0 for the builder
                    return _input_error(
                        file, "yaml-too-deep",
                        f"values are nested more than {max_depth} levels deep",
                        _mark_span(event.start_mark))
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
            elif event is None or isinstance(event, yaml.StreamEndEvent):
                return None
    except yaml.YAMLError:
        return None  # the composer reports the same error with its position
    finally:
        parser.dispose()


def compose(text: str, file: str, max_depth: int = 64) -> tuple[Any, Finding | None]:
    """Parse one YAML document into its node tree, or the finding that says why not."""
    loader: Any = None
    if _may_nest_deeper_than_c_can(text):
        if max_depth < _C_SAFE_DEPTH and HAVE_LIBYAML:
            problem = _too_deep(text, file, max_depth)
            if problem is not None:
                return None, problem
        else:  # the pure-Python parser turns excessive depth into a catchable RecursionError
            loader = yaml.SafeLoader(text)
    loader = loader or _COMPOSER(text)
    try:
        return loader.get_single_node(), None
    except yaml.composer.ComposerError as exc:
        if exc.problem and "another document" in exc.problem and exc.problem_mark is not None:
            return None, _input_error(
                file, "yaml-multiple-documents",
                "the file holds several YAML documents (`---`); put each policy in its own file",
                _mark_span(exc.problem_mark))
        return None, _syntax_error(file, exc, text)
    except yaml.YAMLError as exc:
        return None, _syntax_error(file, exc, text)
    except RecursionError:
        # The pure-Python parser recurses per nesting level; libyaml stops at depth 1000 itself.
        return None, _input_error(file, "yaml-too-deep", "values are nested too deeply to parse")
    finally:
        loader.dispose()


def _syntax_error(file: str, exc: yaml.YAMLError, text: str) -> Finding:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None)
    context = getattr(exc, "context", None)
    if problem:
        message = f"YAML syntax error: {problem}" + (f" ({context})" if context else "")
    else:
        message = f"YAML syntax error: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
    if "maximum nesting depth" in message:
        return _input_error(file, "yaml-too-deep", "values are nested too deeply to parse",
                            _mark_span(mark) if mark else FILE_START)
    if mark is None and isinstance(exc, yaml.reader.ReaderError):
        mark = _ReaderMark(exc, text)
    from policylint.load.yamlhints import explain

    try:
        explained = explain(exc, text)
    except (IndexError, ValueError, AttributeError):  # a hint must never cost the finding
        explained = None
    if explained is not None:
        message, mark = explained.message, _Mark(explained.line, explained.column)
    span = _mark_span(mark) if mark else FILE_START
    finding = _input_error(file, "yaml-syntax", message, span)
    return finding.with_(meta=excerpt(text, span.line, span.column)) if mark else finding


class _Mark:
    """A 0-based position, as YAML's marks give it."""

    def __init__(self, line: int, column: int) -> None:
        self.line, self.column = line, column


#: How much of a long source line an excerpt keeps around the column it points at.
_EXCERPT_WIDTH = 160


def excerpt(text: str, line: int, column: int) -> tuple[tuple[str, Any], ...]:
    """A finding's ``meta`` entries for the text format's source excerpt: the 1-based ``line``
    of ``text`` (a window of a long one) and how many characters the window leaves out."""
    start = 0
    for _ in range(line - 1):
        found = _YAML_BREAK.search(text, start)
        if found is None:
            return ()
        start = found.end()
    end = _YAML_BREAK.search(text, start)
    source = text[start:end.start() if end else len(text)]
    return line_excerpt(source, column)


def line_excerpt(source: str, column: int) -> tuple[tuple[str, Any], ...]:
    """The excerpt entries for one source line (see :func:`excerpt`)."""
    skipped = 0
    if len(source) > _EXCERPT_WIDTH:
        skipped = max(0, min(column - 1 - _EXCERPT_WIDTH // 2, len(source) - _EXCERPT_WIDTH))
        source = source[skipped: skipped + _EXCERPT_WIDTH]
    return (("excerpt", source), ("excerpt_skipped", skipped))


class _ReaderMark:
    """A mark for ReaderError, which reports only a character offset."""

    def __init__(self, exc: Any, text: str) -> None:
        offset = int(getattr(exc, "position", 0) or 0)
        if getattr(exc, "encoding", None) != "unicode":  # libyaml counts UTF-8 bytes
            offset = len(text.encode("utf-8", "surrogatepass")[:offset].decode("utf-8", "ignore"))
        # Lines end where YAML's do (as in every other mark): \r\n, \r, \n, NEL, LS, PS.
        breaks = list(_YAML_BREAK.finditer(text, 0, offset))
        self.line = len(breaks)
        self.column = offset - (breaks[-1].end() if breaks else 0)


_YAML_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def load_text(text: str, file: str = "<string>", limits: Limits = DEFAULT_LIMITS) -> LoadResult:
    """Parse ``text`` into a :class:`Document` plus any problems found on the way."""
    if not text.strip():
        return LoadResult(None, [_input_error(file, "yaml-empty", "the file is empty")])
    with _collector_paused():
        return _load_text(text, file, limits)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a document is built.

    A node tree holds no reference cycles, yet each collection pass walks every node built
    so far: on a 1 MB file with 100,000 values they made loading six times slower.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _load_text(text: str, file: str, limits: Limits) -> LoadResult:
    root, problem = compose(text, file, limits.max_depth)
    if problem is not None:
        return LoadResult(None, [problem])
    if root is None:
        return LoadResult(None, [_input_error(
            file, "yaml-empty", "the file holds no YAML document (only comments)")])
    builder = _Builder(file, limits, text)
    if root.id != "mapping":
        kind = {"sequence": "a list", "scalar": "a single value"}.get(root.id, root.id)
        if root.id == "sequence":  # still worth reading for the mistakes inside it
            try:
                builder.build(root)
            except (_LimitExceeded, RecursionError):
                pass
        return LoadResult(None, [_input_error(
            file, "yaml-not-mapping",
            f"a policy document must be a mapping of keys (`policylint: 1`, `agency: ...`), not {kind}",
            node_span(root)), *builder.findings])
    try:
        data = builder.build(root)
    except _LimitExceeded as exc:
        return LoadResult(None, [*builder.findings,
                                 _input_error(file, exc.rule, exc.message, node_span(exc.node))])
    except RecursionError:
        return LoadResult(None, [_input_error(file, "yaml-too-deep", "values are nested too deeply")])
    return LoadResult(Document(file=file, data=data, root=root, text=text), builder.findings)


def load_bytes(raw: bytes, file: str, limits: Limits = DEFAULT_LIMITS) -> LoadResult:
    """Decode and parse ``raw`` (the bytes of ``file``)."""
    if len(raw) > limits.max_file_size:
        return LoadResult(None, [_too_large(file, len(raw), limits)])
    text, problem = decode(raw, file)
    if problem is not None:
        return LoadResult(None, [problem])
    assert text is not None
    return load_text(text, file, limits)


def _too_large(file: str, size: int, limits: Limits) -> Finding:
    return _input_error(
        file, "input-too-large",
        f"the file is {size:,} bytes, over the {limits.max_file_size:,}-byte limit "
        "(raise it with --max-file-size if it is genuine)")


def read_regular(path: str, limit: int) -> bytes:
    """The bytes of the regular file at ``path`` (links followed), refusing anything else.

    For rule files, configurations, baselines and templates: ``OSError`` when it cannot be
    read, ``ValueError`` (with the reason) for a pipe, socket or device, which could block
    forever or never end (a link to ``/dev/zero``), or a file over ``limit`` bytes.
    """
    import stat

    if not stat.S_ISREG(os.stat(path).st_mode):  # before opening: opening a FIFO waits
        raise ValueError("not a regular file (a pipe, socket or device)")
    # Non-blocking, in case a FIFO took its place since: the second check then refuses it.
    with os.fdopen(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise ValueError("not a regular file (a pipe, socket or device)")
        raw = read_capped(fh, st.st_size, limit) if st.st_size <= limit else b""
    if st.st_size > limit or len(raw) > limit:
        raise ValueError(f"the file is over the {limit:,}-byte limit")
    return raw


def load_path(path: str, limits: Limits = DEFAULT_LIMITS, display: str | None = None) -> LoadResult:
    """Read and parse the file at ``path``; never raises for a bad file."""
    file = display or path
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > limits.max_file_size:
                return LoadResult(None, [_too_large(file, size, limits)])
            # One byte past the limit at most: files that grow or lie about their size still stop.
            raw = read_capped(fh, size, limits.max_file_size)
    except FileNotFoundError:
        return LoadResult(None, [_input_error(file, "input-unreadable", "no such file")])
    except IsADirectoryError:
        return LoadResult(None, [_input_error(file, "input-unreadable", "is a directory")])
    except PermissionError:
        return LoadResult(None, [_input_error(file, "input-unreadable", "permission denied")])
    except OSError as exc:
        return LoadResult(None, [_input_error(file, "input-unreadable", exc.strerror or str(exc))])
    return load_bytes(raw, file, limits)
