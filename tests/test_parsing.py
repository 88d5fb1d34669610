"""Unit tests of the request parser's public API and of its building blocks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.errors import RequestError
from bot.parsing import (
    KEY_CHOICES,
    STYLE_CHOICES,
    ParseLimits,
    autocomplete_keys,
    autocomplete_styles,
    fuzzy,
    help_text,
    parse_request,
)
from bot.parsing.limits import format_duration
from bot.parsing.numbers import read_number
from bot.parsing.text import MAX_REQUEST_CHARS, TokKind, normalise, tokenize
from bot.parsing.vocab import PHRASES, Cat, lookup_style
from bot.service.spec import RequestKind, RequestSpec, SlashOptions
from models.plan import Key, Mode, SectionRole
from models.styles import STYLE_IDS
from tests.optional import missing

# --- the public API ---------------------------------------------------------------------------


def test_json_shape_of_a_full_request() -> None:
    spec = parse_request(
        "a sad lofi intro at 85 bpm in F#m, 3/4, 45 seconds, with piano and rain, seed 9, "
        "backend musicgen"
    )
    assert spec.to_json_dict() == {
        "kind": "section",
        "section": "intro",
        "bpm": 85.0,
        "key": "F# minor",
        "meter": "3/4",
        "duration": 45.0,
        "style": "lofi",
        "mood": "sad",
        "instruments": ["piano"],
        "seed": 9,
        "prompt": "sad lofi with piano and rain",
        "backend": "musicgen",
        "tempo_hint": None,
        "substyle": None,
        "form": None,
    }
    assert RequestSpec.from_json_dict(json.loads(json.dumps(spec.to_json_dict()))) == spec


def test_json_shape_absent_values_are_null() -> None:
    data = parse_request("a full song").to_json_dict()
    assert data["kind"] == "song"
    assert all(data[name] is None for name in data if name != "kind")
    assert list(data)[:12] == [
        "kind", "section", "bpm", "key", "meter", "duration", "style", "mood", "instruments",
        "seed", "prompt", "backend",
    ]  # fmt: skip
    assert parse_request("a slow full song").to_json_dict()["tempo_hint"] == "slow"


def test_same_input_same_output() -> None:
    text = "dreamy synthwave bridge in Eb at ninety bpm, 1m30s, arps and pads"
    options = SlashOptions(seed=4)
    assert parse_request(text, options) == parse_request(text, options)


def test_slash_options_fill_in_and_override_nothing_silently() -> None:
    spec = parse_request("jazz verse", SlashOptions(bpm=140, key=Key.parse("Bb")))
    assert (spec.bpm, spec.key, spec.style) == (140.0, Key(10, Mode.MAJOR), "jazz")
    with pytest.raises(RequestError) as info:
        parse_request("jazz verse at 100 bpm", SlashOptions(bpm=140))
    assert "100 bpm" in info.value.user_message and "140 bpm" in info.value.user_message
    assert info.value.understood["style"] == "jazz"
    assert "bpm" not in info.value.understood


def test_default_kind_is_used_only_when_nothing_is_said() -> None:
    assert parse_request("lofi", default_kind=RequestKind.SONG).kind is RequestKind.SONG
    spec = parse_request("lofi chorus", default_kind=RequestKind.SONG)
    assert (spec.kind, spec.section) == (RequestKind.SECTION, SectionRole.CHORUS)
    spec = parse_request(
        "lofi", SlashOptions(section=SectionRole.INTRO), default_kind=RequestKind.SONG
    )
    assert spec.kind is RequestKind.SECTION


def test_limits_come_from_the_caller() -> None:
    tight = ParseLimits(max_duration_s=60.0, min_bpm=60.0, max_bpm=180.0)
    assert parse_request("a 1 minute intro", limits=tight).duration_s == 60.0
    with pytest.raises(RequestError, match="1 minute"):
        parse_request("a 90 second intro", limits=tight)
    with pytest.raises(RequestError, match="60 to 180 bpm"):
        parse_request("50 bpm", limits=tight)


@pytest.mark.parametrize(
    "kwargs",
    [{"min_bpm": 200.0, "max_bpm": 100.0}, {"max_duration_s": 0.0}, {"min_bpm": float("nan")}],
)
def test_bad_limits_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="limits"):
        ParseLimits(**kwargs)


def test_nonsense_gets_the_help_text() -> None:
    with pytest.raises(RequestError) as info:
        parse_request("hello there")
    assert help_text() in info.value.user_message
    assert info.value.examples and info.value.understood == {}


def test_too_long_input_is_refused() -> None:
    with pytest.raises(RequestError, match="too long"):
        parse_request("lofi " * (MAX_REQUEST_CHARS // 5 + 1))


def test_errors_name_allowed_values() -> None:
    with pytest.raises(RequestError) as info:
        parse_request("a verse at 250 bpm in H minor")
    message = info.value.user_message
    assert "250 bpm" in message and "40 to 240 bpm" in message and "H minor" in message
    assert info.value.understood == {"kind": "section", "section": "verse"}


def test_help_text_is_short_with_examples() -> None:
    text = help_text()
    assert "a chill lofi intro at 90 bpm in A minor" in text
    assert len(text) < 1000
    for line in text.splitlines():
        if line.startswith("• "):
            parse_request(line[2:])  # every example parses


def test_style_choices_cover_every_style() -> None:
    assert [style_id for style_id, _ in STYLE_CHOICES] == list(STYLE_IDS)
    assert all(title for _, title in STYLE_CHOICES)


def test_key_choices_are_the_24_canonical_keys() -> None:
    assert len(KEY_CHOICES) == 24 == len(set(KEY_CHOICES))
    assert {Key.parse(name).name for name in KEY_CHOICES} == set(KEY_CHOICES)
    assert "F# major" in KEY_CHOICES and "C# minor" in KEY_CHOICES and "Eb major" in KEY_CHOICES


def test_autocomplete_styles() -> None:
    assert len(autocomplete_styles("")) == len(STYLE_IDS)
    assert autocomplete_styles("lo")[0] == ("lofi", "Lo-fi hip hop")
    assert autocomplete_styles("Synth")[0][0] == "synthwave"
    assert autocomplete_styles("reggae")[0] == ("pop", "Pop")
    assert autocomplete_styles("bossa")[0][0] == "jazz"
    assert autocomplete_styles("zzzz") == []


def test_autocomplete_keys() -> None:
    assert len(autocomplete_keys("")) == 24
    assert autocomplete_keys("c#m")[0] == "C# minor"
    assert autocomplete_keys("Gb")[:2] == ["F# major", "F# minor"]
    assert autocomplete_keys("a")[:3] == ["A major", "A minor", "Ab major"]
    assert autocomplete_keys("eb min")[0] == "Eb minor"
    assert autocomplete_keys("H") == []
    assert all(len(autocomplete_keys(p)) <= 25 for p in ("", "a", "m", "major"))


# --- vocabulary -------------------------------------------------------------------------------


def test_at_least_30_genre_words_all_mapped_to_real_styles() -> None:
    genres = {key: tag for key, tags in PHRASES.items() for tag in tags if tag.cat is Cat.GENRE}
    assert len(genres) >= 30
    assert {tag.value for tag in genres.values()} == set(STYLE_IDS)
    for words in ("reggae", "country", "chiptune", "drum and bass", "bossa nova", "film score"):
        assert lookup_style(words) in STYLE_IDS


def test_sections_and_phrases_are_consistent() -> None:
    for key, tags in PHRASES.items():
        assert key and all(word == word.lower() for word in key)
        for tag in tags:
            if tag.cat is Cat.SECTION:
                SectionRole(tag.value)


# --- building blocks --------------------------------------------------------------------------


def test_tokenizer_keeps_case_joins_hyphens_and_drops_mentions() -> None:
    tokens = tokenize(normalise("<@123> Lo-fi @ 96bpm in B♭, e.g. 1:30 4/4 '80s"))
    texts = [t.text for t in tokens]
    assert texts == ["lo", "fi", "@", "96bpm", "in", "bb", ",", "1:30", "4/4", "80s"]
    assert tokens[1].joined and not tokens[0].joined
    assert tokens[5].raw == "Bb"
    assert tokens[3].kind is TokKind.NUM and tokens[3].unit == "bpm" and tokens[3].value == 96
    assert tokens[7].value == 90 and tokens[9].kind is TokKind.ERA


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("ninety", 90), ("ninety five", 95), ("a hundred and twenty", 120), ("one hundred", 100),
        ("two hundred and five", 205), ("seventeen", 17), ("85", 85), ("1.5", 1.5),
    ],
)  # fmt: skip
def test_number_words(text: str, value: float) -> None:
    tokens = tokenize(normalise(text))
    read = read_number(tokens, 0)
    assert read is not None and read.value == value and read.end == len(tokens)


def test_colloquial_tempo_numbers_only_when_asked() -> None:
    tokens = tokenize("one twenty")
    assert read_number(tokens, 0, colloquial=True).value == 120  # type: ignore[union-attr]
    assert read_number(tokens, 0).value == 1  # type: ignore[union-attr]


def test_osa_distance() -> None:
    assert fuzzy.osa_distance("minro", "minor") == 1
    assert fuzzy.osa_distance("lofy", "lofi") == 1
    assert fuzzy.osa_distance("choruss", "chorus") == 1
    assert fuzzy.osa_distance("abc", "abc") == 0
    assert fuzzy.osa_distance("kitten", "sitting") == 3


@pytest.mark.parametrize(
    ("typo", "word"),
    [("lofy", "lofi"), ("choruss", "chorus"), ("minro", "minor"), ("pinao", "piano"),
     ("cinematik", "cinematic"), ("synthwvae", "synthwave"), ("ninty", "ninety")],
)  # fmt: skip
def test_typos_are_corrected(typo: str, word: str) -> None:
    assert fuzzy.correct(typo) == word


@pytest.mark.parametrize(
    "word", ["horse", "fridge", "blue", "folks", "souls", "house2", "the", "bass", "chili", "vibe"]
)
def test_ordinary_words_are_never_corrected(word: str) -> None:
    assert fuzzy.correct(word) is None


def test_protected_list_is_current() -> None:
    dictionary = Path("/usr/share/dict/words")
    if not dictionary.exists():
        missing("no system word list (apt-get install wamerican) to check against")
    words = {line.strip().lower() for line in dictionary.read_text(errors="ignore").splitlines()}
    corrected = sorted(w for w in words if fuzzy.correct(w) is not None)
    assert corrected == [], "regenerate: python -m bot.parsing.fuzzy > bot/parsing/protected.py"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(45, "45 seconds"), (1, "1 second"), (60, "1 minute"), (90, "1 min 30 s"),
     (300, "5 minutes"), (7.5, "7.5 seconds")],
)  # fmt: skip
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text
