"""Hypothesis profiles: ``ci`` (the default, bounded to keep the fuzz suite near a minute on two
cores) and ``deep`` (``pytest tests/test_fuzz_*.py --hypothesis-profile=deep``, for long runs)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, settings

_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]

settings.register_profile(
    "ci", max_examples=100, deadline=None, suppress_health_check=_QUIET, print_blob=True)
settings.register_profile(
    # Fifty times the ci examples: the whole fuzz suite takes well over ten
    # minutes.  Failures print a blob to replay with @reproduce_failure.
    "deep", max_examples=5_000, deadline=None, suppress_health_check=_QUIET, print_blob=True,
    stateful_step_count=100)


def share(fraction: float) -> settings:
    """Settings running ``fraction`` of the profile's examples, for the slower properties."""
    return settings(max_examples=max(10, int(settings.default.max_examples * fraction)))


def pytest_configure(config: Any) -> None:
    """Use ``ci`` unless ``--hypothesis-profile`` chose another."""
    if not config.getoption("hypothesis_profile", None):
        settings.load_profile("ci")
