"""From a validated request to a song plan: the bridge between the parser and the composers."""

from __future__ import annotations

import secrets

from bot.errors import RequestError
from bot.service.spec import RequestKind, RequestSpec
from models.plan import PlanError, SongPlan
from models.planning import PlanRequest, plan_request
from models.styles import STYLE_IDS

__all__ = ["new_seed", "plan_from_spec"]

_MAX_SEED = 2**31 - 1


def new_seed() -> int:
    return secrets.randbelow(_MAX_SEED)


def plan_from_spec(
    spec: RequestSpec,
    *,
    seed: int | None = None,
    default_style: str | None = None,
) -> tuple[SongPlan, tuple[int, ...]]:
    """The plan for ``spec`` and the indices of the sections to render.

    The seed is, in order: ``seed``, the spec's own, a fresh random one.  The same spec and seed
    always give the same plan.
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
    )
    try:
        return plan_request(request)
    except PlanError as exc:
        raise RequestError(f"I can't plan that: {exc}") from exc
