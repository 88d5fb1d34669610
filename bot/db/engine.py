"""The async engine and transactions.

``create_engine(url)`` works for SQLite (``sqlite+aiosqlite:///path``) and PostgreSQL
(``postgresql+asyncpg://user:pw@host/db``) by URL alone.  SQLite connections get WAL mode,
foreign keys, a busy timeout and full fsync on commit; their transactions are started explicitly
(``BEGIN`` / ``BEGIN IMMEDIATE``) so that a write transaction takes the write lock up front and two
processes writing one file wait for each other instead of failing with ``database is locked``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine
from sqlalchemy.pool import StaticPool

from bot.errors import ConfigError

__all__ = ["SQLITE_BUSY_TIMEOUT_MS", "Database", "create_engine", "is_sqlite", "write_options"]

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 30_000
_BEGIN_OPTION = "composer_sqlite_begin"


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """An async engine for ``url``; SQLite gets its connection pragmas and explicit BEGINs."""
    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy raises ArgumentError for malformed URLs
        raise ConfigError(f"bad database URL {url!r}: {exc}") from None
    kwargs: dict[str, Any] = {"echo": echo, "future": True}
    sqlite = parsed.get_backend_name() == "sqlite"
    if sqlite:
        if parsed.get_driver_name() != "aiosqlite":
            raise ConfigError("SQLite URLs must use the async driver: sqlite+aiosqlite:///path.db")
        if parsed.database in (None, "", ":memory:"):
            kwargs["poolclass"] = StaticPool  # one shared connection, else every one is empty
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    else:
        kwargs["pool_pre_ping"] = True
    try:
        engine = _create_async_engine(parsed, **kwargs)
    except ModuleNotFoundError as exc:
        hint = " (pip install 'composer-bot[postgres]')" if exc.name == "asyncpg" else ""
        raise ConfigError(f"database driver {exc.name} is not installed{hint}") from None
    if sqlite:
        _install_sqlite_events(engine)
    return engine


def _install_sqlite_events(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to us (the driver's implicit BEGIN is deferred and late).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA synchronous=FULL")
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def write_options(engine: AsyncEngine) -> dict[str, str]:
    """Execution options that make a transaction on ``engine`` take the write lock at BEGIN."""
    return {_BEGIN_OPTION: "IMMEDIATE"} if is_sqlite(engine) else {}


class Database:
    """An engine plus its session factory.  Repositories take one of these.

    ``read()`` opens a read transaction; ``write()`` a write transaction that commits on success
    and rolls back on error (on SQLite it takes the write lock at BEGIN).
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessions = async_sessionmaker(engine, expire_on_commit=False, autoflush=True)

    @classmethod
    def from_url(cls, url: str, *, echo: bool = False) -> Database:
        return cls(create_engine(url, echo=echo))

    @property
    def sqlite(self) -> bool:
        return is_sqlite(self.engine)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session, session.begin():
            if self.sqlite:
                await session.connection(execution_options=write_options(self.engine))
            yield session

    async def close(self) -> None:
        await self.engine.dispose()
