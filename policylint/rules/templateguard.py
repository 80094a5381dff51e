"""Keep third-party templates to data: no Python internals, no runaway output, memory or time."""

from __future__ import annotations

import operator
import re
from typing import Any, Iterable

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.environment import Template
from jinja2.filters import do_batch, do_center, do_indent, do_join, do_replace, do_slice, do_wordwrap
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedEnvironment, SecurityError

#: Most characters one message rendering may produce, and the largest text or list any one
#: operation inside it may build (a message quoting a long value stays well under).
MAX_OUTPUT = 500_000
#: Largest width, count or exponent a template may ask for, and the most items a template
#: may append to one list.
MAX_ARGUMENT = 10_000
#: Most bits an integer result may have (``9 ** 9 ** 9`` would take minutes).
MAX_INT_BITS = 100_000
#: String methods whose cost is set by an argument (padding, widths, replacements) rather
#: than by the data; templates use the bounded filters instead.
_UNBOUNDED_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs", "format",
                                "format_map", "replace", "join"})
#: List methods that grow a list: bounded to MAX_ARGUMENT items (a loop appending a long
#: text to a list, then printing the list, would otherwise build gigabytes in C code that
#: the time budget cannot interrupt).
_GROWING_METHODS = frozenset({"append", "extend", "insert"})
#: A ``%`` conversion with a width or precision (``%0999999999d``).
_PERCENT_WIDTH = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")

_LOADS = (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)


class UnsafeTemplate(ValueError):
    """A template refused when its pack loads; the message names what it reached for."""


def refuse_unsafe(ast: nodes.Template) -> None:
    """Raise :class:`UnsafeTemplate` for a template that reaches past its context.

    Refused: attributes or keys starting with ``_`` (``''.__class__.__mro__``, the way out of
    every Jinja sandbox), and ``include``/``import``/``extend`` (messages stand alone).
    """
    for node in ast.find_all((nodes.Getattr, nodes.Getitem, *_LOADS)):
        line = getattr(node, "lineno", 1)
        if isinstance(node, _LOADS):
            raise UnsafeTemplate(f"line {line}: a message template cannot include, import or "
                                 "extend other templates")
        name = node.attr if isinstance(node, nodes.Getattr) else _const(getattr(node, "arg", None))
        if isinstance(name, str) and name.startswith("_"):
            raise UnsafeTemplate(
                f"line {line}: `{name}` is not available to templates: they see only the "
                "message context (agency, doc, subject, key, topic, value, args, rule), never "
                "Python internals")


def _const(node: nodes.Node | None) -> Any:
    return node.value if isinstance(node, nodes.Const) else None


def text_size(value: Any, limit: int) -> int:
    """About how many characters ``str(value)`` has, counted no further than past ``limit``.

    Containers count every item each time it appears (a list holding one long text twice
    prints it twice) and a list that holds itself counts until past the limit: printing
    either is what must be bounded, and Python prints containers in C code that no time
    budget interrupts.
    """
    if isinstance(value, str):
        return len(value)
    total = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, dict):
            total += 2 + 4 * len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            total += 2 + 2 * len(item)
            stack.extend(item)
        else:
            total += 24  # numbers (their bits are bounded), None, undefined values, namespaces
        if total > limit:
            break
    return total


def percent_ok(spec: str) -> bool:
    """Whether a ``%`` format asks for no width or precision over :data:`MAX_ARGUMENT`."""
    for match in _PERCENT_WIDTH.finditer(spec):
        for group in match.groups():
            if group == "*" or (group and int(group) > MAX_ARGUMENT):
                return False
    return True


