"""The per-document time budget: stops a slow block, with or without a run-long handler."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import pytest

from policylint.rules import deadline

pytestmark = pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs SIGALRM")


def _spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


@pytest.mark.parametrize("run_long", [False, True])
def test_a_slow_block_is_stopped_and_a_quick_one_is_not(run_long: bool) -> None:
    before = signal.getsignal(signal.SIGALRM)
    with deadline.installed() if run_long else _nothing():
        with deadline.budget(0.05) as enforced:
            assert enforced
            _spin(0.001)
        with pytest.raises(deadline.Expired):
            with deadline.budget(0.05):
                _spin(2)
        _spin(0.1)  # no stray alarm after a budget ends
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL)[0] == 0


def test_installed_leaves_a_running_timer_of_someone_else_alone() -> None:
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *a: fired.append(1))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.2)
        with deadline.installed() as ours:
            assert not ours
            with deadline.budget(0.05) as enforced:
                assert not enforced
        _spin(0.3)
        assert fired == [1]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def test_a_handler_replaced_during_a_run_does_not_swallow_the_budget() -> None:
    run = deadline.installed()
    run.__enter__()  # like a run suspended mid-way and never resumed
    previous = signal.signal(signal.SIGALRM, signal.SIG_DFL)  # someone else's since
    try:
        with pytest.raises(deadline.Expired):
            with deadline.budget(0.05):
                _spin(2)
    finally:
        signal.signal(signal.SIGALRM, previous)
        run.__exit__(None, None, None)


def test_an_expiry_swallowed_by_a_finaliser_is_raised_again() -> None:
    # A signal that lands while a finaliser runs raises there, and Python only prints the
    # exception ("Exception ignored in ..."); the budget must still stop the block.
    swallowed = []

    class Finaliser:
        def __del__(self) -> None:
            try:
                _spin(0.3)  # the first alarm lands here
            except deadline.Expired:
                swallowed.append(True)  # as Python's finaliser machinery would do

    start = time.monotonic()
    with pytest.raises(deadline.Expired):
        with deadline.budget(0.05):
            Finaliser()  # collected at once: __del__ runs inside the budget
            _spin(3)
    assert swallowed and time.monotonic() - start < 1.5


def test_an_expiry_inside_a_finaliser_prints_no_traceback() -> None:
    # A pattern compiled by the regex module frees its parse objects in __del__; an alarm
    # landing there used to print "Exception ignored ... Traceback" to the user's terminal.
    script = textwrap.dedent("""\
        import time
        from policylint.rules import deadline

        class Finaliser:
            def __del__(self):
                end = time.monotonic() + 0.3
                while time.monotonic() < end:
                    pass

        try:
            with deadline.budget(0.05):
                Finaliser()
                end = time.monotonic() + 3
                while time.monotonic() < end:
                    pass
        except deadline.Expired:
            print("stopped")
        """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "stopped" and proc.stderr == "", proc.stderr


def test_other_unraisable_exceptions_are_still_reported() -> None:
    script = textwrap.dedent("""\
        from policylint.rules import deadline

        class Broken:
            def __del__(self):
                raise ValueError("kept")

        with deadline.budget(5):
            Broken()
        """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert "ValueError: kept" in proc.stderr
