"""Keep third-party message templates to data: no Python internals, no runaway output."""

from __future__ import annotations

import operator
from typing import Any, Iterable

from jinja2 import nodes
from jinja2.filters import (do_batch, do_center, do_indent, do_join, do_replace, do_slice,
                            do_wordwrap)
from jinja2.sandbox import SandboxedEnvironment, SecurityError

# The bounds live with the compiled templates' runtime, which applies them without Jinja.
from policylint.templateruntime import MAX_ARGUMENT, MAX_INT_BITS, MAX_OUTPUT, percent_ok
from policylint.templateruntime import UNBOUNDED_METHODS as _UNBOUNDED_METHODS

_LOADS = (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)


class UnsafeTemplate(ValueError):
    """A template refused when its pack loads; the message names what it reached for."""


def check(ast: nodes.Template) -> None:
    """Raise :class:`UnsafeTemplate` for a template that reaches past its context.

    Refused: attributes or keys starting with ``_`` (``''.__class__.__mro__``, the way out of
    every Jinja sandbox), and ``include``/``import``/``extends`` (messages stand alone).
    """
    for node in ast.find_all((nodes.Getattr, nodes.Getitem, *_LOADS)):
        line = getattr(node, "lineno", 1)
        if isinstance(node, _LOADS):
            raise UnsafeTemplate(f"line {line}: a message template cannot include, import or "
                                 "extend other templates")
        name = node.attr if isinstance(node, nodes.Getattr) else _const(node.arg)
        if isinstance(name, str) and name.startswith("_"):
            raise UnsafeTemplate(
                f"line {line}: `{name}` is not available to templates: they see only the "
                "message context (agency, doc, subject, key, topic, value, args, rule), never "
                "Python internals")


def _const(node: nodes.Node) -> Any:
    return node.value if isinstance(node, nodes.Const) else None


class GuardedSandbox(SandboxedEnvironment):
    """Jinja's sandbox, plus bounds on what one rendering can cost.

    The sandbox keeps templates away from Python internals; this class also bounds the
    operators, methods and filters whose cost an argument sets (``'a' * 10**9``,
    ``x|center(10**9)``, ``9 ** 9 ** 9``) and the length of the output.  Loops are bounded
    in time by :mod:`policylint.deadline`.
    """

    intercepted_binops = frozenset({"*", "**", "%"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals.pop("lipsum", None)  # generates text of any length on request
        self.filters.update(center=_bounded_center, indent=_bounded_indent,
                            replace=_bounded_replace, slice=_bounded_slice,
                            batch=_bounded_batch, join=_bounded_join, wordwrap=_bounded_wordwrap,
                            format=_bounded_format)

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
        if isinstance(obj, str) and argument in _UNBOUNDED_METHODS:
            return self.unsafe_undefined(obj, argument)
        return super().getitem(obj, argument)

    def call_binop(self, context: Any, op: str, left: Any, right: Any) -> Any:
        if op == "*":
            _check_product(left, right)
        elif op == "**":
            _check_power(left, right)
        elif op == "%" and isinstance(left, str):
            _check_percent(left)
        return super().call_binop(context, op, left, right)

    @staticmethod
    def concat(parts: Iterable[str]) -> str:  # type: ignore[override]
        """Join the rendered pieces, stopping at :data:`MAX_OUTPUT` characters."""
        out: list[str] = []
        size = 0
        for part in parts:
            size += len(part)
            if size > MAX_OUTPUT:
                raise SecurityError(f"the template produced over {MAX_OUTPUT:,} characters")
            out.append(part)
        return "".join(out)


def _size(value: Any) -> int | None:
    return len(value) if isinstance(value, (str, list, tuple, bytes)) else None


def _check_product(left: Any, right: Any) -> None:
    for seq, count in ((left, right), (right, left)):
        n = _size(seq)
        if n is not None and isinstance(count, int) and n * count > MAX_OUTPUT:
            raise SecurityError(f"repeating a value {count:,} times is over the output limit")
    if isinstance(left, int) and isinstance(right, int) \
            and left.bit_length() + right.bit_length() > MAX_INT_BITS:
        raise SecurityError("the product is too large")


def _check_power(base: Any, exponent: Any) -> None:
    if isinstance(base, int) and isinstance(exponent, int) and abs(base) > 1:
        if exponent > MAX_ARGUMENT or base.bit_length() * exponent > MAX_INT_BITS:
            raise SecurityError("the power is too large")


def _check_percent(spec: str) -> None:
    if not percent_ok(spec):
        raise SecurityError("a `%` width or precision over the limit")


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
    if times * max(len(new_text) - len(old_text), 0) + len(text) > MAX_OUTPUT:
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
    if len(str(d)) * len(items) > MAX_OUTPUT:
        raise SecurityError("`join` output over the limit")
    return do_join(eval_ctx, items, d, attribute)


def _bounded_wordwrap(environment: Any, s: str, width: int = 79, break_long_words: bool = True,
                      wrapstring: Any = None, break_on_hyphens: bool = True) -> str:
    lines = len(str(s)) // max(int(width), 1) + str(s).count("\n") + 1
    if wrapstring is not None and len(str(wrapstring)) * lines > MAX_OUTPUT:
        raise SecurityError("`wordwrap` output over the limit")
    return do_wordwrap(environment, s, width, break_long_words, wrapstring, break_on_hyphens)


for _wrapper, _original in ((_bounded_join, do_join), (_bounded_wordwrap, do_wordwrap)):
    _wrapper.jinja_pass_arg = _original.jinja_pass_arg  # type: ignore[attr-defined]


def _bounded_format(value: str, *args: Any, **kwargs: Any) -> str:
    _check_percent(str(value))
    if args and kwargs:
        raise SecurityError("`format` takes positional or keyword arguments, not both")
    return operator.mod(str(value), kwargs or args)
