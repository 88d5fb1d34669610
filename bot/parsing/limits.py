"""The ranges a request must fall in (the server's maximum duration comes from its settings)."""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["ParseLimits", "format_bpm", "format_duration", "format_number"]


@dataclass(frozen=True, slots=True)
class ParseLimits:
    min_bpm: float = 40.0
    max_bpm: float = 240.0
    max_duration_s: float = 300.0  # the server's maximum; comes from settings/server settings
    min_duration_s: float = 5.0

    def __post_init__(self) -> None:
        values = (self.min_bpm, self.max_bpm, self.min_duration_s, self.max_duration_s)
        if not all(math.isfinite(v) and v > 0 for v in values):
            raise ValueError(f"parse limits must be positive numbers: {self}")
        if self.min_bpm > self.max_bpm or self.min_duration_s > self.max_duration_s:
            raise ValueError(f"parse limits have min above max: {self}")


def format_number(value: float) -> str:
    """85.0 → "85", 85.5 → "85.5", huge or non-finite values in short form."""
    if not math.isfinite(value) or abs(value) >= 1e6:
        return f"{value:g}"
    if value == int(value):
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def format_bpm(bpm: float) -> str:
    return f"{format_number(bpm)} bpm"


def format_duration(seconds: float) -> str:
    """45 → "45 seconds", 60 → "1 minute", 90 → "1 min 30 s", 300 → "5 minutes"."""
    if not math.isfinite(seconds) or abs(seconds) >= 1e6 or abs(seconds) < 60:
        return f"{format_number(seconds)} second" + ("" if seconds == 1 else "s")
    minutes, rest = divmod(seconds, 60)
    if rest < 1e-9:
        return f"{format_number(minutes)} minute" + ("" if minutes == 1 else "s")
    return f"{format_number(minutes)} min {format_number(round(rest, 2))} s"
