"""Fixtures for end-to-end tests against the fake Discord.  Wire it in ``tests/conftest.py`` with
``pytest_plugins = ["tests.fakediscord.pytest_plugin"]``.

- ``fake_world`` / ``fake_rules``: override them in a test module to change the world or rules.
- ``fake_discord``: a running ``FakeDiscord`` with discord.py pointed at it (restored after);
  fails at teardown if the fake itself failed on a request (``fake.internal_errors``).
- ``discord_errors``: fails the test at teardown if discord.py logged an ERROR.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from tests.fakediscord.client import DiscordLogGuard, pointed_at
from tests.fakediscord.server import FakeDiscord
from tests.fakediscord.world import Rules, World, default_world


@pytest.fixture
def fake_world() -> World:
    return default_world()


@pytest.fixture
def fake_rules() -> Rules:
    return Rules()


@pytest_asyncio.fixture
async def fake_discord(fake_world: World, fake_rules: Rules) -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(fake_world, fake_rules) as fake:
        with pointed_at(fake.rest_base_url, fake.gateway_url):
            yield fake
    assert not fake.internal_errors, f"the fake Discord failed on: {fake.internal_errors}"


@pytest.fixture
def discord_errors() -> Iterator[DiscordLogGuard]:
    with DiscordLogGuard() as guard:
        yield guard
    guard.check()
