"""Clean failures of the real ``composer`` command in a subprocess: one clear line, exit status 1,
no traceback, and no files written when any output cannot be (all outputs or none)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from tests.fakediscord.server import FakeDiscord
from tests.test_cli_song import composer

REQUEST = ["compose", "lofi intro 5 seconds", "--seed", "1", "--quiet"]


def refused(tmp_path: Path, *args: str) -> str:
    done = composer(*REQUEST, *args, cwd=tmp_path, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_a_missing_folder_is_named_and_never_created(tmp_path: Path) -> None:
    message = refused(tmp_path, "-o", "nonexistent/dir/x.ogg")
    assert "nonexistent/dir" in message and "does not exist" in message
    assert not (tmp_path / "nonexistent").exists()


def test_a_folder_as_the_output_is_refused(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    assert "is a folder" in refused(tmp_path, "-o", "out")


def test_unknown_extensions_are_refused_with_the_formats(tmp_path: Path) -> None:
    message = refused(tmp_path, "-o", "x.xyz")
    assert "'.xyz'" in message and ".ogg, .opus, .mp3, .flac, .wav" in message
    assert not (tmp_path / "x.xyz").exists()


@pytest.mark.parametrize(
    ("option", "path", "expected"),
    [
        ("--midi", "missing/x.mid", "does not exist"),
        ("--json-summary", "song.ogg.txt/s.json", "which is a file, not a folder"),
    ],
)
def test_a_bad_side_file_means_no_audio_either(
    tmp_path: Path, option: str, path: str, expected: str
) -> None:
    (tmp_path / "song.ogg.txt").write_text("a file, not a folder")
    assert expected in refused(tmp_path, "-o", "song.ogg", option, path)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "data") == ["song.ogg.txt"]


def test_square_brackets_in_names_are_shown_as_typed(tmp_path: Path) -> None:
    done = composer(*REQUEST, "-o", "song[final].ogg", "--midi", "song[final].mid", cwd=tmp_path)
    assert "song[final].ogg" in done.stderr + done.stdout
    names = sorted(p.name for p in tmp_path.iterdir() if p.name != "data")
    assert names == ["song[final].mid", "song[final].ogg"]  # no temporary files left behind


async def test_composer_run_with_a_wrong_token_is_one_line_and_exit_1(tmp_path: Path) -> None:
    async with FakeDiscord() as fake:
        env = {
            **os.environ,
            "DISCORD_TOKEN": "not-the-bot-token",
            "COMPOSER_DATA_DIR": str(tmp_path),
            "COMPOSER_CPU_WORKERS": "1",
            "COMPOSER_WEB_PORT": "0",
            "COMPOSER_REST_BASE_URL": fake.rest_base_url,
            "COMPOSER_GATEWAY_URL": fake.gateway_url,
            "NO_COLOR": "1",
        }
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), 120)
    text = (out + err).decode()
    assert proc.returncode == 1, text
    assert "Traceback" not in text
    lines = text.strip().splitlines()
    assert lines[-1].startswith("Discord refused the bot token (DISCORD_TOKEN)")
    logged = [line for line in lines if "logging in using static token" in line]
    assert len(logged) == 1, lines  # every log line once (not plain and coloured)
