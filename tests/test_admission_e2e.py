"""Refusals before the acknowledgement, through the real bot and the fake Discord.

The queue caps, the channel and the words are decided from memory before the bot acknowledges, so
a refused request gets exactly one ephemeral answer and nothing public; an accepted one a public
"thinking…" message that becomes its place in line.  Jobs here go to a backend no worker serves,
so they stay queued and the caps are exact.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.runtime.jobs import JobStatus
from bot.service.planning import rendered_s
from bot.settings import Settings
from tests.e2e_support import bot_settings, running_bot
from tests.fakediscord.client import DiscordLogGuard, pointed_at
from tests.fakediscord.handles import InteractionHandle
from tests.fakediscord.server import FakeDiscord
from tests.fakediscord.world import Rules, default_world

EPHEMERAL = 64


def settings(tmp_path: Path, **overrides: object) -> Settings:
    return bot_settings(
        tmp_path,
        default_backend="nobody-serves-this",  # jobs stay queued
        max_queued_per_user=2,
        max_queued_per_guild=3,
        **overrides,
    )


async def first_response(handle: InteractionHandle) -> tuple[int, int, str]:
    callback = await handle.response()
    return callback.type, callback.data.get("flags", 0), callback.data.get("content", "")


async def test_caps_refuse_with_one_ephemeral_answer_before_any_public_message(
    fake_discord: FakeDiscord, discord_errors: DiscordLogGuard, tmp_path: Path
) -> None:
    fake = fake_discord
    alice, bob = fake.world.user("alice"), fake.world.user("bob")
    general = fake.world.guild.channels[0].id
    async with running_bot(fake, settings(tmp_path)) as bot:
        # The duration option's range is the bot's limit.
        (compose,) = [c for c in fake.commands() if c["name"] == "compose"]
        (duration,) = [o for o in compose["options"] if o["name"] == "duration"]
        assert duration["max_value"] == bot.settings.max_duration_s == 120

        answers = []
        for i, user in enumerate((alice, alice, alice, bob, bob)):
            handle = await fake.slash_command(
                "compose", {"request": f"lofi verse seed {i}"}, user=user
            )
            answers.append(await first_response(handle))
            if answers[-1][0] == 5:  # accepted: wait until it is committed and in line
                await handle.wait_original(lambda m: "in line" in m.content)
        kinds = [kind for kind, _, _ in answers]
        assert kinds == [5, 5, 4, 5, 4]  # deferred, deferred, refused, deferred, refused
        assert answers[2][1] & EPHEMERAL and "You already have 2 songs waiting" in answers[2][2]
        assert answers[4][1] & EPHEMERAL and "queue is full (3 songs waiting)" in answers[4][2]
        # Nothing public was posted and deleted again: three messages, the three accepted jobs.
        public = [m for m in fake.messages(general, include_deleted=True) if not m.ephemeral]
        assert len(public) == 3 and not any(m.deleted for m in public)
        assert await bot.queue.count(JobStatus.QUEUED) == 3

        # A cancelled job frees its place at once.
        cancel = await fake.slash_command("cancel", user=alice)
        assert "Cancelled" in (await first_response(cancel))[2]
        again = await fake.slash_command("compose", {"request": "lofi verse seed 9"}, user=bob)
        assert (await first_response(again))[0] == 5
        await again.wait_original(lambda m: "in line" in m.content)
        assert await bot.queue.count(JobStatus.QUEUED) == 3


async def test_the_documented_maximum_duration_is_accepted(
    fake_discord: FakeDiscord, discord_errors: DiscordLogGuard, tmp_path: Path
) -> None:
    """300 s under a 300 s limit: the bars are fitted inside the limit (ambient at this seed
    rounds to 300.8 s when the bars are not fitted)."""
    fake = fake_discord
    async with running_bot(fake, settings(tmp_path, max_duration_s=300.0)) as bot:
        handle = await fake.slash_command(
            "compose", {"request": "ambient verse seed 5", "duration": 300}
        )
        assert (await first_response(handle))[0] == 5
        await handle.wait_original(lambda m: "in line" in m.content)
        (job,) = await bot.queue.active(fake.world.user("alice").id)
        assert 290 < rendered_s(job.render.plan, job.render.sections) <= 300


async def test_a_late_acknowledgement_is_one_warning_line(
    discord_errors: DiscordLogGuard, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Discord answers 10062 Unknown interaction: a warning naming the interaction, no ERROR
    (the conftest guard fails the test on any ERROR record)."""
    rules = Rules(interaction_response_deadline_s=0.0)
    async with FakeDiscord(default_world(), rules) as fake:
        with pointed_at(fake.rest_base_url, fake.gateway_url):
            async with running_bot(fake, settings(tmp_path)):
                with caplog.at_level(logging.WARNING):
                    late = await fake.slash_command("compose", {"request": "lofi verse"})
                    await fake.wait_until(
                        lambda: "acknowledged too late" in caplog.text or None, 10
                    )
                    refused = await fake.slash_command("compose", {"request": "qwzx vbnm"})
                    await fake.wait_until(lambda: str(refused.id) in caplog.text or None, 10)
    lines = [r for r in caplog.records if "acknowledged too late" in r.getMessage()]
    assert [str(late.id) in r.getMessage() for r in lines][:1] == [True]
    assert all(r.levelno == logging.WARNING and r.exc_info is None for r in lines)
