"""Sub-styles, arrangement families and forms: what the seed varies and what each style keeps.

Measured on plans and composed scores (no audio): the instruments, drum grids, bass and forms
that make a style itself (four on the floor in house, the snare on beat 3 in trap, claps and no
acoustic strumming in pop...), and that five seeds of one request differ in palette, groove
and form, while the same request and seed give the same plan.
"""

from __future__ import annotations

import itertools

import pytest

from bot.errors import RequestError
from bot.parsing import parse_request
from bot.service.planning import plan_from_spec
from bot.service.spec import SlashOptions
from models.embedded.arrangements import ARRANGEMENTS, arrangement_for
from models.embedded.composer import compose_section
from models.embedded.score import Score
from models.plan import Key, PartRole, SectionRole, SongPlan
from models.planning import PlanRequest, plan_request, vary_plan
from models.song_forms import parse_form
from models.styles import STYLE_IDS
from models.substyles import FORMS, SUBSTYLES, substyles_of

KICKS, SNARES = {35, 36}, {37, 38, 39, 40}
HATS = {42, 44, 46}


def _plan(substyle: str, seed: int = 3, **kwargs: object) -> SongPlan:
    sub = SUBSTYLES[substyle]
    low, high = sub.bpm_range
    req = PlanRequest(
        kind="song",
        style=sub.style,
        substyle=substyle,
        bpm=kwargs.pop("bpm", round((low + high) / 2)),  # type: ignore[arg-type]
        duration_s=60,
        seed=seed,
        **kwargs,  # type: ignore[arg-type]
    )
    return plan_request(req)[0]


def _section(plan: SongPlan, role: SectionRole) -> Score:
    return compose_section(plan, next(s for s in plan.sections if s.role is role))


