"""What compiled templates call at run time: undefined values, lookups, filters and tests, no Jinja."""

from __future__ import annotations

import re
from collections import abc
from types import BuiltinMethodType
from typing import Any, Callable, Iterator

#: Bumped whenever the compiler or this runtime changes what compiled code means; stored
#: compiled templates from another version are then ignored.
COMPILER_VERSION = 1

#: Most characters one message rendering may produce (a message quoting a long value stays well under).
MAX_OUTPUT = 500_000
#: Largest width, count or exponent a message template may ask for.
MAX_ARGUMENT = 10_000
#: Most bits an integer result may have (``9 ** 9 ** 9`` would take minutes).
MAX_INT_BITS = 100_000
#: String methods whose cost is set by an argument (padding, widths, replacements) rather
#: than by the data; message templates use the bounded filters instead.
UNBOUNDED_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs", "format",
                               "format_map", "replace", "join"})
#: A ``%`` conversion with a width or precision (``%0999999999d``); compiled on first use.
PERCENT_WIDTH = r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?"


class UseJinja(Exception):
    """The compiled code met something it does not mirror exactly: render this call with Jinja."""


def percent_ok(spec: str) -> bool:
    """Whether a ``%`` format asks for no width or precision over :data:`MAX_ARGUMENT`."""
    for match in re.finditer(PERCENT_WIDTH, spec):
        for group in match.groups():
            if group == "*" or (group and int(group) > MAX_ARGUMENT):
                return False
    return True


# -- undefined values, as Jinja's behave ---------------------------------------------------


class Undefined:
    """Jinja's plain ``Undefined`` (the missing ``else`` of an inline if): prints as ''."""

    __slots__ = ()

    def _fail(self, *args: Any, **kwargs: Any) -> Any:
        raise UseJinja("an undefined value was used")

    def __getattr__(self, name: str) -> Any:
        if name[:2] == "__" and name[-2:] == "__":
            raise AttributeError(name)
        return self._fail()

    __add__ = __radd__ = __sub__ = __rsub__ = _fail
    __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _fail
    __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = _fail
    __pos__ = __neg__ = __call__ = __getitem__ = _fail
    __lt__ = __le__ = __gt__ = __ge__ = _fail
    __int__ = __float__ = __complex__ = __pow__ = __rpow__ = _fail

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return id(type(self))

    def __str__(self) -> str:
        return ""

    def __len__(self) -> int:
        return 0

    def __iter__(self) -> Iterator[Any]:
        yield from ()

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "Undefined"


class ChainableUndefined(Undefined):
    """Rule messages' undefined: ``agency.name`` of a document without ``agency`` is ''."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        if name[:2] == "__" and name[-2:] == "__":
            raise AttributeError(name)
        return self

    def __getitem__(self, name: Any) -> Any:
        return self


class StrictUndefined(Undefined):
    """The report templates' undefined: any use but a ``defined`` test is an error."""

    __slots__ = ()
    __iter__ = __str__ = __len__ = Undefined._fail  # type: ignore[assignment]
    __eq__ = __ne__ = __bool__ = __hash__ = Undefined._fail  # type: ignore[assignment]
    __contains__ = Undefined._fail


PLAIN = Undefined()
CHAINABLE = ChainableUndefined()
STRICT = StrictUndefined()


class TemplateList(list):  # type: ignore[type-arg]
    """A list a template wrote as a literal: the only list whose ``append`` the fast path runs."""

    __slots__ = ()


