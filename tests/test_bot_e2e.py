"""The real bot end to end: the unpatched discord.py client against the fake Discord server, with
the real queue, scheduler, worker subprocesses and SQLite file.  Assertions are on the REST calls
the bot makes and on the audio it uploads (measured)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audio_analysis import estimate_tempo, tempo_matches
from tests.e2e_support import attachment, bot_settings, decode_audio, is_result, running_bot
from tests.fakediscord.client import DiscordLogGuard
from tests.fakediscord.server import FakeDiscord

pytestmark = pytest.mark.slow

RESULT_TIMEOUT_S = 90.0


async def test_slash_compose_defers_reports_progress_and_posts_measured_audio(
    fake_discord: FakeDiscord, discord_errors: DiscordLogGuard, tmp_path: Path
) -> None:
    fake = fake_discord
    async with running_bot(fake, bot_settings(tmp_path), progress_interval_s=0.2):
        assert fake.command_syncs == 1
        names = {c["name"] for c in fake.commands()}
        assert {"compose", "song", "help", "queue", "cancel", "history", "show", "top"} <= names
        handle = await fake.slash_command(
            "compose", {"request": "chill lofi intro 88 bpm in A minor, 12 seconds", "seed": 7}
        )
        first = await handle.response()
        assert first.type == 5  # deferred "thinking" response
        result = await handle.wait_original(is_result, timeout_s=RESULT_TIMEOUT_S)

    # One message, edited: queued → progress → result (no message spam).
    edits = [
        r
        for r in handle.requests
        if r.method == "PATCH" and r.path.endswith((f"/messages/{result.id}", "/@original"))
    ]
    assert len(edits) >= 2
    assert any("Queued" in (r.json or {}).get("content", "") for r in edits)
    assert handle.followups_now() == []
    # The result: audio, MIDI, waveform, embed, buttons.
    audio_file = attachment(result, ".ogg")
    attachment(result, ".mid")
    attachment(result, "waveform.png")
    embed = result.embeds[0]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Key"] == "A minor"
    assert fields["Tempo"] == "88 bpm"
    assert fields["Seed"] == "7"
    assert fields["Meter"] == "4/4"
    clip_id = fields["Clip"].strip("`")
    assert set(result.custom_ids) >= {
        f"composer:vote:up:{clip_id}",
        f"composer:vote:down:{clip_id}",
        f"composer:reroll:{clip_id}",
        f"composer:vary:{clip_id}",
        f"composer:extend:{clip_id}",
        f"composer:info:{clip_id}",
    }
    audio, rate = decode_audio(audio_file.data)
    assert abs(audio.shape[0] / rate - 12.0) < 3.0
    tempo = estimate_tempo(audio, rate)
    assert tempo_matches(tempo, 88.0), tempo


async def test_bad_requests_get_short_ephemeral_answers(
    fake_discord: FakeDiscord, discord_errors: DiscordLogGuard, tmp_path: Path
) -> None:
    fake = fake_discord
    async with running_bot(fake, bot_settings(tmp_path)):
        nonsense = await fake.slash_command("compose", {"request": "qwzx vbnm"})
        reply = await nonsense.response()
        assert reply.type == 4 and reply.data["flags"] & 64
        assert "Examples" in reply.data["content"] or "Try" in reply.data["content"]
        too_fast = await fake.slash_command("compose", {"request": "drum and bass intro 400 bpm"})
        reply = await too_fast.response()
        assert reply.type == 4 and reply.data["flags"] & 64
        assert "240" in reply.data["content"]
        conflict = await fake.slash_command("compose", {"request": "outro 85 bpm", "bpm": 120})
        reply = await conflict.response()
        assert reply.data["flags"] & 64
        assert "85" in reply.data["content"] and "120" in reply.data["content"]
        help_ = await fake.slash_command("help")
        reply = await help_.response()
        assert reply.data["flags"] & 64 and reply.data["embeds"]
    # No traceback ever reaches the channel.
    for r in fake.requests:
        assert "Traceback" not in str(r.json)


async def test_vote_buttons_toggle_one_vote_per_user(
    fake_discord: FakeDiscord, discord_errors: DiscordLogGuard, tmp_path: Path
) -> None:
    fake = fake_discord
    world = fake.world
    async with running_bot(fake, bot_settings(tmp_path)) as bot:
        handle = await fake.slash_command("compose", {"request": "pop chorus, 8 seconds"})
        result = await handle.wait_original(is_result, timeout_s=RESULT_TIMEOUT_S)
        clip_id = next(c.split(":")[-1] for c in result.custom_ids if c.startswith("composer:info"))
        up = f"composer:vote:up:{clip_id}"
        bob, carol = world.user("bob"), world.user("carol")
        click = await fake.click(result, up, user=bob)
        assert (await click.response()).type == 7  # the message is updated in place
        await (await fake.click(result, up, user=carol)).response()
        await (await fake.click(result, f"composer:vote:down:{clip_id}", user=bob)).response()
        tally = await bot.storage.votes.tally(clip_id)
        assert (tally.up, tally.down) == (1, 1)
        again = await fake.click(
            fake.get_message(result.id), f"composer:vote:down:{clip_id}", user=bob
        )
        await again.response()
        tally = await bot.storage.votes.tally(clip_id)
        assert (tally.up, tally.down) == (1, 0)
        message = fake.get_message(result.id)
        assert message.component(up).get("label") == "1"


async def test_mention_conversation_and_unclear_request(
    fake_discord: FakeDiscord, discord_errors: DiscordLogGuard, tmp_path: Path
) -> None:
    fake = fake_discord
    bot_user = fake.world.bot
    async with running_bot(fake, bot_settings(tmp_path)):
        unclear = await fake.message("hey can you do something nice", mentions=[bot_user])
        answer = await unclear.reply()
        assert "For example" in answer.content or "Examples" in answer.content
        asked = await fake.message(
            "make a chill lofi intro at 90 bpm in A minor, 20 seconds, seed 5", mentions=[bot_user]
        )
        reply = await asked.reply()
        assert reply.reference_id == asked.id
        done = await fake.wait_for_message(
            lambda m: m.id == reply.id and is_result(m), timeout_s=RESULT_TIMEOUT_S
        )
        fields = {f["name"]: f["value"] for f in done.embeds[0]["fields"]}
        assert fields["Key"] == "A minor" and fields["Tempo"] == "90 bpm"
        audio, rate = decode_audio(attachment(done, ".ogg").data)
        assert tempo_matches(estimate_tempo(audio, rate), 90.0)
