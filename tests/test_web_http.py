"""The web pages over HTTP: clip pages and their files (range requests), strict headers, 404s
for hidden and forgotten clips, the leaderboard and session pages, the rate limit, /healthz and
/metrics.  Clips are real (the embedded backend through the scheduler); the server is real
(aiohttp on a loopback port)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import aiohttp

from bot.db import ClipRelation, Database, Storage
from bot.runtime.pool import WorkerPool
from bot.settings import Settings
from bot.web import SECURITY_HEADERS, Metrics, WebContext, WebServer
from models.plan import SectionRole
from tests.test_scheduler import read_bytes
from tests.web_support import GALLERY, HIDDEN, interaction_time, metric, web_world


class _Meta(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.scripts: list[dict[str, str | None]] = []
        self.rows: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "meta" and (a.get("property") or a.get("name")):
            self.meta[str(a.get("property") or a.get("name"))] = str(a.get("content"))
        if tag == "script":
            self.scripts.append(a)
        if tag == "li" and a.get("data-clip"):
            self.rows.append(str(a["data-clip"]))


def parse(body: bytes) -> _Meta:
    parser = _Meta()
    parser.feed(body.decode())
    return parser


def assert_strict(headers: dict[str, str]) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name) == value, name
    assert "default-src 'none'" in headers["Content-Security-Policy"]


async def test_clip_page_facts_lineage_and_open_graph(tmp_path: Path) -> None:
    async with web_world(tmp_path) as w:
        clip = await w.render(seed=3)
        child = await w.render(seed=4, parent=clip, relation=ClipRelation.REROLL)
        await w.storage.votes.toggle(clip.id, 21, 1)
        await w.storage.votes.toggle(clip.id, 22, 1)
        await w.storage.votes.toggle(clip.id, 23, -1)
        status, headers, body = await w.get(f"/c/{clip.web_key}")
        assert status == 200 and headers["Content-Type"].startswith("text/html")
        assert_strict(headers)
        html = body.decode()
        page = parse(body)
        for fact in (clip.key, f"{clip.bpm:g} bpm", clip.meter, str(clip.seed), "Lo-fi Lounge"):
            assert fact in html
        assert re.search(r'id="up">2<', html) and re.search(r'id="down">1<', html)
        assert page.meta["og:audio"] == f"{w.url}/c/{clip.web_key}/audio"
        assert page.meta["og:audio:type"] == "audio/ogg"
        assert page.meta["og:image"] == f"{w.url}/c/{clip.web_key}/waveform.png"
        assert page.meta["og:url"] == f"{w.url}/c/{clip.web_key}"
        assert page.meta["twitter:card"] == "summary_large_image"
        assert clip.key in page.meta["og:description"]
        assert page.rows == [child.id]  # the reroll made from it
        assert all(s.get("src", "").startswith("/static/") for s in page.scripts)  # type: ignore[union-attr]
        assert str(clip.user_id) not in html  # no user ids on pages
        child_page = parse((await w.get(f"/c/{child.web_key}"))[2])
        assert child_page.rows == [clip.id]  # its parent
        assert "Reroll of" in (await w.get(f"/c/{child.web_key}"))[2].decode()


async def test_files_serve_range_requests_and_downloads(tmp_path: Path) -> None:
    async with web_world(tmp_path) as w:
        clip = await w.render(seed=5)
        audio = read_bytes(clip.audio_path)
        status, headers, body = await w.get(f"/c/{clip.web_key}/audio")
        assert status == 200 and body == audio
        assert headers["Accept-Ranges"] == "bytes" and headers["Content-Type"] == "audio/ogg"
        assert "Content-Disposition" not in headers
        assert_strict(headers)
        status, headers, body = await w.get(
            f"/c/{clip.web_key}/audio", headers={"Range": "bytes=100-1099"}
        )
        assert status == 206 and body == audio[100:1100]
        assert headers["Content-Range"] == f"bytes 100-1099/{len(audio)}"
        status, _, body = await w.get(f"/c/{clip.web_key}/audio", headers={"Range": "bytes=-64"})
        assert status == 206 and body == audio[-64:]
        status, _, _ = await w.get(
            f"/c/{clip.web_key}/audio", headers={"Range": f"bytes={len(audio) + 10}-"}
        )
        assert status == 416
        status, headers, _ = await w.get(f"/c/{clip.web_key}/audio?download")
        assert headers["Content-Disposition"] == f'attachment; filename="composer-{clip.id}.ogg"'
        assert clip.midi_path and clip.waveform_path
        status, headers, body = await w.get(f"/c/{clip.web_key}/midi")
        assert status == 200 and body == read_bytes(clip.midi_path)
        assert body.startswith(b"MThd") and headers["Content-Type"] == "audio/midi"
        assert headers["Content-Disposition"] == f'attachment; filename="composer-{clip.id}.mid"'
        status, headers, body = await w.get(f"/c/{clip.web_key}/waveform.png")
        assert (
            status == 200 and body.startswith(b"\x89PNG") and headers["Content-Type"] == "image/png"
        )
        assert (await w.get(f"/c/{clip.web_key}/stem.flac"))[0] == 404  # only the published files


async def test_hidden_dm_deleted_and_forgotten_clips_answer_404(tmp_path: Path) -> None:
    async with web_world(tmp_path) as w:
        shown = await w.render(seed=6, user_id=31)
        hidden = await w.render(seed=6, user_id=32, guild_id=HIDDEN)
        direct = await w.render(seed=6, user_id=33, guild_id=None)
        assert (await w.get(f"/c/{shown.web_key}"))[0] == 200
        for clip in (hidden, direct):
            for path in ("", "/audio", "/midi", "/waveform.png"):
                status, headers, body = await w.get(f"/c/{clip.web_key}{path}")
                assert status == 404, path
                assert_strict(headers)
        status, headers, body = await w.get(f"/c/{hidden.web_key}")
        assert headers["Content-Type"].startswith("text/html") and b"Not found" in body
        assert (await w.get(f"/g/{HIDDEN}/top"))[0] == 404
        assert (await w.get("/c/zzzzzzzz"))[0] == 404
        assert (await w.get("/g/not-a-number/top"))[0] == 404
        assert (await w.get(f"/g/{1 << 64}/top"))[0] == 404  # past a snowflake
        assert (await w.get(f"/g/{GALLERY}/top?period=decade"))[0] == 400
        # The admin turns the hidden server's gallery on, then off again.
        await w.gallery(HIDDEN, True)
        assert (await w.get(f"/c/{hidden.web_key}"))[0] == 200
        await w.gallery(HIDDEN, False)
        assert (await w.get(f"/c/{hidden.web_key}"))[0] == 404
        # /forget-me: the clip's row goes, and with it every page and file.
        await w.storage.users.forget(31)
        for path in ("", "/audio", "/midi", "/waveform.png"):
            assert (await w.get(f"/c/{shown.web_key}{path}"))[0] == 404, path


async def test_leaderboard_and_session_pages(tmp_path: Path) -> None:
    async with web_world(tmp_path) as w:
        clips = [await w.render(seed=s, user_id=40 + s) for s in (7, 8, 9)]
        voters = iter(range(100, 200))
        for clip, votes in zip(clips, (1, 3, -1), strict=True):
            for _ in range(abs(votes)):
                await w.storage.votes.toggle(clip.id, next(voters), 1 if votes > 0 else -1)
        status, headers, body = await w.get(f"/g/{GALLERY}/top?period=week")
        assert status == 200
        assert_strict(headers)
        assert parse(body).rows == [clips[1].id, clips[0].id, clips[2].id]
        assert b"Lo-fi Lounge" in body
        assert (await w.get(f"/g/{GALLERY}/top"))[2] == body  # week is the default
        role = clips[0].section_role
        assert role is not None
        session = await w.storage.sessions.create(
            guild_id=GALLERY,
            parent_channel_id=1,
            owner_id=41,
            name="Friday <script>jam</script>",
            plan=clips[0].plan,
            roles=(role, SectionRole.OUTRO),
        )
        for clip in clips:
            await w.storage.sessions.add_clip(session.id, clip.id)
        clip_page = (await w.get(f"/c/{clips[0].web_key}"))[2].decode()
        assert f'id="session" href="/s/{session.web_key}"' in clip_page
        status, _, body = await w.get(f"/s/{session.web_key}")
        assert status == 200 and b"No takes yet." in body
        assert b"Friday &lt;script&gt;jam&lt;/script&gt;" in body and b"<script>jam" not in body
        assert parse(body).rows == [clips[1].id, clips[0].id, clips[2].id]
        await w.storage.sessions.close(session.id, 41)
        body = (await w.get(f"/s/{session.web_key}"))[2]
        assert b"closed" in body and b"Podium" in body
        await w.gallery(GALLERY, False)
        assert (await w.get(f"/s/{session.web_key}"))[0] == 404
        assert (await w.get(f"/g/{GALLERY}/top"))[0] == 404


async def test_rate_limit_answers_429_but_never_for_health(tmp_path: Path) -> None:
    async with web_world(tmp_path, rate_per_s=0.01, burst=3) as w:
        statuses = [(await w.get("/static/style.css"))[0] for _ in range(3)]
        assert statuses == [200, 200, 200]
        status, headers, body = await w.get("/static/style.css")
        assert status == 429 and int(headers["Retry-After"]) >= 1
        assert_strict(headers)
        assert b"Slow down" in body
        assert [(await w.get("/metrics"))[0] for _ in range(5)] == [200] * 5
        assert (await w.get("/healthz"))[0] == 200


async def test_metrics_move_after_a_job(tmp_path: Path) -> None:
    async with web_world(tmp_path) as w:
        await w.enqueue(
            seed=12,
            application_id=99,
            interaction_token="t",
            interaction_created_at=interaction_time(0.4),
        )
        status, headers, body = await w.get("/metrics")
        assert status == 200 and headers["Content-Type"].startswith("text/plain; version=0.0.4")
        before = body.decode()
        assert metric(before, "composer_jobs", status="queued") == 1
        assert metric(before, "composer_queue_depth") == 1
        assert metric(before, "composer_clips_delivered_total") == 0
        assert metric(before, "composer_workers", state="available") == 1
        assert metric(before, "composer_worker_restarts_total") == 0
        assert metric(before, "composer_upload_fallbacks_total", kind="link") == 0
        await w.run_queue()
        after = (await w.get("/metrics"))[2].decode()
        assert metric(after, "composer_jobs", status="queued") == 0
        assert metric(after, "composer_jobs", status="done") == 1
        assert metric(after, "composer_queue_depth") == 0
        assert metric(after, "composer_clips_delivered_total") == 1
        duration = {"backend": "embedded", "outcome": "done"}
        assert metric(after, "composer_job_duration_seconds_count", **duration) == 1
        assert metric(after, "composer_job_duration_seconds_sum", **duration) > 0
        assert metric(after, "composer_queue_wait_seconds_count") == 1
        assert metric(after, "composer_ack_latency_seconds_count") == 1
        assert metric(after, "composer_ack_latency_seconds_sum") >= 0.4


async def test_healthz_turns_503_when_the_workers_or_the_database_are_down(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path / "data", cpu_workers=1, worker_ready_timeout_s=60.0)
    async with web_world(tmp_path / "world") as w:
        pool = WorkerPool(settings)
        w.metrics.watch_executor(pool)
        status, _, _ = await w.get("/healthz")
        assert status == 503  # not started yet
        await pool.start()
        try:
            async with w.http.get(f"{w.url}/healthz") as response:
                health = await response.json()
                assert response.status == 200, health
            assert health["status"] == "ok" and health["database"] == "ok"
            assert health["workers_alive"] == 1 and health["queue_depth"] == 0
        finally:
            await pool.shutdown(drain_timeout_s=0)
        async with w.http.get(f"{w.url}/healthz") as response:
            health = await response.json()
            assert response.status == 503 and health["status"] == "unhealthy"
        assert health["workers_alive"] == 0 and health["workers"]["stopped"] == 1
        assert (
            metric((await w.get("/metrics"))[2].decode(), "composer_workers", state="stopped") == 1
        )
    # A database that cannot be opened: unhealthy, whatever the workers do.
    gone = Database.from_url(f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'x.db'}")
    metrics = Metrics()
    server = WebServer(WebContext(settings, Storage(gone), metrics))
    url = await server.start("127.0.0.1", 0)
    try:
        async with aiohttp.ClientSession() as http, http.get(f"{url}/healthz") as response:
            health = await response.json()
        assert response.status == 503 and health["database"].startswith("unreachable")
    finally:
        await server.stop()
        await gone.close()


async def test_web_port_zero_turns_the_server_off(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, web_port=0)
    db = Database.from_url(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    server = WebServer(WebContext(settings, Storage(db), Metrics()))
    assert await server.start() is None
    assert settings.web_url is None
    assert settings.replace(public_url="https://music.example/").web_url == "https://music.example"
    assert Settings(web_port=8123).web_url == "http://127.0.0.1:8123"
    await server.stop()
    await db.close()
