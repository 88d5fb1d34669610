"""What people see: message texts, embeds, attachments and button rows.  No state, no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import discord

from bot.db import ClipRecord, JobRecord, TopClip, VoteTally
from bot.runtime.jobs import JobProgress, JobStatus, Stage
from bot.runtime.queue import Accepted
from models.styles import STYLES

__all__ = [
    "ACCENT",
    "clip_embed",
    "clip_files",
    "clip_title",
    "link_page",
    "progress_text",
    "queued_text",
]

ACCENT = discord.Colour(0x5865F2)
_BAR_CELLS = 12


def _bar(fraction: float) -> str:
    filled = round(max(0.0, min(1.0, fraction)) * _BAR_CELLS)
    return "▰" * filled + "▱" * (_BAR_CELLS - filled)


def _what(job: JobRecord) -> str:
    render = job.render
    if job.kind.value == "stitch":
        return "your session's song"
    if len(render.sections) > 1:
        return "your song"
    role = render.plan.sections[render.sections[0]].role.value
    return f"your {role}"


def queued_text(accepted: Accepted) -> str:
    job = accepted.job
    ahead = accepted.position - 1
    where = "You're next" if ahead <= 0 else f"{ahead} ahead of you"
    plan = job.render.plan
    style = STYLES[plan.style].title if plan.style in STYLES else plan.style
    return (
        f"🎼 Queued {_what(job)} — **{style}**, "
        f"{plan.key.name}, {plan.bpm:g} bpm (#{accepted.position} in line · {where}). "
        f"Job `{job.id}` · `/cancel` to stop it."
    )


def progress_text(job: JobRecord, update: JobProgress) -> str:
    bar = f"{_bar(update.fraction)} {update.fraction * 100:3.0f}%"
    if update.stage is Stage.SECTION and update.sections:
        role = update.message.split(":", 1)[-1].split("—")[0].strip() or "section"
        return f"🎹 Composing **{role}** (section {update.section} of {update.sections})\n{bar}"
    label = {
        Stage.QUEUED: "⏳ Waiting for a free composer",
        Stage.LOADING: "📦 Loading the composer",
        Stage.STITCHING: "🧵 Stitching the sections together",
        Stage.MASTERING: "🎚️ Mastering",
        Stage.ENCODING: "💾 Encoding",
        Stage.DONE: "✅ Done — uploading",
    }.get(update.stage, "🎹 Composing")
    return f"{label} {_what(job)}\n{bar}"


def failed_text(job: JobRecord, message: str) -> str:
    if job.status is JobStatus.CANCELLED:
        return f"🛑 Cancelled {_what(job)}."
    return f"❌ I couldn't finish {_what(job)}: {message}"


def clip_title(clip: ClipRecord) -> str:
    style = STYLES[clip.style].title if clip.style in STYLES else clip.style
    what = clip.section_role.value if clip.section_role else "song"
    return f"{style} {what} in {clip.key}"


def link_page(embed: discord.Embed, url: str | None) -> discord.Embed:
    """Link ``embed`` to its web page (None: no page): the title opens it and a "Web page" line
    shows it."""
    if url:
        embed.url = url
        embed.add_field(name="Web page", value=f"🔗 {url}", inline=False)
    return embed


def clip_embed(
    clip: ClipRecord,
    tally: VoteTally | None = None,
    *,
    requester_id: int | None = None,
    with_waveform: bool = True,
    page_url: str | None = None,
    session_url: str | None = None,
) -> discord.Embed:
    """``page_url``: the clip's web page (where the server's gallery is on): the title links
    to it and a line shows it.  ``session_url``: the page of the jam session it belongs to."""
    embed = discord.Embed(title=f"🎵 {clip_title(clip)}", colour=ACCENT)
    if requester_id is not None:
        embed.description = f"for <@{requester_id}>"
    minutes, seconds = divmod(round(clip.duration_s), 60)
    fields = (
        ("Style", STYLES[clip.style].title if clip.style in STYLES else clip.style),
        ("Key", clip.key),
        ("Tempo", f"{clip.bpm:g} bpm"),
        ("Meter", clip.meter),
        ("Duration", f"{minutes}:{seconds:02d}"),
        ("Seed", str(clip.seed)),
        ("Clip", f"`{clip.id}`"),
        ("Backend", clip.backend),
    )
    for name, value in fields:
        embed.add_field(name=name, value=value, inline=True)
    if tally is not None and (tally.up or tally.down):
        embed.add_field(name="Votes", value=f"👍 {tally.up} · 👎 {tally.down}", inline=True)
    if clip.relation and clip.parent_clip_id:
        embed.add_field(name="From", value=f"{clip.relation.value} of `{clip.parent_clip_id}`")
    if clip.notes:
        embed.add_field(name="Notes", value="\n".join(clip.notes)[:1000], inline=False)
    heard = clip.plan.extra("melody")
    if heard:  # a song on the user's own melody: what was heard, what was estimated from it
        estimated = clip.plan.extra("melody_estimated")
        note = f"\n{' and '.join(estimated.split(','))} estimated from it" if estimated else ""
        embed.add_field(name="Melody", value=f"{heard[0].upper()}{heard[1:]}{note}", inline=False)
    link_page(embed, page_url)
    if session_url:
        embed.add_field(name="Jam session", value=f"🔗 {session_url}", inline=False)
    if with_waveform and clip.waveform_path and Path(clip.waveform_path).exists():
        embed.set_image(url="attachment://waveform.png")
    embed.set_footer(text=f"/show id:{clip.id} · {clip.size_bytes / 1024:.0f} KiB")
    return embed


def clip_files(clip: ClipRecord, *, audio: bool = True) -> list[discord.File]:
    """The clip's audio, MIDI and waveform picture as uploads."""
    files: list[discord.File] = []
    stem = f"composer-{clip.id}"
    if audio and Path(clip.audio_path).exists():
        suffix = Path(clip.audio_path).suffix
        files.append(discord.File(clip.audio_path, filename=f"{stem}{suffix}"))
    if clip.midi_path and Path(clip.midi_path).exists():
        files.append(discord.File(clip.midi_path, filename=f"{stem}.mid"))
    if clip.waveform_path and Path(clip.waveform_path).exists():
        files.append(discord.File(clip.waveform_path, filename="waveform.png"))
    return files


