"""Token geometry, window planning and the stored state format (pure: no torch)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from models.base import UnsupportedRequest
from models.jukebox.labels import Conditioning
from models.jukebox.state import JukeboxState, StateError
from models.jukebox.timeline import (
    TokenGeometry,
    Window,
    label_total_samples,
    plan_windows,
    section_span,
)
from tests.jukebox_tiny import make_plan

REAL = TokenGeometry(44100, (128, 32, 8), (8192, 8192, 8192), (1024, 4096, 4096), 23.8, 600.0)
TINY = TokenGeometry(4000, (128, 64, 32), (32, 32, 32), (8, 16, 16), 0.0, 600.0)


def test_short_totals_are_one_exact_window() -> None:
    # transformers turns "continue 32 tokens to 48" into 80 tokens; we sample exactly 16.
    assert plan_windows(32, 48, 64, 8) == (Window(0, 32, 48),)
    assert plan_windows(0, 10, 64, 8) == (Window(0, 0, 10),)
    assert plan_windows(0, 64, 64, 8) == (Window(0, 0, 64),)
    assert plan_windows(48, 48, 64, 8) == ()


def test_long_totals_slide_full_windows_by_hop() -> None:
    windows = plan_windows(0, 50, 32, 8)
    assert windows == (
        Window(0, 0, 32),
        Window(8, 32, 40),
        Window(16, 40, 48),
        Window(18, 48, 50),  # the last window is pulled back to end exactly at the target
    )
    assert all(w.end - w.start == 32 for w in windows)
    assert sum(w.new_tokens for w in windows) == 50


@pytest.mark.parametrize("existing", [0, 5, 24, 31, 40, 57])
@pytest.mark.parametrize(("target", "n_ctx", "hop"), [(60, 32, 8), (100, 32, 16), (33, 32, 32)])
def test_windows_cover_each_new_token_once_with_context(
    existing: int, target: int, n_ctx: int, hop: int
) -> None:
    have = existing
    for w in plan_windows(existing, target, n_ctx, hop):
        assert w.have == have and w.start <= w.have < w.end
        assert w.end - w.start <= n_ctx
        have = w.end
    assert have == max(existing, target)


def test_sections_tile_the_song_in_whole_tokens() -> None:
    plan = make_plan(bars=(4, 8, 8, 4), bpm=97.0)
    spans = [section_span(plan, s, REAL) for s in plan.sections]
    assert spans[0].start_token == 0
    for a, b in itertools.pairwise(spans):
        assert a.end_token == b.start_token
    seconds = spans[-1].end_token * 128 / 44100
    assert seconds == pytest.approx(plan.duration_s, abs=128 / 44100)
    assert all(s.song_samples == spans[0].song_samples for s in spans)


def test_a_song_too_long_for_jukebox_is_refused() -> None:
    plan = make_plan(bars=(200, 200), bpm=60.0)  # 1600 s
    with pytest.raises(UnsupportedRequest, match="Jukebox can place music only within"):
        section_span(plan, plan.sections[0], REAL)


def test_label_total_is_kept_within_the_trained_range() -> None:
    assert label_total_samples(10 * 44100, REAL) == int(np.ceil(23.8 * 44100))
    assert label_total_samples(100 * 44100, REAL) == 100 * 44100
    assert label_total_samples(5, TINY) == 5


def test_geometry_context_sizes() -> None:
    assert REAL.history_tokens() == 8192 - 1024
    # the bottom upsampler (16 tokens per top token, hop 4096) limits lower-level context
    assert REAL.lower_context_tokens() == (8192 - 4096) // 16
    assert TINY.ratio(2) == 4 and TINY.cond_ratio(2) == 2
    with pytest.raises(ValueError):
        TokenGeometry(44100, (128, 30), (10, 10), (5, 5), 0.0, 600.0)


def _state(**changes: object) -> JukeboxState:
    top = np.arange(10, dtype=np.int32)
    fields: dict[str, object] = {
        "checkpoint_id": "abc",
        "section_index": 1,
        "start_token": 62,
        "levels": (top, np.arange(20, dtype=np.int32)),
        "history": np.concatenate([np.full(5, 7, dtype=np.int32), top]),
        "conditioning": Conditioning("unknown", ("jazz",), (0, 0), ((1,), (15,))),
        "seed": 7,
        "source": "tokens",
        "quality": "full",
        "extra": {"context_tokens": 5},
    }
    fields.update(changes)
    return JukeboxState(**fields)  # type: ignore[arg-type]


def test_state_round_trips_through_bytes() -> None:
    state = _state()
    again = JukeboxState.from_bytes(state.to_bytes())
    assert again.checkpoint_id == "abc" and again.section_index == 1
    assert (again.start_token, again.end_token, again.history_start) == (62, 72, 57)
    assert all(np.array_equal(a, b) for a, b in zip(again.levels, state.levels, strict=True))
    assert np.array_equal(again.history, state.history)
    assert again.conditioning == state.conditioning
    assert (again.seed, again.source, again.quality) == (7, "tokens", "full")
    assert again.extra == {"context_tokens": 5}


def test_state_rejects_garbage_and_inconsistency() -> None:
    with pytest.raises(StateError):
        JukeboxState.from_bytes(b"not a state")
    with pytest.raises(StateError, match="not made by the Jukebox backend"):
        import io

        buf = io.BytesIO()
        np.savez(buf, header=np.frombuffer(b'{"magic": "x"}', dtype=np.uint8))
        JukeboxState.from_bytes(buf.getvalue())
    with pytest.raises(ValueError, match="history must end"):
        _state(history=np.arange(3, 13, dtype=np.int32))
