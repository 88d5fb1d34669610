"""A song on a user's melody stays inside the duration limit: stating sections hold as many
whole statements as fit (the tune cut at the end of a section too short for one) instead of
growing past the limit; a tune that alone is longer than the limit is refused with a clear
message (a RequestError: an ephemeral reply in Discord, exit 2 in the CLI)."""

from __future__ import annotations

import pytest

from bot.errors import RequestError
from bot.parsing import parse_request
from bot.service.planning import plan_from_spec, rendered_s
from bot.service.spec import RequestKind
from models.embedded.backend import EmbeddedBackend
from models.melody import Melody, load_melody
from models.melody.fit import STATING_ROLES
from models.melody.planning import plan_with_melody
from models.midi import join_midi, read_notes, section_midi
from models.plan import SectionRole, SongPlan
from models.planning import PlanRequest
from tests.melody_metrics import interval_match, lead_records, skyline
from tests.melody_signals import TUNES, tune_midi
from tests.test_cli_song import composer
from tests.test_embedded_support import shared_backend

TUNE = TUNES[0]  # D major, 96 bpm, 17 beats: 5 bars, 12.5 s


@pytest.fixture(scope="module")
def melody() -> Melody:
    return load_melody(tune_midi(TUNE))


def _song(words: str, melody: Melody, limit_s: float | None) -> tuple[SongPlan, tuple[int, ...]]:
    spec = parse_request(words, default_kind=RequestKind.SONG)
    return plan_from_spec(spec, max_duration_s=limit_s, melody=melody)


@pytest.mark.parametrize("style", ["pop", "lofi", "rock", "synthwave"])
def test_a_song_on_a_melody_fits_inside_the_limit(melody: Melody, style: str) -> None:
    """The song's stating sections (5 bars each: 70 s unlimited) fit inside 40 s, and inside
    15 s (where the tune is cut to the sections: planning used to give up there)."""
    for seed in range(2):
        unlimited, render = _song(f"{style} song seed {seed}", melody, None)
        assert rendered_s(unlimited, render) > 40  # each stating section holds the whole tune
        for limit_s in (40.0, 15.0):
            plan, render = _song(f"{style} song seed {seed}", melody, limit_s)
            assert rendered_s(plan, render) <= limit_s, (style, seed, limit_s)
            stating = [plan.sections[i] for i in render if plan.sections[i].role in STATING_ROLES]
            if limit_s == 40.0:  # the first statement still holds the whole tune
                assert stating[0].bars >= 5


def test_the_lead_of_a_song_fitted_to_a_limit_still_carries_the_tune(melody: Melody) -> None:
    backend: EmbeddedBackend = shared_backend(22_050)
    plan, render = _song("pop song seed 2", melody, 40.0)
    midi = join_midi(
        plan, [(i, section_midi(backend.compose(plan, plan.sections[i]))) for i in render]
    )
    assert interval_match(TUNE.pitches, skyline(lead_records(plan, midi))) >= 0.9
    end_s = max(r.end_s for r in read_notes(midi))
    assert end_s <= 40.0 + 0.5


def test_without_a_limit_stating_sections_still_hold_whole_statements(melody: Melody) -> None:
    plan, _render = plan_with_melody(PlanRequest(kind="song", style="pop", seed=1), melody)
    for section in plan.sections:
        if section.role in (SectionRole.VERSE, SectionRole.CHORUS, SectionRole.CLIMAX):
            assert section.bars % 5 == 0


def test_a_tune_longer_than_the_limit_is_refused_with_the_reason(melody: Melody) -> None:
    with pytest.raises(RequestError) as caught:
        _song("pop song", melody, 8.0)
    text = caught.value.user_message
    assert "your tune takes 12.5 s (5 bars at 96 bpm), longer than the 8 s" in text
    assert "shorter tune" in text and "Traceback" not in text
    # a faster tempo makes it fit
    plan, render = _song("pop song 200 bpm", melody, 8.0)
    assert rendered_s(plan, render) <= 8.0


@pytest.mark.slow
def test_the_cli_refuses_a_tune_longer_than_its_limit(tmp_path: pytest.TempPathFactory) -> None:
    (tmp_path / "tune.mid").write_bytes(tune_midi(TUNE))  # type: ignore[operator]
    (tmp_path / "settings.toml").write_text("max_duration_s = 8\n")  # type: ignore[operator]
    done = composer(
        "--settings", "settings.toml", "song", "pop", "--melody", "tune.mid", "-o", "x.ogg",
        cwd=tmp_path, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "longer than the 8 s" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "x.ogg").exists()  # type: ignore[operator]
