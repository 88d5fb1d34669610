"""A simple per-client rate limit: a token bucket per remote address.

Each address may make ``burst`` requests at once and ``rate_per_s`` per second after that; a
request over the limit is answered 429 with ``Retry-After``.  Buckets of quiet addresses are
dropped when there are more than ``max_clients`` (memory stays bounded under a scan).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["RateLimiter"]


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at_s: float


class RateLimiter:
    def __init__(
        self,
        rate_per_s: float = 10.0,
        burst: int = 60,
        *,
        max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate_per_s <= 0 or burst < 1:
            raise ValueError("the rate limit needs a positive rate and a burst of at least 1")
        self.rate_per_s = rate_per_s
        self.burst = burst
        self.max_clients = max_clients
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def take(self, client: str) -> float:
        """Spend one request of ``client``: 0.0 when allowed, else seconds until it would be."""
        now = self._clock()
        bucket = self._buckets.get(client)
        if bucket is None:
            if len(self._buckets) >= self.max_clients:
                self._prune(now)
            bucket = self._buckets[client] = _Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at_s) * self.rate_per_s)
        bucket.at_s = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.rate_per_s

    def _prune(self, now: float) -> None:
        full_after_s = self.burst / self.rate_per_s
        for client, bucket in list(self._buckets.items()):
            if now - bucket.at_s >= full_after_s:
                del self._buckets[client]
        if len(self._buckets) >= self.max_clients:  # all busy: forget the oldest half
            oldest = sorted(self._buckets, key=lambda c: self._buckets[c].at_s)
            for client in oldest[: len(oldest) // 2]:
                del self._buckets[client]

    @staticmethod
    def retry_after(wait_s: float) -> str:
        return str(max(1, math.ceil(wait_s)))
