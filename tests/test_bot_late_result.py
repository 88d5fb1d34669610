"""A result that finishes after the interaction token expired is posted to the channel as a normal
message that mentions the requester (with the job's nonce, so a retry cannot post it twice)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e_support import bot_settings, is_result, running_bot
from tests.fakediscord.client import DiscordLogGuard
from tests.fakediscord.server import FakeDiscord
from tests.fakediscord.world import Rules

pytestmark = pytest.mark.slow


@pytest.fixture
def fake_rules() -> Rules:
    # The token is already expired when the first webhook call arrives, however fast the job is
    # (the embedded composer finishes a song in under a second): the defer still succeeds.
    return Rules(interaction_token_ttl_s=0.0)


async def test_late_result_goes_to_the_channel_with_a_mention(
    fake_discord: FakeDiscord, discord_errors: DiscordLogGuard, tmp_path: Path
) -> None:
    fake = fake_discord
    alice = fake.world.user("alice")
    channel = fake.world.guild.channels[0].id
    async with running_bot(fake, bot_settings(tmp_path)):
        handle = await fake.slash_command("song", {"request": "house song, 30 seconds"})
        assert (await handle.response()).type == 5
        posted = await fake.wait_for_message(
            lambda m: m.channel_id == channel and is_result(m) and m.interaction_id is None,
            timeout_s=120.0,
        )
    assert f"<@{alice.id}>" in posted.content
    expired = [r for r in handle.requests if r.error_code == 50027]
    assert expired, "the bot should have met the expired token"
    post = next(
        r
        for r in fake.requests
        if r.method == "POST" and r.path == f"/channels/{channel}/messages" and r.files
    )
    assert post.json["nonce"] and post.json.get("enforce_nonce") is True
    # The thinking message is not left as the only trace: exactly one result was posted.
    results = [m for m in fake.messages(channel) if is_result(m)]
    assert len(results) == 1