def history_embed(
    title: str,
    clips: Sequence[ClipRecord],
    tallies: dict[str, VoteTally],
    *,
    page: int,
    total: int,
    per_page: int,
) -> discord.Embed:
    embed = discord.Embed(title=title, colour=ACCENT)
    if not clips:
        embed.description = "Nothing here yet — try `/compose`."
    for clip in clips:
        t = tallies.get(clip.id)
        votes = f" · 👍 {t.up} 👎 {t.down}" if t and (t.up or t.down) else ""
        stamp = discord.utils.format_dt(clip.created_at, "R")
        embed.add_field(
            name=f"`{clip.id}` {clip_title(clip)}",
            value=f"{clip.bpm:g} bpm · {round(clip.duration_s)} s · {stamp}{votes}",
            inline=False,
        )
    pages = max(1, -(-total // per_page))
    embed.set_footer(text=f"page {page + 1} of {pages} · {total} clips · /show id:<clip>")
    return embed


def top_embed(title: str, top: Sequence[TopClip], *, page_url: str | None = None) -> discord.Embed:
    """``page_url``: the server's leaderboard page (where its gallery is on)."""
    embed = discord.Embed(title=title, colour=ACCENT)
    medals = ["🥇", "🥈", "🥉"]
    if not top:
        embed.description = "No votes yet. Press 👍 on a clip you like!"
    for i, entry in enumerate(top):
        medal = medals[i] if i < len(medals) else f"{i + 1}."
        embed.add_field(
            name=f"{medal} `{entry.clip.id}` {clip_title(entry.clip)}",
            value=f"score {entry.tally.score:+d} (👍 {entry.tally.up} · 👎 {entry.tally.down}) "
            f"by <@{entry.clip.user_id}>",
            inline=False,
        )
    return link_page(embed, page_url)
