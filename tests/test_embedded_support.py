"""Shared helpers for the embedded composer's tests (this module holds no tests).

One backend per sample rate per test process: loading the SoundFont once keeps the suites fast.
"""

from __future__ import annotations

import functools

from models.base import BackendConfig, SectionAudio
from models.embedded.backend import EmbeddedBackend, load
from models.plan import Key, Meter, SectionPlan, SectionRole, SongPlan
from models.planning import PlanRequest, plan_request

__all__ = ["render_section", "section_plan", "shared_backend"]


@functools.cache
def shared_backend(sample_rate: int = 48_000) -> EmbeddedBackend:
    return load(BackendConfig(sample_rate=sample_rate))


def section_plan(
    style: str,
    key: Key,
    bpm: float,
    *,
    role: SectionRole = SectionRole.CHORUS,
    bars: int = 8,
    meter: Meter | None = None,
    seed: int = 0,
    substyle: str | None = None,
) -> tuple[SongPlan, SectionPlan]:
    """A plan whose requested section has exactly ``bars`` bars."""
    m = meter or Meter(4, 4)
    plan, (index,) = plan_request(
        PlanRequest(
            kind="section",
            section=role,
            style=style,
            key=key,
            bpm=bpm,
            meter=m,
            duration_s=bars * m.bar_s(bpm),
            seed=seed,
            substyle=substyle,
        )
    )
    section = plan.sections[index]
    assert section.bars == bars
    return plan, section


def render_section(
    style: str,
    key: Key,
    bpm: float,
    *,
    role: SectionRole = SectionRole.CHORUS,
    bars: int = 8,
    meter: Meter | None = None,
    seed: int = 0,
    sample_rate: int = 22_050,
    substyle: str | None = None,
) -> SectionAudio:
    plan, section = section_plan(
        style, key, bpm, role=role, bars=bars, meter=meter, seed=seed, substyle=substyle
    )
    return shared_backend(sample_rate).generate(plan, section)
