"""A community jam session end to end: a host opens it, three members compose intro, climax and
outro in its thread, members vote, the host stitches the favourites into one song (whose sections
share key and tempo, as measured) and closes the session with a podium."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from models.plan import Key
from models.styles import style_info
from tests.audio_analysis import estimate_key, estimate_tempo, tempo_matches
from tests.e2e_support import attachment, bot_settings, decode_audio, is_result, running_bot
from tests.fakediscord.client import DiscordLogGuard
from tests.fakediscord.handles import InteractionHandle
from tests.fakediscord.records import FakeMessage
from tests.fakediscord.server import FakeDiscord

pytestmark = pytest.mark.slow

TIMEOUT_S = 120.0


def clip_id_of(message) -> str:  # type: ignore[no-untyped-def]
    return next(c.split(":")[-1] for c in message.custom_ids if c.startswith("composer:info:"))


async def refusal(handle: InteractionHandle) -> FakeMessage:
    """A refusal that needs the session (a database read) comes after the acknowledgement: the
    "thinking…" message is deleted and the answer is one ephemeral followup."""
    answer = await handle.followup(0, timeout_s=TIMEOUT_S)
    original = handle.original_now()
    assert answer.ephemeral and original is not None and original.deleted
    return answer


async def test_jam_session_start_compose_vote_stitch_close(
    fake_discord: FakeDiscord, discord_errors: DiscordLogGuard, tmp_path: Path
) -> None:
    fake = fake_discord
    world = fake.world
    alice, bob, carol = (world.user(n) for n in ("alice", "bob", "carol"))
    general = world.guild.channels[0].id
    async with running_bot(fake, bot_settings(tmp_path)) as bot:
        start = await fake.slash_command(
            "session",
            {"style": "chill lofi in A minor at 84 bpm, seed 3", "name": "Friday jam"},
            subcommand="start",
            user=bob,  # a normal member can host
        )
        opened = await start.original(timeout_s=30)
        assert "Friday jam" in opened.content
        (thread,) = fake.threads(general)
        thread_id = int(thread["id"])
        welcome = await fake.wait_for_message(lambda m: m.channel_id == thread_id)
        assert "A minor" in welcome.embeds[0]["description"]

        # Outside the session's key: reported, not silently changed.
        clash = await fake.slash_command(
            "compose", {"request": "intro in C major"}, channel=thread_id, user=carol
        )
        assert "locked" in (await refusal(clash)).content

        takes = {}
        # Seeded takes: the same music every run (a take's seed varies only its details).
        for user, words in (
            (alice, "intro, 8 seconds, seed 11"),
            (bob, "the drop, seed 12"),
            (carol, "outro, seed 13"),
        ):
            handle = await fake.slash_command(
                "compose", {"request": words}, channel=thread_id, user=user
            )
            takes[words] = await handle.wait_original(is_result, timeout_s=TIMEOUT_S)
        second_intro = await fake.slash_command(
            "compose", {"request": "intro, 8 seconds, seed 14"}, channel=thread_id, user=carol
        )
        takes["intro 2"] = await second_intro.wait_original(is_result, timeout_s=TIMEOUT_S)
        # Votes: carol's intro wins over alice's.
        intro_2 = clip_id_of(takes["intro 2"])
        for voter in (alice, bob):
            click = await fake.click(takes["intro 2"], f"composer:vote:up:{intro_2}", user=voter)
            await click.response()
        session = await bot.storage.sessions.by_thread(thread_id)
        assert session is not None
        leaders = await bot.storage.sessions.leaders(session.id)
        assert {r.value: (e.clip.id if e else None) for r, e in leaders.items()}["intro"] == intro_2

        # Only the host (or a moderator) arranges the song.
        denied = await fake.slash_command(
            "session", {}, subcommand="song", channel=thread_id, user=carol
        )
        assert "Only the person who started this session" in (await refusal(denied)).content
        song = await fake.slash_command(
            "session", {}, subcommand="song", channel=thread_id, user=bob
        )
        stitched = await song.wait_original(is_result, timeout_s=TIMEOUT_S)
        chosen = [leaders[r] for r in session.roles if leaders.get(r) is not None]
        bodies_s = [e.clip.body_frames / e.clip.sample_rate for e in chosen if e is not None]

        before_late = await bot.storage.clips.history(user_id=carol.id)
        close = await fake.slash_command(
            "session", {}, subcommand="close", channel=thread_id, user=bob
        )
        podium = (await close.response()).data["embeds"][0]
        assert "podium" in podium["title"]
        assert intro_2 in str(podium["fields"])
        closed = await bot.storage.sessions.get(session.id)
        assert closed is not None and closed.status.value == "closed"
        assert closed.song_clip_id == clip_id_of(stitched)

        # A take posted after the close is refused, not quietly made into an unrelated clip.
        late = await fake.slash_command(
            "compose", {"request": "outro, seed 5"}, channel=thread_id, user=carol
        )
        assert "closed" in (await refusal(late)).content
        assert await bot.storage.clips.history(user_id=carol.id) == before_late

    audio, rate = decode_audio(attachment(stitched, ".ogg").data)
    assert len(bodies_s) == 3  # intro, climax, outro (verse/chorus/bridge had no takes)
    edges = np.cumsum([0.0, *bodies_s])
    bar_s = 4 * 60.0 / 84.0
    for i, (start_s, end_s) in enumerate(itertools.pairwise(edges)):
        part = audio[int(start_s * rate) : int(end_s * rate)]
        assert estimate_key(part, rate) == Key.parse("A minor")
        if i == len(bodies_s) - 1:  # the outro's closing ritardando slows down on purpose
            part = part[: int((end_s - start_s - 2 * bar_s) * rate)]
        # The tracker's prior is the genre's usual tempo, as a listener's would be.
        tempo = estimate_tempo(part, rate, start_bpm=style_info("lofi").default_bpm)
        assert tempo_matches(tempo, 84.0), (i, tempo)
