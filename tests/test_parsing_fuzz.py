"""Property-based fuzzing of the request parser: any text and any slash options give either a
valid RequestSpec or a RequestError, never anything else, and always the same answer."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.errors import RequestError
from bot.parsing import ParseLimits, parse_request
from bot.parsing.vocab import PHRASES
from bot.service.spec import RequestKind, RequestSpec, SlashOptions
from models.factory import available_backends
from models.plan import SUPPORTED_METERS, Key, Meter, Mode, SectionRole
from models.styles import STYLE_IDS

FUZZ = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_PIECES = [
    *sorted({" ".join(key) for key in PHRASES}),
    "bpm", "tempo", "at", "@", "in", "key", "of", "seed", "backend", "minor", "major", "m",
    "A", "a", "Bb", "bb", "F#", "C#m", "Am", "am", "E", "e", "H", "Q", "flat", "sharp", "♯", "♭",
    "4/4", "3/4", "6/8", "5/4", "12/8", "1:30", "0:45", "30s", "80s", "'80s", "1m30s", "1.5",
    "minutes", "min", "seconds", "sec", "half", "and", "a", "hundred", "ninety", "one", "twenty",
    "85", "120", "300", "0", "-5", "999999999999", "=", ":", "#", ",", ".", "!", "-", "~",
    "no", "without", "the", "full", "song", "surprise", "me", "<@123>", "e.g.", "b-side",
    "lofy", "outtro", "minro", "choruss", "jukebox", "musicgen", "magenta",
]  # fmt: skip

words_text = st.lists(st.sampled_from(_PIECES), max_size=14).map(" ".join)
glued_text = st.lists(st.sampled_from(_PIECES), max_size=8).map("".join)
any_text = st.one_of(st.text(max_size=120), words_text, glued_text)

floats = st.one_of(
    st.none(), st.floats(allow_nan=True, allow_infinity=True), st.integers(-10, 1000)
)
_STYLE_NAMES = [*STYLE_IDS, "reggae", "Lo-fi hip hop"]
keys = st.builds(Key, st.integers(0, 11), st.sampled_from(list(Mode)))
options = st.one_of(
    st.none(),
    st.builds(
        SlashOptions,
        section=st.one_of(st.none(), st.sampled_from(list(SectionRole))),
        bpm=floats,
        key=st.one_of(st.none(), keys),
        meter=st.one_of(st.none(), st.sampled_from([Meter(n, d) for n, d in SUPPORTED_METERS])),
        style=st.one_of(st.none(), st.sampled_from(_STYLE_NAMES), st.text(max_size=12)),
        duration_s=floats,
        seed=st.one_of(st.none(), st.integers(-(2**40), 2**40)),
        backend=st.one_of(st.none(), st.sampled_from(available_backends()), st.text(max_size=10)),
    ),
)  # fmt: skip
limits = st.one_of(
    st.just(ParseLimits()),
    st.builds(
        lambda lo, span, dmax: ParseLimits(
            min_bpm=lo, max_bpm=lo + span, max_duration_s=dmax, min_duration_s=5.0
        ),
        st.floats(20, 120),
        st.floats(0, 200),
        st.floats(5, 600),
    ),
)


def _outcome(
    text: str, opts: SlashOptions | None, lim: ParseLimits, kind: RequestKind
) -> RequestSpec | str:
    try:
        return parse_request(text, opts, limits=lim, default_kind=kind)
    except RequestError as error:
        return "error: " + error.user_message


def _check_spec(spec: RequestSpec, lim: ParseLimits) -> None:
    if spec.bpm is not None:
        assert lim.min_bpm <= spec.bpm <= lim.max_bpm
    if spec.duration_s is not None:
        assert lim.min_duration_s <= spec.duration_s <= lim.max_duration_s
    assert spec.style is None or spec.style in STYLE_IDS
    assert spec.backend is None or spec.backend in available_backends()
    assert spec.seed is None or 0 <= spec.seed <= 2**32 - 1
    if spec.kind is RequestKind.SONG:
        assert spec.section is None
    if spec.key is not None:
        assert Key.parse(spec.key.name) == spec.key
    assert len(set(spec.instruments)) == len(spec.instruments)
    assert len(spec.prompt) <= 300
    assert RequestSpec.from_json_dict(json.loads(json.dumps(spec.to_json_dict()))) == spec


@FUZZ
@given(any_text, options, limits, st.sampled_from(list(RequestKind)))
def test_any_input_gives_a_spec_or_a_request_error(
    text: str, opts: SlashOptions | None, lim: ParseLimits, kind: RequestKind
) -> None:
    first = _outcome(text, opts, lim, kind)
    assert _outcome(text, opts, lim, kind) == first  # deterministic
    if isinstance(first, RequestSpec):
        _check_spec(first, lim)
    else:
        assert len(first) > len("error: ")


@FUZZ
@given(words_text)
def test_errors_carry_examples_and_json_safe_understood(text: str) -> None:
    try:
        parse_request(text)
    except RequestError as error:
        assert error.user_message.strip()
        assert error.examples
        json.dumps(error.understood)


@FUZZ
@given(st.sampled_from(_PIECES), st.sampled_from(_PIECES))
def test_options_alone_are_a_valid_request(word: str, style: str) -> None:
    spec = _outcome("", SlashOptions(bpm=100.0), ParseLimits(), RequestKind.SECTION)
    assert isinstance(spec, RequestSpec) and spec.bpm == 100.0
    # adding words never makes a tempo that the words do not mention disappear
    mixed = _outcome(f"{word} {style}", SlashOptions(bpm=100.0), ParseLimits(), RequestKind.SECTION)
    if isinstance(mixed, RequestSpec):
        assert mixed.bpm == 100.0