class _GuardedCodeGenerator(CodeGenerator):
    """Jinja's code generator, with ``~`` measuring its operands before joining them."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        if frame.eval_ctx.volatile:
            func_name = "(markup_join if context.eval_ctx.volatile else str_join)"
        elif frame.eval_ctx.autoescape:
            func_name = "markup_join"
        else:
            func_name = "str_join"
        self.write(f"{func_name}(environment.bounded_parts((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write(")))")


class _CountedTemplate(Template):
    """A template whose every rendering starts the printed-characters count from zero."""

    def render(self, *args: Any, **kwargs: Any) -> str:
        self.environment.produced = 0  # type: ignore[attr-defined]
        return super().render(*args, **kwargs)


class GuardedSandbox(SandboxedEnvironment):
    """Jinja's sandbox, plus bounds on what one rendering can cost.

    The sandbox keeps templates away from Python internals; this class also bounds every
    text or list an operation builds (``*``, ``+``, ``~``, ``%``, the filters and printed
    values) to ``max_size`` characters, the arguments that set a cost (``x|center(10**9)``,
    ``9 ** 9 ** 9``), the growth of lists, and the output.  Loops are bounded in time by
    :mod:`policylint.rules.deadline`.
    """

    intercepted_binops = frozenset({"*", "**", "%", "+"})
    code_generator_class = _GuardedCodeGenerator
    template_class = _CountedTemplate

    def __init__(self, max_size: int = MAX_OUTPUT, **options: Any) -> None:
        super().__init__(**options)
        self.max_size = max_size
        self.produced = 0  # characters printed by ``{{ }}`` in the current rendering
        self.finalize = self._counted
        self.globals.pop("lipsum", None)  # generates text of any length on request
        self.filters.update(center=_bounded_center, indent=_bounded_indent,
                            replace=_bounded_replace, slice=_bounded_slice,
                            batch=_bounded_batch, join=_bounded_join, wordwrap=_bounded_wordwrap,
                            format=_bounded_format)
        for name, fn in list(self.filters.items()):
            self.filters[name] = _measured_filter(self, fn)

    def _counted(self, value: Any) -> Any:
        """Every printed value counts towards the output bound before it becomes text."""
        self.produced += text_size(value, self.max_size)
        if self.produced > self.max_size:
            raise SecurityError(f"the template produced over {self.max_size:,} characters")
        return value

    def check_size(self, size: int, what: str) -> None:
        if size > self.max_size:
            raise SecurityError(f"{what} would be over {self.max_size:,} characters")

    def bounded_parts(self, parts: tuple[Any, ...]) -> tuple[Any, ...]:
        """The operands of ``~``, once their text is known to fit."""
        self.check_size(sum(text_size(p, self.max_size) for p in parts), "joining with `~`")
        return parts

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, str) and attr in _UNBOUNDED_METHODS:
            return False
        return super().is_safe_attribute(obj, attr, value)

    def getattr(self, obj: Any, attribute: str) -> Any:
        # Jinja hands out a wrapped ``str.format`` before asking is_safe_attribute.
        if isinstance(obj, str) and attribute in _UNBOUNDED_METHODS:
            return self.unsafe_undefined(obj, attribute)
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        # ``argument`` may be any value (``x[[1]]``): only a text can name a method.
        if isinstance(obj, str) and isinstance(argument, str) and argument in _UNBOUNDED_METHODS:
            return self.unsafe_undefined(obj, argument)
        return super().getitem(obj, argument)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, list) and getattr(__obj, "__name__", "") in _GROWING_METHODS:
            extra = len(args[0]) if __obj.__name__ == "extend" and args \
                and hasattr(args[0], "__len__") else 1
            if len(owner) + extra > MAX_ARGUMENT:
                raise SecurityError(f"a list may not grow past {MAX_ARGUMENT:,} items")
        return super().call(__context, __obj, *args, **kwargs)

    def call_binop(self, context: Any, op: str, left: Any, right: Any) -> Any:
        if op == "*":
            _check_product(self, left, right)
        elif op == "+":
            if isinstance(left, (str, list, tuple)) or isinstance(right, (str, list, tuple)):
                self.check_size(text_size(left, self.max_size) + text_size(right, self.max_size),
                                "adding these values")
        elif op == "**":
            _check_power(left, right)
        elif op == "%" and isinstance(left, str):
            _check_percent(self, left, right)
        return super().call_binop(context, op, left, right)

    def concat(self, parts: Iterable[str]) -> str:
        """Join the rendered pieces, stopping at ``max_size`` characters."""
        out: list[str] = []
        size = 0
        for part in parts:
            size += len(part)
            if size > self.max_size:
                raise SecurityError(f"the template produced over {self.max_size:,} characters")
            out.append(part)
        return "".join(out)


class GuardedReportSandbox(GuardedSandbox, ImmutableSandboxedEnvironment):
    """The guarded sandbox for a user's report template: no changing the data either."""


def _measured_filter(env: GuardedSandbox, fn: Any) -> Any:
    """``fn`` refusing a value or argument whose text is over the bound (most filters print it)."""
    skip = 1 if getattr(fn, "jinja_pass_arg", None) is not None else 0

    def measured(*args: Any, **kwargs: Any) -> Any:
        size = sum(text_size(a, env.max_size) for a in args[skip:])
        size += sum(text_size(a, env.max_size) for a in kwargs.values())
        env.check_size(size, f"the input of `{getattr(fn, '__name__', 'a filter')}`")
        return fn(*args, **kwargs)

    if skip:
        measured.jinja_pass_arg = fn.jinja_pass_arg  # type: ignore[attr-defined]
    return measured


