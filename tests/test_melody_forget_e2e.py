"""``/forget-me`` removes a user's melody from the jam sessions they started on it: the session
is closed, its plan gets a generated motif and keeps no notes of the tune (in the SQLite file
itself), and the reply says so — through the real bot and the fake Discord."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from models.melody.fit import MELODY_EXTRAS
from tests.e2e_support import bot_settings, is_result, running_bot
from tests.fakediscord.client import DiscordLogGuard
from tests.fakediscord.events import Upload
from tests.fakediscord.server import FakeDiscord
from tests.melody_signals import TUNES, tune_midi
from tests.test_bot_history import clip_id_of


async def test_forget_me_closes_the_sessions_started_on_a_melody_and_drops_the_tune(
    fake_discord: FakeDiscord, discord_errors: DiscordLogGuard, tmp_path: Path
) -> None:
    fake = fake_discord
    riff = tune_midi(TUNES[3], track_name="Melody")  # A minor, 80 bpm
    bob = fake.world.user("bob")
    settings = bot_settings(tmp_path)
    async with running_bot(fake, settings) as bot:
        start = await fake.slash_command(
            "session",
            {"style": "chill lofi", "melody": Upload("riff.mid", riff, "audio/midi")},
            subcommand="start",
        )
        assert "is open" in (await start.original(timeout_s=30)).content
        (session,) = await bot.storage.sessions.open_in_guild(fake.world.guild.id)
        notes = session.plan.extra("melody_notes")
        assert notes and session.plan.extra("motif_source") == "melody"
        # bob's take in the session carries the tune too
        (thread,) = fake.threads(fake.world.guild.channels[0].id)
        take = await fake.slash_command(
            "compose", {"request": "intro, seed 3"}, channel=int(thread["id"]), user=bob
        )
        take_clip = clip_id_of(await take.wait_original(is_result, timeout_s=120))
        assert (await bot.storage.clips.get(take_clip)).plan.extra("melody_notes") == notes

        forget = await fake.slash_command("forget-me")
        answer = (await forget.response()).data
        assert answer["flags"] & 64
        assert "1 jam session(s) you started on your melody are closed" in answer["content"]

        after = await bot.storage.sessions.get(session.id)
        assert after is not None and after.status == "closed" and after.owner_id is None
        assert not {k for k, _v in after.plan.extras} & set(MELODY_EXTRAS)
        assert after.plan.motif != session.plan.motif and after.plan.motif
        assert (after.plan.key, after.plan.bpm) == (session.plan.key, session.plan.bpm)
        assert not await bot.storage.sessions.open_in_guild(fake.world.guild.id)
        kept = await bot.storage.clips.get(take_clip)  # bob's clip stays, without alice's notes
        assert kept is not None and kept.plan.extra("melody_notes") is None
        assert kept.plan.motif == after.plan.motif
    database = settings.resolved_database_url.split("///", 1)[1]
    with sqlite3.connect(database) as db:
        plans = [
            p
            for (p,) in db.execute(
                "SELECT plan_json FROM sessions UNION ALL SELECT plan_json FROM clips"
            )
        ]
    assert len(plans) == 2 and not any(notes in p or "melody" in p for p in plans)
