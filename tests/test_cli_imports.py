"""Start-up cost: each CLI command imports only what it needs (checked in a fresh interpreter).

Importing ``scipy.signal`` alone costs ~0.5 s; PyAV, pedalboard, PIL and asyncio tens of
milliseconds each: ``composer parse`` and ``--help`` must not pay for synthesis, and ``composer
song`` must not pay for analysis libraries it does not use.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

_PROBE = """
import json, sys
from bot.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules if "." not in m)))
"""

_SYNTHESIS = {"tinysoundfont", "pedalboard", "soundfile"}
_NEVER_ON_THE_SONG_PATH = {"scipy", "pyloudnorm", "PIL", "asyncio", "torch", "librosa", "discord"}
#: Loaded only when asked for: MIDI output (``--midi``), a progress bar (a terminal).
_ON_REQUEST = {"mido", "rich"}


def _modules(tmp_path: Path, *args: str) -> set[str]:
    env = {**os.environ, "COMPOSER_DATA_DIR": str(tmp_path / "data"), "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=True,
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("args", [("--help",), ("parse", "house at 124 bpm in F minor")])
def test_parse_and_help_import_no_audio_stack(tmp_path: Path, args: tuple[str, ...]) -> None:
    loaded = _modules(tmp_path, *args)
    assert "bot" in loaded
    assert not loaded & (_SYNTHESIS | _NEVER_ON_THE_SONG_PATH | _ON_REQUEST | {"av"})


def test_song_imports_the_synthesis_stack_and_nothing_more(tmp_path: Path) -> None:
    out = tmp_path / "song.ogg"
    loaded = _modules(tmp_path, "song", "lofi", "--duration", "8", "--seed", "1", "-o", str(out))
    assert out.stat().st_size > 10_000
    assert loaded >= _SYNTHESIS
    assert not loaded & (_NEVER_ON_THE_SONG_PATH | _ON_REQUEST | {"av"})


def test_song_with_midi_loads_the_midi_writer(tmp_path: Path) -> None:
    out, midi = tmp_path / "song.ogg", tmp_path / "song.mid"
    args = ("song", "lofi", "--duration", "8", "--seed", "1", "-o", str(out), "--midi", str(midi))
    loaded = _modules(tmp_path, *args)
    assert midi.read_bytes()[:4] == b"MThd"
    assert "mido" in loaded and "rich" not in loaded  # no terminal here: plain messages


def test_the_bot_process_imports_no_synthesis_or_analysis(tmp_path: Path) -> None:
    """`composer run`'s own process answers Discord; its workers synthesise."""
    probe = (
        "import json, sys, cogs.app\n"
        'print(json.dumps(sorted(m for m in sys.modules if "." not in m)))'
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=True,
        env={**os.environ, "COMPOSER_DATA_DIR": str(tmp_path / "data")},
    )
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert {"discord", "aiohttp", "sqlalchemy"} <= loaded
    assert not loaded & (
        _SYNTHESIS | _NEVER_ON_THE_SONG_PATH - {"asyncio", "discord"} | {"mido", "av"}
    )
