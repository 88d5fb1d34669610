"""Plan a song on a user's melody: the request's key and tempo default to the melody's."""

from __future__ import annotations

from dataclasses import replace

from models.melody.errors import LongerThanLimit
from models.melody.fit import STATING_ROLES, fit_plan, melody_bpm, melody_motif
from models.melody.types import Melody
from models.plan import PlanError, SongPlan
from models.planning import PlanRequest, plan_request

__all__ = ["plan_with_melody"]

_FIT_TRIES = 6  # each try shortens the request by the overshoot


def plan_with_melody(
    req: PlanRequest, melody: Melody, *, max_duration_s: float | None = None
) -> tuple[SongPlan, tuple[int, ...]]:
    """Like :func:`models.planning.plan_request`, with ``melody`` as the motif.  A key or tempo
    the request gives wins (the melody is transposed, or played at that tempo); otherwise the
    melody's estimates are used and the plan's extras say so.

    With ``max_duration_s``, the sections to render are not stretched past it to hold the tune:
    the first rendered section that states it holds it whole, the others as often as fits (cut
    at the end of a section too short for it), in a song planned shorter where needed.  A tune
    that alone lasts longer than the limit raises :class:`LongerThanLimit`."""
    flags = {"key_estimated": req.key is None, "bpm_estimated": req.bpm is None}
    wanted = replace(
        req,
        key=req.key if req.key is not None else melody.key,
        bpm=req.bpm if req.bpm is not None else float(min(300, max(20, round(melody.bpm)))),
    )
    plan, render = _planned(wanted, melody, flags["bpm_estimated"])
    fitted = fit_plan(plan, melody, **flags)
    if max_duration_s is None or _rendered_s(fitted, render) <= max_duration_s:
        return fitted, render
    bars = melody_motif(melody, plan.key, plan.meter).bars
    if bars * plan.bar_s > max_duration_s:
        raise LongerThanLimit(
            f"your tune takes {bars * plan.bar_s:.1f} s ({bars} bars at {plan.bpm:g} bpm), "
            f"longer than the {max_duration_s:g} s a song can be here: send a shorter tune or "
            "ask for a faster tempo"
        )
    shorter, shorter_render = plan, render
    for _ in range(_FIT_TRIES):
        whole_in = next(
            (i for i in shorter_render if shorter.sections[i].role in STATING_ROLES), None
        )
        fitted = fit_plan(shorter, melody, **flags, trim=True, whole_in=whole_in)
        length_s = _rendered_s(fitted, shorter_render)
        if length_s <= max_duration_s:
            return fitted, shorter_render
        asked_s = wanted.duration_s or _rendered_s(shorter, shorter_render)
        wanted = replace(wanted, duration_s=asked_s - (length_s - max_duration_s) - 0.01)
        try:
            shorter, shorter_render = _planned(wanted, melody, flags["bpm_estimated"])
        except PlanError:
            break
    # no plan holds a whole statement inside the limit: the tune is cut in every section
    return fit_plan(plan, melody, **flags, trim=True), render


def _planned(
    req: PlanRequest, melody: Melody, bpm_estimated: bool
) -> tuple[SongPlan, tuple[int, ...]]:
    plan, render = plan_request(req)
    if bpm_estimated and plan.meter.compound:  # the melody's beat is the meter's pulse
        plan = replace(plan, bpm=melody_bpm(melody, plan.meter))
    return plan, render


def _rendered_s(plan: SongPlan, render: tuple[int, ...]) -> float:
    return sum(plan.sections[i].bars for i in render) * plan.bar_s