def _drum_steps(score: Score, drums: set[int]) -> dict[int, int]:
    """How many bars hit each sixteenth step with one of ``drums`` (humanising rounded off)."""
    steps: dict[int, int] = {}
    bar_q = score.meter.quarters_per_bar
    for track in score.tracks:
        if not track.is_drum:
            continue
        seen: set[tuple[int, int]] = set()
        for note in track.notes:
            if note.pitch in drums:
                bar = int((note.start_q + 0.06) // bar_q)
                step = round((note.start_q - bar * bar_q) / 0.25) % 16
                seen.add((bar, step))
        for _bar, step in seen:
            steps[step] = steps.get(step, 0) + 1
    return steps


# --- the table ----------------------------------------------------------------------------------


def test_every_style_has_its_families_and_every_family_an_arrangement() -> None:
    for style in STYLE_IDS:
        subs = substyles_of(style)
        assert subs, style
        for sub in subs:
            assert ARRANGEMENTS[sub.id].style == style
            assert sub.forms in FORMS
    for style in ("hiphop", "lofi", "pop", "rock", "house", "synthwave", "jazz"):
        assert len(substyles_of(style)) >= 3, style
    for forms in FORMS.values():
        for text in forms:
            form = parse_form(text)
            assert form[0] is SectionRole.INTRO and form[-1] is SectionRole.OUTRO, text
            assert SectionRole.CLIMAX in form, text


# --- identity -----------------------------------------------------------------------------------


def test_trap_at_140_is_half_time_with_808_glides_not_hip_hop_at_85() -> None:
    spec = parse_request("trap beat at 140")
    plan, _ = plan_from_spec(spec, seed=11)
    assert (plan.style, plan.substyle, plan.bpm) == ("hiphop", "trap", 140.0)
    chorus = _section(plan, SectionRole.CLIMAX)
    snares = _drum_steps(chorus, SNARES)
    assert max(snares, key=lambda s: snares[s]) == 8  # the backbeat on beat 3: half time
    assert snares.get(4, 0) + snares.get(12, 0) <= 1  # not on 2 and 4 (but in the fill)
    hats = [n for t in chorus.tracks if t.is_drum for n in t.notes if n.pitch in HATS]
    gaps = {round(b.start_q - a.start_q, 3) for a, b in itertools.pairwise(hats)}
    assert any(g < 0.2 for g in gaps)  # rolls in triplets or 32nds
    bass = next(t for t in chorus.tracks if t.role is PartRole.BASS)
    assert bass.program == 38 and any(c.kind == "bend" and c.value for c in bass.controls)
    boom = plan_from_spec(parse_request("boom bap beat at 88"), seed=11)[0]
    assert boom.substyle == "boom-bap" and boom.swing > 0
    snares = _drum_steps(_section(boom, SectionRole.CLIMAX), SNARES)
    assert snares.get(4, 0) > 0 and snares.get(12, 0) > 0  # hard snare on 2 and 4


def test_house_is_four_on_the_floor_with_off_beat_open_hats() -> None:
    for substyle in ("piano-house", "deep-house", "tech-house"):
        for seed in (1, 2):
            plan = _plan(substyle, seed)
            climax = _section(plan, SectionRole.CLIMAX)
            bars = plan.section(SectionRole.CLIMAX).bars
            kicks = _drum_steps(climax, KICKS)
            assert all(kicks.get(step, 0) >= bars - 1 for step in (0, 4, 8, 12)), substyle
            opens = _drum_steps(climax, {46})
            assert sum(opens.get(step, 0) for step in (2, 6, 10, 14)) >= bars, substyle


def test_a_dance_track_breaks_down_and_builds_into_the_drop() -> None:
    form = parse_form("intro verse breakdown drop outro")
    plan = plan_request(
        PlanRequest(kind="song", style="house", bpm=124, duration_s=75, seed=2, form=form)
    )[0]
    breakdown = _section(plan, SectionRole.BRIDGE)
    bars = plan.section(SectionRole.BRIDGE).bars
    assert not _drum_steps(breakdown, KICKS)  # no kick until the drop
    last = (bars - 1) * breakdown.meter.quarters_per_bar
    build = [
        n for t in breakdown.tracks if t.is_drum for n in t.notes
        if n.start_q >= last - 0.1 and n.pitch == 38
    ]  # fmt: skip
    assert len(build) >= 12 and build[-1].velocity > build[0].velocity  # a snare roll, rising
    drop = _drum_steps(_section(plan, SectionRole.CLIMAX), KICKS)
    assert all(drop.get(step, 0) >= 2 for step in (0, 4, 8, 12))


def test_lofi_is_a_beat_not_a_jazz_trio_and_pop_is_not_country() -> None:
    for seed in range(6):
        for substyle in ("lofi-beat", "chillhop", "sleepy-lofi"):
            plan = _plan(substyle, seed)
            programs = {p.program for p in plan.instruments}
            assert not {32, 24} & programs  # no upright bass, no nylon guitar
            assert plan.part(PartRole.DRUMS) is not None
            harmony = plan.part(PartRole.HARMONY)
            assert harmony is not None and harmony.program in (0, 4, 5)  # keys
            chords = _section(plan, SectionRole.CLIMAX).tracks
            keys = next(t for t in chords if t.role is PartRole.HARMONY)
            onsets: dict[float, set[int]] = {}
            for n in keys.notes:  # chords: notes struck together (a strum, humanised)
                onsets.setdefault(round(n.start_q * 4) / 4, set()).add(n.pitch)
            assert max(len(pitches) for pitches in onsets.values()) >= 3
        for substyle in ("modern-pop", "synth-pop", "dance-pop"):
            plan = _plan(substyle, seed)
            assert 25 not in {p.program for p in plan.instruments}  # no acoustic strumming
            claps = _drum_steps(_section(plan, SectionRole.CLIMAX), {39, 40})
            assert claps.get(4, 0) > 0 and claps.get(12, 0) > 0


def test_synthwave_has_saws_and_no_string_pads_rock_has_distorted_power_chords() -> None:
    for seed in range(6):
        for substyle in ("outrun", "darksynth", "dreamwave"):
            programs = {p.program for p in _plan(substyle, seed).instruments}
            assert not programs & {48, 49, 50, 51, 52, 89, 90}, substyle
            assert programs & {80, 81, 87}, substyle
        for substyle in ("classic-rock", "punk", "indie-rock"):
            plan = _plan(substyle, seed)
            guitar = plan.part(PartRole.HARMONY)
            assert guitar is not None and guitar.program in (29, 30)
    punk = _plan("punk")
    assert punk.bpm >= 160


def test_a_later_chorus_lifts() -> None:
    plan = _plan("modern-pop", seed=5, bpm=110)
    form = parse_form("intro verse chorus verse chorus climax outro")
    plan = plan_request(
        PlanRequest(kind="song", style="pop", bpm=110, duration_s=90, seed=5, form=form)
    )[0]
    choruses = [s.energy for s in plan.sections if s.role is SectionRole.CHORUS]
    assert choruses[1] > choruses[0]


# --- variety ------------------------------------------------------------------------------------


@pytest.mark.parametrize("style", ["lofi", "pop", "hiphop", "house", "rock", "synthwave"])
def test_five_seeds_differ_in_palette_groove_and_form(style: str) -> None:
    plans = [
        plan_request(
            PlanRequest(kind="song", style=style, key=Key.parse("A minor"), duration_s=75, seed=s)
        )[0]
        for s in range(1, 6)
    ]
    palettes = {tuple((p.role, p.program) for p in plan.instruments) for plan in plans}
    grooves = {(plan.substyle, dict(plan.extras).get("pattern.0", "")) for plan in plans}
    forms = {tuple(s.role for s in plan.sections) for plan in plans}
    assert len(palettes) >= 3, palettes
    assert len(grooves) >= 3, grooves
    assert len(forms) >= 2, forms


def test_reroll_is_deterministic_and_a_variation_keeps_the_arrangement() -> None:
    a = _plan("chillhop", seed=42)
    assert a == _plan("chillhop", seed=42)
    assert SongPlan.from_dict(a.to_dict()) == a
    v = vary_plan(a, 7)
    assert (v.substyle, v.instruments, v.extras) == (a.substyle, a.instruments, a.extras)
    assert [s.role for s in v.sections] == [s.role for s in a.sections]


# --- words and slash options --------------------------------------------------------------------


def test_a_structure_named_in_words_is_followed() -> None:
    spec = parse_request("a complete song with intro, chorus and outro at 100 bpm")
    plan, indices = plan_from_spec(spec, seed=4)
    assert [plan.sections[i].role.value for i in indices] == ["intro", "chorus", "outro"]
    assert plan.bpm == 100.0
    spec = parse_request("jazz: verse verse bridge verse")
    plan, _ = plan_from_spec(spec, seed=4)
    assert [s.role.value for s in plan.sections] == ["verse", "verse", "bridge", "verse"]


def test_sub_style_slash_option_and_its_conflicts() -> None:
    spec = parse_request("a groove", SlashOptions(substyle="deep-house"))
    assert (spec.style, spec.substyle) == ("house", "deep-house")
    plan, _ = plan_from_spec(spec, seed=1)
    assert plan.substyle == "deep-house"
    assert arrangement_for(plan.style, plan.substyle).substyle == "deep-house"
    with pytest.raises(RequestError, match="sub-style"):
        parse_request("lofi beat", SlashOptions(substyle="trap"))
    with pytest.raises(RequestError, match="sub-style"):
        parse_request("a beat", SlashOptions(substyle="polka"))
    with pytest.raises(RequestError, match="keep only one"):
        parse_request("a trap beat", SlashOptions(substyle="boom bap"))
