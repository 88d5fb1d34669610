"""What the bot does, without Discord: requests in, queued jobs out.

The cogs translate Discord events into calls on :class:`ComposerService` and its results back into
messages; everything else (parsing, planning, limits, jobs, clips, votes) happens here, so it can
be tested without a client.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from dataclasses import replace
from pathlib import Path

from bot.db import (
    CancelOutcome,
    ClipRecord,
    ClipRelation,
    ForgetResult,
    GuildSettingsRecord,
    JobRecord,
    JobRequest,
    Page,
    Period,
    SessionRecord,
    SessionStatus,
    Storage,
    TopClip,
    VoteTally,
    new_id,
    normalize_id,
)
from bot.errors import Forbidden, NotFound, RequestError
from bot.parsing import ParseLimits, parse_request
from bot.runtime.jobs import AudioFormat, JobKind, OutputSpec, Quality, RenderJob, StoredSection
from bot.runtime.queue import Accepted, JobQueue
from bot.service.admission import Admission
from bot.service.planning import new_seed, plan_from_spec
from bot.service.sessions import plan_for_session_take
from bot.service.spec import RequestKind, RequestSpec, SlashOptions
from bot.service.types import Prepared, QueueStatus, Requester
from bot.settings import Settings
from models.melody import Melody
from models.melody.fit import plan_melody
from models.planning import next_section, vary_plan

__all__ = ["ComposerService", "Prepared", "QueueStatus", "Requester"]

log = logging.getLogger(__name__)

_UPLOAD_MARGIN = 0.98  # keep the audio a little under the per-file upload limit


class ComposerService:
    def __init__(
        self, *, settings: Settings, storage: Storage, queue: JobQueue, clips_dir: Path
    ) -> None:
        self.settings = settings
        self.storage = storage
        self.queue = queue
        self.clips_dir = clips_dir
        self.admission = Admission(settings, storage, queue)

    # --- new requests: understand (in memory, before the acknowledgement), plan, submit -------

    def understand(
        self,
        text: str,
        who: Requester,
        *,
        options: SlashOptions | None = None,
        kind: RequestKind = RequestKind.SECTION,
    ) -> RequestSpec:
        """The refusals decided from memory, well under a millisecond, so they can come before
        the acknowledgement: the channel, the words (and the duration limit), the queue caps.
        Raises a ComposerError with a friendly message."""
        guild = self.admission.check_channel(who)
        limits = guild.limits(self.settings)
        spec = parse_request(
            text,
            options,
            limits=ParseLimits(max_duration_s=limits.max_duration_s),
            default_kind=kind,
        )
        if kind is RequestKind.SONG and spec.kind is not RequestKind.SONG:
            spec = replace(spec, kind=RequestKind.SONG)
        self.admission.check_caps(who)
        return spec

    async def plan(
        self, spec: RequestSpec, text: str, who: Requester, *, melody: Melody | None = None
    ) -> Prepared:
        """Plan an understood request (a session take in a session thread), on ``melody`` when
        the user brought one (a session's takes share the session's)."""
        session = await self._session_for(who)
        if session is not None:
            return await plan_for_session_take(self, session, spec, text)
        guild = self.admission.guild(who.guild_id)
        plan, indices = plan_from_spec(
            spec,
            default_style=guild.default_style,
            max_duration_s=guild.limits(self.settings).max_duration_s,
            melody=melody,
        )
        return Prepared(spec, plan, indices, text=text)

    async def prepare(
        self,
        text: str,
        who: Requester,
        *,
        options: SlashOptions | None = None,
        kind: RequestKind = RequestKind.SECTION,
        melody: Melody | None = None,
    ) -> Prepared:
        """Understand and plan a request; raises a ComposerError with a friendly message."""
        spec = self.understand(text, who, options=options, kind=kind)
        return await self.plan(spec, text, who, melody=melody)

    async def prepare_reroll(self, clip_id: str) -> Prepared:
        """The same request with a new seed."""
        clip, job = await self._clip_and_job(clip_id)
        spec = self._stored_spec(job) or RequestSpec(style=clip.style, prompt=clip.plan.prompt)
        spec = replace(spec, seed=None)
        plan, indices = plan_from_spec(spec, seed=new_seed(), melody=plan_melody(clip.plan))
        return Prepared(
            spec,
            plan,
            indices,
            text=job.request_text if job else "",
            parent=clip,
            relation=ClipRelation.REROLL,
            backend=clip.backend,
            session_id=clip.session_id,
            session_role=clip.section_role if clip.session_id else None,
        )

    async def prepare_variation(self, clip_id: str) -> Prepared:
        """The same plan with small changes (humanisation, fills, voicings)."""
        clip, job = await self._clip_and_job(clip_id)
        return Prepared(
            self._stored_spec(job),
            vary_plan(clip.plan, new_seed()),
            self._clip_sections(clip, job),
            text=job.request_text if job else "",
            parent=clip,
            relation=ClipRelation.VARIATION,
            backend=clip.backend,
            session_id=clip.session_id,
            session_role=clip.section_role if clip.session_id else None,
        )

    async def prepare_extend(self, clip_id: str) -> Prepared:
        """The next section of the same song, continued from this clip."""
        clip, job = await self._clip_and_job(clip_id)
        following = next_section(clip.plan, self._clip_sections(clip, job)[-1])
        if following is None:
            raise RequestError(
                "That clip is already the end of its song (the outro). Try 🔁 variation instead."
            )
        return Prepared(
            self._stored_spec(job),
            clip.plan,
            (following,),
            text=job.request_text if job else "",
            parent=clip,
            relation=ClipRelation.EXTEND,
            previous=clip.files.as_stored_section(),
            backend=clip.backend,
        )

    async def prepare_full_render(self, clip_id: str) -> Prepared:
        """Re-render a preview clip at full quality from its stored state (neural backends)."""
        clip, job = await self._clip_and_job(clip_id)
        if clip.backend == "embedded":
            raise RequestError("This clip is already at full quality.")
        indices = self._clip_sections(clip, job)
        states = self._meta(clip).get("states") or {}
        assert isinstance(states, dict)
        refine = tuple(
            StoredSection(
                clip_id=clip.id,
                stem_path=clip.stem_path,
                body_frames=clip.body_frames,
                sample_rate=clip.sample_rate,
                state_path=str(Path(clip.directory) / states[str(i)]) if str(i) in states else None,
            )
            for i in indices
        )
        return Prepared(
            self._stored_spec(job),
            clip.plan,
            indices,
            text=job.request_text if job else "",
            parent=clip,
            relation=ClipRelation.VARIATION,
            backend=clip.backend,
            quality=Quality.FULL,
            refine=refine,
        )

    async def submit(self, prepared: Prepared, who: Requester) -> Accepted:
        """Queue a prepared request: the job is committed before this returns."""
        p = prepared
        guild = self.admission.guild(who.guild_id)
        backend = p.backend or (p.spec.backend if p.spec else None) or guild.default_backend
        max_bytes = int(who.upload_limit_bytes * _UPLOAD_MARGIN) if who.upload_limit_bytes else None
        render = RenderJob(
            job_id=new_id(12),
            clip_id=new_id(),
            kind=p.kind or (JobKind.SONG if len(p.sections) > 1 else JobKind.SECTION),
            backend=backend or self.settings.default_backend,
            plan=p.plan,
            sections=p.sections,
            output=OutputSpec(
                format=AudioFormat.parse(self.settings.default_format),
                max_bytes=max_bytes,
                # A result too large to upload is linked to its page where the gallery is on.
                oversize_ok=guild.gallery and self.settings.web_url is not None,
            ),
            quality=p.quality,
            previous=p.previous,
            stitch=p.stitch,
            refine=p.refine,
            timeout_s=self.settings.job_timeout_s,
        )
        accepted = await self.queue.enqueue(
            JobRequest(
                render=render,
                user_id=who.user_id,
                guild_id=who.guild_id,
                channel_id=who.channel_id,
                request_text=p.text[:1000],
                spec=p.spec,
                parent_clip_id=p.parent.id if p.parent else None,
                relation=p.relation,
                session_id=p.session_id,
                session_role=p.session_role,
                application_id=who.application_id,
                interaction_token=who.interaction_token,
                interaction_created_at=who.interaction_created_at,
                progress_message_id=who.progress_message_id,
                original_message_id=who.original_message_id,
                display_name=who.display_name,
            )
        )
        self.admission.accepted(accepted.job)
        return accepted

    async def set_progress_message(self, job_id: str, message_id: int) -> None:
        await self.storage.jobs.set_reply(job_id, progress_message_id=message_id)

    # --- the queue ----------------------------------------------------------------------------

    async def cancel(
        self, who: Requester, job_id: str | None = None
    ) -> tuple[JobRecord, CancelOutcome]:
        """Cancel ``job_id`` or, when None, the requester's newest queued/running job."""
        active = await self.queue.active(who.user_id)
        if job_id is None:
            if not active:
                raise NotFound("You have nothing in the queue to cancel.")
            target = active[-1]
        else:
            found = await self.queue.get(job_id)
            if found is None:
                raise NotFound(f"I can't find job `{job_id}`.")
            target = found
        if target.user_id != who.user_id and not who.is_admin:
            raise Forbidden("You can only cancel your own songs.")
        outcome, record = await self.queue.cancel(target.id, who.user_id, admin=who.is_admin)
        if outcome is CancelOutcome.CANCELLED:
            self.admission.left(record.id)  # its place is free for the next request at once
        return record, outcome

    async def queue_status(self, who: Requester) -> QueueStatus:
        from bot.runtime.jobs import JobStatus

        positions = await self.queue.positions()
        mine = tuple((j, positions.get(j.id)) for j in await self.queue.active(who.user_id))
        return QueueStatus(
            mine=mine,
            queued=await self.queue.count(JobStatus.QUEUED),
            running=await self.queue.count(JobStatus.RUNNING),
        )

    # --- clips, votes, history ----------------------------------------------------------------

    async def clip(self, clip_id: str) -> ClipRecord:
        normal = normalize_id(clip_id)
        if normal is None:
            raise NotFound(
                f"`{clip_id.strip()[:20]}` is not a clip id (they look like `k3v9q2mx`)."
            )
        return await self.storage.clips.require(normal)

    async def vote(self, clip_id: str, user_id: int, value: int) -> VoteTally:
        return await self.storage.votes.toggle(clip_id, user_id, value)

    async def tally(self, clip_id: str, user_id: int | None = None) -> VoteTally:
        return await self.storage.votes.tally(clip_id, user_id)

    async def history(
        self, *, user_id: int | None, guild_id: int | None, page: int, per_page: int = 5
    ) -> Page[ClipRecord]:
        return await self.storage.clips.history(
            user_id=user_id, guild_id=guild_id, offset=page * per_page, limit=per_page
        )

    async def top(self, guild_id: int, period: Period, limit: int = 10) -> tuple[TopClip, ...]:
        return await self.storage.clips.top(guild_id, period, limit=limit)

    async def forget(self, user_id: int) -> ForgetResult:
        """Delete a user's requests, clips and votes, and the clips' files; the jam sessions
        they started on their melody are closed and lose the tune."""
        sessions = await self.storage.sessions.forget_melodies(user_id)
        result = await self.storage.users.forget(user_id)
        await asyncio.to_thread(self._remove_clip_dirs, result.clip_dirs)
        return replace(result, melody_sessions=sessions)

    def _remove_clip_dirs(self, directories: tuple[str, ...]) -> None:
        root = self.clips_dir.resolve()
        for directory in directories:
            path = Path(directory).resolve()
            if path.parent == root:  # never delete outside the clip store
                shutil.rmtree(path, ignore_errors=True)

    async def guild_settings(self, guild_id: int) -> GuildSettingsRecord:
        return await self.storage.guilds.settings(guild_id)

    async def update_guild_settings(
        self, who: Requester, changes: dict[str, object]
    ) -> GuildSettingsRecord:
        if who.guild_id is None:
            raise RequestError("Server settings only exist in a server.")
        if not who.is_admin:
            raise Forbidden("Only members with the Manage Server permission can change settings.")
        record = await self.storage.guilds.update_settings(who.guild_id, changes)
        self.admission.remember_guild(record)
        return record

    # --- helpers ------------------------------------------------------------------------------

    async def _session_for(self, who: Requester) -> SessionRecord | None:
        if who.guild_id is None or who.channel_id is None:
            return None
        session = await self.storage.sessions.by_thread(who.channel_id)
        if session is None:
            return None
        if session.status is not SessionStatus.OPEN:
            raise RequestError(
                f"The jam session **{session.name}** is closed, so takes are no longer collected "
                "here. Ask in the channel for a standalone clip, or start a new session."
            )
        return session

    async def _clip_and_job(self, clip_id: str) -> tuple[ClipRecord, JobRecord | None]:
        clip = await self.clip(clip_id)
        job = await self.queue.get(clip.job_id) if clip.job_id else None
        return clip, job

    @staticmethod
    def _stored_spec(job: JobRecord | None) -> RequestSpec | None:
        return RequestSpec.from_json_dict(job.spec_json) if job and job.spec_json else None

    def _meta(self, clip: ClipRecord) -> dict[str, object]:
        from bot.storage.clip_store import ClipStore

        try:
            return ClipStore(Path(clip.directory).parent).read_meta(clip.id)
        except (OSError, ValueError):
            return {}

    def _clip_sections(self, clip: ClipRecord, job: JobRecord | None) -> tuple[int, ...]:
        if job is not None:
            return job.render.sections
        sections = self._meta(clip).get("sections")
        if isinstance(sections, list) and sections:
            return tuple(int(i) for i in sections)
        if clip.section_role is not None:
            return (clip.plan.sections.index(clip.plan.section(clip.section_role)),)
        return tuple(range(len(clip.plan.sections)))
