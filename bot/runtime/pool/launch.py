"""Which worker processes to run, and the exact argument vector and environment of each.

Pure functions of :class:`~bot.settings.Settings`: one worker per configured device; with no
``[[workers]]`` configured, CPU workers for the embedded backend, one per core by default.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import bot
from bot.settings import Settings, WorkerSpec

__all__ = ["WorkerLaunch", "plan_workers", "worker_specs"]

#: Where the ``bot`` package lives; put first on the worker's PYTHONPATH so that a worker started
#: with another interpreter (its own venv) runs the same code as the pool.
_PROJECT_ROOT = str(Path(bot.__file__).resolve().parent.parent)


@dataclass(frozen=True, slots=True)
class WorkerLaunch:
    name: str  # "embedded-0", "jukebox-1"...: unique within the pool, used in logs
    backend: str
    device: str  # as configured ("cuda:1", "cpu")
    argv: tuple[str, ...]
    env: tuple[tuple[str, str], ...]  # set on top of the pool's own environment

    def environment(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        env = dict(os.environ if base is None else base)
        env.update(self.env)
        return env


def _device_env(device: str, cpu_threads: int) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The device the worker is told to use, and the variables that pin it."""
    if device == "cuda" or device.startswith("cuda:"):
        index = device.partition(":")[2] or "0"
        if not index.isdigit():
            raise ValueError(f"bad CUDA device {device!r} (use cuda:0, cuda:1, ...)")
        return "cuda:0", (("CUDA_VISIBLE_DEVICES", index),)
    threads = str(cpu_threads)
    pinned = (
        ("OMP_NUM_THREADS", threads),  # torch's (neural backends') CPU threads
        ("MKL_NUM_THREADS", threads),
        # numpy's OpenBLAS: its products here are small and its threads spin between them,
        # taking the cores the render threads need (see bot/__init__.py)
        ("OPENBLAS_NUM_THREADS", "1"),
    )
    if device == "cpu":
        return "cpu", (("CUDA_VISIBLE_DEVICES", ""), *pinned)
    return device, ()  # e.g. "mps": passed through untouched


def worker_specs(
    settings: Settings, *, cpu_workers: int | None = None, cpu_count: int | None = None
) -> tuple[WorkerSpec, ...]:
    """The configured ``[[workers]]``; with none, embedded CPU workers: ``cpu_workers``, else
    ``settings.cpu_workers``, else one per core (``cpu_count``, default ``os.cpu_count()``)."""
    if settings.workers:
        return settings.workers
    if cpu_workers is None:
        cpu_workers = settings.cpu_workers
    count = max(1, cpu_count or os.cpu_count() or 1) if cpu_workers is None else cpu_workers
    if count < 1:
        raise ValueError("cpu_workers must be at least 1")
    return (WorkerSpec(backend="embedded", devices=("cpu",) * count),)


def plan_workers(
    settings: Settings,
    *,
    cpu_workers: int | None = None,
    cpu_count: int | None = None,
) -> tuple[WorkerLaunch, ...]:
    """The workers ``settings`` asks for.

    ``cpu_workers``: how many embedded CPU workers to run when ``settings.workers`` is empty
    (default: one per core).  ``cpu_count``: the machine's cores (default: ``os.cpu_count()``).
    """
    cores = max(1, cpu_count or os.cpu_count() or 1)
    specs = worker_specs(settings, cpu_workers=cpu_workers, cpu_count=cores)
    n_cpu = sum(1 for spec in specs for d in spec.devices if not d.startswith("cuda"))
    cpu_threads = max(1, cores // max(1, n_cpu))
    clips_dir = str(settings.clips_dir.resolve())
    pythonpath = os.pathsep.join(p for p in (_PROJECT_ROOT, os.environ.get("PYTHONPATH", "")) if p)
    counters: dict[str, int] = {}
    launches: list[WorkerLaunch] = []
    for spec in specs:
        for device in spec.devices:
            index = counters.get(spec.backend, 0)
            counters[spec.backend] = index + 1
            worker_device, device_env = _device_env(device, cpu_threads)
            argv = [
                spec.python, "-m", "bot.runtime.worker",
                "--backend", spec.backend,
                "--device", worker_device,
                "--clips-dir", clips_dir,
                "--sample-rate", str(settings.sample_rate),
                "--heartbeat-s", repr(settings.heartbeat_interval_s),
                "--log-level", settings.log_level,
            ]  # fmt: skip
            if spec.checkpoint_dir is not None:
                argv += ["--checkpoint-dir", str(spec.checkpoint_dir.resolve())]
            if settings.soundfont is not None:  # a file (absolute: workers run elsewhere) or a name
                font = settings.soundfont
                argv += ["--soundfont", str(font.resolve() if font.is_file() else font)]
            if not spec.half_precision:
                argv.append("--no-half-precision")
            env = (("PYTHONUNBUFFERED", "1"), ("PYTHONPATH", pythonpath), *device_env)
            launches.append(
                WorkerLaunch(
                    name=f"{spec.backend}-{index}",
                    backend=spec.backend,
                    device=device,
                    argv=tuple(argv),
                    env=env,
                )
            )
    return tuple(launches)
