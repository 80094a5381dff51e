"""Jinja templates compiled to one plain Python function, for the subset our templates use."""

from __future__ import annotations

from types import CodeType
from typing import Any, Iterator

from jinja2 import nodes

from policylint.templateruntime import FILTERS, TESTS

MESSAGE = "message"
TEXT = "text"

# Jinja's globals besides ``namespace``: their semantics are Jinja's alone (``range`` is
# bounded by the sandbox, ``lipsum`` removed from it).
_OTHER_GLOBALS = frozenset({"range", "dict", "lipsum", "cycler", "joiner"})
_LOOP_ATTRS = frozenset({"index", "index0", "first", "last", "length", "revindex", "revindex0"})
_NEEDS_LENGTH = frozenset({"last", "length", "revindex", "revindex0"})
_COMPARE = {"eq": "==", "ne": "!=", "gt": ">", "gteq": ">=", "lt": "<", "lteq": "<=",
            "in": "in", "notin": "not in"}
_PLAIN_BINOPS = {nodes.Add: "+", nodes.Sub: "-", nodes.Div: "/", nodes.FloorDiv: "//"}
# The guarded sandbox bounds these; report templates (trusted) use Python's operators.
_GUARDED_BINOPS = {nodes.Mul: ("mul", "*"), nodes.Pow: ("pow_", "**"), nodes.Mod: ("mod", "%")}


class Unsupported(Exception):
    """The template uses something the compiler does not translate; Jinja renders it."""


def _environment(kind: str) -> Any:
    if kind == MESSAGE:
        from policylint.templating import message_environment

        return message_environment()
    from policylint.formats.templates import text_environment

    return text_environment()


def python_source(kind: str, source: str) -> str | None:
    """Python source defining ``render(ctx) -> str`` for ``source``; None when not compilable.

    ``kind`` is "message" (rule messages: guarded sandbox, chainable undefined values) or
    "text" (the report templates: plain environment, strict undefined values, every
    ``{{ }}`` through terminal_safe).  Jinja's own parser reads the template, so whitespace
    control and trimming are exactly Jinja's.
    """
    try:
        ast = _environment(kind).parse(source)
    except Exception:  # noqa: BLE001 - a syntax error is Jinja's to report
        return None
    try:
        return _Compiler(kind).template(ast)
    except Unsupported:
        return None


def compile_template(kind: str, source: str) -> CodeType | None:
    """The code object of :func:`python_source`, or None."""
    text = python_source(kind, source)
    if text is None:
        return None
    try:
        return compile(text, f"<{kind} template>", "exec")
    except SyntaxError:  # a keyword argument named like a Python keyword
        return None


class _Loop:
    """One ``for`` being compiled: how its ``loop.*`` attributes read."""

    def __init__(self, number: int, counted: bool) -> None:
        self.number = number
        self.counted = counted


# Pushed while compiling a loop's filter or ``else``, where ``loop`` is not the loop's.
_NO_LOOP = _Loop(-1, False)


