"""History, /show, /top, autocomplete, server settings and /forget-me through the real client."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e_support import attachment, bot_settings, is_result, running_bot
from tests.fakediscord.client import DiscordLogGuard
from tests.fakediscord.server import FakeDiscord

pytestmark = pytest.mark.slow

TIMEOUT_S = 120.0


def clip_id_of(message) -> str:  # type: ignore[no-untyped-def]
    return next(c.split(":")[-1] for c in message.custom_ids if c.startswith("composer:info:"))


async def test_history_show_top_settings_and_forget_me(
    fake_discord: FakeDiscord, discord_errors: DiscordLogGuard, tmp_path: Path
) -> None:
    fake = fake_discord
    world = fake.world
    alice, bob = world.user("alice"), world.user("bob")
    async with running_bot(fake, bot_settings(tmp_path)) as bot:
        # Autocomplete answers with style ids and canonical key names.
        styles = await (
            await fake.autocomplete("compose", {"style": "jaz"}, focused="style")
        ).choices()
        assert {"name": "Jazz", "value": "jazz"} in styles
        keys = await (await fake.autocomplete("compose", {"key": "f#m"}, focused="key")).choices()
        assert keys[0]["value"] == "F# minor"

        clips = []
        for i in range(7):
            handle = await fake.slash_command(
                "compose", {"request": f"piano intro, 6 seconds, seed {i}"}, user=bob
            )
            clips.append(await handle.wait_original(is_result, timeout_s=TIMEOUT_S))
        ids = [clip_id_of(m) for m in clips]
        await (await fake.click(clips[2], f"composer:vote:up:{ids[2]}", user=alice)).response()

        history = await fake.slash_command("history", {"user": bob.id})
        page = await history.original()
        assert page.embeds[0]["footer"]["text"].startswith("page 1 of 2")
        assert ids[-1] in str(page.embeds[0]["fields"][0])  # newest first
        next_id = next(c for c in page.custom_ids if c.endswith(":next"))
        turn = await fake.click(page, next_id)
        assert (await turn.response()).type == 7
        second = fake.get_message(page.id)
        assert second.embeds[0]["footer"]["text"].startswith("page 2 of 2")
        assert ids[0] in str(second.embeds[0]["fields"])

        show = await fake.slash_command("show", {"id": ids[2].upper()})  # ids are case-blind
        reposted = await show.original(timeout_s=30)
        assert clip_id_of(reposted) == ids[2]
        assert attachment(reposted, ".ogg").data == attachment(clips[2], ".ogg").data
        missing = await fake.slash_command("show", {"id": "zzzzzzzz"})
        answer = (await missing.response()).data
        assert answer["flags"] & 64 and "can't find a clip with id `zzzzzzzz`" in answer["content"]

        top = await (await fake.slash_command("top", {"period": "week"})).response()
        assert ids[2] in str(top.data["embeds"][0]["fields"][0])

        with pytest.raises(PermissionError):  # Discord hides the admin command from bob
            await fake.slash_command("settings", {"max_duration": 30}, subcommand="set", user=bob)
        saved = await fake.slash_command(
            "settings", {"max_duration": 30}, subcommand="set", user=alice
        )
        assert "Saved" in (await saved.response()).data["content"]
        too_long = await fake.slash_command(
            "compose", {"request": "pop chorus, 45 seconds"}, user=bob
        )
        answer = (await too_long.response()).data
        assert answer["flags"] & 64 and "30" in answer["content"]

        forget = await fake.slash_command("forget-me", user=bob)
        assert "deleted 7 clips" in (await forget.response()).data["content"]
        assert (await bot.storage.clips.history(user_id=bob.id)).total == 0
        assert not any((tmp_path / "clips" / i).exists() for i in ids)
