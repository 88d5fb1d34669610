"""Request → Jukebox conditioning: which artist and genre ids a song plan asks for.

Jukebox is conditioned on one artist id and a bag of genre ids per prior; there is no label for
tempo, key or mood.  A checkpoint's vocabularies come from the tokenizer files ``artists.json`` and
``genres.json``; each prior reads them in one of two versions:

* ``v3``: whole lower-case names (``"hip hop"``, ``"lo-fi"``), one genre slot per name;
* ``v2``: names normalised to ``[a-z0-9.]`` words joined by ``_`` with a ``.v2`` suffix per word
  (``"hip.v2"``, ``"hop.v2"``); a multi-word genre fills one slot per word.

A genre or artist is usable only when every prior's version knows it, so that all levels get the
same conditioning.  Everything the plan says that cannot be mapped is reported in
:attr:`Conditioning.notes` (shown to the user), never dropped silently.

Pure Python: no torch, no transformers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models.plan import SongPlan

__all__ = [
    "MOOD_GENRES",
    "STYLE_GENRES",
    "Conditioning",
    "LabelVocab",
    "map_conditioning",
    "normalize_v2",
]

#: Style id → genre names to try, best first.  The first one that the checkpoint knows is used.
STYLE_GENRES: Mapping[str, tuple[str, ...]] = {
    "lofi": ("lo-fi", "hip hop", "chill-out", "downtempo"),
    "pop": ("pop",),
    "rock": ("rock",),
    "house": ("house", "deep house", "electronic", "dance"),
    "ambient": ("ambient", "new age", "electronic"),
    "jazz": ("jazz",),
    "cinematic": ("soundtrack", "orchestral", "classical"),
    "hiphop": ("hip hop", "rap", "trap"),
    "piano": ("piano", "classical", "new age"),
    "synthwave": ("synthwave", "synthpop", "new wave", "electronic"),
}

#: Mood word → genre names that carry it (tried after the mood word itself).
MOOD_GENRES: Mapping[str, tuple[str, ...]] = {
    "chill": ("chill-out", "downtempo", "easy listening"),
    "relaxed": ("chill-out", "downtempo", "easy listening"),
    "calm": ("ambient", "new age"),
    "peaceful": ("ambient", "new age"),
    "dark": ("dark ambient", "dark wave"),
    "spooky": ("dark ambient",),
    "eerie": ("dark ambient",),
    "epic": ("orchestral", "symphonic rock"),
    "dreamy": ("dream pop", "ambient"),
    "funky": ("funk",),
    "groovy": ("funk", "disco"),
    "soulful": ("soul",),
    "bluesy": ("blues",),
    "jazzy": ("jazz",),
    "energetic": ("dance",),
    "romantic": ("romantic",),
}

# Words that carry no musical label; they are not reported as "could not map".
_STOPWORDS = frozenset(
    (
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "from",
        "i",
        "in",
        "into",
        "is",
        "it",
        "its",
        "like",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "please",
        "some",
        "song",
        "songs",
        "something",
        "style",
        "that",
        "the",
        "this",
        "to",
        "track",
        "tune",
        "with",
        "make",
        "play",
        "give",
        "want",
        "music",
        "piece",
        "beat",
        "beats",
        "bit",
        "kind",
        "sort",
        "very",
    )
)
_CUES = (("in", "the", "style", "of"), ("style", "of"), ("like",), ("by",))
_WORD_RE = re.compile(r"[a-z0-9&'+-]+")
_V2_RE = re.compile(r"[^a-z0-9.]+")
_MAX_GENRE_WORDS = 4  # longest genre name matched in free text ("new orleans rhythm and blues")
_MAX_ARTIST_WORDS = 5
_MAX_LISTED = 8


def normalize_v2(text: str) -> str:
    """The ``v2`` spelling of an artist or genre: lower case, ``[a-z0-9.]`` runs joined by ``_``.

    Same rule as ``JukeboxTokenizer._normalize``: ``"Lo-Fi  Hip/Hop!"`` → ``"lo_fi_hip_hop"``.
    """
    return _V2_RE.sub("_", text.lower()).strip("_")


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


@dataclass(frozen=True, slots=True)
class LabelVocab:
    """A checkpoint's artist and genre vocabularies, read the way each prior reads them."""

    versions: tuple[str, ...]  # one per prior, top first: "v2" or "v3"
    artists: Mapping[str, int]
    genres: Mapping[str, int]
    max_genres: int  # genre slots per prior

    def __post_init__(self) -> None:
        bad = [v for v in self.versions if v not in ("v2", "v3")]
        if bad or not self.versions:
            raise ValueError(f"unknown Jukebox label versions {self.versions!r} (expected v2/v3)")
        if self.max_genres < 1:
            raise ValueError("a Jukebox vocabulary needs at least one genre slot")

    @classmethod
    def from_files(
        cls,
        artists_file: Path,
        genres_file: Path,
        tokenizer_config: Path | None,
        *,
        n_priors: int,
        max_genres: int,
    ) -> LabelVocab:
        """Read ``artists.json``, ``genres.json`` and the tokenizer config's ``version`` list."""
        artists = _read_vocab(artists_file)
        genres = _read_vocab(genres_file)
        versions: Sequence[str] = ("v3", "v2", "v2")  # JukeboxTokenizer's default
        if tokenizer_config is not None and tokenizer_config.is_file():
            data: Any = json.loads(tokenizer_config.read_text(encoding="utf-8"))
            if isinstance(data, dict) and isinstance(data.get("version"), list):
                versions = [str(v) for v in data["version"]]
        if len(versions) < n_priors:
            raise ValueError(f"tokenizer has {len(versions)} label versions for {n_priors} priors")
        return cls(tuple(versions[:n_priors]), artists, genres, max_genres)

    def _genre_ids(self, version: str, name: str) -> tuple[int, ...] | None:
        if version == "v3":
            key = name.lower().strip()
            return (self.genres[key],) if key in self.genres else None
        words = [w for w in normalize_v2(name).split("_") if w]
        if not words or any(f"{w}.v2" not in self.genres for w in words):
            return None
        return tuple(self.genres[f"{w}.v2"] for w in words)

    def genre_ids(self, name: str) -> tuple[tuple[int, ...], ...] | None:
        """Ids of genre ``name`` for every prior, or None when some prior's vocabulary lacks it."""
        per_prior = []
        for version in self.versions:
            ids = self._genre_ids(version, name)
            if ids is None:
                return None
            per_prior.append(ids)
        return tuple(per_prior)

    def artist_ids(self, name: str) -> tuple[int, ...] | None:
        """Id of artist ``name`` for every prior, or None when some prior's vocabulary lacks it."""
        ids = []
        for version in self.versions:
            key = name.lower().strip() if version == "v3" else f"{normalize_v2(name)}.v2"
            if key not in self.artists:
                return None
            ids.append(self.artists[key])
        return tuple(ids)


