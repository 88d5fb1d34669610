"""Plan a song on a user's melody: the request's key and tempo default to the melody's."""

from __future__ import annotations

from dataclasses import replace

from models.melody.fit import fit_plan, melody_bpm
from models.melody.types import Melody
from models.plan import SongPlan
from models.planning import PlanRequest, plan_request

__all__ = ["plan_with_melody"]


def plan_with_melody(req: PlanRequest, melody: Melody) -> tuple[SongPlan, tuple[int, ...]]:
    """Like :func:`models.planning.plan_request`, with ``melody`` as the motif.  A key or tempo
    the request gives wins (the melody is transposed, or played at that tempo); otherwise the
    melody's estimates are used and the plan's extras say so."""
    key_estimated = req.key is None
    bpm_estimated = req.bpm is None
    wanted = replace(
        req,
        key=req.key if req.key is not None else melody.key,
        bpm=req.bpm if req.bpm is not None else float(min(300, max(20, round(melody.bpm)))),
    )
    plan, render = plan_request(wanted)
    if bpm_estimated and plan.meter.compound:
        plan = replace(plan, bpm=melody_bpm(melody, plan.meter))
    return fit_plan(plan, melody, key_estimated=key_estimated, bpm_estimated=bpm_estimated), render
