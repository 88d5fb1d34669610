"""Every sub-style, at seeds and keys the other suites never use, is heard in its key and tempo.

Each sub-style renders an eight-bar section (the role, the key and the seed change from case to
case; sharp and flat minor keys included, F# minor among them) and a standard key finder and
beat tracker (:mod:`tests.audio_analysis`) must hear the requested key, minor as minor, and the
tempo (a half- or double-time reading only where the sub-style is felt in half time, trap and
drill, or where the tempo lies far from the beat tracker's prior).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest

from models.plan import Key, Meter, SectionRole
from models.substyles import SUBSTYLES, SubStyle
from tests.audio_analysis import estimate_key, estimate_tempo, tempo_matches
from tests.test_embedded_support import render_section

SR = 22_050
KEYS = (
    "F# minor",
    "Bb major",
    "C# minor",
    "E major",
    "G minor",
    "Ab major",
    "B minor",
    "D major",
    "Eb minor",
    "A major",
    "F minor",
    "Db major",
    "E minor",
)
ROLES = (SectionRole.VERSE, SectionRole.CHORUS, SectionRole.CLIMAX, SectionRole.BRIDGE)
HALF_TIME = frozenset({"trap", "drill", "dreamwave"})


@dataclass(frozen=True)
class Case:
    sub: SubStyle
    key: Key
    bpm: float
    role: SectionRole
    seed: int

    @property
    def prior_bpm(self) -> float:
        low, high = self.sub.bpm_range
        return (low + high) / 2

    @property
    def octave_ok(self) -> bool:
        return self.sub.id in HALF_TIME or abs(math.log2(self.bpm / self.prior_bpm)) >= 0.4

    def __str__(self) -> str:
        return f"{self.sub.id}-{self.key.name.replace(' ', '')}-{self.bpm:g}-{self.role.value}"


def _cases() -> list[Case]:
    cases = []
    for n, sub in enumerate(SUBSTYLES.values()):
        low, high = sub.bpm_range
        cases.append(
            Case(
                sub=sub,
                key=Key.parse(KEYS[(n * 5) % len(KEYS)]),
                bpm=round(low + (0.2 + 0.6 * ((n * 7) % 5) / 4) * (high - low)),
                role=ROLES[n % len(ROLES)],
                seed=1000 + 37 * n,
            )
        )
    return cases


CASES = _cases()


def test_the_cases_cover_every_sub_style_and_both_modes() -> None:
    assert {c.sub.id for c in CASES} == set(SUBSTYLES)
    assert {c.key.mode.value for c in CASES} == {"major", "minor"}
    assert any(c.key == Key.parse("F# minor") for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_sub_style_is_heard_in_its_key_and_tempo(case: Case) -> None:
    out = render_section(
        case.sub.style,
        case.key,
        case.bpm,
        role=case.role,
        bars=8,
        meter=Meter(4, 4),
        seed=case.seed,
        sample_rate=SR,
        substyle=case.sub.id,
    )
    body = out.audio[: out.body_frames]
    key = estimate_key(body, SR)
    tempo = estimate_tempo(body, SR, start_bpm=case.prior_bpm)
    assert key == case.key, f"{case}: heard {key.name}"
    assert tempo_matches(tempo, case.bpm, octave_ok=case.octave_ok), f"{case}: heard {tempo:.1f}"
