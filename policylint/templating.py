"""One place that builds Jinja environments, and rule messages that render compiled-first."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Jinja is imported only when a template must be compiled or rendered by it
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment


class TemplateError(ValueError):
    """A template that does not compile (reported as a rule-file error at load time)."""


def make_environment(*, autoescape: bool = False, loader: jinja2.BaseLoader | None = None,
                     strict: bool = False,
                     cls: type[SandboxedEnvironment] | None = None) -> SandboxedEnvironment:
    """A sandboxed environment.

    ``autoescape`` is for HTML/XML output, where policy text is untrusted; plain-text
    messages keep it off.  ``strict`` makes undefined names an error (our own report
    templates); rule messages use chainable undefined values instead, because example and
    draft documents often lack the keys a message mentions (``agency.name or ...``).
    """
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    env = (cls or SandboxedEnvironment)(
        autoescape=autoescape,
        loader=loader,
        undefined=jinja2.StrictUndefined if strict else jinja2.ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env


@lru_cache(maxsize=None)
def message_environment() -> SandboxedEnvironment:
    """The shared environment for rule message templates (plain text, sandboxed)."""
    from policylint.templateguard import GuardedSandbox  # packs may come from third parties

    return make_environment(cls=GuardedSandbox)


def markdown_cell(value: Any) -> str:
    """Text safe inside a Markdown table cell: one line, pipes escaped."""
    return " ".join(str(value).split()).replace("|", "\\|")


def code_span(value: Any) -> str:
    return f"`{value}`"


@lru_cache(maxsize=None)
def package_environment(autoescape: bool = False) -> SandboxedEnvironment:
    """The environment for the package's own templates in ``policylint/templates``."""
    import jinja2

    env = make_environment(autoescape=autoescape, strict=True,
                           loader=jinja2.PackageLoader("policylint", "templates"))
    env.filters["md"] = markdown_cell
    env.filters["code"] = code_span
    return env


def compile_message(source: str) -> CheckedMessage:
    """Compile a rule's message template; raise :class:`TemplateError` if it is invalid."""
    import jinja2

    from policylint.templateguard import UnsafeTemplate, check

    env = message_environment()
    try:
        check(env.parse(source))
        return CheckedMessage(source, env.from_string(source))
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"message template: {exc.message} (template line {exc.lineno})") from None
    except UnsafeTemplate as exc:
        raise TemplateError(f"message template: {exc}") from None


class MessageTemplate:
    """A message template that renders through its compiled Python code when it can.

    The compiled code (:mod:`policylint.templatecode`) is ~10x faster than Jinja's sandbox and
    loads from the cache folder without importing Jinja; for anything it does not mirror
    exactly it raises, and Jinja renders that one call, so every outcome (sandbox errors
    included) is Jinja's.
    """

    __slots__ = ("text", "_template", "_fast")

    def __init__(self, text: str, template: jinja2.Template | None = None) -> None:
        self.text = text
        self._template = template
        self._fast: Any = None  # None: not looked up yet; False: Jinja only

    @property
    def ready(self) -> bool:
        """Whether rendering needs no more one-time compiling (see :meth:`prepare`)."""
        return self._fast is not None and (bool(self._fast) or self._template is not None)

    def prepare(self) -> None:
        """Do the one-time work of the first render now (the engine stops its clock for it)."""
        if self._fast is None:
            from policylint.templatestore import load

            self._fast = load("message", self.text) or False
        if not self._fast and self._template is None:
            self._template = _cached_template(self.text)

    def render(self, context: dict[str, Any]) -> str:
        fast = self._fast
        if fast is None:
            from policylint.templatestore import load

            fast = self._fast = load("message", self.text) or False
        if fast:
            try:
                return fast(context)  # type: ignore[no-any-return]
            except Exception:  # noqa: BLE001 - UseJinja, or an error Jinja reports its own way
                pass
        return self.jinja_render(context)

    def jinja_render(self, context: dict[str, Any]) -> str:
        """The message as Jinja renders it (the reference the compiled code matches)."""
        if self._template is None:
            self._template = _cached_template(self.text)
        return self._template.render(context)


class CheckedMessage(MessageTemplate):
    """A message template of a rule text validated in this process (Jinja compiled it)."""

    __slots__ = ()


class LazyMessage(MessageTemplate):
    """A message template already known to compile, compiled on first use.

    Rule files whose exact text has been validated before skip the ~1 ms per template
    that Jinja's compiler costs at start-up; most runs render few of them.
    """

    __slots__ = ()

    @property
    def source(self) -> str:
        return self.text


@lru_cache(maxsize=256)
def _cached_template(source: str) -> jinja2.Template:
    """A message template compiled by Jinja (once per process and text).

    Only for messages the compiled path hands back to Jinja.  Compiled code is never read
    from the cache folder: Jinja's bytecode cache unmarshals it, and nothing read from a
    cache folder may run as code.
    """
    return message_environment().from_string(source)


def render_message(template: Any, context: dict[str, Any], fallback: str) -> str:
    """Render a message; any error becomes ``fallback`` so a lint never stops on a template."""
    try:
        text = template.render(context)
    except Exception:  # noqa: BLE001 - sandbox violations, bad filters, odd values
        return fallback
    return " ".join(text.split()) or fallback
