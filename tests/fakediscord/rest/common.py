"""REST plumbing: body parsing (JSON and multipart), JSON responses with Discord's exact
content type, request recording, authentication and injected 429s (middleware)."""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web
from aiohttp.typedefs import Handler, Middleware

from tests.fakediscord.errors import ApiError
from tests.fakediscord.records import RecordedFile, RecordedRequest
from tests.fakediscord.state import State

__all__ = [
    "API_PREFIX",
    "ParsedBody",
    "body_of",
    "json_response",
    "make_middleware",
    "no_content",
]

JSON = dict[str, Any]
log = logging.getLogger(__name__)
API_PREFIX = "/api/v10"
_NO_AUTH_PREFIXES = ("/webhooks/", "/interactions/", "/gateway")


@dataclass(frozen=True, slots=True)
class ParsedBody:
    json: Any
    files: tuple[RecordedFile, ...]
    multipart: bool
    size_bytes: int

    @property
    def data(self) -> JSON:
        """The JSON object (or multipart ``payload_json``); 400 when it is not an object."""
        if self.json is None:
            return {}
        if not isinstance(self.json, dict):
            raise ApiError(400, 50109, "The request body contains invalid JSON.")
        return self.json


_BODY_KEY = web.RequestKey("fakediscord_body", ParsedBody)


def body_of(request: web.Request) -> ParsedBody:
    return request[_BODY_KEY]


def json_response(data: Any, status: int = 200) -> web.Response:
    """JSON with ``Content-Type: application/json`` exactly (discord.py checks equality)."""
    payload = json.dumps(data, separators=(",", ":")).encode()
    return web.Response(body=payload, status=status, headers={"Content-Type": "application/json"})


def no_content() -> web.Response:
    return web.Response(status=204)


async def _parse_body(request: web.Request) -> ParsedBody:
    if request.content_type.startswith("multipart/"):
        reader = await request.multipart()
        payload: Any = None
        files: list[RecordedFile] = []
        size = 0
        while True:
            part = await reader.next()
            if part is None:
                break
            if not isinstance(part, BodyPartReader):  # nested multipart: not used by Discord
                raise ApiError(400, 50035, "Invalid Form Body")
            data = bytes(await part.read(decode=False))
            size += len(data)
            name = part.name or ""
            if name == "payload_json" and part.filename is None:
                payload = _loads(data)
            elif part.filename is not None:
                ctype = part.headers.get("Content-Type", "application/octet-stream")
                files.append(RecordedFile(name, part.filename, ctype, data))
            elif payload is None:
                payload = {}
        return ParsedBody(payload, tuple(files), True, size)
    raw = await request.read()
    if not raw:
        return ParsedBody(None, (), False, 0)
    return ParsedBody(_loads(raw), (), False, len(raw))


def _loads(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        raise ApiError(400, 50109, "The request body contains invalid JSON.") from None


def _rate_limited(state: State, method: str, path: str) -> web.Response | None:
    for rule in state.rate_limits:
        if rule.applies(method, path):
            rule.remaining -= 1
            retry = rule.retry_after_s
            headers = {
                "Content-Type": "application/json",
                "Via": "1.1 google",
                "Retry-After": str(max(1, math.ceil(retry))),
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": f"{time.time() + retry:.3f}",
                "X-RateLimit-Reset-After": f"{retry:.3f}",
                "X-RateLimit-Bucket": "fakebucket" + format(abs(hash(rule.pattern.pattern)), "x"),
                "X-RateLimit-Scope": "global" if rule.is_global else "user",
            }
            if rule.is_global:
                headers["X-RateLimit-Global"] = "true"
            body = {
                "message": "You are being rate limited.",
                "retry_after": retry,
                "global": rule.is_global,
            }
            return web.Response(body=json.dumps(body).encode(), status=429, headers=headers)
    return None


def make_middleware(state: State) -> Middleware:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path
        if path == "/gateway":  # the websocket: not a REST request
            return await handler(request)
        api = path.startswith(API_PREFIX + "/")
        relative = path[len(API_PREFIX) :] if api else path
        parsed = ParsedBody(None, (), False, 0)
        response: web.StreamResponse
        try:
            parsed = await _parse_body(request)
            request[_BODY_KEY] = parsed
            limited = _rate_limited(state, request.method, relative) if api else None
            if limited is not None:
                response = limited
            else:
                if api and not relative.startswith(_NO_AUTH_PREFIXES):
                    expected = f"Bot {state.world.bot_token}"
                    if request.headers.get("Authorization") != expected:
                        raise ApiError.unauthorized()
                if parsed.size_bytes > state.rules.max_request_bytes:
                    raise ApiError.too_large()
                response = await handler(request)
        except ApiError as exc:
            response = json_response(exc.body(), exc.status)
        except web.HTTPNotFound:
            response = json_response(ApiError.not_found().body(), 404)
        except web.HTTPMethodNotAllowed:
            response = json_response({"message": "405: Method Not Allowed", "code": 0}, 405)
        except Exception as exc:  # a gap or bug in the fake: fail fast (no 5xx retries), loudly
            log.exception("fake Discord failed on %s %s", request.method, path)
            state.internal_errors.append(f"{request.method} {path}: {exc!r}")
            body = {"message": f"fake Discord could not handle this request: {exc!r}", "code": 0}
            response = json_response(body, 400)
        answered: Any = None
        is_json = response.headers.get("Content-Type") == "application/json"
        if isinstance(response, web.Response) and isinstance(response.body, bytes) and is_json:
            answered = json.loads(response.body)
        headers = {k: v for k, v in request.headers.items() if k.lower() != "authorization"}
        if "Authorization" in request.headers:
            headers["Authorization"] = "<redacted>"
        loop_time = asyncio.get_running_loop().time()
        state.requests.append(
            RecordedRequest(
                index=len(state.requests),
                method=request.method,
                path=relative,
                query=dict(request.query),
                headers=headers,
                json=parsed.json,
                files=parsed.files,
                multipart=parsed.multipart,
                body_size_bytes=parsed.size_bytes,
                status=response.status,
                response=answered,
                at_s=loop_time,
            )
        )
        state.changes.notify()
        return response

    return middleware
