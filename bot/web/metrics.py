"""Prometheus metrics (``prometheus_client``), one private registry per bot or host process.

* Job counts by status and the queue depth are read from the database when ``/metrics`` is
  scraped (:meth:`Metrics.refresh`): they are the durable truth, shared by every process.
* Workers by state and worker restarts are read from the executor at scrape time.
* Job duration, queue wait, acknowledgement latency and clips delivered are observed when a job
  reaches its deliverer (:class:`MeteredDeliverer` wraps the scheduler's deliverer), once per job.
* Upload fallbacks are counted by the Discord deliverer (audio dropped for MIDI only, or a link).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from enum import StrEnum

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.db import ClipRecord, JobRecord, Storage
from bot.runtime.jobs import JobProgress, JobStatus
from bot.runtime.scheduler import Deliverer, Executor
from bot.web.health import worker_states

__all__ = ["CONTENT_TYPE", "MeteredDeliverer", "Metrics", "UploadFallback", "snowflake_time"]

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
DISCORD_EPOCH_MS = 1_420_070_400_000

#: Render times run from a second (a short section) to minutes (a long neural song).
DURATION_BUCKETS_S = (0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0)
#: Discord wants an acknowledgement within 3 s; the interesting range is well below that.
ACK_BUCKETS_S = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)


class UploadFallback(StrEnum):
    MIDI_ONLY = "midi_only"  # the audio did not fit: the message carries the MIDI file
    LINK = "link"  # the audio did not fit: the message links to the clip's page


def snowflake_time(snowflake: int) -> datetime:
    """When a Discord id (a message's, an interaction's) was created."""
    return datetime.fromtimestamp(((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000, tz=UTC)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.jobs = Gauge("composer_jobs", "Jobs in the database by status", ["status"], registry=r)
        self.queue_depth = Gauge("composer_queue_depth", "Jobs waiting to start", registry=r)
        self.job_duration = Histogram(
            "composer_job_duration_seconds",
            "Time from a job's start to its end, by backend and outcome",
            ["backend", "outcome"],
            buckets=DURATION_BUCKETS_S,
            registry=r,
        )
        self.queue_wait = Histogram(
            "composer_queue_wait_seconds",
            "Time from a job's acceptance to its (last) start",
            buckets=DURATION_BUCKETS_S,
            registry=r,
        )
        self.ack_latency = Histogram(
            "composer_ack_latency_seconds",
            "Time from the Discord interaction or message to the job being accepted in the queue",
            buckets=ACK_BUCKETS_S,
            registry=r,
        )
        self.clips_delivered = Counter(
            "composer_clips_delivered", "Finished clips handed to people", registry=r
        )
        self.upload_fallbacks = Counter(
            "composer_upload_fallbacks",
            "Results whose audio did not fit the upload limit, by what was sent instead",
            ["kind"],
            registry=r,
        )
        for kind in UploadFallback:
            self.upload_fallbacks.labels(kind.value)
        for status in JobStatus:
            self.jobs.labels(status.value)
        self._executor = _ExecutorCollector()
        r.register(self._executor)

    def watch_executor(self, executor: Executor | None) -> None:
        """Report this executor's workers (and use it for /healthz); set once it exists."""
        self._executor.executor = executor

    @property
    def executor(self) -> Executor | None:
        return self._executor.executor

    async def refresh(self, storage: Storage) -> None:
        """Read job counts from the database (call before :meth:`render`)."""
        counts = await storage.jobs.status_counts()
        for status, n in counts.items():
            self.jobs.labels(status.value).set(n)
        self.queue_depth.set(counts[JobStatus.QUEUED])

    def render(self) -> bytes:
        return generate_latest(self.registry)

    def observe_job(self, job: JobRecord) -> None:
        """A job reached its deliverer (done, failed or cancelled): its timings."""
        if job.started_at is not None and job.finished_at is not None:
            self.job_duration.labels(job.backend, job.status.value).observe(
                max(0.0, (job.finished_at - job.started_at).total_seconds())
            )
            self.queue_wait.observe(max(0.0, (job.started_at - job.created_at).total_seconds()))
        asked = job.interaction_created_at
        if asked is None and job.original_message_id is not None:
            asked = snowflake_time(job.original_message_id)
        if asked is not None:
            if asked.tzinfo is None:
                asked = asked.replace(tzinfo=UTC)
            self.ack_latency.observe(max(0.0, (job.created_at - asked).total_seconds()))

    def upload_fallback(self, kind: UploadFallback) -> None:
        self.upload_fallbacks.labels(kind.value).inc()


class _ExecutorCollector(Collector):
    """Workers by state and restarts, read from the executor when scraped."""

    def __init__(self) -> None:
        self.executor: Executor | None = None

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        if self.executor is None:
            return
        states, restarts = worker_states(self.executor)
        workers = GaugeMetricFamily("composer_workers", "Workers by state", labels=["state"])
        for state, n in sorted(states.items()):
            workers.add_metric([state], n)
        yield workers
        yield CounterMetricFamily(
            "composer_worker_restarts", "Worker processes restarted", value=restarts
        )


class MeteredDeliverer:
    """The scheduler's deliverer, observed: job timings when a job ends, clips delivered."""

    def __init__(self, inner: Deliverer, metrics: Metrics) -> None:
        self.inner = inner
        self.metrics = metrics

    async def progress(self, job: JobRecord, update: JobProgress) -> None:
        await self.inner.progress(job, update)

    async def deliver(self, job: JobRecord, clip: ClipRecord) -> str | None:
        ref = await self.inner.deliver(job, clip)
        self.metrics.observe_job(job)
        self.metrics.clips_delivered.inc()
        return ref

    async def failed(self, job: JobRecord, message: str) -> None:
        await self.inner.failed(job, message)
        self.metrics.observe_job(job)
