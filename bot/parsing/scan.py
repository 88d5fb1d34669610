"""The working state of one parse: tokens, which extractor consumed which token, what was found.

Extractors run in a fixed order (see :mod:`bot.parsing.parser`); each takes the tokens it
understands with :meth:`Scan.take` so that later extractors and the prompt builder skip them.
A taken token is either *structure* (removed from the prompt: "85 bpm", "in A minor", "intro")
or *content* (kept in the prompt: "lofi", "sad", "piano").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from bot.parsing.text import Token, TokKind
from bot.parsing.vocab import Tag

__all__ = ["Field", "Found", "Match", "Problem", "Scan", "Topic"]


class Field(StrEnum):
    BPM = "bpm"
    KEY = "key"
    METER = "meter"
    DURATION = "duration"
    SECTION = "section"
    SEED = "seed"
    BACKEND = "backend"


class Topic(StrEnum):
    """What a problem is about (chooses the examples shown with the error)."""

    TEMPO = "tempo"
    KEY = "key"
    METER = "meter"
    DURATION = "duration"
    SECTION = "section"
    STYLE = "style"
    SEED = "seed"
    BACKEND = "backend"
    INPUT = "input"


@dataclass(frozen=True, slots=True)
class Found:
    """One value read from the words, e.g. ``Found(Field.BPM, 85.0, "85 bpm", 7)``."""

    field: Field
    value: object
    display: str  # as the user wrote it, for messages
    index: int  # first token


@dataclass(frozen=True, slots=True)
class Problem:
    topic: Topic
    message: str


@dataclass(frozen=True, slots=True)
class Match:
    """A vocabulary phrase found at ``tokens[start:end]``."""

    start: int
    end: int
    tags: tuple[Tag, ...]
    negated: bool = False


@dataclass(slots=True)
class Scan:
    tokens: list[Token]
    owner: list[str | None] = field(default_factory=list)
    content: list[bool] = field(default_factory=list)
    found: list[Found] = field(default_factory=list)
    matches: list[Match] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.owner = [None] * len(self.tokens)
        self.content = [False] * len(self.tokens)

    def __len__(self) -> int:
        return len(self.tokens)

    def free(self, i: int) -> bool:
        return 0 <= i < len(self.tokens) and self.owner[i] is None

    def all_free(self, start: int, end: int) -> bool:
        return end <= len(self.tokens) and all(self.owner[k] is None for k in range(start, end))

    def take(self, start: int, end: int, owner: str, *, content: bool = False) -> None:
        for k in range(start, min(end, len(self.tokens))):
            self.owner[k] = owner
            self.content[k] = content

    def word(self, i: int) -> str:
        """Lower-case text of token ``i`` if it is a word, else ``""``."""
        if 0 <= i < len(self.tokens) and self.tokens[i].kind is TokKind.WORD:
            return self.tokens[i].text
        return ""

    def text(self, i: int) -> str:
        return self.tokens[i].text if 0 <= i < len(self.tokens) else ""

    def is_boundary(self, i: int) -> bool:
        """End of text or punctuation."""
        return i >= len(self.tokens) or self.tokens[i].kind is TokKind.PUNCT

    def display(self, start: int, end: int) -> str:
        """The words ``tokens[start:end]`` as written (hyphens restored)."""
        out = ""
        for k in range(start, min(end, len(self.tokens))):
            tok = self.tokens[k]
            if tok.kind is TokKind.PUNCT:
                continue
            sep = "-" if tok.joined else " "
            out = tok.raw if not out else out + sep + tok.raw
        return out

    def add(
        self, fld: Field, value: object, start: int, end: int, *, content: bool = False
    ) -> None:
        self.take(start, end, fld.value, content=content)
        self.found.append(Found(fld, value, self.display(start, end), start))

    def problem(self, topic: Topic, message: str) -> None:
        if all(p.message != message for p in self.problems):
            self.problems.append(Problem(topic, message))

    def values(self, fld: Field) -> list[Found]:
        return [f for f in self.found if f.field is fld]

    def skip_words(self, i: int, words: Sequence[str] | frozenset[str]) -> int:
        """First index at or after ``i`` whose token text is not one of ``words``."""
        while i < len(self.tokens) and self.tokens[i].text in words:
            i += 1
        return i
