"""Seeds of one request open, close and colour their chords differently, and stay in key.

The planner draws each song's opening (intro chords), closing (the chord into the outro's
cadence), cadence predominant and chord colour from :mod:`models.embedded.colours`.  These tests
plan many seeds (fast, no audio) and render a few intros and outros that use the outside colours
(dorian IV, phrygian ♭II) to check a key finder still hears the requested key.
"""

from __future__ import annotations

import random

import pytest

from models.embedded.colours import COLOURS, OPENINGS, PREDOMINANTS, choose_colour
from models.embedded.theory import parse_progression
from models.plan import Chord, Key, Meter, Mode, SectionRole
from models.planning import PlanRequest, plan_request
from models.substyles import SUBSTYLES
from tests.audio_analysis import estimate_key
from tests.test_embedded_support import render_section

BEAT_REQUESTS = (
    ("lofi", "A minor", 85.0),
    ("hiphop", "F minor", 88.0),
    ("house", "G minor", 124.0),
)


def _song(style: str, key: str, bpm: float, seed: int, duration_s: float = 40.0) -> list[str]:
    plan, _ = plan_request(
        PlanRequest(
            kind="song", style=style, key=Key.parse(key), bpm=bpm, duration_s=duration_s, seed=seed
        )
    )
    return [
        " ".join(f"{c.root}{c.quality}:{c.bars:g}" for c in s.progression) for s in plan.sections
    ]


def test_every_table_entry_parses_in_both_modes() -> None:
    for table in (OPENINGS, PREDOMINANTS):
        for mode, entries in table.items():
            for entry in entries:
                assert parse_progression(entry.numerals, mode), entry.name
    for colour in COLOURS:
        for mode in Mode:
            for (_root, _quality), new in colour.qualities(mode).items():
                Chord(0, new)  # a known quality


@pytest.mark.parametrize(("style", "key", "bpm"), BEAT_REQUESTS)
def test_seeds_of_one_request_open_close_and_colour_differently(
    style: str, key: str, bpm: float
) -> None:
    songs = [_song(style, key, bpm, seed) for seed in range(1, 9)]
    intros = {song[0] for song in songs}
    outros = {song[-1] for song in songs}
    assert len(intros) >= 4, intros
    assert len(outros) >= 4, outros
    qualities = {q for song in songs for s in song for q in s.split() if not q.startswith("7")}
    assert len({q.split(":")[0][1:].lstrip("0123456789") for q in qualities}) >= 4


def test_same_request_and_seed_give_the_same_chords() -> None:
    assert _song("hiphop", "F minor", 88.0, 5) == _song("hiphop", "F minor", 88.0, 5)


@pytest.mark.parametrize("sub", sorted(SUBSTYLES))
def test_every_sub_style_keeps_its_cadences_and_dominants(sub: str) -> None:
    style = SUBSTYLES[sub].style
    for seed in range(12):
        for mode in Mode:
            key = Key(0, mode)
            plan, _ = plan_request(
                PlanRequest(kind="song", style=style, key=key, substyle=sub, seed=seed)
            )
            for s in plan.sections:
                first, last = s.progression[0], s.progression[-1]
                if s.role is not SectionRole.BRIDGE:  # the tonic opens, with its own third
                    third = 3 if mode is Mode.MINOR else 4
                    assert first.root == 0 and third in first.intervals, (sub, seed, s.role)
                if s.role in (SectionRole.INTRO, SectionRole.BRIDGE, SectionRole.BUILDUP):
                    assert last.root == 7, (sub, seed, s.role)  # leads into what follows
                else:
                    assert (last.root, s.progression[-2].root) == (0, 7), (sub, seed, s.role)
                dominant = last if last.root == 7 else s.progression[-2]
                assert 4 in dominant.intervals  # the cadence's V keeps the leading tone


def test_styles_outside_the_beat_families_keep_their_own_chords() -> None:
    for seed in range(20):
        colour = choose_colour("pop", "ballad", Mode.MINOR, random.Random(seed))
        assert colour.colour.name == "as written" and colour.predominant == ""
        colour = choose_colour("jazz", "bebop", Mode.MAJOR, random.Random(seed))
        assert colour.colour.name == "as written" and colour.predominant == ""


# (sub-style, key, role, seed): an intro with the dorian IV, one with the phrygian ♭II, outros
# closing through them; a key finder must hear the requested key, minor as minor
COLOURED_CASES = (
    ("lofi-beat", "A minor", SectionRole.INTRO),
    ("boom-bap", "F minor", SectionRole.INTRO),
    ("trap", "C# minor", SectionRole.INTRO),
    ("deep-house", "G minor", SectionRole.OUTRO),
    ("drill", "F# minor", SectionRole.OUTRO),
)


def _seed_with(sub: str, mode: Mode, role: SectionRole) -> int:
    """The first seed whose song opens (intro) or closes (outro) through an outside colour."""
    outside = {"IV", "bII"}
    for seed in range(200):
        colour = choose_colour(SUBSTYLES[sub].style, sub, mode, random.Random(f"harmony:{seed}"))
        picked = colour.opening if role is SectionRole.INTRO else colour.closing
        if outside & set(picked.split()):
            return seed
    raise AssertionError(f"no seed of {sub} picks an outside colour")


@pytest.mark.parametrize(("sub", "key_name", "role"), COLOURED_CASES)
def test_outside_colours_are_still_heard_in_the_requested_key(
    sub: str, key_name: str, role: SectionRole
) -> None:
    key = Key.parse(key_name)
    seed = _seed_with(sub, key.mode, role)
    low, high = SUBSTYLES[sub].bpm_range
    out = render_section(
        SUBSTYLES[sub].style, key, round((low + high) / 2), role=role, bars=4,
        meter=Meter(4, 4), seed=seed, sample_rate=22_050, substyle=sub,
    )  # fmt: skip
    assert estimate_key(out.audio[: out.body_frames], 22_050) == key
