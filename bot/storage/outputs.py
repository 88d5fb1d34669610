"""Output files written all or none (``composer compose``/``song``): checked before any work.

Every output (audio, ``--midi``, ``--json-summary``) is checked first: its folder must exist (no
folders are created), must be a folder and writable, and the path must not name a folder; the
audio file's extension must be a known format (unless ``--format`` says which).  Then each file is
written next to its destination under a temporary name and all are renamed into place together
at the end, so a failure leaves no partial set of files behind.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.errors import ComposerError
from bot.runtime.jobs import AudioFormat

__all__ = ["OutputError", "Outputs", "StagedFiles", "check_outputs", "staged_files"]


class OutputError(ComposerError):
    """An output path the CLI cannot write."""


@dataclass(frozen=True, slots=True)
class Outputs:
    audio: Path
    format: AudioFormat
    midi: Path | None = None
    summary: Path | None = None


def _formats() -> str:
    """The file extensions known (Ogg Vorbis is an .ogg too: it is asked for with --format)."""
    return ", ".join(f".{f.value}" for f in AudioFormat if f is not AudioFormat.VORBIS)


def _audio_format(path: Path, explicit: str | None) -> AudioFormat:
    if explicit:
        try:
            return AudioFormat.parse(explicit)
        except ValueError as exc:
            raise OutputError(f"{exc}.") from None
    if not path.suffix:
        return AudioFormat.OGG
    try:
        return AudioFormat.parse(path.suffix)
    except ValueError:
        raise OutputError(
            f"I don't know the audio format '{path.suffix}' of {path}. Formats: {_formats()} "
            "(or say which with --format, e.g. --format vorbis for Ogg Vorbis)."
        ) from None


def check_writable(path: Path, what: str) -> Path:
    """``path`` as a file to create or replace, or OutputError saying why it cannot be."""
    if path.is_dir():
        raise OutputError(f"The {what} {path} is a folder: give a file name inside it.")
    folder = path.parent
    if not folder.exists():
        raise OutputError(
            f"The folder {folder} for the {what} does not exist (I don't create folders)."
        )
    if not folder.is_dir():
        raise OutputError(f"The {what} {path} is under {folder}, which is a file, not a folder.")
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise OutputError(f"I am not allowed to write the {what} {path}.")
    return path


def check_outputs(
    audio: str, fmt: str | None, *, midi: str | None = None, summary: str | None = None
) -> Outputs:
    audio_path = check_writable(Path(audio), "audio file")
    outputs = Outputs(
        audio=audio_path,
        format=_audio_format(audio_path, fmt),
        midi=check_writable(Path(midi), "MIDI file") if midi else None,
        summary=check_writable(Path(summary), "JSON summary") if summary else None,
    )
    paths = [p.resolve() for p in (outputs.audio, outputs.midi, outputs.summary) if p]
    if len(set(paths)) != len(paths):
        raise OutputError("The audio, MIDI and JSON summary files need different names.")
    return outputs


class StagedFiles:
    """Temporary files beside their destinations, renamed into place by :meth:`commit`."""

    def __init__(self) -> None:
        self._staged: list[tuple[Path, Path]] = []

    def stage(self, destination: Path) -> Path:
        temporary = destination.with_name(f".{destination.name}.{uuid.uuid4().hex[:8]}.part")
        self._staged.append((temporary, destination))
        return temporary

    def commit(self) -> None:
        for temporary, destination in self._staged:
            os.replace(temporary, destination)
        self._staged.clear()

    def discard(self) -> None:
        for temporary, _ in self._staged:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
        self._staged.clear()


@contextlib.contextmanager
def staged_files() -> Iterator[StagedFiles]:
    """Files staged inside the block are discarded unless committed."""
    files = StagedFiles()
    try:
        yield files
    finally:
        files.discard()
