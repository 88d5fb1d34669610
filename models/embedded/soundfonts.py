"""The General MIDI SoundFonts the embedded composer knows, and which one to use.

Measured here (TinySoundFont, 48 kHz; ``bench/bench_cli.py --soundfonts``): TimGM6mb (6 MB, shipped
with pretty_midi) loads in ~0.03 s; FluidR3_GM (148 MB sf2, Debian ``fluid-soundfont-gm``) in
~0.8 s; MuseScore General Lite / Full (sf3, Debian ``musescore-general-soundfont-small`` /
``musescore-general-soundfont``; Vorbis samples decompressed at load) in ~5 s / ~8 s and
0.85 / 1.5 GB of memory.  The big ones suit long-lived bot workers, not one CLI run.

A configured SoundFont (``COMPOSER_SOUNDFONT`` / ``soundfont`` setting) is a path or one of these
names: ``best`` (the fullest installed: MuseScore Full, MuseScore, Lite, FluidR3, TimGM6mb),
``fast`` (the fullest that loads in about a second: FluidR3, else TimGM6mb), or an id below.
A name whose file is missing falls back, with a warning, to the next installed one in its list.
"""

from __future__ import annotations

import importlib.util
import logging
from dataclasses import dataclass
from pathlib import Path

from models.base import BackendError

__all__ = ["SOUNDFONTS", "SoundFont", "installed", "resolve_soundfont", "timgm6mb_path"]

log = logging.getLogger(__name__)

_SF2 = Path("/usr/share/sounds/sf2")
_SF3 = Path("/usr/share/sounds/sf3")


@dataclass(frozen=True, slots=True)
class SoundFont:
    id: str
    path: Path
    load_s: float  # measured load time, as a guide for choosing


def timgm6mb_path() -> Path:
    """``TimGM6mb.sf2`` inside the installed ``pretty_midi`` package (found without importing
    it: that would cost a tenth of a second)."""
    spec = importlib.util.find_spec("pretty_midi")
    if spec is None or not spec.submodule_search_locations:
        raise BackendError(
            "no SoundFont configured and pretty_midi (which ships TimGM6mb.sf2) is not installed"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "TimGM6mb.sf2"


def _catalogue() -> tuple[SoundFont, ...]:
    try:
        tim: tuple[SoundFont, ...] = (SoundFont("timgm6mb", timgm6mb_path(), 0.03),)
    except BackendError:
        tim = ()
    return (
        SoundFont("musescore-full", _SF3 / "MuseScore_General_Full.sf3", 8.0),
        SoundFont("musescore", _SF3 / "MuseScore_General.sf3", 8.0),
        SoundFont("musescore-lite", _SF3 / "MuseScore_General_Lite.sf3", 5.0),
        SoundFont("fluidr3", _SF2 / "FluidR3_GM.sf2", 0.8),
        *tim,
    )


#: Known SoundFonts, fullest first (whether installed or not).
SOUNDFONTS: tuple[SoundFont, ...] = _catalogue()
_FAST_S = 1.0


def installed() -> tuple[SoundFont, ...]:
    """The known SoundFonts present on this machine, fullest first (one entry per file)."""
    seen: set[Path] = set()
    found = []
    for font in SOUNDFONTS:
        if font.path.is_file() and font.path.resolve() not in seen:
            seen.add(font.path.resolve())
            found.append(font)
    return tuple(found)


def resolve_soundfont(choice: str | Path | None) -> Path:
    """The SoundFont file for a configured ``choice`` (None: TimGM6mb, the fast default)."""
    if choice is None:
        return timgm6mb_path()
    text = str(choice).strip()
    name = text.lower()
    ids = [f.id for f in SOUNDFONTS]
    if name in ("best", "fast") or name in ids:
        if name == "best":
            wanted = list(SOUNDFONTS)
        elif name == "fast":
            wanted = [f for f in SOUNDFONTS if f.load_s <= _FAST_S]
        else:
            wanted = list(SOUNDFONTS[ids.index(name) :])
        for font in wanted:
            if font.path.is_file():
                if font.id != wanted[0].id and name not in ("best", "fast"):
                    log.warning("SoundFont %s is not installed; using %s", name, font.id)
                return font.path
        return timgm6mb_path()
    path = Path(text).expanduser()
    if not path.is_file():
        known = ", ".join(["best", "fast", *ids])
        raise BackendError(f"SoundFont not found: {path} (a .sf2/.sf3 file, or one of: {known})")
    return path
