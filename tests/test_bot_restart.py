"""Restarts: buttons posted before a restart keep working, commands are not re-synced without
need, and a bot process killed with SIGKILL mid-queue loses no accepted job and delivers nothing
twice."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.e2e_support import bot_settings, is_result, running_bot
from tests.fakediscord.client import DiscordLogGuard
from tests.fakediscord.server import FakeDiscord

pytestmark = pytest.mark.slow

RESULT_TIMEOUT_S = 120.0


def clip_id_of(message) -> str:  # type: ignore[no-untyped-def]
    return next(c.split(":")[-1] for c in message.custom_ids if c.startswith("composer:info:"))


async def test_buttons_survive_a_restart_without_resync(
    fake_discord: FakeDiscord, discord_errors: DiscordLogGuard, tmp_path: Path
) -> None:
    fake = fake_discord
    settings = bot_settings(tmp_path)
    async with running_bot(fake, settings):
        handle = await fake.slash_command(
            "compose", {"request": "jazz verse in Bb major, 10 seconds", "seed": 3}
        )
        first = await handle.wait_original(is_result, timeout_s=RESULT_TIMEOUT_S)
    old_clip = clip_id_of(first)
    assert fake.command_syncs == 1

    async with running_bot(fake, settings) as bot:  # a new bot process, same data
        assert fake.command_syncs == 1  # unchanged commands: no sync on restart
        info = await fake.click(first, f"composer:info:{old_clip}")
        reply = await info.response()
        assert reply.type == 4 and reply.data["flags"] & 64
        assert "Bb major" in str(reply.data["embeds"])
        extend = await fake.click(first, f"composer:extend:{old_clip}")
        assert (await extend.response()).type == 5
        extended = await extend.wait_original(is_result, timeout_s=RESULT_TIMEOUT_S)
        new_clip = await bot.storage.clips.require(clip_id_of(extended))
        old = await bot.storage.clips.require(old_clip)
        assert new_clip.parent_clip_id == old_clip and new_clip.relation is not None
        assert new_clip.relation.value == "extend"
        assert (new_clip.key, new_clip.bpm, new_clip.seed) == (old.key, old.bpm, old.seed)
        # The next section of the same song (in an AABA form it may have the same role).
        new_job, old_job = await bot.queue.get(new_clip.job_id), await bot.queue.get(old.job_id)
        assert new_job is not None and old_job is not None
        assert new_job.render.plan.sections == old_job.render.plan.sections
        assert new_job.render.sections == (old_job.render.sections[-1] + 1,)
        reroll = await fake.click(first, f"composer:reroll:{old_clip}")
        rerolled = await reroll.wait_original(is_result, timeout_s=RESULT_TIMEOUT_S)
        again = await bot.storage.clips.require(clip_id_of(rerolled))
        assert again.relation is not None and again.relation.value == "reroll"
        assert again.seed != old.seed and again.key == "Bb major"


async def test_queue_and_cancel(
    fake_discord: FakeDiscord, discord_errors: DiscordLogGuard, tmp_path: Path
) -> None:
    fake = fake_discord
    async with running_bot(fake, bot_settings(tmp_path, max_running_per_user=1)):
        # Two minutes: still rendering when the intro behind it is cancelled a few ms later.
        first = await fake.slash_command("song", {"request": "epic cinematic song, 2 minutes"})
        await first.response()
        # The ack comes before planning: wait until the song is committed (its message says so),
        # or the intro could be committed first and run while the song waits.
        await first.wait_original(lambda m: bool(m.content))
        second = await fake.slash_command("compose", {"request": "ambient intro, 10 seconds"})
        await second.wait_original(lambda m: "Queued" in m.content)
        status = await fake.slash_command("queue")
        reply = await status.response()
        assert reply.data["flags"] & 64 and "#1 in line" in reply.data["content"]
        cancel = await fake.slash_command("cancel")  # the newest: the waiting intro
        reply = await cancel.response()
        assert "Cancelled" in reply.data["content"]
        cancelled = await second.wait_original(lambda m: "Cancelled" in m.content)
        assert not cancelled.attachments
        await first.wait_original(is_result, timeout_s=RESULT_TIMEOUT_S)


async def _bot_process(fake: FakeDiscord, data_dir: Path) -> asyncio.subprocess.Process:
    env = dict(os.environ)
    env.update(
        DISCORD_TOKEN=fake.world.bot_token,
        COMPOSER_DATA_DIR=str(data_dir),
        COMPOSER_REST_BASE_URL=fake.rest_base_url,
        COMPOSER_GATEWAY_URL=fake.gateway_url,
        COMPOSER_CPU_WORKERS="1",
        COMPOSER_LOG_LEVEL="INFO",
    )
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def test_killed_bot_process_loses_nothing_and_delivers_once(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    process = await _bot_process(fake, tmp_path)
    try:
        await fake.wait_until_connected(timeout_s=60.0)
        await fake.wait_until(lambda: fake.command_syncs >= 1 or None, timeout_s=30.0)
        users = [fake.world.user(n) for n in ("alice", "bob", "carol")]
        handles = []
        for i, user in enumerate(users * 2):
            handles.append(
                await fake.slash_command(
                    "compose", {"request": f"lofi verse, 12 seconds, seed {i}"}, user=user
                )
            )
        for handle in handles:  # every job accepted (its place in line shown) before the kill
            await handle.wait_original(
                lambda m: "Queued" in m.content or is_result(m), timeout_s=30.0
            )
        await asyncio.sleep(1.0)  # some running, most still waiting
        process.send_signal(signal.SIGKILL)
        await process.wait()
        finished_before = sum(
            1 for h in handles if h.original_now() and is_result(h.original_now())
        )
        assert finished_before < len(handles)
        process = await _bot_process(fake, tmp_path)
        for handle in handles:
            await handle.wait_original(is_result, timeout_s=RESULT_TIMEOUT_S)
        await asyncio.sleep(1.0)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 60)
    # Exactly one result per request: the results are edits of each request's own message, and
    # nothing else carrying audio was posted anywhere.
    results = [m for c in fake.world.guild.channels for m in fake.messages(c.id) if is_result(m)]
    assert sorted(m.id for m in results) == sorted(h.original_now().id for h in handles)
    clip_ids = {clip_id_of(m) for m in results}
    assert len(clip_ids) == len(handles)
