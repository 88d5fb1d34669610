"""The planner: request → SongPlan (forms, sizes, determinism, overrides, variations, errors)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from models.embedded.arrangements import arrangement_for
from models.plan import (
    Key,
    Meter,
    Mode,
    PartRole,
    PlanError,
    SectionRole,
    SongPlan,
)
from models.planning import PlanRequest, next_section, plan_request, vary_plan
from models.song_forms import parse_form
from models.styles import STYLE_IDS, style_info
from models.substyles import substyle_info

ROOT = Path(__file__).resolve().parents[1]


def _song_s(plan: SongPlan, indices: tuple[int, ...]) -> float:
    return sum(plan.sections[i].bars for i in indices) * plan.bar_s


# --- forms and sizes ----------------------------------------------------------------------------


def test_45_second_song_at_85_bpm_is_a_short_form() -> None:
    forms = set()
    for seed in range(1, 9):
        plan, indices = plan_request(
            PlanRequest(kind="song", style="lofi", bpm=85, duration_s=45, seed=seed)
        )
        roles = tuple(plan.sections[i].role.value for i in indices)
        assert roles in (("intro", "climax", "outro"), ("intro", "verse", "climax", "outro"))
        assert abs(_song_s(plan, indices) - 45) <= plan.bar_s
        assert indices == tuple(range(len(plan.sections)))
        assert all(s.bars >= 3 for s in plan.sections)
        forms.add(roles)
    assert len(forms) == 2  # the seed picks the form too


def test_default_song_is_about_a_minute_with_a_fuller_form() -> None:
    plan, indices = plan_request(PlanRequest(kind="song", style="pop", bpm=110, seed=2))
    roles = [s.role for s in plan.sections]
    assert roles[0] is SectionRole.INTRO and roles[-1] is SectionRole.OUTRO
    assert SectionRole.CLIMAX in roles and SectionRole.VERSE in roles
    assert abs(_song_s(plan, indices) - 60) <= plan.bar_s


@pytest.mark.parametrize(
    ("bpm", "meter", "seconds"),
    [
        (85, "4/4", 45),
        (128, "4/4", 90),
        (70, "3/4", 30),
        (60, "6/8", 75),
        (150, "4/4", 20),
        (92, "4/4", 180),
    ],
)
def test_song_lasts_the_requested_length_within_a_bar(
    bpm: float, meter: str, seconds: float
) -> None:
    plan, indices = plan_request(
        PlanRequest(
            kind="song",
            style="cinematic",
            bpm=bpm,
            meter=Meter.parse(meter),
            duration_s=seconds,
            seed=3,
        )
    )
    assert abs(_song_s(plan, indices) - seconds) <= plan.bar_s
    starts = [s.start_bar for s in plan.sections]
    assert starts == [sum(s.bars for s in plan.sections[:i]) for i in range(len(starts))]
    assert all(s.index == i for i, s in enumerate(plan.sections))


@pytest.mark.parametrize(
    ("bpm", "meter", "seconds"),
    [
        (85, "4/4", 20),
        (85, "4/4", 7),
        (120, "4/4", 33),
        (72, "3/4", 12),
        (66, "6/8", 25),
        (140, "4/4", 2),
    ],
)
def test_single_section_is_sized_to_the_request(bpm: float, meter: str, seconds: float) -> None:
    plan, (index,) = plan_request(
        PlanRequest(style="piano", bpm=bpm, meter=Meter.parse(meter), duration_s=seconds, seed=4)
    )
    section = plan.sections[index]
    assert section.bars >= 2
    if seconds >= 2 * plan.bar_s:
        assert abs(section.bars * plan.bar_s - seconds) <= plan.bar_s
    # still a whole song form, so 'extend' and 'variation' can reuse the plan
    assert plan.sections[0].role is SectionRole.INTRO
    assert plan.sections[-1].role is SectionRole.OUTRO


def test_default_section_is_a_chorus_of_about_20_seconds() -> None:
    plan, (index,) = plan_request(PlanRequest(style="house", bpm=124, seed=5))
    section = plan.sections[index]
    assert section.role is SectionRole.CHORUS
    assert abs(section.bars * plan.bar_s - 20) <= plan.bar_s


def test_requested_section_role_is_the_one_returned() -> None:
    for role in SectionRole:
        plan, (index,) = plan_request(PlanRequest(section=role, style="rock", seed=6))
        assert plan.sections[index].role is role


# --- musical content ----------------------------------------------------------------------------


@pytest.mark.parametrize("style", STYLE_IDS)
def test_progressions_fill_sections_and_resolve_to_the_tonic(style: str) -> None:
    plan, _ = plan_request(PlanRequest(kind="song", style=style, duration_s=120, seed=7))
    for section in plan.sections:
        total = sum(c.bars for c in section.progression)
        assert total == pytest.approx(section.bars)
        first, last = section.progression[0], section.progression[-1]
        if section.role is not SectionRole.BRIDGE:
            assert first.root == 0, section.role
        if section.role in (SectionRole.INTRO, SectionRole.BRIDGE):
            assert last.root == 7  # a half cadence on the dominant leads on
        else:
            assert last.root == 0 and section.progression[-2].root == 7  # V → I
    if plan.key.mode is Mode.MINOR:  # the dominant carries the raised leading tone
        dominants = [c for s in plan.sections for c in s.progression if c.root == 7]
        assert all(4 in c.intervals for c in dominants)


def test_energy_rises_to_the_climax() -> None:
    form = parse_form("intro verse chorus bridge climax outro")
    plan, _ = plan_request(PlanRequest(kind="song", style="pop", duration_s=120, seed=8, form=form))
    energy = {s.role: s.energy for s in plan.sections}
    assert energy[SectionRole.CLIMAX] == 1.0
    assert energy[SectionRole.INTRO] < energy[SectionRole.CHORUS] < energy[SectionRole.CLIMAX]
    assert energy[SectionRole.OUTRO] < energy[SectionRole.CLIMAX]


@pytest.mark.parametrize("meter", ["4/4", "3/4", "6/8"])
def test_motif_is_two_bars_and_starts_on_a_tonic_chord_tone(meter: str) -> None:
    m = Meter.parse(meter)
    for seed in range(20):
        plan, _ = plan_request(PlanRequest(style="piano", meter=m, seed=seed))
        assert 3 <= len(plan.motif) <= 10
        end = max(n.start + n.length for n in plan.motif)
        assert end <= 2 * m.pulses_per_bar + 1e-9
        assert plan.motif[0].degree % 7 in (0, 2, 4)
        starts = [n.start for n in plan.motif]
        assert starts == sorted(starts)


def test_style_defaults_key_and_tempo() -> None:
    for style in STYLE_IDS:
        info = style_info(style)
        plan, _ = plan_request(PlanRequest(style=style, seed=9))
        sub = substyle_info(plan.substyle)
        assert sub.style == style
        low, high = sub.bpm_range
        assert low <= plan.bpm <= high
        assert plan.key.mode is info.default_mode
        assert str(plan.meter) == info.meters[0]
        assert plan.swing == sub.swing
        specs = arrangement_for(style, plan.substyle).parts
        assert len(specs) == len(plan.instruments)
        for spec, part in zip(specs, plan.instruments, strict=True):
            assert (part.program, part.name) in ((spec.program, spec.name), *spec.alternatives)


def test_mood_and_tempo_hints() -> None:
    sad, _ = plan_request(PlanRequest(mood="sad", seed=1))
    assert sad.style == "piano" and sad.key.mode is Mode.MINOR
    happy, _ = plan_request(PlanRequest(mood="cheerful", style="pop", seed=1))
    assert happy.key.mode is Mode.MAJOR and happy.mood == "happy"
    slow, _ = plan_request(PlanRequest(style="house", tempo_hint="slow", seed=1))
    fast, _ = plan_request(PlanRequest(style="house", tempo_hint="fast", seed=1))
    assert slow.bpm < fast.bpm
    default, _ = plan_request(PlanRequest(seed=1))
    assert default.style == "lofi"
    odd, _ = plan_request(PlanRequest(style="jazz", mood="wistful", seed=1))
    assert odd.extra("unknown_mood") == "wistful"


def test_six_eight_tempo_counts_dotted_quarters() -> None:
    plan, _ = plan_request(PlanRequest(style="cinematic", meter=Meter(6, 8), seed=2))
    low, high = style_info("cinematic").bpm_range
    assert low * 2 / 3 <= plan.bpm <= high * 2 / 3
    assert plan.bar_s == pytest.approx(2 * 60 / plan.bpm)


def test_instrument_words_override_parts() -> None:
    plan, _ = plan_request(
        PlanRequest(style="lofi", instruments=("flute", "808", "kazoo", "strings"), seed=3)
    )
    lead = plan.part(PartRole.LEAD)
    bass = plan.part(PartRole.BASS)
    pad = plan.part(PartRole.PAD)
    assert lead is not None and lead.program == 73
    assert bass is not None and bass.program == 38 and "808" in bass.name
    assert pad is not None and pad.program == 48
    assert plan.extra("ignored_instruments") == "kazoo"
    ambient, _ = plan_request(PlanRequest(style="ambient", instruments=("drums",), seed=3))
    assert ambient.part(PartRole.DRUMS) is not None
    # asking for an instrument the song already plays changes nothing
    seed = next(
        s
        for s in range(50)
        if any(
            p.program == 0 and p.role is PartRole.HARMONY
            for p in plan_request(PlanRequest(style="jazz", seed=s))[0].instruments
        )
    )
    same, _ = plan_request(PlanRequest(style="jazz", instruments=("piano",), seed=seed))
    assert same.instruments == plan_request(PlanRequest(style="jazz", seed=seed))[0].instruments


def test_prompt_is_kept_for_neural_backends() -> None:
    plan, _ = plan_request(PlanRequest(style="rock", prompt="stadium rock anthem", seed=1))
    assert plan.prompt == "stadium rock anthem"


# --- determinism --------------------------------------------------------------------------------


def test_same_request_same_plan_and_seed_changes_it() -> None:
    req = PlanRequest(kind="song", style="synthwave", mood="dreamy", duration_s=70, seed=42)
    a, ia = plan_request(req)
    b, ib = plan_request(req)
    assert a == b and ia == ib
    c, _ = plan_request(
        PlanRequest(kind="song", style="synthwave", mood="dreamy", duration_s=70, seed=43)
    )
    assert c != a


def test_plan_is_identical_across_processes_with_different_hash_seeds() -> None:
    code = (
        "import json\n"
        "from models.planning import PlanRequest, plan_request\n"
        "p, i = plan_request(PlanRequest(kind='song', mood='epic', instruments=('flute',),"
        " duration_s=50, seed=7))\n"
        "print(json.dumps([p.to_dict(), list(i)], sort_keys=True))\n"
    )
    outputs = []
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        run = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        outputs.append(run.stdout)
    assert outputs[0] == outputs[1]
    here, indices = plan_request(
        PlanRequest(kind="song", mood="epic", instruments=("flute",), duration_s=50, seed=7)
    )
    assert json.loads(outputs[0]) == [json.loads(json.dumps(here.to_dict())), list(indices)]


def test_plan_round_trips_through_json() -> None:
    plan, _ = plan_request(PlanRequest(kind="song", style="jazz", meter=Meter(3, 4), seed=11))
    assert SongPlan.from_dict(json.loads(json.dumps(plan.to_dict()))) == plan


# --- variations and extension -------------------------------------------------------------------


def test_variation_keeps_identity_and_changes_little() -> None:
    plan, _ = plan_request(PlanRequest(kind="song", style="pop", duration_s=90, seed=12))
    changed_any = False
    for seed in range(1, 30):
        v = vary_plan(plan, seed)
        assert v.seed == seed
        for field in ("key", "bpm", "meter", "style", "instruments", "motif", "swing"):
            assert getattr(v, field) == getattr(plan, field)
        assert [(s.role, s.bars, s.start_bar) for s in v.sections] == [
            (s.role, s.bars, s.start_bar) for s in plan.sections
        ]
        diffs = [
            (a, b)
            for sa, sb in zip(plan.sections, v.sections, strict=True)
            for a, b in zip(sa.progression, sb.progression, strict=True)
            if a != b
        ]
        assert len(diffs) <= 1
        for a, b in diffs:
            assert a.bars == b.bars
        changed_any |= bool(diffs)
        assert vary_plan(plan, seed) == v
    assert changed_any


def test_next_section_walks_the_song() -> None:
    plan, (index,) = plan_request(PlanRequest(section=SectionRole.VERSE, style="rock", seed=1))
    order = [index]
    while (nxt := next_section(plan, order[-1])) is not None:
        order.append(nxt)
    assert [plan.sections[i].role for i in order][-1] is SectionRole.OUTRO
    assert order == list(range(index, len(plan.sections)))
    with pytest.raises(PlanError):
        next_section(plan, 99)


# --- errors -------------------------------------------------------------------------------------


def test_bad_requests_raise_clear_plan_errors() -> None:
    with pytest.raises(PlanError, match=r"unknown style 'polka'.*lofi"):
        plan_request(PlanRequest(style="polka"))
    with pytest.raises(PlanError, match="kind"):
        plan_request(PlanRequest(kind="album"))
    with pytest.raises(PlanError, match="positive"):
        plan_request(PlanRequest(duration_s=-3))
    with pytest.raises(PlanError, match="too long"):
        plan_request(PlanRequest(kind="song", duration_s=3600))
    with pytest.raises(PlanError, match="out of range"):
        plan_request(PlanRequest(bpm=900))


def test_key_is_honoured() -> None:
    for text in ("F# minor", "Eb major", "Bb minor", "C# major"):
        plan, _ = plan_request(PlanRequest(style="pop", key=Key.parse(text), seed=1))
        assert plan.key == Key.parse(text)
