"""Web pages: page sizes, and time to first byte under ~200 concurrent requests (loopback only).

    python bench/bench_web.py [--concurrency 200] [--rounds 3]

A server process (the web app on a real SQLite database whose clips the embedded backend made,
the gallery on) is started as a subprocess, as it runs in the bot's process; this process is the
load: for each kind of request, first one at a time (the unloaded time to first byte), then
``--concurrency`` at once, ``--rounds`` times.  Time to first byte is from sending a request to
its response headers; the full time includes the body.  The rate limit is raised for the bench
(the load comes from one address).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


async def _serve(root: Path) -> None:
    from models.plan import SectionRole
    from tests.web_support import GALLERY, web_world

    async with web_world(root, rate_per_s=1e6, burst=1_000_000) as w:
        clips = [await w.render(seed=s, user_id=100 + s) for s in range(1, 9)]
        for i, clip in enumerate(clips):
            for voter in range(i % 4 + 1):
                await w.storage.votes.toggle(clip.id, 1000 + voter, 1)
        session = await w.storage.sessions.create(
            guild_id=GALLERY,
            parent_channel_id=1,
            owner_id=101,
            name="Bench jam",
            plan=clips[0].plan,
            roles=(clips[0].section_role or SectionRole.VERSE,),
        )
        for clip in clips[:4]:
            await w.storage.sessions.add_clip(session.id, clip.id)
        for clip in clips:  # makers' display names, as the pages show them
            await w.storage.members.remember(GALLERY, clip.user_id, f"Maker {clip.user_id}")
        info = {
            "url": w.url,
            "clip": clips[0].web_key,
            "session": session.web_key,
            "guild": GALLERY,
        }
        print(json.dumps(info), flush=True)
        await asyncio.to_thread(sys.stdin.read)  # until the parent closes our stdin


async def _one(
    http: aiohttp.ClientSession, url: str, headers: dict[str, str]
) -> tuple[float, float, int, int]:
    start = time.perf_counter()
    async with http.get(url, headers=headers) as response:
        first = time.perf_counter()
        body = await response.read()
    return first - start, time.perf_counter() - start, response.status, len(body)


def _ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def _load(info: dict[str, object], concurrency: int, rounds: int) -> None:
    base = str(info["url"])
    clip = info["clip"]
    targets = {
        "clip page": (f"/c/{clip}", {}),
        "session page": (f"/s/{info['session']}", {}),
        "leaderboard": (f"/g/{info['guild']}/top?period=week", {}),
        "audio 64 KiB range": (f"/c/{clip}/audio", {"Range": "bytes=0-65535"}),
        "waveform.png": (f"/c/{clip}/waveform.png", {}),
        "/healthz": ("/healthz", {}),
        "/metrics": ("/metrics", {}),
    }
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as http:
        print("page sizes (bytes, uncompressed):")
        for path in (f"/c/{clip}", f"/s/{info['session']}", f"/g/{info['guild']}/top"):
            print(f"  {path:<28} {(await _one(http, base + path, {}))[3]:>8}")
        for path in ("/static/style.css", "/static/player.js", f"/c/{clip}/waveform.png"):
            print(f"  {path:<28} {(await _one(http, base + path, {}))[3]:>8}")
        audio = await _one(http, f"{base}/c/{clip}/audio", {})
        print(f"  {'/c/<clip>/audio':<28} {audio[3]:>8}")
        print(
            f"\ntime to first byte, loopback, {concurrency} concurrent requests × {rounds} rounds"
            " (unloaded: 30 one at a time):"
        )
        header = f"  {'request':<20} {'unloaded':>9} {'median':>8} {'p95':>8} {'max':>8}"
        print(f"{header} {'full p95':>9} {'req/s':>7}  errors")
        for name, (path, headers) in targets.items():
            url = base + path
            for _ in range(5):  # warm the connection pool and caches
                await _one(http, url, headers)
            alone = [(await _one(http, url, headers))[0] for _ in range(30)]
            ttfb: list[float] = []
            full: list[float] = []
            errors = 0
            wall = 0.0
            for _ in range(rounds):
                start = time.perf_counter()
                results = await asyncio.gather(
                    *(_one(http, url, headers) for _ in range(concurrency))
                )
                wall += time.perf_counter() - start
                for first, total, status, _size in results:
                    ttfb.append(first)
                    full.append(total)
                    errors += status >= 400
            print(
                f"  {name:<20} {statistics.median(alone) * 1000:>7.2f}ms "
                f"{_ms(ttfb, 0.5):>6.1f}ms {_ms(ttfb, 0.95):>6.1f}ms {_ms(ttfb, 1.0):>6.1f}ms "
                f"{_ms(full, 0.95):>7.1f}ms {concurrency * rounds / wall:>7.0f}  {errors}"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(_serve(args.serve))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        server = subprocess.Popen(
            [sys.executable, __file__, "--serve", tmp],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=ROOT,
            text=True,
        )
        try:
            assert server.stdout is not None and server.stdin is not None
            info = json.loads(server.stdout.readline())
            asyncio.run(_load(info, args.concurrency, args.rounds))
        finally:
            if server.stdin:
                server.stdin.close()
            server.wait(timeout=60)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
