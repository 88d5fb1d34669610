"""Which SoundFont each path renders with when none is configured: bot workers the fullest
installed (``best``), the CLI the fullest that loads in about a second (``fast``), both
overridden by ``COMPOSER_SOUNDFONT`` / the ``soundfont`` setting.

The rest of the suite pins ``timgm6mb`` (tests/conftest.py); the CLI test here takes the real
default on purpose and measures that the song it writes is rendered and mastered right.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from scipy.signal import resample_poly

from bot.runtime.pool.launch import plan_workers
from bot.runtime.worker import parse_args
from bot.settings import CLI_SOUNDFONT, SOUNDFONT_ENV, WORKER_SOUNDFONT, Settings
from models.embedded.soundfonts import resolve_soundfont, timgm6mb_path
from tests.audio_analysis import loudness_lufs

WORKER_ARGV = ["--backend", "embedded", "--clips-dir", "clips"]


def test_the_suite_pins_the_small_soundfont() -> None:
    assert os.environ[SOUNDFONT_ENV] == "timgm6mb"
    assert resolve_soundfont(os.environ[SOUNDFONT_ENV]) == timgm6mb_path()


def test_each_path_has_its_default_and_the_setting_or_environment_overrides_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(SOUNDFONT_ENV)
    assert (WORKER_SOUNDFONT, CLI_SOUNDFONT) == ("best", "fast")
    assert Settings().soundfont_or(WORKER_SOUNDFONT) == Path("best")
    assert Settings().soundfont_or(CLI_SOUNDFONT) == Path("fast")
    assert parse_args(WORKER_ARGV).soundfont == Path("best")
    monkeypatch.setenv(SOUNDFONT_ENV, "fluidr3")
    assert Settings().soundfont_or(WORKER_SOUNDFONT) == Path("fluidr3")
    assert parse_args(WORKER_ARGV).soundfont == Path("fluidr3")
    assert Settings.load(env=os.environ).soundfont == Path("fluidr3")
    chosen = Settings(soundfont=tmp_path / "mine.sf2")
    assert chosen.soundfont_or(CLI_SOUNDFONT) == tmp_path / "mine.sf2"
    assert parse_args([*WORKER_ARGV, "--soundfont", "timgm6mb"]).soundfont == Path("timgm6mb")


def test_worker_processes_get_a_name_as_is_and_a_file_as_an_absolute_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("mine.sf2").write_bytes(b"RIFF")

    def soundfont_arg(settings: Settings) -> str | None:
        (launch,) = plan_workers(settings, cpu_workers=1)
        argv = list(launch.argv)
        return argv[argv.index("--soundfont") + 1] if "--soundfont" in argv else None

    assert soundfont_arg(Settings()) is None  # the worker picks: $COMPOSER_SOUNDFONT, else best
    assert soundfont_arg(Settings(soundfont=Path("fluidr3"))) == "fluidr3"
    assert soundfont_arg(Settings(soundfont=Path("mine.sf2"))) == str(tmp_path / "mine.sf2")


@pytest.mark.slow
def test_the_cli_renders_and_masters_with_its_default_soundfont(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != SOUNDFONT_ENV}
    env.update(COMPOSER_DATA_DIR=str(tmp_path / "data"), NO_COLOR="1")
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "song", "synthwave 100bpm in D minor", "--duration",
         "16", "--seed", "5", "-o", "song.wav", "--json-summary", "summary.json"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["soundfont"] == str(resolve_soundfont(CLI_SOUNDFONT))
    audio, rate = sf.read(tmp_path / "song.wav", dtype="float64", always_2d=True)
    assert audio.shape[0] / rate >= 14.0
    assert abs(loudness_lufs(audio, rate) - (-14.0)) <= 0.5
    oversampled = resample_poly(audio, 4, 1, axis=0)
    assert 20 * np.log10(np.max(np.abs(oversampled))) <= -1.0 + 0.05
    # every second of the song sounds (no silent dropout from a SoundFont missing a program)
    frames = audio[: rate * 14].reshape(14, rate, -1)
    assert np.sqrt(np.mean(frames**2, axis=(1, 2))).min() > 10 ** (-40 / 20)
