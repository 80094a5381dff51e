"""A wall-clock budget for running rules on one document (SIGALRM, on the main thread only)."""

from __future__ import annotations

import signal
import sys
import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator, TypeVar

_F = TypeVar("_F", bound=Callable[..., Any])

#: The timeout of one pattern search where no budget runs (off the main thread, without
#: SIGALRM): the default rule budget.
SEARCH_SECONDS = 1.0


class Expired(BaseException):
    """The budget ran out.

    A ``BaseException`` (like ``KeyboardInterrupt``) so that no ``except Exception`` in a
    check, a template or a library swallows it on the way to the engine, which reports it.
    """

    def __init__(self, seconds: float) -> None:
        super().__init__(f"ran longer than {seconds:g} s")
        self.seconds = seconds


class _State:
    armed = False          # our timer is running and its signal must raise
    seconds = 0.0          # the budget of the enclosing ``budget()`` block, 0 when none
    owner: int | None = None  # the thread that installed the handler for a whole run


_state = _State()


#: Seconds between repeated alarms once the budget is spent.  The handler's exception can
#: be swallowed: when the signal lands while Python runs a finaliser (a ``__del__``, a
#: collected generator's ``finally``), the exception is printed as "ignored" and lost, and
#: a single alarm would then let the slow rule run to its end.  The timer therefore keeps
#: firing until the budget is restarted (the engine does, after stopping a rule) or ends.
REPEAT_SECONDS = 0.1


def _on_alarm(signum: int, frame: Any) -> None:
    if _state.armed:
        raise Expired(_state.seconds)


def _quiet_unraisable(unraisable: Any) -> None:
    """Drop an :class:`Expired` that a finaliser swallowed; report anything else as before.

    Python prints such an exception with its traceback ("Exception ignored in ...") to the
    user's terminal, as if the run had crashed; the repeating alarm stops the rule anyway.
    """
    if isinstance(unraisable.exc_value, Expired):
        return
    _default_unraisable(unraisable)


_default_unraisable = sys.unraisablehook


def _hook_unraisable() -> None:
    """Install :func:`_quiet_unraisable` once, over whatever hook the process has then."""
    global _default_unraisable
    if sys.unraisablehook is not _quiet_unraisable:
        _default_unraisable = sys.unraisablehook
        sys.unraisablehook = _quiet_unraisable


def _usable() -> bool:
    """Timers only interrupt the main thread, and only where SIGALRM exists (not Windows)."""
    return (hasattr(signal, "setitimer") and hasattr(signal, "SIGALRM")
            and threading.current_thread() is threading.main_thread())


@contextmanager
def budget(seconds: float | None) -> Iterator[bool]:
    """Raise :class:`Expired` inside the block once it has run ``seconds``.

    Yields whether the budget is enforced: not off the main thread, without SIGALRM, when
    another timer of the process is running (it is left alone), inside another budget, or
    when ``seconds`` is falsy.  Hostile templates are refused when packs load
    (:mod:`policylint.rules.templateguard`) and pattern searches carry their own timeout
    (:func:`time_left`); this is the backstop.
    """
    if not seconds or seconds <= 0 or _state.seconds:
        yield False
        return
    # Inside installed(), with the handler still in place (a suspended run may have been
    # abandoned and the handler replaced since), only the timer is armed and disarmed.
    installed_here = not (_state.owner == threading.get_ident()
                          and signal.getsignal(signal.SIGALRM) is _on_alarm)
    previous: Any = None
    if installed_here:
        if not _usable() or signal.getitimer(signal.ITIMER_REAL)[0] > 0:
            yield False
            return
        previous = signal.signal(signal.SIGALRM, _on_alarm)
        _hook_unraisable()
    _state.seconds = seconds
    try:
        restart()
        yield True
    finally:
        _state.armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        _state.seconds = 0.0
        if installed_here:  # None: the handler was not set from Python; the default then
            signal.signal(signal.SIGALRM, signal.SIG_DFL if previous is None else previous)


def restart() -> None:
    """Start the enclosing budget's clock from its full length; no-op outside one."""
    if _state.seconds:
        _state.armed = True
        signal.setitimer(signal.ITIMER_REAL, _state.seconds, REPEAT_SECONDS)


def stop() -> None:
    """End the enclosing budget early: its alarm neither fires nor repeats any more.

    The engine calls it as soon as a rule is stopped.  The budget covers all the rules of a
    document together, so the rules after a stopped one get no fresh time (ten slow rules
    on three documents once took 30 s at a 1 s budget).
    """
    if _state.seconds:
        _state.armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)


@contextmanager
def paused() -> Iterator[None]:
    """Stop the clock of the enclosing budget for one-time set-up inside it.

    Compiling a rule's message template the first time one of its findings is rendered
    costs the same whatever the document says; on a busy machine it could use up a small
    budget and drop a document's findings for a ``rule-timeout``.  The clock resumes with
    the time that was left.  No-op outside a running budget.
    """
    if not _state.armed:
        yield
        return
    left = signal.getitimer(signal.ITIMER_REAL)[0]
    _state.armed = False
    signal.setitimer(signal.ITIMER_REAL, 0)
    try:
        yield
    finally:
        _state.armed = True
        signal.setitimer(signal.ITIMER_REAL, max(left, 0.001), REPEAT_SECONDS)


def setup(func: _F) -> _F:
    """Decorate one-time set-up that rules may trigger (loading a table, compiling the
    patterns of a check): it runs with the clock :func:`paused`, since its cost does not
    depend on the document.  Put it under ``lru_cache`` so only the first call pays."""
    import functools

    @functools.wraps(func)
    def paused_call(*args: Any, **kwargs: Any) -> Any:
        with paused():
            return func(*args, **kwargs)

    return paused_call  # type: ignore[return-value]
def time_left() -> float:
    """Seconds left of the running budget (a pattern search's timeout); SEARCH_SECONDS outside one.

    Pattern searches run in C code that the alarm cannot interrupt, so they carry it themselves.
    """
    if _state.armed and threading.current_thread() is threading.main_thread():
        return max(signal.getitimer(signal.ITIMER_REAL)[0], 0.001)
    return SEARCH_SECONDS


def spent() -> Expired:
    """The exception for work stopped because the budget (or a search's timeout) ran out."""
    return Expired(_state.seconds or SEARCH_SECONDS)


@contextmanager
def installed() -> Iterator[bool]:
    """Keep the alarm handler in place for a run of budgets (yields whether it is).

    Never hold it across a ``yield``: a generator abandoned inside it restores the old
    handler whenever it is collected, possibly in the middle of another budget.

    Installing and restoring it around every document cost ~12 µs a document, 1.5% of
    checking one.  Outside the main thread, without SIGALRM or while another timer of the
    process runs, nothing is installed and each budget decides for itself as before.
    """
    previous = install()
    try:
        yield previous is not None
    finally:
        if previous is not None:
            _state.owner = None
            signal.signal(signal.SIGALRM, previous)


def install() -> Any:
    """Install the handler until the process ends or it is restored; return the one it
    replaced, or ``None`` when nothing was installed (see :func:`installed`)."""
    if _state.owner is not None or not _usable() or signal.getitimer(signal.ITIMER_REAL)[0] > 0:
        return None
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    _hook_unraisable()
    _state.owner = threading.get_ident()
    return previous if previous is not None else signal.SIG_DFL
