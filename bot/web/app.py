"""The aiohttp application and its server, run in the bot's (or the host's) own event loop.

    metrics.watch_executor(executor)
    server = WebServer(WebContext(settings, storage, metrics))
    url = await server.start()          # settings.web_host:web_port; None when web_port is 0
    ...
    await server.stop()

Every response carries strict headers (a Content-Security-Policy that allows only this origin's
styles, scripts, images and media; ``nosniff``; no referrer; no framing).  Pages and files are
rate-limited per client address; ``/healthz`` and ``/metrics`` are not (monitoring must always
get an answer).  Errors answer with a small page, never a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web
from jinja2 import Environment, PackageLoader, select_autoescape

from bot.web.pages import CONTEXT, TEMPLATES, WebContext, add_routes, render
from bot.web.ratelimit import RateLimiter

__all__ = ["SECURITY_HEADERS", "WebServer", "create_app"]

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).with_name("static")
RATE_LIMIT = web.AppKey("rate_limit", RateLimiter)
UNLIMITED = ("/healthz", "/metrics")

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'self'; "
        "script-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def _security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers.update(SECURITY_HEADERS)
        raise
    response.headers.update(SECURITY_HEADERS)
    return response


@web.middleware
async def _rate_limit(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path not in UNLIMITED:
        wait_s = request.app[RATE_LIMIT].take(request.remote or "unknown")
        if wait_s > 0:
            raise web.HTTPTooManyRequests(
                text="Too many requests; slow down a little.",
                headers={"Retry-After": RateLimiter.retry_after(wait_s)},
            )
    return await handler(request)


@web.middleware
async def _error_pages(request: web.Request, handler: Handler) -> web.StreamResponse:
    """HTTP errors as a small HTML page (same status and headers); anything unexpected is logged
    and answered 500 without details."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400 or request.path in UNLIMITED:
            raise
        page = render(request, "error.html", status=exc.status, code=exc.status, reason=exc.text)
        for name in ("Retry-After", "Allow"):
            if name in exc.headers:
                page.headers[name] = exc.headers[name]
        return page
    except Exception:
        log.exception("web: %s %s failed", request.method, request.path)
        return render(
            request, "error.html", status=500, code=500, reason="Something went wrong on our side."
        )


def create_app(ctx: WebContext, *, rate_per_s: float = 10.0, burst: int = 60) -> web.Application:
    # Order: headers wrap everything (error pages too); errors wrap the limiter and handlers.
    app = web.Application(middlewares=[_security_headers, _error_pages, _rate_limit])
    app[CONTEXT] = ctx
    app[TEMPLATES] = Environment(
        loader=PackageLoader("bot.web", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    app[RATE_LIMIT] = RateLimiter(rate_per_s, burst)
    add_routes(app)
    app.router.add_static("/static", STATIC_DIR, append_version=False)
    return app


class WebServer:
    """The web pages, ``/healthz`` and ``/metrics`` on ``web_host:web_port``."""

    def __init__(self, ctx: WebContext, *, rate_per_s: float = 10.0, burst: int = 60) -> None:
        self.ctx = ctx
        self.app = create_app(ctx, rate_per_s=rate_per_s, burst=burst)
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    async def start(self, host: str | None = None, port: int | None = None) -> str | None:
        """Serve on ``host:port`` (default: the settings; port 0 here: any free port).  Returns
        the local address, or None when the settings turn the server off (``web_port = 0``)
        or the port is taken (a warning; the bot runs on without pages)."""
        settings = self.ctx.settings
        if port is None and settings.web_port == 0:
            log.info("web pages are off (web_port = 0)")
            return None
        host = host or settings.web_host
        port = settings.web_port if port is None else port
        runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, host, port, reuse_address=True)
        try:
            await site.start()
        except OSError as exc:
            log.warning("web pages are off: cannot listen on %s:%s (%s)", host, port, exc)
            await runner.cleanup()
            return None
        self._runner = runner
        bound = runner.addresses[0]
        self.port = int(bound[1])
        url = f"http://{host}:{self.port}"
        log.info("web pages at %s (/healthz, /metrics); links use %s", url, settings.web_url or url)
        return url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