def _read_vocab(path: Path) -> dict[str, int]:
    data: Any = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path.name} must be a JSON object of name → id")
    return {str(k): int(v) for k, v in data.items()}


@dataclass(frozen=True, slots=True)
class Conditioning:
    """What one song is conditioned on.  ``artist_ids``/``genre_ids`` are per prior (top first);
    genre id tuples are unpadded (the label builder pads them with -1)."""

    artist: str
    genres: tuple[str, ...]
    artist_ids: tuple[int, ...]
    genre_ids: tuple[tuple[int, ...], ...]
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "artist": self.artist,
            "genres": list(self.genres),
            "artist_ids": list(self.artist_ids),
            "genre_ids": [list(ids) for ids in self.genre_ids],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Conditioning:
        return cls(
            artist=str(data["artist"]),
            genres=tuple(str(g) for g in data["genres"]),
            artist_ids=tuple(int(i) for i in data["artist_ids"]),
            genre_ids=tuple(tuple(int(i) for i in ids) for ids in data["genre_ids"]),
        )


class _Picker:
    """Collects genres while every prior still has a free slot."""

    def __init__(self, vocab: LabelVocab) -> None:
        self.vocab = vocab
        self.names: list[str] = []
        self.ids: list[list[int]] = [[] for _ in vocab.versions]
        self.left_out: list[str] = []

    def has(self, name: str) -> bool:
        return _squash(name) in {_squash(n) for n in self.names}

    def add(self, name: str) -> bool:
        """Add ``name`` when the vocabulary knows it; False when it does not."""
        ids = self.vocab.genre_ids(name)
        if ids is None:
            return False
        if self.has(name):
            return True
        merged = [
            list(dict.fromkeys([*have, *new])) for have, new in zip(self.ids, ids, strict=True)
        ]
        if any(len(m) > self.vocab.max_genres for m in merged):
            self.left_out.append(name)
            return True
        self.names.append(name)
        self.ids = merged
        return True


