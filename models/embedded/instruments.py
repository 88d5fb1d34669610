"""Instrument words ("piano", "strings", "808", "flute"...) → General MIDI parts, and how a
request's words override a style's default parts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from models.plan import InstrumentPart, PartRole

__all__ = ["INSTRUMENT_WORDS", "apply_instruments", "instrument_for"]

_H, _L, _P, _T, _B, _D = (
    PartRole.HARMONY,
    PartRole.LEAD,
    PartRole.PAD,
    PartRole.TEXTURE,
    PartRole.BASS,
    PartRole.DRUMS,
)

INSTRUMENT_WORDS: Mapping[str, InstrumentPart] = {
    word: InstrumentPart(role, program, name)
    for words, role, program, name in (
        (("piano", "grand piano", "acoustic piano"), _H, 0, "Piano"),
        (("keys", "rhodes", "electric piano", "e-piano", "epiano"), _H, 4, "Electric piano"),
        (("organ", "hammond"), _H, 16, "Organ"),
        (("church organ", "pipe organ"), _P, 19, "Church organ"),
        (("harpsichord",), _H, 6, "Harpsichord"),
        (("clavinet", "clav"), _H, 7, "Clavinet"),
        (("accordion",), _H, 21, "Accordion"),
        (("guitar", "acoustic guitar", "steel guitar"), _H, 25, "Acoustic guitar"),
        (("nylon guitar", "classical guitar", "spanish guitar"), _H, 24, "Nylon guitar"),
        (("electric guitar", "clean guitar", "jazz guitar"), _H, 27, "Electric guitar"),
        (
            ("distorted guitar", "distortion guitar", "heavy guitar", "overdrive guitar"),
            _H,
            30,
            "Distortion guitar",
        ),
        (("banjo",), _H, 105, "Banjo"),
        (("strings", "string section", "orchestra"), _P, 48, "Strings"),
        (("violin",), _L, 40, "Violin"),
        (("viola",), _L, 41, "Viola"),
        (("cello",), _L, 42, "Cello"),
        (("fiddle",), _L, 110, "Fiddle"),
        (("harp",), _T, 46, "Harp"),
        (("pizzicato",), _T, 45, "Pizzicato strings"),
        (("synth", "synth lead", "lead synth", "saw", "sawtooth"), _L, 81, "Synth lead"),
        (("square", "chiptune", "8-bit", "8bit"), _L, 80, "Square lead"),
        (("pad", "synth pad", "pads"), _P, 89, "Synth pad"),
        (("arp", "arps", "arpeggio", "arpeggiator"), _T, 80, "Arpeggiator"),
        (("808", "808s", "808 bass"), _B, 38, "808 bass"),
        (("bass", "bass guitar", "electric bass"), _B, 33, "Bass"),
        (("upright bass", "double bass", "acoustic bass", "contrabass"), _B, 32, "Upright bass"),
        (("synth bass", "sub bass"), _B, 38, "Synth bass"),
        (("tuba",), _B, 58, "Tuba"),
        (("flute", "flutes"), _L, 73, "Flute"),
        (("pan flute", "panflute"), _L, 75, "Pan flute"),
        (("recorder",), _L, 74, "Recorder"),
        (("piccolo",), _L, 72, "Piccolo"),
        (("ocarina",), _L, 79, "Ocarina"),
        (("whistle",), _L, 78, "Whistle"),
        (("sax", "saxophone", "tenor sax"), _L, 66, "Saxophone"),
        (("alto sax",), _L, 65, "Alto sax"),
        (("trumpet",), _L, 56, "Trumpet"),
        (("trombone",), _L, 57, "Trombone"),
        (("horn", "horns", "french horn"), _L, 60, "French horns"),
        (("brass", "brass section"), _H, 61, "Brass"),
        (("clarinet",), _L, 71, "Clarinet"),
        (("oboe",), _L, 68, "Oboe"),
        (("bassoon",), _L, 70, "Bassoon"),
        (("harmonica",), _L, 22, "Harmonica"),
        (("bells", "glockenspiel"), _T, 9, "Bells"),
        (("music box",), _L, 10, "Music box"),
        (("celesta",), _L, 8, "Celesta"),
        (("vibraphone", "vibes"), _L, 11, "Vibraphone"),
        (("marimba",), _T, 12, "Marimba"),
        (("xylophone",), _T, 13, "Xylophone"),
        (("kalimba",), _L, 108, "Kalimba"),
        (("sitar",), _L, 104, "Sitar"),
        (("koto",), _L, 107, "Koto"),
        (("steel drums", "steel drum", "steelpan"), _L, 114, "Steel drums"),
        (("choir", "voices", "vocals", "aahs", "ooh"), _P, 52, "Choir"),
        (("drums", "drum", "beat", "percussion", "kit"), _D, 0, "Drums"),
    )
    for word in words
}


def instrument_for(word: str) -> InstrumentPart | None:
    text = " ".join(word.lower().replace("_", " ").split())
    if text in INSTRUMENT_WORDS:
        return INSTRUMENT_WORDS[text]
    if text.endswith("s") and text[:-1] in INSTRUMENT_WORDS:
        return INSTRUMENT_WORDS[text[:-1]]
    return None


def _same(part: InstrumentPart, wanted: InstrumentPart) -> bool:
    """Already played: same role and program (an 808 is a way of playing, not only a sound)."""
    if part.role is not wanted.role or part.program != wanted.program:
        return False
    return ("808" in wanted.name) <= ("808" in part.name)


def apply_instruments(
    parts: tuple[InstrumentPart, ...], words: Iterable[str], max_parts: int = 8
) -> tuple[tuple[InstrumentPart, ...], tuple[str, ...]]:
    """Override a style's parts with requested instruments.

    A word replaces the style's part in the same role (the first one not yet replaced); when the
    style already plays that instrument nothing changes; when every part of that role was already
    replaced, or the style has none, the instrument is added.  Returns (parts, unknown words).
    """
    out = list(parts)
    replaced: set[int] = set()
    unknown: list[str] = []
    for word in words:
        wanted = instrument_for(word)
        if wanted is None:
            if word.strip():
                unknown.append(word.strip())
            continue
        if any(_same(p, wanted) for p in out):
            continue
        if wanted.role is PartRole.DRUMS and any(p.role is PartRole.DRUMS for p in out):
            continue
        slot = next(
            (i for i, p in enumerate(out) if p.role is wanted.role and i not in replaced), None
        )
        if slot is not None:
            out[slot] = wanted
            replaced.add(slot)
        elif len(out) < max_parts:
            out.append(wanted)
            replaced.add(len(out) - 1)
    return tuple(out), tuple(unknown)