class Namespace:
    """Jinja's ``namespace()``: attributes a loop may set and the rest of the template read."""

    __slots__ = ("attrs",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.attrs = dict(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<Namespace {self.attrs!r}>"


def namespace_set(ns: Any, name: str, value: Any) -> None:
    if type(ns) is not Namespace:
        raise UseJinja("assignment to an attribute of something other than a namespace")
    ns.attrs[name] = value


class Lazy:
    """A filter's lazy result (``map``, ``select``): iterable once, truthy, never printed here."""

    __slots__ = ("_items",)

    def __init__(self, items: Iterator[Any]) -> None:
        self._items = items

    def __iter__(self) -> Lazy:
        return self

    def __next__(self) -> Any:
        return next(self._items)

    def __repr__(self) -> str:
        raise UseJinja("Jinja prints a generator with its address")


# -- lookups: the sandbox's order (attribute, then item) for data -----------------------------

_NONE = type(None)
_SCALARS = (str, int, float, bool, _NONE)
_NAMES = {t: frozenset(dir(t)) for t in (dict, list, tuple, str, int, float, bool, _NONE, TemplateList)}
_STR_METHODS = frozenset({"lower", "upper", "strip", "lstrip", "rstrip", "title", "capitalize",
                          "casefold", "startswith", "endswith", "split", "rsplit", "splitlines",
                          "isdigit", "isalpha", "isalnum", "isspace", "isupper", "islower",
                          "count", "find"})
# Methods the fast path hands out and calls; any other attribute of a value is Jinja's to judge.
SAFE_METHODS: dict[type, frozenset[str]] = {
    dict: frozenset({"get", "items", "keys", "values"}),
    str: _STR_METHODS,
    list: frozenset({"count", "index"}),
    tuple: frozenset({"count", "index"}),
    TemplateList: frozenset({"count", "index", "append"}),
}
_NO_METHODS: frozenset[str] = frozenset()


def _method(obj: Any, name: str) -> Any:
    if name in SAFE_METHODS.get(type(obj), _NO_METHODS):
        return getattr(obj, name)
    raise UseJinja(f"attribute {name!r} of a {type(obj).__name__}")


def message_getattr(obj: Any, name: str) -> Any:
    """``obj.name`` in a rule message, as the guarded sandbox resolves it."""
    t = type(obj)
    if t is dict:
        if name in _NAMES[dict]:
            return _method(obj, name)
        return obj.get(name, CHAINABLE)
    if t is ChainableUndefined:
        return obj
    names = _NAMES.get(t)
    if names is not None:  # str, list, tuple, numbers, None: no items by name
        if name in names:
            return _method(obj, name)
        return CHAINABLE
    if t is Namespace:
        return obj.attrs.get(name, CHAINABLE)
    raise UseJinja(f"attribute of a {t.__name__}")


def message_getitem(obj: Any, key: Any) -> Any:
    """``obj[key]`` in a rule message, as the guarded sandbox resolves it."""
    t = type(obj)
    if t is ChainableUndefined:
        return obj
    names = _NAMES.get(t)
    if names is None:
        raise UseJinja(f"item of a {t.__name__}")
    if t is dict or t is list or t is tuple or t is str or t is TemplateList:
        try:
            return obj[key]
        except (TypeError, LookupError):
            pass
    if isinstance(key, str) and key in names:
        return _method(obj, key)
    return CHAINABLE


def message_call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """A call in a rule message: ``namespace()`` and the methods :func:`_method` hands out."""
    if fn is Namespace:
        return Namespace(*args, **kwargs)
    if type(fn) is BuiltinMethodType and fn.__name__ in SAFE_METHODS.get(type(fn.__self__), _NO_METHODS):
        return fn(*args, **kwargs)
    raise UseJinja("a call of something other than a known method")


def message_out(value: Any) -> str:
    """``{{ value }}`` in a rule message: ``str()``, for the types whose text Jinja's equals."""
    t = type(value)
    if t is str:
        return value
    if t in _PRINTABLE:
        return str(value)
    raise UseJinja(f"printing a {t.__name__}")


_PRINTABLE = frozenset({int, float, bool, _NONE, list, tuple, dict, TemplateList, Undefined,
                        ChainableUndefined, Namespace})


def message_mod(left: Any, right: Any) -> Any:
    if isinstance(left, str) and not percent_ok(left):
        raise UseJinja("a `%` width over the limit")
    return left % right


def message_mul(left: Any, right: Any) -> Any:
    if type(left) in (int, float) and type(right) in (int, float):
        if type(left) is int and type(right) is int \
                and left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise UseJinja("a large product")
        return left * right
    raise UseJinja("repetition")


def message_pow(base: Any, exponent: Any) -> Any:
    if type(base) is int and type(exponent) is int and 0 <= exponent <= MAX_ARGUMENT \
            and base.bit_length() * exponent <= MAX_INT_BITS:
        return base ** exponent
    raise UseJinja("a power")


def text_getattr(obj: Any, name: str) -> Any:
    """``obj.name`` in a report template: Python's attribute, else the item."""
    try:
        return getattr(obj, name)
    except AttributeError:
        pass
    try:
        return obj[name]
    except (TypeError, LookupError, AttributeError):
        return STRICT


def text_getitem(obj: Any, key: Any) -> Any:
    try:
        return obj[key]
    except (AttributeError, TypeError, LookupError):
        if isinstance(key, str):
            try:
                return getattr(obj, key)
            except AttributeError:
                pass
        return STRICT


def text_call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """A call in a report template; functions that want Jinja's context are Jinja's."""
    if hasattr(fn, "jinja_pass_arg") or hasattr(getattr(fn, "__call__", None), "jinja_pass_arg"):
        raise UseJinja("a function that takes Jinja's context")
    try:
        return fn(*args, **kwargs)
    except StopIteration:
        raise UseJinja("StopIteration") from None


def concat(parts: tuple[Any, ...]) -> str:
    """``a ~ b``."""
    return "".join(map(str, parts))


# -- filters and tests (Jinja's, with the guarded sandbox's bounds) -----------------------------


def _soft_str(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def f_join(value: Any, d: Any = "", attribute: Any = None) -> str:
    if attribute is not None:
        raise UseJinja("join by attribute")
    items = value if isinstance(value, str) else list(value)
    sep = str(d)
    if len(sep) * len(items) > MAX_OUTPUT:
        raise UseJinja("`join` output over the limit")
    return sep.join(map(str, items))


def f_lower(s: Any) -> str:
    return _soft_str(s).lower()


def f_upper(s: Any) -> str:
    return _soft_str(s).upper()


def f_trim(value: Any, chars: Any = None) -> str:
    return _soft_str(value).strip(chars)


def f_list(value: Any) -> list[Any]:
    return list(value)


def f_default(value: Any, default_value: Any = "", boolean: bool = False) -> Any:
    if isinstance(value, Undefined) or (boolean and not value):
        return default_value
    return value


def f_replace(s: Any, old: Any, new: Any, count: Any = None) -> str:
    text, old_text, new_text = str(s), str(old), str(new)
    times = len(text) + 1 if old_text == "" else text.count(old_text)
    if times * max(len(new_text) - len(old_text), 0) + len(text) > MAX_OUTPUT:
        raise UseJinja("`replace` output over the limit")
    return text.replace(old_text, new_text, -1 if count is None else count)


def f_truncate(s: Any, length: int = 255, killwords: bool = False, end: str = "...",
               leeway: int | None = None) -> Any:
    if leeway is None:
        leeway = 5  # Jinja's default truncate.leeway policy
    assert length >= len(end), f"expected length >= {len(end)}, got {length}"
    assert leeway >= 0, f"expected leeway >= 0, got {leeway}"
    if len(s) <= length + leeway:
        return s
    if killwords:
        return s[: length - len(end)] + end
    result = s[: length - len(end)].rsplit(" ", 1)[0]
    return result + end


def _attribute_parts(attribute: Any) -> list[Any]:
    if attribute is None:
        return []
    if isinstance(attribute, str):
        return [int(x) if x.isdigit() else x for x in attribute.split(".")]
    return [attribute]


def _map(getitem: Callable[[Any, Any], Any], value: Any, attribute: Any, default: Any) -> Iterator[Any]:
    if value:
        parts = _attribute_parts(attribute)
        for item in value:
            for part in parts:
                item = getitem(item, part)
                if default is not None and isinstance(item, Undefined):
                    item = default
            yield item


def f_map(getitem: Callable[[Any, Any], Any], value: Any, attribute: Any, default: Any = None) -> Lazy:
    """``value|map(attribute=...)``."""
    return Lazy(_map(getitem, value, attribute, default))


def _select(value: Any, test: Callable[..., Any] | None, args: tuple[Any, ...], keep: bool) -> Iterator[Any]:
    if value:
        for item in value:
            passed = test(item, *args) if test is not None else bool(item)
            if passed if keep else not passed:
                yield item


def f_select(value: Any, test: Callable[..., Any] | None, *args: Any) -> Lazy:
    return Lazy(_select(value, test, args, True))


def f_reject(value: Any, test: Callable[..., Any] | None, *args: Any) -> Lazy:
    return Lazy(_select(value, test, args, False))


def t_defined(value: Any) -> bool:
    return not isinstance(value, Undefined)


def t_undefined(value: Any) -> bool:
    return isinstance(value, Undefined)


def t_none(value: Any) -> bool:
    return value is None


def t_true(value: Any) -> bool:
    return value is True


def t_false(value: Any) -> bool:
    return value is False


def t_mapping(value: Any) -> bool:
    return isinstance(value, abc.Mapping)


def t_string(value: Any) -> bool:
    return isinstance(value, str)


def t_number(value: Any) -> bool:
    from numbers import Number  # rarely used: not imported on every run

    return isinstance(value, Number)


def t_in(value: Any, seq: Any) -> bool:
    return value in seq


#: Filters compiled code may use, by Jinja name; ``map``, ``select`` and ``reject`` are
#: compiled specially (their arguments name an attribute or a test).
FILTERS = {"join": "f_join", "lower": "f_lower", "upper": "f_upper", "trim": "f_trim",
           "list": "f_list", "default": "f_default", "d": "f_default", "replace": "f_replace",
           "truncate": "f_truncate", "length": "len", "count": "len"}
TESTS = {"defined": "t_defined", "undefined": "t_undefined", "none": "t_none", "true": "t_true",
         "false": "t_false", "mapping": "t_mapping", "string": "t_string", "number": "t_number",
         "in": "t_in"}


def _common() -> dict[str, Any]:
    names = {name: globals()[name] for name in set(FILTERS.values()) | set(TESTS.values()) if name != "len"}
    names.update(f_map=f_map, f_select=f_select, f_reject=f_reject, concat=concat, PLAIN=PLAIN,
                 TemplateList=TemplateList, Namespace=Namespace, namespace_set=namespace_set,
                 UseJinja=UseJinja, MAX_OUTPUT=MAX_OUTPUT)
    return names


def namespace(kind: str) -> dict[str, Any]:
    """The globals compiled code of ``kind`` ("message" or "text") runs with."""
    names = _common()
    if kind == "message":
        names.update(getattr_=message_getattr, getitem=message_getitem, call=message_call,
                     out=message_out, mod=message_mod, mul=message_mul, pow_=message_pow,
                     UNDEFINED=CHAINABLE)
    else:
        from policylint.formats.templates import terminal_safe

        def out(value: Any) -> str:
            return str(terminal_safe(value))

        names.update(getattr_=text_getattr, getitem=text_getitem, call=text_call, out=out,
                     UNDEFINED=STRICT)
    return names
