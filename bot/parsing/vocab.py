"""What words mean: genres, moods, instruments, sections, song words, tempo words, backends.

Every entry is a phrase (space-separated words; a hyphen in the request counts as a space) with
one or more :class:`Tag`.  Genre words map onto the embedded composer's style ids
(:data:`models.styles.STYLE_IDS`); a *weak* genre word ("jazzy", "epic", "retro") gives a style
only when no real genre noun is present.  The words themselves stay in the prompt for neural
backends, so "reggae" plays as ``pop`` on the embedded composer but MusicGen still hears "reggae".
The tables themselves are in :mod:`bot.parsing.words`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from bot.parsing import words as w
from models.factory import available_backends
from models.styles import STYLE_IDS, STYLES

__all__ = [
    "APPROX_WORDS",
    "CONNECTORS",
    "FILLERS",
    "GO_AHEAD",
    "MAX_PHRASE_WORDS",
    "METER_CONTENT",
    "MUSIC_WORDS",
    "NEGATIONS",
    "PHRASES",
    "STRUCTURE_CATS",
    "VOCAB_WORDS",
    "Cat",
    "Tag",
    "backend_names",
    "lookup_style",
]


class Cat(StrEnum):
    GENRE = "genre"  # value: style id
    GENRE_WEAK = "genre_weak"  # value: style id (adjectives, eras)
    MOOD = "mood"
    INSTRUMENT = "instrument"
    SECTION = "section"  # value: SectionRole value
    SECTION_CTX = "section_ctx"  # start/end/drop/hook/peak: a section only in context
    SONG = "song"  # "full song", "whole thing": certainly the whole song
    SONG_WEAK = "song_weak"  # "song", "track": a song unless a section is named
    TEMPO_HINT = "tempo_hint"
    METER = "meter"  # value: "3/4"...
    BACKEND = "backend"
    ERA = "era"  # value: "80s"
    FILLER = "filler"  # consumed phrases that mean nothing ("in a minute")


#: Categories whose words are structure: removed from the prompt.
STRUCTURE_CATS = frozenset(
    {Cat.SECTION, Cat.SECTION_CTX, Cat.SONG, Cat.SONG_WEAK, Cat.BACKEND, Cat.FILLER}
)
#: Meter phrases whose words stay in the prompt (they describe a feel, not only a meter).
METER_CONTENT = frozenset({"waltz", "jig"})


@dataclass(frozen=True, slots=True)
class Tag:
    cat: Cat
    value: str


FILLERS = w.word_set("fillers")
CONNECTORS = w.word_set("connectors")
NEGATIONS = w.word_set("negations")
APPROX_WORDS = w.word_set("approx")
#: General music words: a request containing one of these says something musical.
MUSIC_WORDS = w.word_set("music")
#: "Anything goes" words: a request made only of these is valid (everything left to the planner).
GO_AHEAD = w.word_set("go_ahead")


def backend_names() -> tuple[str, ...]:
    return available_backends()


def _build() -> dict[tuple[str, ...], tuple[Tag, ...]]:
    index: dict[tuple[str, ...], list[Tag]] = {}

    def add(phrase: str, tag: Tag) -> None:
        tags = index.setdefault(tuple(phrase.split()), [])
        if tag not in tags:
            tags.append(tag)

    sources: tuple[tuple[str, Cat], ...] = (
        (w.GENRES, Cat.GENRE),
        (w.WEAK_GENRES, Cat.GENRE_WEAK),
        (w.MOODS, Cat.MOOD),
        (w.INSTRUMENTS, Cat.INSTRUMENT),
        (w.SECTIONS, Cat.SECTION),
        (w.SECTION_CONTEXT, Cat.SECTION_CTX),
        (w.SONG_STRONG, Cat.SONG),
        (w.SONG_WEAK, Cat.SONG_WEAK),
        (w.TEMPO_HINTS, Cat.TEMPO_HINT),
        (w.METER_WORDS, Cat.METER),
        (w.ERAS, Cat.ERA),
        (w.BACKEND_ALIASES, Cat.BACKEND),
        (w.FILLER_PHRASES, Cat.FILLER),
    )
    for text, cat in sources:
        for value, phrases in w.table(text).items():
            for phrase in phrases:
                add(phrase, Tag(cat, value))
    for value, phrases in w.table(w.SECTION_CONTEXT).items():
        for phrase in phrases:
            add(f"the {phrase}", Tag(Cat.SECTION, value))
    for decade in (*range(10, 100, 10), 2000, 2010):
        add(f"{decade}s", Tag(Cat.ERA, f"{decade}s"))
    for name in backend_names():
        add(name, Tag(Cat.BACKEND, name))
    return {key: tuple(tags) for key, tags in index.items()}


#: phrase (tuple of words) → tags; the matcher tries the longest phrases first.
PHRASES: Mapping[tuple[str, ...], tuple[Tag, ...]] = _build()
MAX_PHRASE_WORDS = max(len(key) for key in PHRASES)

#: Every single word that appears in a phrase or is a structure keyword (targets for typos).
VOCAB_WORDS: frozenset[str] = frozenset(
    {word for key in PHRASES for word in key} | w.word_set("structure")
)


def lookup_style(text: str) -> str | None:
    """A style id for a genre phrase or a style id/title ("Lo-fi hip hop", "reggae"), else None."""
    words = tuple(text.lower().replace("-", " ").replace("/", " ").split())
    if not words:
        return None
    joined = " ".join(words)
    if joined in STYLE_IDS:
        return joined
    for style in STYLES.values():
        if " ".join(style.title.lower().replace("-", " ").replace("/", " ").split()) == joined:
            return style.id
    for tag in PHRASES.get(words, ()):
        if tag.cat in (Cat.GENRE, Cat.GENRE_WEAK):
            return tag.value
    return None
