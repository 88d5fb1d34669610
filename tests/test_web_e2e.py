"""The web layer inside the real processes: the Discord bot (against the fake Discord) links a
result too large to upload to its page when the server's gallery is on, and keeps the current
answer when it is off; ``python -m bot.host``'s loop serves /healthz and /metrics too."""

from __future__ import annotations

import asyncio
import logging
import re
import socket
from pathlib import Path

import aiohttp
import pytest

from bot.host import run_host
from bot.runtime.scheduler import SchedulerConfig
from bot.settings import Settings
from tests.e2e_support import bot_settings, running_bot
from tests.fakediscord.client import DiscordLogGuard
from tests.fakediscord.records import FakeMessage
from tests.fakediscord.server import FakeDiscord
from tests.fakediscord.world import World, default_world
from tests.test_scheduler import read_bytes
from tests.web_support import metric

pytestmark = pytest.mark.slow

UPLOAD_LIMIT = 20_000  # bytes: a 12-second clip does not fit even as 24 kb/s Opus
RESULT_TIMEOUT_S = 90.0
LINK = re.compile(r"(http://127\.0\.0\.1:\d+)/c/([A-Za-z0-9_-]{22})")  # a web token


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def fake_world() -> World:
    return default_world(upload_limit_override_bytes=UPLOAD_LIMIT)


def _finished(message: FakeMessage) -> bool:
    return "/c/" in message.content or "too long to fit" in message.content


async def test_a_result_too_large_to_upload_is_linked_to_its_page(
    fake_discord: FakeDiscord,
    discord_errors: DiscordLogGuard,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = fake_discord
    settings = bot_settings(tmp_path, web_port=free_port())
    caplog.set_level(logging.INFO, logger="bot.web.app")
    async with running_bot(fake, settings) as bot, aiohttp.ClientSession() as http:
        assert f"web pages at {settings.web_url}" in caplog.text
        saved = await fake.slash_command("settings", {"gallery": "on"}, subcommand="set")
        answer = (await saved.response()).data
        assert "Saved" in answer["content"]
        guild_id = fake.world.guilds[0].id
        gallery = next(f for f in answer["embeds"][0]["fields"] if f["name"] == "Gallery")
        assert f"{settings.web_url}/g/{guild_id}/top?period=week" in gallery["value"]
        handle = await fake.slash_command("compose", {"request": "rock chorus, 12 seconds"})
        result = await handle.wait_original(_finished, timeout_s=RESULT_TIMEOUT_S)
        found = LINK.search(result.content)
        assert found, result.content
        assert found.group(1) == settings.web_url
        assert not any(a.filename.endswith(".ogg") for a in result.attachments)
        assert all(a.size <= UPLOAD_LIMIT for a in result.attachments)
        clip = await bot.storage.clips.for_web(found.group(2))
        assert clip is not None and clip.web_token == found.group(2)
        assert clip.size_bytes > UPLOAD_LIMIT and clip.duration_s >= 12.0
        async with http.get(found.group(0)) as page:
            assert page.status == 200 and clip.key in await page.text()
        async with http.get(f"{found.group(0)}/audio") as audio:
            assert audio.status == 200 and await audio.read() == read_bytes(clip.audio_path)
        async with http.get(f"{settings.web_url}/metrics") as response:
            text = await response.text()
        assert metric(text, "composer_upload_fallbacks_total", kind="link") == 1
        assert metric(text, "composer_clips_delivered_total") == 1
        async with http.get(f"{settings.web_url}/healthz") as response:
            assert response.status == 200

        # The gallery off: the clip is refused as before, no link.
        off = await fake.slash_command("settings", {"gallery": "off"}, subcommand="set")
        assert "Saved" in (await off.response()).data["content"]
        handle = await fake.slash_command("compose", {"request": "rock chorus, 12 seconds"})
        refused = await handle.wait_original(_finished, timeout_s=RESULT_TIMEOUT_S)
        assert "too long to fit" in refused.content and "/c/" not in refused.content


async def test_the_headless_host_serves_health_and_metrics(tmp_path: Path) -> None:
    port = free_port()
    settings = Settings(data_dir=tmp_path / "data", web_port=port)
    stop = asyncio.Event()
    host = asyncio.create_task(
        run_host(
            settings,
            tmp_path / "outbox.jsonl",
            executor_kind="local",
            config=SchedulerConfig(poll_interval_s=0.05),
            stop=stop,
        )
    )
    try:
        async with aiohttp.ClientSession() as http:
            async with asyncio.timeout(60):
                while True:
                    try:
                        async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                            if response.status == 200:
                                health = await response.json()
                                break
                    except aiohttp.ClientConnectionError:
                        pass
                    await asyncio.sleep(0.05)
            assert health["workers"] == {"available": 1} and health["database"] == "ok"
            async with http.get(f"http://127.0.0.1:{port}/metrics") as response:
                text = await response.text()
            assert metric(text, "composer_queue_depth") == 0
            assert metric(text, "composer_workers", state="available") == 1
    finally:
        stop.set()
        await host
