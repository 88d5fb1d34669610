"""Web pages for clips, jam sessions and server leaderboards, ``/healthz`` and ``/metrics``:
an aiohttp application served in the bot's (or the headless host's) own event loop.

    metrics = Metrics()
    metrics.watch_executor(executor)
    server = WebServer(WebContext(settings, storage, metrics))
    await server.start()

Templates (Jinja2) and static files are package data under ``bot/web/templates`` and
``bot/web/static``.  Galleries are per server and off until an admin turns them on.
"""

from bot.web.app import SECURITY_HEADERS, WebServer, create_app
from bot.web.health import Health, check_health
from bot.web.links import PageLinks
from bot.web.metrics import MeteredDeliverer, Metrics, UploadFallback
from bot.web.pages import WebContext
from bot.web.views import clip_path, session_path, top_path

__all__ = [
    "SECURITY_HEADERS",
    "Health",
    "MeteredDeliverer",
    "Metrics",
    "PageLinks",
    "UploadFallback",
    "WebContext",
    "WebServer",
    "check_health",
    "clip_path",
    "create_app",
    "session_path",
    "top_path",
]
