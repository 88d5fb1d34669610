"""Shared test configuration."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator

import pytest

from tests.optional import in_ci

pytest_plugins = ["tests.fakediscord.pytest_plugin"]

# The suite renders with the small TimGM6mb (0.03 s to load) unless a test picks a SoundFont on
# purpose: the defaults (MuseScore General in bot workers, FluidR3 on the CLI) cost seconds and
# hundreds of megabytes per process.  Set at import, so worker and CLI subprocesses inherit it.
os.environ.setdefault("COMPOSER_SOUNDFONT", "timgm6mb")


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator[None]:
    """In CI (``CI=true``) a test module that skips itself (``pytest.importorskip`` of a neural
    or Ray package) is a failure: CI installs every extra, so the skip would hide a broken one."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if in_ci() and report.skipped and isinstance(collector, pytest.Module):
        report.outcome = "failed"
        report.longrepr = f"{collector.nodeid} skipped itself, which CI does not allow: " + str(
            report.longrepr
        )


@pytest.fixture(scope="module")
def one_torch_thread() -> Iterator[None]:
    """Tiny neural models run thousands of tiny ops: with other processes on the cores, OpenMP
    barriers across threads cost milliseconds each, so their test modules use one thread
    (``pytestmark = pytest.mark.usefixtures("one_torch_thread")``)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


class ErrorLogGuard(logging.Handler):
    """Collects ERROR (and worse) records from every logger (the root logger's handlers see them
    all, since loggers propagate)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def no_logged_errors(request: pytest.FixtureRequest) -> Iterator[None]:
    """An end-to-end test (one that runs the fake Discord) fails when any logger — the bot's,
    the worker pool's, discord.py's — logs an ERROR, unless the test expects it with
    ``@pytest.mark.expected_errors("regex", ...)`` (matched against ``logger: message``)."""
    if not {"fake_discord", "discord_errors"} & set(request.fixturenames):
        yield
        return
    marker = request.node.get_closest_marker("expected_errors")
    expected = [re.compile(p) for p in (marker.args if marker else ())]
    guard = ErrorLogGuard()
    root = logging.getLogger()
    root.addHandler(guard)
    try:
        yield
    finally:
        root.removeHandler(guard)
    unexpected = [
        f"{r.name}: {r.getMessage()}"
        for r in guard.records
        if not any(p.search(f"{r.name}: {r.getMessage()}") for p in expected)
    ]
    assert not unexpected, "ERROR logged during the test:\n" + "\n".join(unexpected)
