"""The JSON-lines worker protocol: round trips, strict and lenient decoding."""

from __future__ import annotations

import json
import logging

import pytest

from bot.runtime.jobs import AudioFormat, ClipFiles, JobProgress, Stage
from bot.runtime.protocol import (
    PROTOCOL_VERSION,
    Cancel,
    Done,
    Failed,
    Heartbeat,
    JobMessage,
    Progress,
    ProtocolError,
    Ready,
    Shutdown,
    WorkerMessage,
    decode_pool_message,
    decode_worker_message,
    parse_pool_message,
    parse_worker_message,
)
from tests.slow_backend import make_job

CLIP = ClipFiles(
    clip_id="c1",
    directory="/clips/c1",
    audio_path="/clips/c1/audio.ogg",
    audio_format=AudioFormat.OGG,
    midi_path=None,
    waveform_path="/clips/c1/waveform.png",
    stem_path="/clips/c1/stem.flac",
    state_path=None,
    body_frames=96_000,
    sample_rate=48_000,
    duration_s=2.1,
    loudness_lufs=-14.0,
    true_peak_dbtp=-1.2,
    size_bytes=12_345,
    bitrate_kbps=96,
    notes=("unknown word 'kazoo' — used a flute",),
)

WORKER_MESSAGES = [
    Ready(backend="embedded", device="cpu", pid=123, load_s=0.25),
    Progress(JobProgress("j1", Stage.SECTION, 0.5, 1, 2, "section 1 of 2: verse — ünïcode\n")),
    Done("j1", CLIP, elapsed_s=1.25),
    Failed("j1", "The request was odd.", retryable=False, detail="Traceback...\nline 2"),
    Failed(None, "checkpoint missing", retryable=False),
    Failed("j2", "The job was cancelled.", retryable=False, cancelled=True),
    Heartbeat(pid=123, job_id=None, rss_bytes=10_000_000),
    Heartbeat(pid=123, job_id="j1", rss_bytes=1),
]


@pytest.mark.parametrize("message", WORKER_MESSAGES, ids=lambda m: type(m).__name__)
def test_worker_messages_round_trip_on_one_line(message: WorkerMessage) -> None:
    line = message.to_json()
    assert "\n" not in line
    assert json.loads(line)["type"] == type(message).type
    assert decode_worker_message(line) == message
    assert decode_worker_message(line.encode() + b"\n") == message
    assert type(message).from_json(line) == message


def test_pool_messages_round_trip() -> None:
    job = make_job("j9", ("test_mode", "sleep"), ("note", "naïve — ok"))
    for message in (JobMessage(job), Cancel("j9"), Shutdown()):
        line = message.to_json()
        assert "\n" not in line
        assert decode_pool_message(line) == message
        assert type(message).from_json(line) == message
    assert decode_pool_message(JobMessage(job).to_json()).job.plan == job.plan  # type: ignore[union-attr]


def test_ready_carries_the_protocol_version() -> None:
    assert json.loads(Ready("embedded", "cpu", 1, 0.1).to_json())["protocol"] == PROTOCOL_VERSION


@pytest.mark.parametrize(
    "line",
    [
        "hello from a library",
        "{not json",
        "[1, 2, 3]",
        '{"type": "bogus"}',
        '{"type": "ready", "backend": "x"}',
        '{"type": "progress", "progress": {"job_id": "j", "stage": "nope", "fraction": 1}}',
        b"\xff\xfe binary",
    ],
)
def test_garbled_worker_lines_are_logged_not_fatal(
    line: str | bytes, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(ProtocolError):
        decode_worker_message(line)
    with caplog.at_level(logging.WARNING, logger="bot.runtime.protocol"):
        assert parse_worker_message(line, source="worker w0") is None
    assert "worker w0" in caplog.text


def test_blank_lines_are_ignored_silently(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="bot.runtime.protocol"):
        assert parse_worker_message("   \n") is None
        assert parse_pool_message(b"\n") is None
    assert caplog.text == ""


def test_a_worker_message_is_not_a_pool_message() -> None:
    line = Heartbeat(1, None, 1).to_json()
    with pytest.raises(ProtocolError):
        decode_pool_message(line)
    assert parse_pool_message(line) is None
    with pytest.raises(ProtocolError):
        Ready.from_json(Shutdown().to_json())


def test_a_job_with_a_bad_plan_names_its_job_id() -> None:
    data = json.loads(JobMessage(make_job("j7")).to_json())
    data["job"]["plan"]["bpm"] = 5000  # PlanError: outside 20..300
    with pytest.raises(ProtocolError) as info:
        decode_pool_message(json.dumps(data))
    assert info.value.job_id == "j7"


def test_cancel_needs_a_job_id() -> None:
    with pytest.raises(ProtocolError):
        decode_pool_message('{"type": "cancel"}')
