"""Request → Jukebox artist/genre mapping (pure: no torch)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.jukebox.labels import (
    MOOD_GENRES,
    STYLE_GENRES,
    LabelVocab,
    map_conditioning,
    normalize_v2,
)
from models.styles import STYLE_IDS
from tests.jukebox_tiny import TINY_ARTISTS, TINY_GENRES, make_plan

G = TINY_GENRES


def vocab(
    *,
    versions: tuple[str, ...] = ("v3", "v2", "v2"),
    max_genres: int = 5,
    drop: tuple[str, ...] = (),
) -> LabelVocab:
    genres = {k: v for k, v in TINY_GENRES.items() if k not in drop}
    return LabelVocab(versions, TINY_ARTISTS, genres, max_genres)


def test_normalize_v2_matches_the_tokenizer_rule() -> None:
    assert normalize_v2("Lo-Fi  Hip/Hop!") == "lo_fi_hip_hop"
    assert normalize_v2("R&B") == "r_b"
    assert normalize_v2("  Miles Davis ") == "miles_davis"
    assert normalize_v2("st. vincent") == "st._vincent"


def test_every_style_has_genre_candidates() -> None:
    assert set(STYLE_IDS) <= set(STYLE_GENRES)
    assert all(STYLE_GENRES[s] for s in STYLE_IDS)


@pytest.mark.parametrize(
    ("style", "genre", "note"),
    [
        ("jazz", "jazz", None),
        ("lofi", "lo-fi", None),  # same word, different spelling: nothing to report
        ("hiphop", "hip hop", None),
        ("pop", "pop", None),
        ("cinematic", "soundtrack", "Jukebox has no genre for 'cinematic'; used 'soundtrack'"),
        ("piano", "classical", "Jukebox has no genre for 'piano'; used 'classical'"),
        # "synthwave" is a v3 genre but the v2 upsamplers lack it: the next candidate is used.
        ("synthwave", "synthpop", "Jukebox has no genre for 'synthwave'; used 'synthpop'"),
    ],
)
def test_style_maps_to_a_genre_every_prior_knows(style: str, genre: str, note: str | None) -> None:
    cond = map_conditioning(make_plan(style=style), vocab())
    assert cond.genres == (genre,)
    style_notes = [n for n in cond.notes if "genre for '" in n]
    assert style_notes == ([note] if note else [])


def test_ids_follow_each_prior_version() -> None:
    cond = map_conditioning(make_plan(style="hiphop"), vocab())
    # v3 reads the whole name; v2 reads one slot per word.
    assert cond.genre_ids == (
        (G["hip hop"],),
        (G["hip.v2"], G["hop.v2"]),
        (G["hip.v2"], G["hop.v2"]),
    )
    assert cond.artist == "unknown" and cond.artist_ids == (0, 0, 0)


def test_fallback_when_the_first_candidate_is_missing() -> None:
    cond = map_conditioning(make_plan(style="lofi"), vocab(drop=("lo-fi",)))
    assert cond.genres == ("hip hop",)
    assert "Jukebox has no genre for 'lofi'; used 'hip hop'" in cond.notes


def test_unknown_style_is_reported_not_dropped() -> None:
    cond = map_conditioning(make_plan(style="polka"), vocab())
    assert cond.genres == ()
    assert cond.genre_ids == ((), (), ())
    assert any("no genre for style 'polka'" in n for n in cond.notes)


def test_mood_adds_a_genre_when_the_vocabulary_has_one() -> None:
    assert "funky" in MOOD_GENRES
    cond = map_conditioning(make_plan(style="jazz", mood="funky"), vocab())
    assert cond.genres == ("jazz", "funk")
    assert "mood 'funky' was played as the genre 'funk'" in cond.notes

    cond = map_conditioning(make_plan(style="jazz", mood="happy"), vocab())
    assert cond.genres == ("jazz",)
    assert "Jukebox has no genre for the mood 'happy'; it was not used" in cond.notes

    # "dark" is only a v2 word here, so the v3 top prior could not read it.
    cond = map_conditioning(make_plan(style="jazz", mood="dark"), vocab())
    assert cond.genres == ("jazz",)
    assert any("mood 'dark'" in n for n in cond.notes)


def test_prompt_genres_artists_and_leftover_words() -> None:
    plan = make_plan(style="jazz", prompt="Smoky hip hop groove in the style of Miles Davis, lofi")
    cond = map_conditioning(plan, vocab())
    assert cond.genres == ("jazz", "hip hop", "lo-fi")
    assert cond.artist == "miles davis"
    assert cond.artist_ids == (1, 1, 1)
    leftover = [n for n in cond.notes if n.startswith("Jukebox has no artist or genre")]
    assert leftover == [
        "Jukebox has no artist or genre for 'smoky', 'groove'; those words were ignored"
    ]


def test_artist_known_to_one_version_only_is_reported() -> None:
    cond = map_conditioning(make_plan(prompt="like Nujabes"), vocab())
    assert cond.artist == "unknown"
    assert any("'nujabes'" in n for n in cond.notes)


def test_genre_slots_are_limited_and_the_rest_reported() -> None:
    plan = make_plan(style="hiphop", prompt="funk blues rock")
    cond = map_conditioning(plan, vocab(max_genres=3))
    # v2 spends two slots on "hip hop", so only one more genre fits.
    assert cond.genres == ("hip hop", "funk")
    assert all(len(ids) <= 3 for ids in cond.genre_ids)
    assert "Jukebox takes at most 3 genre words; left out 'blues', 'rock'" in cond.notes


def test_tempo_and_key_are_reported_as_not_enforced() -> None:
    cond = map_conditioning(make_plan(bpm=120), vocab())
    assert (
        "Jukebox cannot follow a tempo or key: 120 bpm and A minor are not enforced" in cond.notes
    )


def test_same_plan_same_conditioning() -> None:
    plan = make_plan(style="lofi", mood="chill", prompt="rainy night")
    assert map_conditioning(plan, vocab()) == map_conditioning(plan, vocab())


def test_vocab_from_files_reads_versions(tmp_path: Path) -> None:
    (tmp_path / "artists.json").write_text(json.dumps(TINY_ARTISTS))
    (tmp_path / "genres.json").write_text(json.dumps(TINY_GENRES))
    (tmp_path / "tokenizer_config.json").write_text(json.dumps({"version": ["v2", "v2", "v2"]}))
    v = LabelVocab.from_files(
        tmp_path / "artists.json",
        tmp_path / "genres.json",
        tmp_path / "tokenizer_config.json",
        n_priors=3,
        max_genres=5,
    )
    assert v.versions == ("v2", "v2", "v2")
    # All-v2: "dark" is usable and "synthwave" is not.
    assert v.genre_ids("dark") == ((G["dark.v2"],),) * 3
    assert v.genre_ids("synthwave") is None
    default = LabelVocab.from_files(
        tmp_path / "artists.json", tmp_path / "genres.json", None, n_priors=3, max_genres=5
    )
    assert default.versions == ("v3", "v2", "v2")
    with pytest.raises(ValueError, match="label versions"):
        LabelVocab(("v9",), TINY_ARTISTS, TINY_GENRES, 5)