class _Compiler:
    def __init__(self, kind: str) -> None:
        self.message = kind == MESSAGE
        self.lines: list[str] = []
        self.depth = 1
        self.scopes: list[dict[str, str]] = []   # loop targets: template name -> Python name
        self.loops: list[_Loop] = []
        self.top: dict[str, str] = {}             # top-level names -> Python name
        self.count = 0
        self.loaded: set[str] = set()

    # -- statements

    def template(self, ast: nodes.Template) -> str:
        self.loaded = {n.name for n in ast.find_all(nodes.Name) if n.ctx == "load"}
        self.loaded |= {n.name for n in ast.find_all(nodes.NSRef)}
        self.block(ast.body)
        head = ["def render(ctx):", "    g = ctx.get", "    o = []", "    a = o.append"]
        for name, var in sorted(self.top.items()):
            default = "Namespace" if name == "namespace" else "UNDEFINED"
            head.append(f"    {var} = g({name!r}, {default})")
        tail = ["    r = ''.join(o)"]
        if self.message:
            tail.append("    if len(r) > MAX_OUTPUT:")
            tail.append("        raise UseJinja('the message is over the output limit')")
        tail.append("    return r")
        return "\n".join(head + self.lines + tail) + "\n"

    def line(self, text: str) -> None:
        self.lines.append("    " * self.depth + text)

    def block(self, body: list[nodes.Node]) -> None:
        start = len(self.lines)
        for node in body:
            self.stmt(node)
        if len(self.lines) == start:
            self.line("pass")

    def indented(self, body: list[nodes.Node]) -> None:
        self.depth += 1
        self.block(body)
        self.depth -= 1

    def stmt(self, node: nodes.Node) -> None:
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                if isinstance(child, nodes.TemplateData):
                    if child.data:
                        self.line(f"a({child.data!r})")
                else:
                    self.line(f"a(out({self.expr(child)}))")
        elif isinstance(node, nodes.If):
            self.line(f"if {self.expr(node.test)}:")
            self.indented(node.body)
            for branch in node.elif_:
                self.line(f"elif {self.expr(branch.test)}:")
                self.indented(branch.body)
            if node.else_:
                self.line("else:")
                self.indented(node.else_)
        elif isinstance(node, nodes.For):
            self.for_(node)
        elif isinstance(node, nodes.Assign):
            self.assign(node)
        else:
            raise Unsupported(type(node).__name__)

    def assign(self, node: nodes.Assign) -> None:
        value = self.expr(node.node)
        target = node.target
        if isinstance(target, nodes.NSRef):
            if target.attr.startswith("_"):
                raise Unsupported("private attribute")
            self.line(f"namespace_set({self.load(target.name)}, {target.attr!r}, {value})")
            return
        self.line(f"{self.store(target)} = {value}")

    def store(self, target: nodes.Node) -> str:
        if isinstance(target, nodes.Tuple):
            return "(" + "".join(self.store(item) + ", " for item in target.items) + ")"
        if not isinstance(target, nodes.Name):
            raise Unsupported("assignment target")
        if self.loops:
            # Inside a loop an assignment is the loop's own; one nothing reads
            # (``{% set _ = names.append(x) %}``) is all the compiler needs.
            if target.name in self.loaded:
                raise Unsupported("a variable set inside a loop")
            return "_"
        if target.name == "loop":
            raise Unsupported("assignment to loop")
        return self._top(target.name)

    def for_(self, node: nodes.For) -> None:
        if node.recursive:
            raise Unsupported("recursive loop")
        used = set(_loop_attrs(node))
        if used - _LOOP_ATTRS:
            raise Unsupported("loop attribute")
        materialize = bool(used & _NEEDS_LENGTH)
        if materialize and any(_has_effects(n) for n in node.body):
            # Jinja reads one item ahead for ``loop.last``; a body that changes what the
            # filter or the items see could tell the difference.
            raise Unsupported("loop.last with side effects")
        iterable = self.expr(node.iter)
        self.count += 1
        k = self.count
        names: dict[str, str] = {}
        target = self._target(node.target, names, k)
        counted = bool(used) or bool(node.else_)
        self.scopes.append(names)
        if materialize:
            if node.test is None:
                self.line(f"s{k} = list({iterable})")
            else:
                self.line(f"s{k} = []")
                self.line(f"for x{k} in {iterable}:")
                self.depth += 1
                self.line(f"{target} = x{k}")
                self.line(f"if {self._test(node.test)}:")
                self.line(f"    s{k}.append(x{k})")
                self.depth -= 1
            self.line(f"n{k} = len(s{k})")
            self.line(f"for i{k}, {target} in enumerate(s{k}):")
            self.depth += 1
        else:
            if counted:
                self.line(f"i{k} = -1")
            self.line(f"for {target} in {iterable}:")
            self.depth += 1
            if node.test is not None:
                self.line(f"if not ({self._test(node.test)}):")
                self.line("    continue")
            if counted:
                self.line(f"i{k} += 1")
        self.loops.append(_Loop(k, counted))
        self.block(node.body)
        self.loops.pop()
        self.depth -= 1
        self.scopes.pop()
        if node.else_:
            self.loops.append(_NO_LOOP)
            self.line(f"if not n{k}:" if materialize else f"if i{k} < 0:")
            self.indented(node.else_)
            self.loops.pop()

    def _test(self, test: nodes.Node) -> str:
        self.loops.append(_NO_LOOP)
        try:
            return self.expr(test)
        finally:
            self.loops.pop()

    def _target(self, node: nodes.Node, names: dict[str, str], k: int) -> str:
        if isinstance(node, nodes.Tuple):
            return "(" + "".join(self._target(item, names, k) + ", " for item in node.items) + ")"
        if not isinstance(node, nodes.Name) or node.name == "loop" or node.name in names:
            raise Unsupported("loop target")
        names[node.name] = f"l{k}_{node.name}"
        return names[node.name]

    # -- names

    def _top(self, name: str) -> str:
        var = self.top.get(name)
        if var is None:
            var = self.top[name] = f"v{len(self.top)}_{name}"
        return var

    def load(self, name: str) -> str:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        if name == "loop" and self.loops:
            raise Unsupported("loop used other than by attribute")
        if name in _OTHER_GLOBALS:
            raise Unsupported(f"global {name}")
        return self._top(name)

    # -- expressions

    def expr(self, node: nodes.Node) -> str:
        method = getattr(self, "x_" + type(node).__name__, None)
        if method is None:
            raise Unsupported(type(node).__name__)
        return method(node)  # type: ignore[no-any-return]

    def args(self, node: nodes.Filter | nodes.Test | nodes.Call, first: list[str]) -> str:
        if node.dyn_args is not None or node.dyn_kwargs is not None:
            raise Unsupported("*args")
        parts = first + [self.expr(arg) for arg in node.args]
        parts += [f"{kw.key}={self.expr(kw.value)}" for kw in node.kwargs]
        return ", ".join(parts)

    def x_Const(self, node: nodes.Const) -> str:
        value = node.value
        if type(value) not in (str, int, float, bool, type(None)):
            raise Unsupported("constant")
        if type(value) is float and (value != value or abs(value) == float("inf")):
            raise Unsupported("a float without a literal")
        return repr(value)

    def x_Name(self, node: nodes.Name) -> str:
        return self.load(node.name)

    def x_Getattr(self, node: nodes.Getattr) -> str:
        if node.attr.startswith("_"):
            raise Unsupported("private attribute")
        loop = self._loop_of(node.node)
        if loop is not None:
            return _loop_expr(loop, node.attr)
        return f"getattr_({self.expr(node.node)}, {node.attr!r})"

    def _loop_of(self, node: nodes.Node) -> _Loop | None:
        if not (isinstance(node, nodes.Name) and node.name == "loop" and self.loops):
            return None
        if any("loop" in scope for scope in self.scopes):
            raise Unsupported("loop shadowed")
        loop = self.loops[-1]
        if loop is _NO_LOOP:
            raise Unsupported("loop in a loop filter or else")
        return loop

    def x_Getitem(self, node: nodes.Getitem) -> str:
        obj = self.expr(node.node)
        if isinstance(node.arg, nodes.Slice):
            s = node.arg
            parts = ["" if p is None else self.expr(p) for p in (s.start, s.stop)]
            step = "" if s.step is None else ":" + self.expr(s.step)
            return f"{obj}[{parts[0]}:{parts[1]}{step}]"
        if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str) \
                and node.arg.value.startswith("_"):
            raise Unsupported("private item")
        return f"getitem({obj}, {self.expr(node.arg)})"

    def x_Tuple(self, node: nodes.Tuple) -> str:
        return "(" + "".join(self.expr(item) + ", " for item in node.items) + ")"

    def x_List(self, node: nodes.List) -> str:
        items = "[" + ", ".join(self.expr(item) for item in node.items) + "]"
        return f"TemplateList({items})" if self.message else items

    def x_Dict(self, node: nodes.Dict) -> str:
        return "{" + ", ".join(f"{self.expr(p.key)}: {self.expr(p.value)}" for p in node.items) + "}"

    def x_And(self, node: nodes.And) -> str:
        return f"({self.expr(node.left)} and {self.expr(node.right)})"

    def x_Or(self, node: nodes.Or) -> str:
        return f"({self.expr(node.left)} or {self.expr(node.right)})"

    def x_Not(self, node: nodes.Not) -> str:
        return f"(not {self.expr(node.node)})"

    def x_Neg(self, node: nodes.Neg) -> str:
        return f"(-{self.expr(node.node)})"

    def x_Pos(self, node: nodes.Pos) -> str:
        return f"(+{self.expr(node.node)})"

    def binop(self, node: nodes.BinExpr) -> str:
        left, right = self.expr(node.left), self.expr(node.right)
        op = _PLAIN_BINOPS.get(type(node))
        if op is not None:
            return f"({left} {op} {right})"
        helper, op = _GUARDED_BINOPS[type(node)]  # type: ignore[index]
        return f"{helper}({left}, {right})" if self.message else f"({left} {op} {right})"

    x_Add = x_Sub = x_Div = x_FloorDiv = x_Mul = x_Pow = x_Mod = binop

    def x_Concat(self, node: nodes.Concat) -> str:
        return "concat((" + "".join(self.expr(n) + ", " for n in node.nodes) + "))"

    def x_Compare(self, node: nodes.Compare) -> str:
        text = self.expr(node.expr)
        for operand in node.ops:
            text += f" {_COMPARE[operand.op]} {self.expr(operand.expr)}"
        return f"({text})"

    def x_CondExpr(self, node: nodes.CondExpr) -> str:
        other = "PLAIN" if node.expr2 is None else self.expr(node.expr2)
        return f"({self.expr(node.expr1)} if {self.expr(node.test)} else {other})"

    def x_Filter(self, node: nodes.Filter) -> str:
        if node.node is None:
            raise Unsupported("filter block")
        value = self.expr(node.node)
        name = node.name
        if name == "map":
            keys = {kw.key for kw in node.kwargs}
            if node.args or "attribute" not in keys or keys - {"attribute", "default"}:
                raise Unsupported("map by filter")
            return f"f_map({self.args(node, ['getitem', value])})"
        if name in ("select", "reject"):
            if node.kwargs or node.dyn_args is not None or node.dyn_kwargs is not None:
                raise Unsupported("test keywords")
            if not node.args:
                test = "None"
            else:
                first = node.args[0]
                if not (isinstance(first, nodes.Const) and first.value in TESTS):
                    raise Unsupported("select by an unknown test")
                test = TESTS[first.value]
            rest = nodes.Filter(None, name, node.args[1:], [], None, None)
            return f"f_{name}({self.args(rest, [value, test])})"
        helper = FILTERS.get(name)
        if helper is None:
            raise Unsupported(f"filter {name}")
        return f"{helper}({self.args(node, [value])})"

    def x_Test(self, node: nodes.Test) -> str:
        helper = TESTS.get(node.name)
        if helper is None:
            raise Unsupported(f"test {node.name}")
        return f"{helper}({self.args(node, [self.expr(node.node)])})"

    def x_Call(self, node: nodes.Call) -> str:
        return f"call({self.args(node, [self.expr(node.node)])})"


def _loop_expr(loop: _Loop, attr: str) -> str:
    k = loop.number
    return {"index0": f"i{k}", "index": f"(i{k} + 1)", "first": f"(i{k} == 0)",
            "last": f"(i{k} == n{k} - 1)", "length": f"n{k}", "revindex": f"(n{k} - i{k})",
            "revindex0": f"(n{k} - i{k} - 1)"}[attr]


def _loop_attrs(loop: nodes.For) -> Iterator[str]:
    """The ``loop.*`` attributes ``loop``'s own body reads (not those of loops inside it)."""

    def walk(node: nodes.Node) -> Iterator[str]:
        if isinstance(node, nodes.For):
            yield from walk(node.iter)  # an inner loop's iterable is read in this loop
            return
        if isinstance(node, nodes.Getattr) and isinstance(node.node, nodes.Name) \
                and node.node.name == "loop":
            yield node.attr
            return
        for child in node.iter_child_nodes():
            yield from walk(child)

    for stmt in loop.body:
        yield from walk(stmt)


def _has_effects(node: nodes.Node) -> bool:
    return any(True for _ in node.find_all((nodes.Call, nodes.NSRef))) \
        or isinstance(node, (nodes.Call, nodes.NSRef))
