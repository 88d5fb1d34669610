"""Buttons answered too late (Discord 10062 Unknown interaction): one warning line naming the
interaction, never an ERROR traceback — through the real bot and the fake Discord."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import pytest

from tests.e2e_support import bot_settings, is_result, running_bot
from tests.fakediscord.client import DiscordLogGuard
from tests.fakediscord.server import FakeDiscord

pytestmark = pytest.mark.slow


async def test_late_vote_and_info_buttons_log_one_warning_each(
    fake_discord: FakeDiscord,
    discord_errors: DiscordLogGuard,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The conftest guard fails the test on any ERROR record (discord.py logs an unhandled
    exception in a button callback as one)."""
    fake = fake_discord
    bob = fake.world.user("bob")
    async with running_bot(fake, bot_settings(tmp_path)) as bot:
        handle = await fake.slash_command("compose", {"request": "piano intro, 6 seconds, seed 1"})
        result = await handle.wait_original(is_result, timeout_s=120)
        clip_id = next(c.split(":")[-1] for c in result.custom_ids if c.startswith("composer:info"))
        fake.state.rules = replace(fake.rules, interaction_response_deadline_s=0.0)
        with caplog.at_level(logging.WARNING):
            clicks = [
                await fake.click(result, f"composer:vote:up:{clip_id}", user=bob),
                await fake.click(result, f"composer:info:{clip_id}", user=bob),
            ]
            for click in clicks:
                await fake.wait_until(lambda c=click: str(c.id) in caplog.text or None, 30)
        # the vote itself was counted; only its acknowledgement came too late
        assert (await bot.storage.votes.tally(clip_id)).up == 1
    for click in clicks:
        (line,) = [r for r in caplog.records if str(click.id) in r.getMessage()]
        assert "acknowledged too late" in line.getMessage()
        assert line.levelno == logging.WARNING and line.exc_info is None
