"""Community jam sessions: one locked song plan, many members' takes, votes, one stitched song."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from bot.db import SessionClose, SessionRecord, TopClip
from bot.errors import Forbidden, RequestError
from bot.parsing import parse_request
from bot.runtime.jobs import JobKind, StoredSection
from bot.service.planning import new_seed, plan_from_spec
from bot.service.spec import RequestKind, RequestSpec
from bot.service.types import Prepared, Requester
from models.melody import Melody
from models.plan import SectionPlan, SectionRole, SongPlan
from models.planning import vary_plan

if TYPE_CHECKING:
    from bot.service.requests import ComposerService

__all__ = [
    "close_session",
    "parse_order",
    "plan_for_session_take",
    "prepare_session_song",
    "start_session",
]

_ROLE_WORDS = {r.value: r for r in SectionRole} | {
    "drop": SectionRole.CLIMAX,
    "hook": SectionRole.CHORUS,
    "ending": SectionRole.OUTRO,
    "opening": SectionRole.INTRO,
    "riser": SectionRole.BUILDUP,
}


async def start_session(
    service: ComposerService,
    words: str,
    who: Requester,
    name: str | None,
    *,
    melody: Melody | None = None,
) -> SessionRecord:
    """Plan a whole song from ``words`` (on ``melody``, when given) and open a session locked to
    that plan: every take shares its key, tempo and motif."""
    if who.guild_id is None or who.channel_id is None:
        raise RequestError("Jam sessions happen in a server channel, not in DMs.")
    service.admission.check_channel(who)
    spec = parse_request(words, default_kind=RequestKind.SONG)
    spec = replace(spec, kind=RequestKind.SONG)
    plan, _ = plan_from_spec(spec, default_style=None, melody=melody)
    title = (name or "").strip() or f"{plan.style} jam in {plan.key.name}"
    return await service.storage.sessions.create(
        guild_id=who.guild_id,
        parent_channel_id=who.parent_channel_id or who.channel_id,
        owner_id=who.user_id,
        name=title,
        plan=plan,
    )


def _leader_section(entry: TopClip | None) -> StoredSection | None:
    return entry.clip.files.as_stored_section() if entry is not None else None


async def plan_for_session_take(
    service: ComposerService, session: SessionRecord, spec: RequestSpec, text: str
) -> Prepared:
    """A member's take on one section of the session's locked plan."""

    locked = session.plan
    clashes = []
    if spec.key is not None and spec.key != locked.key:
        clashes.append(f"key {spec.key.name}")
    if spec.bpm is not None and abs(spec.bpm - locked.bpm) > 0.5:
        clashes.append(f"{spec.bpm:g} bpm")
    if spec.meter is not None and spec.meter != locked.meter:
        clashes.append(f"{spec.meter}")
    if clashes:
        raise RequestError(
            f"This jam session is locked to {locked.key.name}, {locked.bpm:g} bpm, "
            f"{locked.meter}, so every part fits together — you asked for "
            f"{', '.join(clashes)}. Leave those out, or start a new session."
        )
    leaders = await service.storage.sessions.leaders(session.id)
    role = spec.section
    if role is None:  # the first section nobody has composed yet, else the first one
        role = next((r for r in session.roles if leaders.get(r) is None), session.roles[0])
    if role not in session.roles:
        names = ", ".join(r.value for r in session.roles)
        raise RequestError(f"This session's song has no {role.value}; it has: {names}.")
    # A take keeps the locked key, tempo, meter, style and motif; its own seed (asked for, or
    # new) varies the details, so two members' takes on one section differ.
    plan = vary_plan(locked, spec.seed if spec.seed is not None else new_seed())
    index = next(i for i, s in enumerate(plan.sections) if s.role is role)
    position = session.roles.index(role)
    previous = _leader_section(leaders.get(session.roles[position - 1])) if position else None
    return Prepared(
        spec,
        plan,
        (index,),
        text=text,
        previous=previous,
        backend=spec.backend,
        session_id=session.id,
        session_role=role,
    )


def parse_order(text: str | None, default: tuple[SectionRole, ...]) -> tuple[SectionRole, ...]:
    """``"intro, climax, outro"`` → roles; words that are not sections are an error."""
    if not text or not text.strip():
        return default
    roles = []
    for word in re.split(r"[\s,>→;/|-]+", text.lower()):
        if not word:
            continue
        role = _ROLE_WORDS.get(word)
        if role is None:
            known = ", ".join(r.value for r in SectionRole)
            raise RequestError(f"'{word}' is not a section. Use words like: {known}.")
        roles.append(role)
    return tuple(roles)


def _require_arranger(session: SessionRecord, who: Requester) -> None:
    if session.owner_id != who.user_id and not who.is_admin:
        raise Forbidden(
            "Only the person who started this session (or someone with Manage Server) can do that."
        )


async def prepare_session_song(
    service: ComposerService, session: SessionRecord, who: Requester, order: str | None
) -> tuple[Prepared, tuple[SectionRole, ...]]:
    """Stitch the top-voted clip of each section, in song order, into one song.
    Returns the prepared job and the sections that had no clip (skipped)."""

    _require_arranger(session, who)
    roles = parse_order(order, session.roles)
    leaders = await service.storage.sessions.leaders(session.id)
    chosen = [(r, leaders.get(r)) for r in roles]
    present = [(r, e) for r, e in chosen if e is not None]
    missing = tuple(r for r, e in chosen if e is None)
    if not present:
        raise RequestError(
            "Nobody has composed a section in this session yet — try `/compose intro`."
        )
    sections: list[SectionPlan] = []
    start_bar = 0
    for k, (role, entry) in enumerate(present):
        assert entry is not None
        src_plan = entry.clip.plan
        source = src_plan.section(role)
        sections.append(replace(source, index=k, start_bar=start_bar))
        start_bar += source.bars
    plan: SongPlan = replace(session.plan, sections=tuple(sections))
    stitch = tuple(e.clip.files.as_stored_section() for _, e in present if e is not None)
    prepared = Prepared(
        None,
        plan,
        tuple(range(len(sections))),
        text=f"session song: {session.name}",
        kind=JobKind.STITCH,
        stitch=stitch,
        session_id=session.id,
        backend="embedded",
    )
    return prepared, missing


async def close_session(
    service: ComposerService, session: SessionRecord, who: Requester
) -> SessionClose:
    return await service.storage.sessions.close(session.id, who.user_id, admin=who.is_admin)
