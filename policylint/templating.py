"""One place that builds Jinja environments: sandboxed, plain-text or autoescaped."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment


class TemplateError(ValueError):
    """A template that does not compile (reported as a rule-file error at load time)."""


def make_environment(*, autoescape: bool = False, loader: jinja2.BaseLoader | None = None,
                     strict: bool = False,
                     cls: type[SandboxedEnvironment] = SandboxedEnvironment) -> SandboxedEnvironment:
    """A sandboxed environment.

    ``autoescape`` is for HTML/XML output, where policy text is untrusted; plain-text
    messages keep it off.  ``strict`` makes undefined names an error (our own report
    templates); rule messages use chainable undefined values instead, because example and
    draft documents often lack the keys a message mentions (``agency.name or ...``).
    """
    env = cls(
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
    env = make_environment(autoescape=autoescape, strict=True,
                           loader=jinja2.PackageLoader("policylint", "templates"))
    env.filters["md"] = markdown_cell
    env.filters["code"] = code_span
    return env


def compile_message(source: str) -> jinja2.Template:
    """Compile a rule's message template; raise :class:`TemplateError` if it is invalid."""
    from policylint.templateguard import UnsafeTemplate, check

    env = message_environment()
    try:
        check(env.parse(source))
        return env.from_string(source)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"message template: {exc.message} (template line {exc.lineno})") from None
    except UnsafeTemplate as exc:
        raise TemplateError(f"message template: {exc}") from None


class LazyMessage:
    """A message template already known to compile, compiled on first use.

    Rule files whose exact text has been validated before skip the ~1 ms per template
    that Jinja's compiler costs at start-up; most runs render few of them.
    """

    __slots__ = ("source", "_template")

    def __init__(self, source: str) -> None:
        self.source = source
        self._template: jinja2.Template | None = None

    def render(self, context: dict[str, Any]) -> str:
        if self._template is None:
            self._template = _cached_template(self.source)
        return self._template.render(context)


@lru_cache(maxsize=None)
def _code_cache() -> Any:
    from policylint.cache import template_cache

    return template_cache()


def _cached_template(source: str) -> jinja2.Template:
    """A message template from Jinja's compiled code kept in the cache folder.

    Compiling a template costs ~2 ms; a one-file run renders about ten of them, which was
    a fifth of its time.  The bucket is checked against the source, as for file templates.
    """
    env = message_environment()
    cache = _code_cache()
    if cache is None:
        return env.from_string(source)
    import hashlib

    name = f"message:{type(env).__name__}:{hashlib.sha256(source.encode()).hexdigest()}"
    bucket = cache.get_bucket(env, name, None, source)
    if bucket.code is None:
        bucket.code = env.compile(source, name)
        cache.set_bucket(bucket)
    return env.template_class.from_code(env, bucket.code, env.make_globals(None))


def render_message(template: Any, context: dict[str, Any], fallback: str) -> str:
    """Render a message; any error becomes ``fallback`` so a lint never stops on a template."""
    try:
        text = template.render(context)
    except Exception:  # noqa: BLE001 - sandbox violations, bad filters, odd values
        return fallback
    return " ".join(text.split()) or fallback
