"""Programmatic Alembic: ``await upgrade(url)`` at bot start-up and in ``composer db upgrade``.

The migration scripts ship inside the package (``bot/db/migrations``), so this works from an
installed wheel without an ``alembic.ini`` on disk.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, make_url

from bot.db.engine import create_engine, write_options
from bot.db.tables import Base

__all__ = [
    "MIGRATIONS_DIR",
    "alembic_config",
    "current",
    "downgrade",
    "head",
    "schema_diff",
    "upgrade",
]

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config pointing at the packaged migrations (no ini file needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head() -> str:
    """The newest revision shipped with this version of the bot."""
    rev = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert rev is not None
    return rev


async def _run(url: str, fn: Any, *args: Any) -> Any:
    engine = create_engine(url)
    try:
        async with engine.connect() as raw:
            # Take the write lock up front: two processes may start at once.
            conn = await raw.execution_options(**write_options(engine))
            async with conn.begin():
                return await conn.run_sync(fn, *args)
    finally:
        await engine.dispose()


def _command(connection: Connection, url: str, name: str, revision: str) -> None:
    cfg = alembic_config(url)
    cfg.attributes["connection"] = connection
    getattr(command, name)(cfg, revision)


async def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` (default: the newest).  A SQLite file's folder is
    created when missing."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    await _run(url, _command, url, "upgrade", revision)
    log.info("database at %s", revision)


async def downgrade(url: str, revision: str = "base") -> None:
    """Revert migrations down to ``revision`` (default: an empty database)."""
    await _run(url, _command, url, "downgrade", revision)


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def current(url: str) -> str | None:
    """The revision the database is at (None: never migrated)."""
    rev: str | None = await _run(url, _current)
    return rev


def _diff(connection: Connection) -> list[Any]:
    ctx = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(ctx, Base.metadata))


async def schema_diff(url: str) -> list[Any]:
    """Differences between the ORM tables and the database (empty when they match)."""
    diff: list[Any] = await _run(url, _diff)
    return diff
