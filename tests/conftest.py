"""Shared test configuration."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

pytest_plugins = ["tests.fakediscord.pytest_plugin"]


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
