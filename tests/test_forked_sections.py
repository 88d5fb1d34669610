"""The CLI splits a song's independent sections with a forked copy of itself: the same bytes as on
threads, really two processes; a child that fails leaves its sections to the parent, a job that
is cancelled stops it, and no process is left behind.  Each case runs in a fresh
single-threaded interpreter (forking is only done where no other thread exists), as
``composer song`` does."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

_SETUP = """
import json, os, sys, tempfile, uuid
from pathlib import Path
import numpy as np
import soundfile as sf
import bot.runtime.sections as sections
from bot.errors import JobCancelled
from bot.runtime.jobs import AudioFormat, JobKind, OutputSpec, RenderJob
from bot.runtime.pipeline import render_job
from models.base import BackendConfig
from models.factory import load_backend
from models.planning import PlanRequest, plan_request

backend = load_backend("embedded", BackendConfig(sample_rate=22_050, midi=False))
plan, indices = plan_request(
    PlanRequest(kind="song", style="house", bpm=126.0, duration_s=20.0, seed=4)
)
job = RenderJob(
    job_id=uuid.uuid4().hex, clip_id=uuid.uuid4().hex[:12], kind=JobKind.SONG,
    backend="embedded", plan=plan, sections=indices,
    output=OutputSpec(format=AudioFormat.WAV, waveform=False, stem=False),
)
pids = []
original = backend.generate
def generate(plan, section, **kw):
    pids.append(os.getpid())
    with open(os.environ["PID_LOG"], "a") as log:
        log.write(f"{os.getpid()}\\n")
    return original(plan, section, **kw)
backend.generate = generate
out = {"parent": os.getpid(), "sections": len(indices)}


def children_left():
    try:
        os.waitpid(-1, os.WNOHANG)
        return True
    except ChildProcessError:
        return False
"""


def run_case(tmp_path: Path, body: str) -> dict[str, object]:
    script = _SETUP + textwrap.dedent(body) + "\nprint(json.dumps(out))\n"
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={
            "PID_LOG": str(tmp_path / "pids.txt"),
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
        },
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr  # the child prints nothing of its failures
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    result["stderr"] = done.stderr
    result["pids"] = sorted({int(p) for p in (tmp_path / "pids.txt").read_text().split()})
    return result


def test_two_processes_give_the_bytes_of_threads(tmp_path: Path) -> None:
    result = run_case(
        tmp_path,
        """
        scratch = [Path("/dev/shm"), Path(tempfile.gettempdir())]
        def scratch_dirs():
            return {p for d in scratch if d.is_dir() for p in d.glob("composer-sections-*")}
        before = scratch_dirs()
        forked = render_job(job, backend, Path(tempfile.mkdtemp()), fork_sections=True)
        out["scratch_left"] = sorted(str(p) for p in scratch_dirs() - before)
        sections.can_fork = lambda: False
        threaded = render_job(job, backend, Path(tempfile.mkdtemp()), fork_sections=True)
        a, _ = sf.read(forked.audio_path, dtype="int16")
        b, _ = sf.read(threaded.audio_path, dtype="int16")
        out["same"] = bool(a.shape == b.shape and np.array_equal(a, b))
        out["seconds"] = forked.duration_s
        out["children_left"] = children_left()
        """,
    )
    assert result["same"] is True
    assert float(result["seconds"]) > 15.0  # type: ignore[arg-type]
    assert len(result["pids"]) == 2 and result["parent"] in result["pids"]  # type: ignore[arg-type,operator]
    assert result["children_left"] is False
    assert result["scratch_left"] == []


@pytest.mark.parametrize("how", ["raise", "die"])
def test_a_failing_child_leaves_its_sections_to_the_parent(tmp_path: Path, how: str) -> None:
    """The split is a speed-up only: when the child raises or dies, this process renders what
    it did not bring (the same bytes), says so in a warning, and leaves no process behind."""
    result = run_case(
        tmp_path,
        f"""
        sections.can_fork = lambda: False
        expected = render_job(job, backend, Path(tempfile.mkdtemp()), fork_sections=True)
        sections.can_fork = lambda: True
        parent = os.getpid()
        inner = backend.generate
        def failing(plan, section, **kw):
            if os.getpid() != parent:
                if {how!r} == "die":
                    os.kill(os.getpid(), 9)
                raise RuntimeError("boom in the child")
            return inner(plan, section, **kw)
        backend.generate = failing
        clip = render_job(job, backend, Path(tempfile.mkdtemp()), fork_sections=True)
        a, _ = sf.read(clip.audio_path, dtype="int16")
        b, _ = sf.read(expected.audio_path, dtype="int16")
        out["same"] = bool(a.shape == b.shape and np.array_equal(a, b))
        out["children_left"] = children_left()
        """,
    )
    assert result["same"] is True and result["children_left"] is False
    warning = str(result["stderr"])
    assert "rendering its sections here" in warning
    if how == "raise":  # the child's error travels to the parent (printed nowhere else)
        assert "RuntimeError: boom in the child" in warning


def test_a_cancel_stops_the_child_too(tmp_path: Path) -> None:
    result = run_case(
        tmp_path,
        """
        try:
            render_job(
                job, backend, Path(tempfile.mkdtemp()), fork_sections=True,
                should_cancel=lambda: len(pids) >= 1,
            )
            out["cancelled"] = False
        except JobCancelled:
            out["cancelled"] = True
        out["children_left"] = children_left()
        """,
    )
    assert result["cancelled"] is True and result["children_left"] is False
