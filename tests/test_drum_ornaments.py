"""Rerolls vary the drums around a backbone that stays; single sections sit in their family's form.

Measured on composed scores (no audio): five seeds of one request (key and tempo fixed) get
different hat patterns, percussion layers, kicks and ghost notes, while pop keeps its backbeat
and house its four on the floor and off-beat open hats; a variation keeps its groove; a single
requested section is planned inside its sub-style family's form (a drop after a breakdown).
"""

from __future__ import annotations

import itertools

from models.embedded.composer import compose_section
from models.embedded.score import Score
from models.plan import Key, SectionRole, SongPlan
from models.planning import PlanRequest, plan_request, vary_plan
from models.song_forms import parse_form
from models.substyles import FORMS

KICKS, BACKBEAT, OPEN_HAT = {35, 36}, {37, 38, 39, 40}, {46}


def _plan(style: str, key: str, bpm: float, seed: int) -> SongPlan:
    req = PlanRequest(
        kind="song", style=style, key=Key.parse(key), bpm=bpm, duration_s=40, seed=seed
    )
    return plan_request(req)[0]


def _climax(plan: SongPlan) -> Score:
    return compose_section(plan, next(s for s in plan.sections if s.role is SectionRole.CLIMAX))


def _grid(score: Score) -> dict[tuple[int, int], int]:
    """(drum, sixteenth step) → bars that hit it (fills and humanising rounded off)."""
    bar_q = score.meter.quarters_per_bar
    seen: set[tuple[int, int, int]] = set()
    for track in score.tracks:
        if track.is_drum:
            for note in track.notes:
                bar = int((note.start_q + 0.06) // bar_q)
                step = round((note.start_q - bar * bar_q) / 0.25) % 16
                seen.add((bar, note.pitch, step))
    out: dict[tuple[int, int], int] = {}
    for _bar, pitch, step in seen:
        out[(pitch, step)] = out.get((pitch, step), 0) + 1
    return out


def _hits(grid: dict[tuple[int, int], int], drums: set[int], step: int) -> int:
    return sum(n for (pitch, s), n in grid.items() if pitch in drums and s == step)


def _pattern(grid: dict[tuple[int, int], int], bars: int) -> frozenset[tuple[int, int]]:
    return frozenset(cell for cell, n in grid.items() if n >= bars / 2)


def test_pop_rerolls_vary_the_drums_and_keep_the_backbeat() -> None:
    patterns = []
    for seed in range(1, 6):
        plan = _plan("pop", "C major", 112, seed)
        bars = next(s.bars for s in plan.sections if s.role is SectionRole.CLIMAX)
        grid = _grid(_climax(plan))
        assert _hits(grid, BACKBEAT, 4) >= bars - 1 and _hits(grid, BACKBEAT, 12) >= bars - 1
        assert _hits(grid, KICKS, 0) >= bars - 1  # the downbeat kick stays
        patterns.append(_pattern(grid, bars))
    assert len(set(patterns)) == 5
    overlaps = [len(a & b) / len(a | b) for a, b in itertools.combinations(patterns, 2)]
    assert sum(overlaps) / len(overlaps) < 0.6, overlaps


def test_house_rerolls_vary_around_four_on_the_floor_and_off_beat_open_hats() -> None:
    patterns = []
    for seed in range(1, 6):
        plan = _plan("house", "G minor", 124, seed)
        bars = next(s.bars for s in plan.sections if s.role is SectionRole.CLIMAX)
        grid = _grid(_climax(plan))
        assert all(_hits(grid, KICKS, step) >= bars - 1 for step in (0, 4, 8, 12)), seed
        assert sum(_hits(grid, OPEN_HAT, step) for step in (2, 6, 10, 14)) >= bars, seed
        patterns.append(_pattern(grid, bars))
    assert len(set(patterns)) >= 4


def test_a_variation_keeps_its_groove() -> None:
    plan = _plan("pop", "C major", 112, 3)
    bars = next(s.bars for s in plan.sections if s.role is SectionRole.CLIMAX)
    varied = vary_plan(plan, 11)
    assert _pattern(_grid(_climax(plan)), bars) == _pattern(_grid(_climax(varied)), bars)


def test_a_single_section_sits_in_its_sub_style_family_form() -> None:
    drop, render = plan_request(
        PlanRequest(kind="section", style="house", section=SectionRole.CLIMAX, seed=4)
    )
    roles = [s.role for s in drop.sections]
    assert roles == list(parse_form(FORMS["dance"][0]))
    assert roles[render[0] - 1] is SectionRole.BRIDGE  # the drop comes after the breakdown
    intro, render = plan_request(
        PlanRequest(kind="section", style="hiphop", substyle="trap", section=SectionRole.INTRO)
    )
    assert [s.role for s in intro.sections] == list(parse_form(FORMS["beat"][0]))
    assert intro.sections[render[0]].role is SectionRole.INTRO
    bridge, render = plan_request(
        PlanRequest(kind="section", style="jazz", substyle="swing", section=SectionRole.BRIDGE)
    )
    assert [s.role for s in bridge.sections][: render[0]] == [
        SectionRole.INTRO,
        *[SectionRole.VERSE] * 2,
    ]
