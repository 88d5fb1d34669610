"""Styles × keys × tempos: a standard key finder and beat tracker must hear what was asked for.

Every style is rendered in major and minor keys (sharps and flats) at tempos across its range,
eight bars each, and analysed with the general tools of :mod:`tests.audio_analysis`:
the estimated key must equal the requested key (minor keys included, not their relative major),
the estimated tempo must be within 2 % of the requested one.

About tempo octaves: the beat tracker is given the style's typical tempo as its prior (as a
listener knows the genre), with librosa's default one-octave spread.  Where the requested tempo
lies 0.4 octave or more from that typical tempo (e.g. lo-fi at 60 bpm, typical 82), the prior
no longer favours the requested metrical level over the double or half one, and a listener
may tap either: a half-time or double-time reading is accepted there, and only there.  Near the
typical tempo the exact level is required.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest

from models.plan import Key, Meter, SectionRole
from models.planning import style_bpm_range
from models.styles import STYLE_IDS, style_info
from tests.audio_analysis import estimate_key, estimate_tempo, tempo_matches
from tests.test_embedded_support import render_section

SR = 22_050
KEYS = (
    "A minor",
    "Eb major",
    "F# minor",
    "G major",
    "Bb minor",
    "E major",
    "C# minor",
    "Ab major",
    "D minor",
    "B major",
    "G minor",
    "F major",
    "C minor",
    "D major",
    "E minor",
    "Db major",
)
ROLES = (SectionRole.CHORUS, SectionRole.VERSE, SectionRole.CLIMAX)
#: Where in each style's tempo range the cases sit.
POSITIONS = (0.08, 0.38, 0.66, 0.95)
#: Cases in other meters (style, case number): 6/8 counts dotted quarters.
METERS = {
    ("cinematic", 1): "6/8",
    ("cinematic", 3): "3/4",
    ("piano", 0): "3/4",
    ("piano", 2): "6/8",
    ("jazz", 1): "3/4",
    ("ambient", 2): "3/4",
}


@dataclass(frozen=True)
class Case:
    style: str
    key: Key
    bpm: float
    meter: Meter
    role: SectionRole
    seed: int

    @property
    def prior_bpm(self) -> float:
        typical = style_info(self.style).default_bpm
        return typical * (2 / 3 if self.meter.compound else 1)

    @property
    def octave_ok(self) -> bool:
        return abs(math.log2(self.bpm / self.prior_bpm)) >= 0.4

    def __str__(self) -> str:
        return f"{self.style}-{self.key.name.replace(' ', '')}-{self.bpm:g}-{self.meter}"


def _cases() -> list[Case]:
    cases = []
    for s, style in enumerate(STYLE_IDS):
        for c, position in enumerate(POSITIONS):
            n = s * len(POSITIONS) + c
            meter = Meter.parse(METERS.get((style, c), "4/4"))
            low, high = style_bpm_range(style_info(style), meter)
            cases.append(
                Case(
                    style=style,
                    key=Key.parse(KEYS[(s * 3 + c * 5) % len(KEYS)]),
                    bpm=round(low + position * (high - low)),
                    meter=meter,
                    role=ROLES[n % len(ROLES)],
                    seed=n,
                )
            )
    return cases


CASES = _cases()


def test_the_table_covers_styles_modes_accidentals_and_meters() -> None:
    assert len(CASES) >= 30
    assert {c.style for c in CASES} == set(STYLE_IDS)
    assert {c.key.mode for c in CASES} == {Key.parse("C").mode, Key.parse("Am").mode}
    names = {c.key.name for c in CASES}
    assert any("#" in k for k in names) and any("b" in k.split()[0] for k in names)
    assert {str(c.meter) for c in CASES} == {"4/4", "3/4", "6/8"}
    for style in STYLE_IDS:
        mine = [c for c in CASES if c.style == style and not c.meter.compound]
        if mine:
            low, high = style_info(style).bpm_range
            assert min(c.bpm for c in mine) < low + 0.4 * (high - low) < max(c.bpm for c in mine)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_key_and_tempo_are_heard(case: Case) -> None:
    out = render_section(
        case.style,
        case.key,
        case.bpm,
        role=case.role,
        bars=8,
        meter=case.meter,
        seed=case.seed,
        sample_rate=SR,
    )
    body = out.audio[: out.body_frames]
    key = estimate_key(body, SR)
    tempo = estimate_tempo(body, SR, start_bpm=case.prior_bpm)
    assert key == case.key, f"{case}: heard {key.name}"
    assert tempo_matches(tempo, case.bpm, octave_ok=case.octave_ok), f"{case}: heard {tempo:.1f}"
