"""Choosing a SoundFont by name or path, and falling back to what is installed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from models.base import BackendConfig, BackendError
from models.embedded.backend import load
from models.embedded.soundfonts import SOUNDFONTS, installed, resolve_soundfont, timgm6mb_path
from models.plan import Key
from tests.test_embedded_support import section_plan


def test_default_is_the_small_soundfont_shipped_with_pretty_midi() -> None:
    path = resolve_soundfont(None)
    assert path == timgm6mb_path() and path.is_file() and "pretty_midi" in str(path)


def test_names_resolve_to_installed_files_fullest_first() -> None:
    present = installed()
    assert present and present[-1].id == "timgm6mb"  # always there: pretty_midi ships it
    assert resolve_soundfont("best") == present[0].path
    fast = [f for f in present if f.load_s <= 1.0]
    assert resolve_soundfont("FAST") == fast[0].path
    for font in present:
        assert resolve_soundfont(font.id) == font.path
    ids = [f.id for f in SOUNDFONTS]
    assert ids.index("fluidr3") < ids.index("timgm6mb")


def test_a_path_is_used_as_it_is_and_a_wrong_one_is_a_clear_error(tmp_path: Path) -> None:
    assert resolve_soundfont(str(timgm6mb_path())) == timgm6mb_path()
    with pytest.raises(BackendError, match=r"SoundFont not found: .*nope\.sf2.*best, fast"):
        resolve_soundfont(tmp_path / "nope.sf2")
    with pytest.raises(BackendError, match="one of: best, fast, musescore-full"):
        resolve_soundfont("the-best-one")


def test_the_backend_plays_with_the_fast_soundfont() -> None:
    backend = load(BackendConfig(sample_rate=48_000, soundfont=Path("fast")))
    assert backend.soundfont == resolve_soundfont("fast")
    plan, section = section_plan("synthwave", Key.parse("E minor"), 100, bars=2, seed=1)
    out = backend.generate(plan, section)
    assert np.all(np.isfinite(out.audio)) and 0.02 < float(np.abs(out.audio).max()) < 1.0