def _words(text: str) -> list[str]:
    return _WORD_RE.findall(text.lower())


def _find_artist(words: list[str], vocab: LabelVocab) -> tuple[str, int, int] | None:
    """An artist named after a cue ("in the style of X", "like X", "by X"): (name, start, end)."""
    for i in range(len(words)):
        for cue in _CUES:
            if tuple(words[i : i + len(cue)]) != cue:
                continue
            start = i + len(cue)
            for n in range(min(_MAX_ARTIST_WORDS, len(words) - start), 0, -1):
                name = " ".join(words[start : start + n])
                if vocab.artist_ids(name) is not None:
                    return name, start, start + n
    return None


def _listing(words: Sequence[str]) -> str:
    shown = ", ".join(f"'{w}'" for w in words[:_MAX_LISTED])
    more = len(words) - _MAX_LISTED
    return shown + (f" and {more} more" if more > 0 else "")


def map_conditioning(plan: SongPlan, vocab: LabelVocab) -> Conditioning:
    """Map a plan's style, mood and prompt onto the checkpoint's artist and genre vocabularies.

    The style picks the first genre of :data:`STYLE_GENRES` the checkpoint knows; the mood adds a
    genre when the mood word (or one of :data:`MOOD_GENRES`) is a known genre; genre names and a
    cued artist ("in the style of Miles Davis") found in the prompt are added too.  Tempo and key
    have no Jukebox label.  Every word that could not be used is named in ``notes``.
    """
    notes: list[str] = []
    picker = _Picker(vocab)

    # Style.
    style = plan.style.strip().lower()
    candidates = STYLE_GENRES.get(style, (style.replace("_", " "),))
    chosen = next((name for name in candidates if picker.add(name)), None)
    if chosen is None:
        notes.append(f"Jukebox has no genre for style '{plan.style}'; it plays without a genre")
    elif _squash(chosen) != _squash(style):
        notes.append(f"Jukebox has no genre for '{plan.style}'; used '{chosen}'")

    # Mood.
    if plan.mood and plan.mood.strip():
        mood = plan.mood.strip().lower()
        options = (mood, *MOOD_GENRES.get(mood, ()))
        used = next((name for name in options if picker.add(name)), None)
        if used is None:
            notes.append(f"Jukebox has no genre for the mood '{plan.mood}'; it was not used")
        elif _squash(used) != _squash(mood):
            notes.append(f"mood '{plan.mood}' was played as the genre '{used}'")

    # Prompt: a cued artist, then genre phrases (longest first), then report the rest.
    words = _words(plan.prompt)
    artist = "unknown"
    artist_ids: tuple[int, ...] = tuple(0 for _ in vocab.versions)
    consumed = [False] * len(words)
    found = _find_artist(words, vocab)
    if found is not None:
        artist, start, end = found
        artist_ids = vocab.artist_ids(artist) or artist_ids
        for k in range(start, end):
            consumed[k] = True
    i = 0
    while i < len(words):
        if consumed[i]:
            i += 1
            continue
        for n in range(min(_MAX_GENRE_WORDS, len(words) - i), 0, -1):
            span = words[i : i + n]
            if any(consumed[i : i + n]) or (n == 1 and span[0] in _STOPWORDS):
                continue
            phrase = " ".join(span)
            aliases = STYLE_GENRES.get(phrase, ()) if n == 1 else ()
            if picker.add(phrase) or any(picker.add(alias) for alias in aliases[:1]):
                for k in range(i, i + n):
                    consumed[k] = True
                break
        i += 1
    unused = [
        w
        for w, used_word in zip(words, consumed, strict=True)
        if not used_word and w not in _STOPWORDS and not w.isdigit()
    ]
    unused = list(dict.fromkeys(unused))
    if unused:
        notes.append(
            f"Jukebox has no artist or genre for {_listing(unused)}; those words were ignored"
        )
    if picker.left_out:
        notes.append(
            f"Jukebox takes at most {vocab.max_genres} genre words; left out "
            f"{_listing(picker.left_out)}"
        )
    notes.append(
        f"Jukebox cannot follow a tempo or key: {plan.bpm:g} bpm and {plan.key.name} "
        "are not enforced"
    )
    return Conditioning(
        artist=artist,
        genres=tuple(picker.names),
        artist_ids=artist_ids,
        genre_ids=tuple(tuple(ids) for ids in picker.ids),
        notes=tuple(notes),
    )
