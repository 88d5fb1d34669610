"""The websocket gateway: HELLO, heartbeats, IDENTIFY/READY/GUILD_CREATE, RESUME with replay,
dispatches with increasing ``s``.  Plain JSON text frames (the client only inflates binary ones).

Each connection has one writer task (owned by its handler, cancelled when the socket closes), so
frames go out in sequence order; ``dispatch`` is synchronous and safe to call from REST handlers.
Sessions outlive connections: a client that reconnects with RESUME gets the events it missed."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakediscord.payloads import guild_payload, member_payload, user_payload
from tests.fakediscord.records import IdentifyRecord
from tests.fakediscord.state import State
from tests.fakediscord.world import PRIVILEGED_INTENTS, Intent

__all__ = ["GatewayHub", "Session"]

log = logging.getLogger(__name__)

JSON = dict[str, Any]
EventData = JSON | Callable[["Session"], JSON | None]
_BUFFER_FRAMES = 2000


@dataclass(frozen=True, slots=True)
class _Close:
    code: int
    reason: str


@dataclass(eq=False, slots=True)
class _Connection:
    ws: web.WebSocketResponse
    queue: asyncio.Queue[str | _Close] = field(default_factory=asyncio.Queue)
    session: Session | None = None
    closing: bool = False

    def send(self, frame: JSON) -> None:
        if not self.closing:
            self.queue.put_nowait(json.dumps(frame, separators=(",", ":")))

    def close(self, code: int, reason: str) -> None:
        if not self.closing:
            self.closing = True
            self.queue.put_nowait(_Close(code, reason))


@dataclass(eq=False, slots=True)
class Session:
    id: str
    intents: int
    shard: tuple[int, int] | None
    seq: int = 0
    buffer: list[tuple[int, str]] = field(default_factory=list)
    connection: _Connection | None = None
    invalidated: bool = False

    @property
    def connected(self) -> bool:
        return self.connection is not None and not self.connection.closing


class GatewayHub:
    def __init__(self, state: State) -> None:
        self._state = state
        self._connections: set[_Connection] = set()
        self.sessions: dict[str, Session] = {}
        self.gateway_url = ""  # ws://127.0.0.1:PORT/gateway, set when the server starts
        self.presences: list[JSON] = []

    # -- public API ----------------------------------------------------------------------------

    @property
    def live_sessions(self) -> list[Session]:
        return [s for s in self.sessions.values() if s.connected and not s.invalidated]

    @property
    def valid_sessions(self) -> list[Session]:
        """Connected, or disconnected but resumable (their events are buffered for RESUME)."""
        return [s for s in self.sessions.values() if not s.invalidated]

    def dispatch(self, event: str, data: EventData, *, intents_any: int = 0) -> None:
        """Send an op-0 dispatch to every valid session (buffered for resume when offline).
        ``intents_any``: the session needs one of these intent bits to receive the event."""
        for session in list(self.sessions.values()):
            if session.invalidated:
                continue
            if intents_any and not session.intents & intents_any:
                continue
            payload = data(session) if callable(data) else data
            if payload is None:
                continue
            self._send_dispatch(session, event, payload)
        self._state.changes.notify()

    def request_reconnect(self) -> None:
        """Op 7 RECONNECT to every connection: clients close and RESUME."""
        for connection in list(self._connections):
            connection.send({"op": 7, "d": None})

    def invalidate_sessions(self, *, resumable: bool = False) -> None:
        """Op 9 INVALID_SESSION to every connection; non-resumable sessions are forgotten."""
        for connection in list(self._connections):
            connection.send({"op": 9, "d": resumable})
            if not resumable and connection.session is not None:
                connection.session.invalidated = True

    def drop_connections(self, code: int = 4000, reason: str = "dropped by the fake") -> None:
        """Close every socket from the server side (clients reconnect and RESUME)."""
        for connection in list(self._connections):
            connection.close(code, reason)

    async def close(self) -> None:
        for connection in list(self._connections):
            connection.close(1001, "fake Discord is shutting down")
        for connection in list(self._connections):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.ws.close(code=1001), timeout=2.0)

    # -- websocket handler ---------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=4 * 1024 * 1024)
        await ws.prepare(request)
        connection = _Connection(ws)
        self._connections.add(connection)
        self._state.gateway_connections += 1
        self._state.changes.notify()
        log.debug("gateway connection %s", dict(request.query))
        writer = asyncio.create_task(self._writer(connection), name="fakediscord-gateway-writer")
        try:
            connection.send(
                {
                    "op": 10,
                    "s": None,
                    "t": None,
                    "d": {
                        "heartbeat_interval": self._state.rules.heartbeat_interval_ms,
                        "_trace": ['["fake-gateway",{"micros":0}]'],
                    },
                }
            )
            async for message in ws:
                if message.type is WSMsgType.TEXT:
                    try:
                        frame = json.loads(message.data)
                    except ValueError:
                        connection.close(4002, "Error while decoding payload.")
                        continue
                    self._on_frame(connection, frame)
                elif message.type is WSMsgType.BINARY:
                    connection.close(4002, "Error while decoding payload.")
            if connection.closing and not writer.done():
                # our own close is in progress in the writer: let it finish the handshake
                await asyncio.wait_for(asyncio.shield(writer), timeout=2.0)
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                await writer
            session = connection.session
            if session is not None and session.connection is connection:
                session.connection = None
                if not connection.closing and ws.close_code in (1000, 1001):
                    session.invalidated = True  # a clean close by the client ends the session
            self._connections.discard(connection)
            self._state.changes.notify()
        return ws

    async def _writer(self, connection: _Connection) -> None:
        while True:
            item = await connection.queue.get()
            if isinstance(item, _Close):
                await connection.ws.close(code=item.code, message=item.reason.encode())
                return
            if connection.ws.closed:
                return
            await connection.ws.send_str(item)

    # -- protocol ------------------------------------------------------------------------------

    def _on_frame(self, connection: _Connection, frame: JSON) -> None:
        op = frame.get("op")
        data = frame.get("d")
        if op == 1:
            connection.send({"op": 11, "s": None, "t": None, "d": None})
        elif op == 2:
            self._identify(connection, data if isinstance(data, dict) else {})
        elif op == 6:
            self._resume(connection, data if isinstance(data, dict) else {})
        elif connection.session is None:
            connection.close(4003, "Not authenticated.")
        elif op == 3:
            self.presences.append(data if isinstance(data, dict) else {})
        elif op == 4:
            pass  # voice state updates: the bot has no voice features
        elif op == 8:
            self._request_members(connection, data if isinstance(data, dict) else {})
        else:
            connection.close(4001, "Unknown opcode.")

    def _identify(self, connection: _Connection, data: JSON) -> None:
        world = self._state.world
        if connection.session is not None:
            connection.close(4005, "Already authenticated.")
            return
        if data.get("token") != world.bot_token:
            connection.close(4004, "Authentication failed.")
            return
        intents = data.get("intents")
        if not isinstance(intents, int) or intents < 0 or intents >= 1 << 26:
            connection.close(4013, "Invalid intent(s).")
            return
        if intents & PRIVILEGED_INTENTS & ~world.granted_privileged_intents:
            connection.close(4014, "Disallowed intent(s).")
            return
        shard_raw = data.get("shard")
        shard = (int(shard_raw[0]), int(shard_raw[1])) if isinstance(shard_raw, list) else None
        session = Session(id=secrets.token_hex(16), intents=intents, shard=shard)
        session.connection = connection
        connection.session = session
        self.sessions[session.id] = session
        loop_time = asyncio.get_running_loop().time()
        self._state.identifies.append(
            IdentifyRecord(
                session.id,
                intents,
                str(data["token"]),
                dict(data.get("properties", {})),
                shard,
                loop_time,
            )
        )
        guilds = [g for g in world.guilds if g.member(world.bot.id) is not None]
        ready: JSON = {
            "v": 10,
            "user": {**user_payload(world.bot), "verified": True, "mfa_enabled": False},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(world.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["local"],
            "user_settings": {},
            "_trace": ['["fake-gateway",{"micros":0}]'],
        }
        if shard is not None:
            ready["shard"] = list(shard)
        self._send_dispatch(session, "READY", ready)
        for guild in guilds:
            all_members = bool(intents & Intent.GUILD_MEMBERS)
            payload = guild_payload(self._state, guild, all_members=all_members)
            self._send_dispatch(session, "GUILD_CREATE", payload)
        self._state.changes.notify()

    def _resume(self, connection: _Connection, data: JSON) -> None:
        session = self.sessions.get(str(data.get("session_id")))
        valid = (
            session is not None
            and not session.invalidated
            and data.get("token") == self._state.world.bot_token
            and isinstance(data.get("seq"), int | None)
        )
        if session is None or not valid:
            connection.send({"op": 9, "s": None, "t": None, "d": False})
            return
        previous = session.connection
        if previous is not None and previous is not connection:
            previous.session = None
            previous.close(4000, "Session resumed elsewhere.")
        session.connection = connection
        connection.session = session
        last_seen = int(data.get("seq") or 0)
        for seq, frame in session.buffer:
            if seq > last_seen:
                connection.queue.put_nowait(frame)
        self._state.resumes += 1
        self._send_dispatch(session, "RESUMED", {"_trace": ['["fake-gateway",{"micros":0}]']})
        self._state.changes.notify()

    def _request_members(self, connection: _Connection, data: JSON) -> None:
        guild = self._state.guild(int(data.get("guild_id", 0)))
        session = connection.session
        if guild is None or session is None:
            return
        members = list(guild.members)
        if data.get("user_ids"):
            wanted = {int(u) for u in data["user_ids"]}
            members = [m for m in members if m.user_id in wanted]
        elif data.get("query"):
            query = str(data["query"]).lower()
            members = [
                m
                for m in members
                if self._state.world.user(m.user_id).username.lower().startswith(query)
            ]
        limit = int(data.get("limit") or 0)
        if limit:
            members = members[:limit]
        chunk: JSON = {
            "guild_id": str(guild.id),
            "members": [member_payload(self._state, guild, m) for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        self._send_dispatch(session, "GUILD_MEMBERS_CHUNK", chunk)

    def _send_dispatch(self, session: Session, event: str, data: JSON) -> None:
        session.seq += 1
        frame = json.dumps(
            {"op": 0, "t": event, "s": session.seq, "d": data}, separators=(",", ":")
        )
        session.buffer.append((session.seq, frame))
        if len(session.buffer) > _BUFFER_FRAMES:
            del session.buffer[: len(session.buffer) - _BUFFER_FRAMES]
        connection = session.connection
        if connection is not None and not connection.closing:
            connection.queue.put_nowait(frame)
