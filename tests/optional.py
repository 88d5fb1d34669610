"""Optional packages in tests: skipped on a developer's machine without them, required in CI.

CI (``CI=true``, as GitHub Actions and most CI services set) installs every extra, so a package
that fails to import there is a broken install, and a skip would hide it: the test fails instead.
Test modules keep using ``pytest.importorskip`` at module level; ``tests/conftest.py`` turns a
module skipped that way into a collection error in CI.
"""

from __future__ import annotations

import os

import pytest

__all__ = ["in_ci", "missing"]


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def missing(reason: str) -> None:
    """Skip (or, in CI, fail) a test whose system requirement is absent."""
    if in_ci():
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)
