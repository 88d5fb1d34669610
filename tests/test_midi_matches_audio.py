"""Every clip's MIDI file matches its audio, through the real render pipeline: it starts at 0
and lasts as long as the audio's body (within one bar), for a lone section from the middle of
a song, a song, an extension and a stitched session song (takes in another order)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from bot.parsing import parse_request
from bot.runtime.jobs import AudioFormat, ClipFiles, JobKind, OutputSpec, RenderJob
from bot.runtime.pipeline import render_job
from bot.service.planning import plan_from_spec
from models.base import BackendConfig
from models.factory import load_backend
from models.midi import read_notes
from models.plan import SongPlan
from models.planning import next_section

RATE = 22_050


@pytest.fixture(scope="module")
def backend():  # type: ignore[no-untyped-def]
    loaded = load_backend("embedded", BackendConfig(sample_rate=RATE))
    yield loaded
    loaded.close()


def render(backend, tmp: Path, plan: SongPlan, sections: tuple[int, ...], **kw) -> ClipFiles:  # type: ignore[no-untyped-def]
    job = RenderJob(
        job_id=uuid.uuid4().hex,
        clip_id=uuid.uuid4().hex[:12],
        kind=kw.pop("kind", JobKind.SONG if len(sections) > 1 else JobKind.SECTION),
        backend="embedded",
        plan=plan,
        sections=sections,
        output=OutputSpec(format=AudioFormat.WAV, waveform=False),
        **kw,
    )
    return render_job(job, backend, tmp)


def body_s(clip: ClipFiles) -> float:
    meta = json.loads((Path(clip.directory) / "meta.json").read_text())
    seams = [int(f) for f in meta["seams"]]
    return ((seams[-1] if seams else 0) + int(meta["stem_body_frames"])) / int(meta["sample_rate"])


def assert_matches(clip: ClipFiles, plan: SongPlan) -> None:
    assert clip.midi_path is not None
    notes = read_notes(Path(clip.midi_path).read_bytes())
    first = min(n.start_s for n in notes)
    last = max(n.end_s for n in notes)
    assert first < plan.bar_s, f"MIDI starts at {first:.1f} s"
    assert abs(last - body_s(clip)) <= plan.bar_s, (last, body_s(clip))
    assert last <= clip.duration_s + plan.bar_s


def test_section_song_extension_and_session_song(backend, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    spec = parse_request("lofi song 85 bpm 40 seconds seed 4")
    song, order = plan_from_spec(spec)
    assert len(order) >= 3
    whole = render(backend, tmp_path, song, order)
    assert_matches(whole, song)

    middle = order[-2]  # before the outro: its song-time start is far from 0
    assert song.sections[middle].start_bar >= 4
    lone = render(backend, tmp_path, song, (middle,))
    assert_matches(lone, song)

    following = next_section(song, middle)
    assert following is not None
    extension = render(backend, tmp_path, song, (following,), previous=lone.as_stored_section())
    assert_matches(extension, song)

    # A session song stitches stored takes in the arranger's order: here the later one first.
    from dataclasses import replace

    sections = (
        replace(song.sections[following], index=0, start_bar=0),
        replace(song.sections[middle], index=1, start_bar=song.sections[following].bars),
    )
    stitched_plan = replace(song, sections=sections)
    stitched = render(
        backend,
        tmp_path,
        stitched_plan,
        (0, 1),
        kind=JobKind.STITCH,
        stitch=(extension.as_stored_section(), lone.as_stored_section()),
    )
    assert_matches(stitched, stitched_plan)
