"""A server with a small upload limit: the bot reads the limit from the interaction and the
audio falls back to a smaller file that fits."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e_support import bot_settings, decode_audio, is_result, running_bot
from tests.fakediscord.client import DiscordLogGuard
from tests.fakediscord.server import FakeDiscord
from tests.fakediscord.world import World, default_world

pytestmark = pytest.mark.slow

RESULT_TIMEOUT_S = 90.0


@pytest.fixture
def fake_world() -> World:
    return default_world(upload_limit_override_bytes=120_000)


async def test_upload_limit_falls_back_to_a_smaller_file(
    fake_discord: FakeDiscord, discord_errors: DiscordLogGuard, tmp_path: Path
) -> None:
    fake = fake_discord
    async with running_bot(fake, bot_settings(tmp_path)):
        handle = await fake.slash_command("compose", {"request": "rock chorus, 20 seconds"})
        result = await handle.wait_original(is_result, timeout_s=RESULT_TIMEOUT_S)
    audio_file = next(a for a in result.attachments if a.filename.endswith(".ogg"))
    assert audio_file.size <= 120_000
    audio, rate = decode_audio(audio_file.data)
    assert abs(audio.shape[0] / rate - 20.0) < 4.0
    assert re.search(r"\d+ KiB", result.embeds[0]["footer"]["text"])
