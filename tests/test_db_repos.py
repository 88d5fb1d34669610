"""Repositories: votes (database-enforced uniqueness, toggling), history, top clips, lookups,
guild settings, forget-me, jam sessions.  Real databases, no mocks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError

from bot.db import (
    ClipRecord,
    ClipRelation,
    Database,
    Limits,
    Period,
    Storage,
)
from bot.db.tables import ClipRow, VoteRow, utcnow
from bot.errors import Forbidden, NotFound, RequestError
from bot.runtime.jobs import JobKind
from bot.settings import Settings
from models.plan import SectionRole
from tests.test_db_support import (
    DATABASES,
    fake_files,
    make_plan,
    make_render,
    make_request,
    migrated_db,
)

GUILD = 1000
LIMITS = Limits(
    max_queued_per_user=50, max_running_per_user=50, max_queued_per_guild=500, max_duration_s=600
)


@pytest.fixture(params=DATABASES)
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    async for database in migrated_db(request.param, tmp_path):
        yield database


async def make_clip(
    db: Database,
    tmp_path: Path,
    user_id: int,
    *,
    guild_id: int | None = GUILD,
    section: int = 1,
    session_id: str | None = None,
    session_role: SectionRole | None = None,
    parent: str | None = None,
    display_name: str | None = None,
) -> ClipRecord:
    """A clip made the way the scheduler makes one: insert, claim, complete."""
    store = Storage(db)
    render = make_render(section=section)
    job = await store.jobs.insert(
        make_request(
            user_id,
            guild_id,
            render=render,
            session_id=session_id,
            session_role=session_role,
            parent_clip_id=parent,
            relation=ClipRelation.REROLL if parent else None,
            display_name=display_name,
        ),
        limits=LIMITS,
        max_attempts=3,
    )
    claimed = await store.jobs.claim_next(lambda snap: job.id)
    assert claimed is not None and claimed.attempts == 1
    result = await store.jobs.complete(job.id, fake_files(tmp_path / "clips", job.clip_id))
    assert result is not None
    return result[1]


# --- votes -----------------------------------------------------------------------------------


async def test_a_duplicate_vote_is_refused_by_the_database(db: Database, tmp_path: Path) -> None:
    clip = await make_clip(db, tmp_path, 1)
    await Storage(db).users.ensure(2)
    async with db.write() as s:
        await s.execute(
            insert(VoteRow).values(clip_id=clip.id, user_id=2, value=1, created_at=utcnow())
        )
    with pytest.raises(IntegrityError):
        async with db.write() as s:
            await s.execute(
                insert(VoteRow).values(clip_id=clip.id, user_id=2, value=-1, created_at=utcnow())
            )
    with pytest.raises(IntegrityError):  # the value is checked too
        async with db.write() as s:
            await s.execute(
                insert(VoteRow).values(clip_id=clip.id, user_id=1, value=5, created_at=utcnow())
            )


async def test_vote_toggling(db: Database, tmp_path: Path) -> None:
    votes = Storage(db).votes
    clip = await make_clip(db, tmp_path, 1)
    t = await votes.toggle(clip.id, 2, +1)
    assert (t.up, t.down, t.score, t.mine) == (1, 0, 1, 1)
    t = await votes.toggle(clip.id, 3, +1)
    assert (t.up, t.down, t.mine) == (2, 0, 1)
    t = await votes.toggle(clip.id, 2, -1)  # the other vote flips it
    assert (t.up, t.down, t.score, t.mine) == (1, 1, 0, -1)
    t = await votes.toggle(clip.id, 2, -1)  # the same vote again removes it
    assert (t.up, t.down, t.mine) == (1, 0, 0)
    assert (await votes.tally(clip.id, 3)).mine == 1
    with pytest.raises(NotFound):
        await votes.toggle("nosuchid", 2, 1)
    with pytest.raises(RequestError):
        await votes.toggle(clip.id, 2, 2)


# --- clips -----------------------------------------------------------------------------------


async def test_clip_rows_carry_the_plan_and_files(db: Database, tmp_path: Path) -> None:
    clip = await make_clip(db, tmp_path, 1, section=2)
    got = await Storage(db).clips.get(clip.id.upper())  # typed ids are case-insensitive
    assert got == clip
    assert clip.section_role is SectionRole.CHORUS
    assert (clip.key, clip.bpm, clip.meter, clip.style, clip.seed) == (
        "A minor",
        120.0,
        "4/4",
        "lofi",
        7,
    )
    assert clip.plan == make_plan()
    assert clip.files.audio_path.endswith("audio.wav") and clip.kind is JobKind.SECTION
    assert len(clip.id) == 8
    assert await Storage(db).clips.get("zzzzzzzz") is None
    assert await Storage(db).clips.get("not an id!") is None
    with pytest.raises(NotFound):
        await Storage(db).clips.require("zzzzzzzz")


async def test_history_is_paginated_newest_first(db: Database, tmp_path: Path) -> None:
    mine = [await make_clip(db, tmp_path, 1) for _ in range(5)]
    await make_clip(db, tmp_path, 2)
    await make_clip(db, tmp_path, 1, guild_id=None)  # a DM
    clips = Storage(db).clips
    page = await clips.history(user_id=1, guild_id=GUILD, offset=0, limit=3)
    assert page.total == 5 and page.has_more
    assert [c.id for c in page.items] == [c.id for c in reversed(mine)][:3]
    page2 = await clips.history(user_id=1, guild_id=GUILD, offset=3, limit=3)
    assert [c.id for c in page2.items] == [mine[1].id, mine[0].id] and not page2.has_more
    assert (await clips.history(guild_id=GUILD)).total == 6
    assert (await clips.history(user_id=1)).total == 6


async def test_top_clips_by_net_votes_per_period(db: Database, tmp_path: Path) -> None:
    a, b, c, old = [await make_clip(db, tmp_path, 1) for _ in range(4)]
    other_server = await make_clip(db, tmp_path, 1, guild_id=999)
    votes = Storage(db).votes
    for voter in (10, 11, 12):
        await votes.toggle(b.id, voter, +1)
    await votes.toggle(a.id, 10, +1)
    await votes.toggle(c.id, 10, -1)
    for voter in (10, 11, 12, 13):
        await votes.toggle(old.id, voter, +1)
        await votes.toggle(other_server.id, voter, +1)
    async with db.write() as s:
        await s.execute(
            update(ClipRow)
            .where(ClipRow.id == old.id)
            .values(created_at=utcnow() - timedelta(days=20))
        )
    clips = Storage(db).clips
    week = await clips.top(GUILD, Period.WEEK)
    assert [t.clip.id for t in week] == [b.id, a.id, c.id]
    assert [t.tally.score for t in week] == [3, 1, -1]
    month = await clips.top(GUILD, Period.MONTH, limit=2)
    assert [t.clip.id for t in month] == [old.id, b.id]
    assert (await clips.top(GUILD, Period.ALL))[0].clip.id == old.id


# --- guild settings --------------------------------------------------------------------------


async def test_guild_settings_override_and_reset(db: Database, tmp_path: Path) -> None:
    guilds = Storage(db).guilds
    assert (await guilds.settings(GUILD)).max_queued_per_user is None
    updated = await guilds.update_settings(
        GUILD, {"max_queued_per_user": 2, "allowed_channels": [5, 3, 5], "default_style": "jazz"}
    )
    assert updated.allowed_channels == (3, 5) and updated.channel_allowed(3)
    assert not updated.channel_allowed(4)
    assert await guilds.settings(GUILD) == updated
    settings_defaults = make_settings_defaults()
    assert updated.limits(settings_defaults).max_queued_per_user == 2
    assert (
        updated.limits(settings_defaults).max_queued_per_guild
        == settings_defaults.max_queued_per_guild
    )
    reset = await guilds.update_settings(GUILD, {"max_queued_per_user": None})
    assert reset.max_queued_per_user is None and reset.default_style == "jazz"
    with pytest.raises(RequestError, match="style"):
        await guilds.update_settings(GUILD, {"default_style": "polka"})
    with pytest.raises(RequestError):
        await guilds.update_settings(GUILD, {"max_running_per_user": 0})
    with pytest.raises(RequestError, match="no server setting"):
        await guilds.update_settings(GUILD, {"token": "x"})


def make_settings_defaults() -> Settings:
    return Settings()


# --- forget-me -------------------------------------------------------------------------------


async def test_forget_me_deletes_jobs_clips_and_votes(db: Database, tmp_path: Path) -> None:
    store = Storage(db)
    mine = [await make_clip(db, tmp_path, 1) for _ in range(2)]
    theirs = await make_clip(db, tmp_path, 2)
    reroll_of_mine = await make_clip(db, tmp_path, 2, parent=mine[0].id)
    await store.votes.toggle(theirs.id, 1, +1)
    await store.votes.toggle(mine[0].id, 2, +1)
    await store.jobs.insert(make_request(1), limits=LIMITS, max_attempts=3)  # still queued
    result = await store.users.forget(1)
    assert (result.jobs, result.clips, result.votes) == (3, 2, 1)
    assert sorted(result.clip_dirs) == sorted(c.directory for c in mine)
    assert await store.clips.get(mine[0].id) is None
    assert (await store.votes.tally(theirs.id)).up == 0
    assert (await store.clips.history(user_id=1)).total == 0
    assert not await store.users.exists(1)
    survivor = await store.clips.get(reroll_of_mine.id)
    assert survivor is not None and survivor.parent_clip_id is None
    assert (await store.clips.history(user_id=2)).total == 2


# --- sessions --------------------------------------------------------------------------------


async def test_session_lifecycle_with_podium(db: Database, tmp_path: Path) -> None:
    store = Storage(db)
    sessions = store.sessions
    plan = make_plan()
    session = await sessions.create(
        guild_id=GUILD,
        parent_channel_id=77,
        owner_id=1,
        name="Friday jam",
        plan=plan,
        roles=(SectionRole.VERSE, SectionRole.CHORUS, SectionRole.OUTRO),
    )
    session = await sessions.set_thread(session.id, 555)
    assert (await sessions.by_thread(555)) == session
    assert session.roles == (SectionRole.VERSE, SectionRole.CHORUS, SectionRole.OUTRO)
    assert session.plan == plan
    v1 = await make_clip(
        db, tmp_path, 2, section=1, session_id=session.id, session_role=SectionRole.VERSE
    )
    v2 = await make_clip(
        db, tmp_path, 3, section=1, session_id=session.id, session_role=SectionRole.VERSE
    )
    v3 = await make_clip(db, tmp_path, 4, section=1)
    entered = await sessions.add_clip(session.id, v3.id)
    assert entered.session_id == session.id and entered.section_role is SectionRole.VERSE
    chorus = await make_clip(db, tmp_path, 2, section=2)
    await sessions.add_clip(session.id, chorus.id, SectionRole.CHORUS)
    intro = await make_clip(db, tmp_path, 2, section=0)
    with pytest.raises(RequestError, match="no such section"):
        await sessions.add_clip(session.id, intro.id)
    elsewhere = await make_clip(db, tmp_path, 2, section=1, guild_id=999)
    with pytest.raises(Forbidden):
        await sessions.add_clip(session.id, elsewhere.id)
    for voter in (10, 11):
        await store.votes.toggle(v2.id, voter, +1)
    await store.votes.toggle(v3.id, 10, +1)
    await store.votes.toggle(v1.id, 10, -1)
    leaders = await sessions.leaders(session.id)
    verse_leader = leaders[SectionRole.VERSE]
    assert verse_leader is not None and verse_leader.clip.id == v2.id
    assert leaders[SectionRole.OUTRO] is None
    with pytest.raises(Forbidden):
        await sessions.close(session.id, user_id=2)
    closed = await sessions.close(session.id, user_id=1)
    assert closed.session.status.value == "closed" and closed.session.closed_at is not None
    verse = closed.sections[0]
    assert [t.clip.id for t in verse.podium] == [v2.id, v3.id, v1.id]
    assert verse.chosen is not None and verse.chosen.clip.id == v2.id
    assert closed.sections[1].chosen is not None and closed.sections[1].chosen.clip.id == chorus.id
    assert closed.missing == (SectionRole.OUTRO,)
    with pytest.raises(RequestError, match="already closed"):
        await sessions.close(session.id, user_id=1)
    with pytest.raises(RequestError, match="closed"):
        await sessions.add_clip(session.id, v1.id)
    song = await make_clip(db, tmp_path, 1, section=0)
    assert (await sessions.set_song(session.id, song.id)).song_clip_id == song.id
    assert await sessions.open_in_guild(GUILD) == ()