def _check_product(env: GuardedSandbox, left: Any, right: Any) -> None:
    for seq, count in ((left, right), (right, left)):
        if isinstance(seq, (str, list, tuple)) and isinstance(count, int) and count > 0:
            env.check_size(text_size(seq, env.max_size) * count, f"repeating a value {count:,} times")
    if isinstance(left, int) and isinstance(right, int) \
            and left.bit_length() + right.bit_length() > MAX_INT_BITS:
        raise SecurityError("the product is too large")


def _check_power(base: Any, exponent: Any) -> None:
    if isinstance(base, int) and isinstance(exponent, int) and abs(base) > 1:
        if exponent > MAX_ARGUMENT or base.bit_length() * exponent > MAX_INT_BITS:
            raise SecurityError("the power is too large")


def _check_percent(env: GuardedSandbox, spec: str, values: Any) -> None:
    if not percent_ok(spec):
        raise SecurityError("a `%` width or precision over the limit")
    env.check_size(len(spec) + text_size(values, env.max_size), "formatting with `%`")


def _limit(env: Any) -> int:
    return getattr(env, "max_size", MAX_OUTPUT)


def _bound(name: str, value: Any) -> None:
    if isinstance(value, int) and value > MAX_ARGUMENT:
        raise SecurityError(f"`{name}` over {MAX_ARGUMENT:,}")


def _bounded_center(value: Any, width: int = 80) -> str:
    _bound("center", width)
    return do_center(value, width)


def _bounded_indent(value: Any, width: Any = 4, first: bool = False, blank: bool = False) -> str:
    text = str(value)
    each = len(width) if isinstance(width, str) else width
    if isinstance(each, int) and (text.count("\n") + 1) * each > MAX_OUTPUT:
        raise SecurityError("`indent` output over the limit")
    return do_indent(text, width, first, blank)


def _bounded_replace(eval_ctx: Any, s: Any, old: Any, new: Any, count: Any = None) -> Any:
    text, old_text, new_text = str(s), str(old), str(new)
    times = len(text) + 1 if old_text == "" else text.count(old_text)
    if times * max(len(new_text) - len(old_text), 0) + len(text) > _limit(eval_ctx.environment):
        raise SecurityError("`replace` output over the limit")
    return do_replace(eval_ctx, s, old, new, count)


_bounded_replace.jinja_pass_arg = do_replace.jinja_pass_arg  # type: ignore[attr-defined]


def _bounded_slice(value: Any, slices: int, fill_with: Any = None) -> Any:
    _bound("slice", slices)
    return do_slice(value, slices, fill_with)


def _bounded_batch(value: Any, linecount: int, fill_with: Any = None) -> Any:
    _bound("batch", linecount)
    return do_batch(value, linecount, fill_with)


def _bounded_join(eval_ctx: Any, value: Any, d: Any = "", attribute: Any = None) -> Any:
    items = list(value) if not isinstance(value, str) else value
    if len(str(d)) * len(items) > _limit(eval_ctx.environment):
        raise SecurityError("`join` output over the limit")
    return do_join(eval_ctx, items, d, attribute)


def _bounded_wordwrap(environment: Any, s: str, width: int = 79, break_long_words: bool = True,
                      wrapstring: Any = None, break_on_hyphens: bool = True) -> str:
    lines = len(str(s)) // max(int(width), 1) + str(s).count("\n") + 1
    if wrapstring is not None and len(str(wrapstring)) * lines > _limit(environment):
        raise SecurityError("`wordwrap` output over the limit")
    return do_wordwrap(environment, s, width, break_long_words, wrapstring, break_on_hyphens)


_bounded_join.jinja_pass_arg = do_join.jinja_pass_arg  # type: ignore[attr-defined]
_bounded_wordwrap.jinja_pass_arg = do_wordwrap.jinja_pass_arg  # type: ignore[attr-defined]


def _bounded_format(value: str, *args: Any, **kwargs: Any) -> str:
    if not percent_ok(str(value)):
        raise SecurityError("a `%` width or precision over the limit")
    if args and kwargs:
        raise SecurityError("`format` takes positional or keyword arguments, not both")
    return operator.mod(str(value), kwargs or args)
