"""The worker process, driven over its real stdin/stdout like the pool does."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from bot.runtime.jobs import RenderJob
from bot.runtime.protocol import (
    PROTOCOL_VERSION,
    Cancel,
    Done,
    Failed,
    Heartbeat,
    JobMessage,
    PoolMessage,
    Progress,
    Ready,
    Shutdown,
    WorkerMessage,
    decode_worker_message,
)
from bot.runtime.worker import GENERIC_FAILURE, TEST_BACKENDS_ENV
from tests.slow_backend import GARBAGE, TEST_BACKENDS, make_job

ROOT = Path(__file__).resolve().parent.parent
M = TypeVar("M")
pytestmark = pytest.mark.timeout(120)  # a hang fails the test instead of stalling CI
WAIT_S = 60.0  # a guard against hangs, not a speed assertion


class WorkerUnderTest:
    """``python -m bot.runtime.worker`` with pipes; every stdout line must be a protocol message."""

    def __init__(self, clips_dir: Path, env: dict[str, str], backend: str, heartbeat_s: float):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot.runtime.worker", "--backend", backend, "--device", "cpu",
             "--clips-dir", str(clips_dir), "--heartbeat-s", str(heartbeat_s)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=env, cwd=ROOT,
        )  # fmt: skip
        self.messages: queue.Queue[WorkerMessage | None] = queue.Queue()
        self.stdout_lines: list[bytes] = []
        self.stderr_lines: list[str] = []
        self._threads = [
            threading.Thread(target=self._read_stdout, daemon=True),
            threading.Thread(target=self._read_stderr, daemon=True),
        ]
        for t in self._threads:
            t.start()

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.stdout_lines.append(line)
            self.messages.put(decode_worker_message(line))  # strict: garbage would raise
        self.messages.put(None)

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr_lines.append(line.decode("utf-8", "replace"))

    @property
    def stderr(self) -> str:
        return "".join(self.stderr_lines)

    def send(self, message: PoolMessage | str) -> None:
        assert self.proc.stdin is not None
        line = message if isinstance(message, str) else message.to_json()
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def next(self, *, heartbeats: bool = False) -> WorkerMessage | None:
        while True:
            message = self.messages.get(timeout=WAIT_S)
            if heartbeats or not isinstance(message, Heartbeat):
                return message

    def expect(self, kind: type[M], *, heartbeats: bool = False) -> M:
        message = self.next(heartbeats=heartbeats)
        assert isinstance(message, kind), (
            f"expected {kind.__name__}, got {message!r}\n{self.stderr}"
        )
        return message

    def result(self, job_id: str) -> tuple[list[Progress], Done | Failed]:
        progress: list[Progress] = []
        while True:
            message = self.next()
            if isinstance(message, Progress):
                progress.append(message)
                continue
            assert isinstance(message, Done | Failed), f"{message!r}\n{self.stderr}"
            assert message.job_id == job_id
            return progress, message

    def wait(self) -> int:
        return self.proc.wait(timeout=WAIT_S)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=WAIT_S)
        for t in self._threads:
            t.join(timeout=WAIT_S)


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[Any]:
    started: list[WorkerUnderTest] = []

    def start(backend: str = "slow", heartbeat_s: float = 5.0, **env: str) -> WorkerUnderTest:
        pythonpath = os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))
        full_env = dict(os.environ, PYTHONPATH=pythonpath, **{TEST_BACKENDS_ENV: TEST_BACKENDS})
        full_env.update(env)
        worker = WorkerUnderTest(tmp_path / "clips", full_env, backend, heartbeat_s)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.close()


def _wait_for_file(path: Path) -> None:
    deadline = time.monotonic() + WAIT_S
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


def _job(job_id: str, *extras: tuple[str, str]) -> RenderJob:
    return make_job(job_id, *extras)


def test_ready_then_serves_many_jobs_with_one_load(start_worker: Any) -> None:
    worker = start_worker()
    ready = worker.expect(Ready)
    assert (ready.backend, ready.device, ready.pid) == ("slow", "cpu", worker.proc.pid)
    assert ready.protocol == PROTOCOL_VERSION and ready.load_s >= 0
    for job_id in ("j1", "j2"):
        worker.send(JobMessage(_job(job_id)))
        progress, result = worker.result(job_id)
        assert isinstance(result, Done), result
        assert progress and all(p.job_id == job_id for p in progress)
        assert progress[-1].progress.fraction == pytest.approx(1.0)
        assert Path(result.clip.audio_path).is_file()
        assert Path(result.clip.directory).name == f"clip-{job_id}"
    assert worker.stderr.count("loaded on cpu") == 1  # loaded once for both jobs
    worker.send(Shutdown())
    assert worker.wait() == 0
    # The chatter at load went to stderr, never to the protocol.
    assert GARBAGE + " (at load)" in worker.stderr
    assert all(json.loads(line)["type"] for line in worker.stdout_lines)


def test_library_output_on_stdout_cannot_corrupt_the_protocol(start_worker: Any) -> None:
    worker = start_worker()
    worker.expect(Ready)
    worker.send(JobMessage(_job("g1", ("test_mode", "garbage"))))
    _, result = worker.result("g1")
    assert isinstance(result, Done), result
    worker.send(Shutdown())
    assert worker.wait() == 0
    for how in ("(print)", "(fd 1)", "(C puts)"):
        assert f"{GARBAGE} {how}" in worker.stderr
    assert not any(GARBAGE.encode() in line for line in worker.stdout_lines)


def test_cancel_stops_the_running_job_and_the_worker_keeps_serving(
    start_worker: Any, tmp_path: Path
) -> None:
    worker = start_worker()
    worker.expect(Ready)
    marker = tmp_path / "started"
    worker.send(JobMessage(_job("c1", ("test_mode", "sleep"), ("test_marker", str(marker)))))
    _wait_for_file(marker)
    worker.send(Cancel("c1"))
    _, result = worker.result("c1")
    assert isinstance(result, Failed) and result.cancelled and not result.retryable
    worker.send(JobMessage(_job("c2")))
    _, result = worker.result("c2")
    assert isinstance(result, Done)


def test_errors_become_failed_messages(start_worker: Any) -> None:
    worker = start_worker()
    worker.expect(Ready)
    worker.send(JobMessage(_job("e1", ("test_mode", "error"))))
    _, result = worker.result("e1")
    assert isinstance(result, Failed)
    assert result.user_message == "The test backend refuses this section."
    assert not result.retryable and not result.cancelled

    worker.send(JobMessage(_job("e2", ("test_mode", "boom"))))
    _, result = worker.result("e2")
    assert isinstance(result, Failed)
    assert result.user_message == GENERIC_FAILURE and result.retryable
    assert "internal failure in the test backend" in result.detail
    worker.send(Shutdown())
    assert worker.wait() == 0
    assert "Traceback" in worker.stderr  # the traceback goes to the log only
    assert "Traceback" not in result.user_message


def test_unreadable_commands_are_answered_or_ignored(start_worker: Any) -> None:
    worker = start_worker()
    worker.expect(Ready)
    worker.send("this is not a command")
    bad = json.loads(JobMessage(_job("b1")).to_json())
    bad["job"]["plan"]["meter"] = "5/4"
    worker.send(json.dumps(bad))
    _, result = worker.result("b1")
    assert isinstance(result, Failed) and not result.retryable
    worker.send(JobMessage(_job("b2")))
    _, result = worker.result("b2")
    assert isinstance(result, Done)


def test_heartbeats_name_the_running_job(start_worker: Any, tmp_path: Path) -> None:
    worker = start_worker(heartbeat_s=0.1)
    worker.expect(Ready)
    idle = worker.expect(Heartbeat, heartbeats=True)
    assert idle.job_id is None and idle.pid == worker.proc.pid and idle.rss_bytes > 10_000_000
    marker = tmp_path / "started"
    worker.send(JobMessage(_job("h1", ("test_mode", "hang"), ("test_sleep_s", "1"),
                                ("test_marker", str(marker)))))  # fmt: skip
    _wait_for_file(marker)
    while not isinstance(message := worker.next(heartbeats=True), Heartbeat) or (
        message.job_id is None
    ):
        pass
    assert message.job_id == "h1"


def test_eof_abandons_the_job_and_exits(start_worker: Any, tmp_path: Path) -> None:
    worker = start_worker()
    worker.expect(Ready)
    marker = tmp_path / "started"
    worker.send(JobMessage(_job("x1", ("test_mode", "hang"), ("test_sleep_s", "600"),
                                ("test_marker", str(marker)))))  # fmt: skip
    _wait_for_file(marker)
    assert worker.proc.stdin is not None
    worker.proc.stdin.close()  # the pool died
    assert worker.wait() == 0  # the job ignores cancellation: the watchdog ends the process


def test_a_backend_that_cannot_load_says_why(start_worker: Any) -> None:
    worker = start_worker(COMPOSER_TEST_LOAD_FAIL="No checkpoint in /nowhere.")
    failed = worker.expect(Failed)
    assert failed.job_id is None and failed.user_message == "No checkpoint in /nowhere."
    assert not failed.retryable
    assert worker.wait() == 3

    worker = start_worker(backend="no-such-backend")
    failed = worker.expect(Failed)
    assert "unknown backend" in failed.user_message
    assert worker.wait() == 3
