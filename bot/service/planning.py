"""From a validated request to a song plan: the bridge between the parser and the composers."""

from __future__ import annotations

import secrets
from dataclasses import replace
from typing import TYPE_CHECKING

from bot.errors import RequestError
from bot.service.spec import RequestKind, RequestSpec
from models.melody.errors import MelodyError
from models.plan import PlanError, SongPlan
from models.planning import PlanRequest, plan_request
from models.styles import STYLE_IDS

if TYPE_CHECKING:  # melodies are planned by code imported only when there is one
    from models.melody.types import Melody

__all__ = ["new_seed", "plan_from_spec", "rendered_s"]

_MAX_SEED = 2**31 - 1
_FIT_TRIES = 6  # each try removes the overshoot; two are usually enough


def new_seed() -> int:
    return secrets.randbelow(_MAX_SEED)


def plan_from_spec(
    spec: RequestSpec,
    *,
    seed: int | None = None,
    default_style: str | None = None,
    max_duration_s: float | None = None,
    melody: Melody | None = None,
) -> tuple[SongPlan, tuple[int, ...]]:
    """The plan for ``spec`` and the indices of the sections to render.

    The seed is, in order: ``seed``, the spec's own, a fresh random one.  The same spec and seed
    always give the same plan.  With ``max_duration_s``, whole bars are fitted inside the limit
    (a 300 s request under a 300 s limit is not refused because bar rounding made it 302 s).
    With ``melody``, the song is built on it (:func:`models.melody.planning.plan_with_melody`),
    inside the limit too: a tune that alone is longer than the limit is a RequestError.
    """
    style = spec.style or default_style
    if style is not None and style not in STYLE_IDS:
        raise RequestError(f"I don't know the style {style!r}. Styles: {', '.join(STYLE_IDS)}.")
    request = PlanRequest(
        kind=spec.kind.value if spec.kind is RequestKind.SONG else "section",
        section=spec.section,
        style=style,
        key=spec.key,
        bpm=spec.bpm,
        meter=spec.meter,
        duration_s=spec.duration_s,
        mood=spec.mood,
        instruments=spec.instruments,
        tempo_hint=spec.tempo_hint,
        seed=seed if seed is not None else (spec.seed if spec.seed is not None else new_seed()),
        prompt=spec.prompt,
        substyle=spec.substyle,
        form=spec.form,
    )
    try:
        plan, indices = _plan(request, melody, max_duration_s)
        for _ in range(_FIT_TRIES):
            length_s = rendered_s(plan, indices)
            if max_duration_s is None or length_s <= max_duration_s:
                break
            wanted_s = request.duration_s if request.duration_s is not None else length_s
            request = replace(request, duration_s=wanted_s - (length_s - max_duration_s) - 0.01)
            plan, indices = _plan(request, melody, max_duration_s)
    except PlanError as exc:
        raise RequestError(f"I can't plan that: {exc}") from exc
    except MelodyError as exc:  # the tune alone is longer than the limit
        raise RequestError(f"I can't fit your melody: {exc}.", detail=repr(exc)) from exc
    return plan, indices


def _plan(
    request: PlanRequest, melody: Melody | None, max_duration_s: float | None
) -> tuple[SongPlan, tuple[int, ...]]:
    if melody is None:
        return plan_request(request)
    from models.melody.planning import plan_with_melody

    return plan_with_melody(request, melody, max_duration_s=max_duration_s)


def rendered_s(plan: SongPlan, indices: tuple[int, ...]) -> float:
    """How long the rendered sections last (whole bars at the plan's tempo)."""
    return sum(plan.sections[i].bars for i in indices) * plan.bar_s
