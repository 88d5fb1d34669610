"""Migrations: empty → head, the ORM matches the migrated schema, downgrade to base, pragmas."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic.config import main as alembic_main
from sqlalchemy import inspect, text

from bot.db import Database, current, downgrade, schema_diff, upgrade
from bot.db.migrate import head
from bot.db.tables import Base
from tests.test_db_support import DATABASES, fresh_url, sqlite_url

TABLES = {
    "guilds",
    "guild_settings",
    "users",
    "jobs",
    "clips",
    "votes",
    "sessions",
    "session_sections",
}


async def _tables(url: str) -> set[str]:
    db = Database.from_url(url)
    try:
        async with db.engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await db.close()


@pytest.mark.parametrize("kind", DATABASES)
async def test_upgrade_from_empty_to_head_matches_the_orm(kind: str, tmp_path: Path) -> None:
    url = await fresh_url(kind, tmp_path)
    assert await current(url) is None
    await upgrade(url)
    assert await current(url) == head()
    assert await _tables(url) == TABLES | {"alembic_version"}
    assert set(Base.metadata.tables) == TABLES
    # `alembic check`: autogenerate finds nothing to change.
    assert await schema_diff(url) == []
    await upgrade(url)  # idempotent
    assert await current(url) == head()


@pytest.mark.parametrize("kind", DATABASES)
async def test_schema_diff_notices_a_drifted_schema(kind: str, tmp_path: Path) -> None:
    url = await fresh_url(kind, tmp_path)
    await upgrade(url)
    db = Database.from_url(url)
    try:
        async with db.engine.begin() as conn:
            await conn.execute(text("DROP INDEX ix_jobs_status_seq"))
            await conn.execute(text("ALTER TABLE users ADD COLUMN nickname VARCHAR(20)"))
    finally:
        await db.close()
    diff = [str(d) for d in await schema_diff(url)]
    assert any("ix_jobs_status_seq" in d for d in diff)
    assert any("nickname" in d for d in diff)


@pytest.mark.parametrize("kind", DATABASES)
async def test_downgrade_to_base_and_back(kind: str, tmp_path: Path) -> None:
    url = await fresh_url(kind, tmp_path)
    await upgrade(url)
    await downgrade(url, "base")
    assert await current(url) is None
    assert await _tables(url) <= {"alembic_version"}
    await upgrade(url)
    assert await schema_diff(url) == []


async def test_sqlite_connections_get_wal_foreign_keys_and_busy_timeout(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    await upgrade(url)
    db = Database.from_url(url)
    try:
        async with db.read() as s:
            assert (await s.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await s.execute(text("PRAGMA foreign_keys"))).scalar() == 1
            assert (await s.execute(text("PRAGMA busy_timeout"))).scalar() == 30_000
    finally:
        await db.close()


def test_the_alembic_command_line_uses_the_packaged_migrations(tmp_path: Path) -> None:
    ini = Path(__file__).resolve().parent.parent / "bot" / "db" / "alembic.ini"
    url = sqlite_url(tmp_path)
    alembic_main(["-c", str(ini), "-x", f"url={url}", "upgrade", "head"])
    assert asyncio.run(current(url)) == head()
    alembic_main(["-c", str(ini), "-x", f"url={url}", "downgrade", "base"])
    assert asyncio.run(current(url)) is None
