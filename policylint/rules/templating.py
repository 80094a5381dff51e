"""One place that builds Jinja environments, and the rule messages rendered by them."""

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
    from policylint.rules.templateguard import GuardedSandbox  # packs may come from third parties

    return make_environment(cls=GuardedSandbox)


def markdown_cell(value: Any) -> str:
    """Text safe inside a Markdown table cell: one line, pipes escaped."""
    return " ".join(str(value).split()).replace("|", "\\|")


def code_span(value: Any) -> str:
    return f"`{value}`"


@lru_cache(maxsize=None)
def package_environment(autoescape: bool = False) -> SandboxedEnvironment:
    """The environment for the package's own templates in ``policylint/report/templates``."""
    import jinja2

    env = make_environment(autoescape=autoescape, strict=True,
                           loader=jinja2.PackageLoader("policylint.report", "templates"))
    env.filters["md"] = markdown_cell
    env.filters["code"] = code_span
    return env


def compile_message(source: str) -> MessageTemplate:
    """Compile a rule's message template; raise :class:`TemplateError` if it is invalid."""
    message = MessageTemplate(source)
    message.compile()
    return message


class MessageTemplate:
    """A rule's message template, compiled by Jinja's guarded sandbox once per process.

    Rule files validated by an earlier run keep it uncompiled until the rule first produces
    a finding: most runs render few of the templates they load.
    """

    __slots__ = ("text", "_template")

    def __init__(self, text: str) -> None:
        self.text = text
        self._template: jinja2.Template | None = None

    @property
    def compiled(self) -> bool:
        return self._template is not None

    def compile(self) -> jinja2.Template:
        """The compiled template; :class:`TemplateError` for a syntax error or a refused name.

        The load-time checks of :mod:`policylint.rules.templateguard` run on every compilation,
        including a template whose rule file was validated before.
        """
        if self._template is None:
            import jinja2

            from policylint.rules.templateguard import UnsafeTemplate, refuse_unsafe

            env = message_environment()
            try:
                ast = env.parse(self.text)
                refuse_unsafe(ast)
                self._template = env.from_string(ast)
            except jinja2.TemplateSyntaxError as exc:
                raise TemplateError(f"message template: {exc.message} (template line {exc.lineno})") from None
            except UnsafeTemplate as exc:
                raise TemplateError(f"message template: {exc}") from None
        return self._template

    def render(self, context: dict[str, Any]) -> str:
        return self.compile().render(context)


def render_message(template: Any, context: dict[str, Any], fallback: str) -> str:
    """Render a message; any error becomes ``fallback`` so a lint never stops on a template."""
    try:
        text = template.render(context)
    except Exception:
        return fallback
    return " ".join(text.split()) or fallback
