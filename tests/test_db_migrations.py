"""Migrations: empty → head, the ORM matches the migrated schema, downgrade to base, pragmas."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic.config import main as alembic_main
from sqlalchemy import inspect, text

from bot.db import Database, Storage, current, downgrade, schema_diff, upgrade
from bot.db.migrate import head
from bot.db.tables import Base
from tests.test_db_repos import GUILD, make_clip
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
    "member_names",
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


@pytest.mark.parametrize("kind", DATABASES)
async def test_0003_keeps_every_row_down_and_up_and_old_rows_keep_short_links(
    kind: str, tmp_path: Path
) -> None:
    """Display names and web tokens come and go without touching clips, votes or sessions (no
    table is rebuilt, so no ON DELETE action fires); rows from before 0003 get no token and are
    found by their short ids."""
    url = await fresh_url(kind, tmp_path)
    await upgrade(url)
    db = Database.from_url(url)
    try:
        store = Storage(db)
        clip = await make_clip(db, tmp_path, 7, display_name="Nina")
        assert clip.web_token is not None
        session = await store.sessions.create(
            guild_id=GUILD, parent_channel_id=1, owner_id=7, name="Jam", plan=clip.plan
        )
        await store.sessions.add_clip(session.id, clip.id)
        await store.votes.toggle(clip.id, 8, 1)
        assert await store.members.names(GUILD, [7]) == {7: "Nina"}
    finally:
        await db.close()

    await downgrade(url, "0002")
    assert "member_names" not in await _tables(url)
    db = Database.from_url(url)
    try:
        async with db.read() as s:
            cols = await s.run_sync(
                lambda sync: {c["name"] for c in inspect(sync.connection()).get_columns("clips")}
            )
            assert "web_token" not in cols
            assert (await s.execute(text("SELECT count(*) FROM votes"))).scalar() == 1
            session_of = text("SELECT session_id FROM clips WHERE id = :id")
            assert (await s.execute(session_of, {"id": clip.id})).scalar() == session.id
    finally:
        await db.close()

    await upgrade(url)
    assert await schema_diff(url) == []
    db = Database.from_url(url)
    try:
        store = Storage(db)
        legacy = await store.clips.for_web(clip.id)
        assert legacy is not None and legacy.web_token is None and legacy.session_id == session.id
        assert (await store.votes.tally(clip.id)).up == 1
        legacy_session = await store.sessions.for_web(session.id)
        assert legacy_session is not None and legacy_session.web_key == session.id
        assert await store.members.names(GUILD, [7]) == {}  # names start afresh
        fresh = await make_clip(db, tmp_path, 7, section=2)
        assert fresh.web_token is not None
        assert await store.clips.for_web(fresh.id) is None  # tokened: no short-id link
        assert await store.clips.for_web(fresh.web_token) == fresh
    finally:
        await db.close()
