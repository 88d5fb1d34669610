"""Bring your own melody through the real bot: the unpatched discord.py client against the fake
Discord, real queue, worker subprocesses and SQLite.  A voice-message-style Ogg Opus attachment on
``/song`` becomes a song whose lead carries the tune; a MIDI riff in a mention does too; a file
that is no melody gets an ephemeral reason; ``/forget-me`` removes what was kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.melody.export import MELODY_TRACK
from models.midi import read_notes
from models.plan import PartRole
from tests.e2e_support import attachment, bot_settings, decode_audio, is_result, running_bot
from tests.fakediscord.client import DiscordLogGuard
from tests.fakediscord.events import Upload
from tests.fakediscord.server import FakeDiscord
from tests.melody_metrics import interval_match, skyline
from tests.melody_signals import SR, TUNES, encode, hum, tune_midi

pytestmark = pytest.mark.slow

RESULT_TIMEOUT_S = 120.0


def _lead_line(midi: bytes, lead_names: set[str]) -> list[int]:
    return skyline([r for r in read_notes(midi) if r.track in lead_names and not r.is_drum])


async def test_a_voice_message_on_song_becomes_the_songs_lead(
    fake_discord: FakeDiscord, discord_errors: DiscordLogGuard, tmp_path: Path
) -> None:
    fake = fake_discord
    tune = TUNES[0]  # D major, 96 bpm
    audio, _truth = hum(tune, wave="voice", vibrato_cents=40, noise_db=25, jitter_s=0.01, seed=2)
    voice = Upload("voice-message.ogg", encode(audio, SR, "ogg-opus"), "audio/ogg")
    async with running_bot(fake, bot_settings(tmp_path)) as bot:
        for name in ("song", "compose"):
            command = next(c for c in fake.commands() if c["name"] == name)
            assert any(o["name"] == "melody" and o["type"] == 11 for o in command["options"])
        handle = await fake.slash_command(
            "song", {"request": "synthwave, 30 seconds", "seed": 3, "melody": voice}
        )
        assert (await handle.response()).type == 5  # acknowledged before the tune is read
        result = await handle.wait_original(is_result, timeout_s=RESULT_TIMEOUT_S)
        fields = {f["name"]: f["value"] for f in result.embeds[0]["fields"]}
        assert fields["Key"] == "D major" and fields["Tempo"] == "96 bpm"
        assert fields["Melody"].startswith("Heard 16 notes in D major at ~96 bpm")
        assert "key and tempo estimated" in fields["Melody"]
        clip_id = fields["Clip"].strip("`")
        clip = await bot.storage.clips.require(clip_id)
        lead = clip.plan.part(PartRole.LEAD)
        assert lead is not None
        midi = attachment(result, ".mid").data
        assert interval_match(tune.pitches, _lead_line(midi, {lead.name})) >= 0.9
        assert [r.pitch for r in read_notes(midi) if r.track == MELODY_TRACK] == tune.pitches
        song, rate = decode_audio(attachment(result, ".ogg").data)
        assert song.shape[0] / rate > 25.0

        # a MIDI riff in a mention, asking for a key: transposed, still the tune
        riff = tune_midi(TUNES[3], track_name="Melody")  # A minor
        asked = await fake.message(
            "make this a lofi song in C minor, 30 seconds",
            mentions=[fake.world.bot],
            attachments=(Upload("riff.mid", riff, "audio/midi"),),
        )
        reply = await asked.reply()
        done = await fake.wait_for_message(
            lambda m: m.id == reply.id and is_result(m), timeout_s=RESULT_TIMEOUT_S
        )
        fields = {f["name"]: f["value"] for f in done.embeds[0]["fields"]}
        assert fields["Key"] == "C minor"
        assert fields["Melody"] == "Read 13 notes in A minor at 80 bpm\ntempo estimated from it"
        lofi = await bot.storage.clips.require(fields["Clip"].strip("`"))
        lofi_lead = lofi.plan.part(PartRole.LEAD)
        assert lofi_lead is not None
        midi = attachment(done, ".mid").data
        assert interval_match(TUNES[3].pitches, _lead_line(midi, {lofi_lead.name})) >= 0.9

        # not a melody: a specific, ephemeral reason; nothing queued
        bad = await fake.slash_command(
            "song",
            {"request": "pop", "melody": Upload("photo.png", b"\x89PNG\r\n\x1a\n" + bytes(99))},
        )
        assert (await bad.response()).type == 5
        note = await bad.followup(0, timeout_s=30)
        assert "not audio or MIDI" in note.content
        assert note.ephemeral and "Traceback" not in note.content

        # a jam session on a melody: every take shares its motif
        start = await fake.slash_command(
            "session",
            {"style": "chill lofi", "melody": Upload("riff.mid", riff, "audio/midi")},
            subcommand="start",
        )
        opened = await start.original(timeout_s=30)
        assert "is open" in opened.content
        (session,) = await bot.storage.sessions.open_in_guild(fake.world.guild.id)
        assert session.plan.extra("melody") == "read 13 notes in A minor at 80 bpm"
        assert session.plan.key.name == "A minor" and session.plan.bpm == 80.0

        forget = await fake.slash_command("forget-me")
        answer = await forget.response()
        assert "melodies" in answer.data["content"]
        assert await bot.storage.clips.get(clip_id) is None
