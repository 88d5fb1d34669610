"""The styles the embedded composer can play, with what every backend and the parser may know.

This is the backend-neutral part of a style (name, tempo range, default mode, meters, swing,
a prompt description for neural backends).  How a style is arranged (grooves, voicings,
instruments) lives in :mod:`models.embedded`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from models.plan import Mode

__all__ = ["STYLES", "STYLE_IDS", "StyleInfo", "style_info"]


@dataclass(frozen=True, slots=True)
class StyleInfo:
    id: str
    title: str
    bpm_range: tuple[float, float]
    default_bpm: float
    default_mode: Mode
    meters: tuple[str, ...]
    swing: float
    description: str  # used as a prompt by neural backends


STYLES: Mapping[str, StyleInfo] = {
    s.id: s
    for s in (
        StyleInfo(
            "lofi",
            "Lo-fi hip hop",
            (60, 95),
            82,
            Mode.MINOR,
            ("4/4",),
            0.18,
            "lo-fi hip hop, dusty drums, mellow electric piano, warm bass",
        ),
        StyleInfo(
            "pop",
            "Pop",
            (90, 130),
            112,
            Mode.MAJOR,
            ("4/4",),
            0.0,
            "upbeat pop, bright piano and synths, punchy drums",
        ),
        StyleInfo(
            "rock",
            "Rock",
            (90, 160),
            124,
            Mode.MINOR,
            ("4/4",),
            0.0,
            "rock band, overdriven guitars, bass guitar, live drums",
        ),
        StyleInfo(
            "house",
            "House / EDM",
            (118, 132),
            124,
            Mode.MINOR,
            ("4/4",),
            0.0,
            "house music, four on the floor kick, synth stabs, sidechained pads",
        ),
        StyleInfo(
            "ambient",
            "Ambient",
            (60, 90),
            72,
            Mode.MAJOR,
            ("4/4", "3/4"),
            0.0,
            "ambient, evolving pads, soft bells, no drums, spacious",
        ),
        StyleInfo(
            "jazz",
            "Jazz",
            (90, 180),
            132,
            Mode.MAJOR,
            ("4/4", "3/4"),
            0.33,
            "jazz trio, swing ride cymbal, walking upright bass, piano comping",
        ),
        StyleInfo(
            "cinematic",
            "Cinematic / orchestral",
            (60, 110),
            84,
            Mode.MINOR,
            ("4/4", "3/4", "6/8"),
            0.0,
            "cinematic orchestral, strings, brass, timpani, epic",
        ),
        StyleInfo(
            "hiphop",
            "Hip-hop / trap",
            (70, 100),
            88,
            Mode.MINOR,
            ("4/4",),
            0.08,
            "hip-hop trap beat, 808 bass, hi-hat rolls, dark keys",
        ),
        StyleInfo(
            "piano",
            "Solo piano",
            (60, 120),
            80,
            Mode.MAJOR,
            ("4/4", "3/4", "6/8"),
            0.0,
            "solo piano, expressive, intimate",
        ),
        StyleInfo(
            "synthwave",
            "Synthwave",
            (84, 118),
            100,
            Mode.MINOR,
            ("4/4",),
            0.0,
            "synthwave, retro 80s analog synths, gated drums, arpeggios",
        ),
    )
}

STYLE_IDS: tuple[str, ...] = tuple(STYLES)


def style_info(style_id: str) -> StyleInfo:
    try:
        return STYLES[style_id]
    except KeyError:
        allowed = ", ".join(STYLE_IDS)
        raise KeyError(f"unknown style {style_id!r} (styles: {allowed})") from None
