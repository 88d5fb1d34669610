"""The page and file handlers: a clip, a jam session, a server's leaderboard, health, metrics.

Everything of a server is hidden (404, the same answer as for an id that never existed) unless
an admin turned its gallery on; clips made in DMs have no page.  Forgotten (``/forget-me``) and
deleted clips have no row any more, so they answer 404 like any unknown id.
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass

from aiohttp import web
from jinja2 import Environment

from bot.db import ClipRecord, Period, Storage
from bot.settings import Settings
from bot.web.health import check_health
from bot.web.metrics import CONTENT_TYPE, Metrics
from bot.web.views import AUDIO_TYPES, clip_view, session_path, session_view

__all__ = ["CONTEXT", "TEMPLATES", "WebContext", "add_routes", "render"]

log = logging.getLogger(__name__)

TOP_LIMIT = 25
PAGE_CACHE = "no-cache"  # votes change: revalidate every time
FILE_CACHE = "private, max-age=300"  # short, so a forgotten clip's files leave caches soon


@dataclass(frozen=True, slots=True)
class WebContext:
    settings: Settings
    storage: Storage
    metrics: Metrics  # also knows the executor (``Metrics.watch_executor``), for /healthz


CONTEXT = web.AppKey("context", WebContext)
TEMPLATES = web.AppKey("templates", Environment)


def render(
    request: web.Request, template: str, *, status: int = 200, **values: object
) -> web.Response:
    env = request.app[TEMPLATES]
    html = env.get_template(template).render(**values)
    return web.Response(
        text=html,
        status=status,
        content_type="text/html",
        charset="utf-8",
        headers={"Cache-Control": PAGE_CACHE},
    )


def _base_url(request: web.Request) -> str:
    """Absolute links (Open Graph needs them): ``public_url``, else where the request came."""
    return request.app[CONTEXT].settings.public_url or str(request.url.origin())


async def _gallery(ctx: WebContext, guild_id: int | None) -> tuple[bool, str | None]:
    """Whether the server's gallery is on (never for a DM), and the server's name."""
    if guild_id is None:
        return False, None
    return await ctx.storage.guilds.gallery(guild_id)


async def _visible_clip(ctx: WebContext, key: str) -> tuple[ClipRecord, str | None]:
    """The clip a link names (by web token; legacy clips by short id) if its gallery is on."""
    clip = await ctx.storage.clips.for_web(key)
    on, guild_name = await _gallery(ctx, clip.guild_id) if clip else (False, None)
    if clip is None or not on:
        raise web.HTTPNotFound(text="There is no such clip here.")
    return clip, guild_name


async def clip_page(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    clip, guild_name = await _visible_clip(ctx, request.match_info["clip"])
    family = await ctx.storage.clips.family(clip)
    children, names = family.children, family.names
    tallies = await ctx.storage.votes.tallies([clip.id, *(c.id for c in children)])
    session_url = session_path(family.session_key) if family.session_key else None
    return render(
        request,
        "clip.html",
        clip=clip_view(clip, tallies[clip.id], names=names, session_url=session_url),
        parent=clip_view(family.parent, names=names) if family.parent else None,
        children=[clip_view(c, tallies.get(c.id), names=names) for c in children],
        guild_id=clip.guild_id,
        guild_name=guild_name,
        base_url=_base_url(request),
    )


async def clip_file(request: web.Request) -> web.StreamResponse:
    """The clip's audio (inline, with range requests for seeking), MIDI or waveform picture."""
    ctx = request.app[CONTEXT]
    clip, _ = await _visible_clip(ctx, request.match_info["clip"])
    kind = request.match_info["file"]
    view = clip_view(clip)
    headers = {"Cache-Control": FILE_CACHE}
    if kind == "audio":
        path, headers["Content-Type"] = clip.audio_path, AUDIO_TYPES[clip.audio_format]
        if "download" in request.query:
            headers["Content-Disposition"] = f'attachment; filename="{view.audio_name}"'
    elif kind == "midi" and clip.midi_path:
        path, headers["Content-Type"] = clip.midi_path, "audio/midi"
        headers["Content-Disposition"] = f'attachment; filename="{view.midi_name}"'
    elif kind == "waveform.png" and clip.waveform_path:
        path, headers["Content-Type"] = clip.waveform_path, "image/png"
    else:
        raise web.HTTPNotFound(text="There is no such file here.")
    if not await asyncio.to_thread(os.path.isfile, path):
        log.warning("clip %s: its %s file %s is missing", clip.id, kind, path)
        raise web.HTTPNotFound(text="There is no such file here.")
    return web.FileResponse(path, headers=headers)


async def session_page(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    session = await ctx.storage.sessions.for_web(request.match_info["session"])
    on, guild_name = await _gallery(ctx, session.guild_id) if session else (False, None)
    if session is None or not on:
        raise web.HTTPNotFound(text="There is no such jam session here.")
    takes = await ctx.storage.sessions.takes(session.id, named=True)
    song = await ctx.storage.clips.get(session.song_clip_id) if session.song_clip_id else None
    return render(
        request,
        "session.html",
        session=session_view(session, takes, song),
        guild_id=session.guild_id,
        guild_name=guild_name,
        base_url=_base_url(request),
    )


async def top_page(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    raw = request.match_info["guild"]
    guild_id = int(raw) if raw.isdigit() and len(raw) <= 19 and int(raw) < 1 << 63 else None
    on, guild_name = await _gallery(ctx, guild_id)
    if guild_id is None or not on:
        raise web.HTTPNotFound(text="There is no gallery for this server.")
    try:
        period = Period(request.query.get("period", Period.WEEK.value))
    except ValueError:
        raise web.HTTPBadRequest(text="The period is week, month or all.") from None
    top = await ctx.storage.clips.top(guild_id, period, limit=TOP_LIMIT, named=True)
    return render(
        request,
        "top.html",
        clips=[clip_view(t.clip, t.tally, maker=t.maker) for t in top],
        period=period.value,
        periods=[p.value for p in Period],
        guild_id=guild_id,
        guild_name=guild_name,
        base_url=_base_url(request),
    )


async def healthz(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    health = await check_health(ctx.storage, ctx.metrics.executor)
    return web.json_response(
        health.to_json(),
        status=200 if health.healthy else 503,
        headers={"Cache-Control": "no-store"},
    )


async def metrics(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    try:
        await ctx.metrics.refresh(ctx.storage)
    except Exception as exc:  # the counters still answer; the database gauges keep old values
        log.warning("metrics: could not read job counts: %r", exc)
    return web.Response(
        body=ctx.metrics.render(),
        headers={"Content-Type": CONTENT_TYPE, "Cache-Control": "no-store"},
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/c/{clip}", clip_page)
    app.router.add_get("/c/{clip}/{file}", clip_file)
    app.router.add_get("/s/{session}", session_page)
    app.router.add_get("/g/{guild}/top", top_page)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
