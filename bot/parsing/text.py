"""Normalising and tokenising a request.

The text is NFKC-normalised (full-width digits, ``♯``/``♭`` signs, curly quotes and dashes become
plain ASCII), Discord mentions, custom emoji and links are dropped, and the rest is cut into
:class:`Token` objects.  Every token keeps its original spelling (``raw``, needed for the case
rules of key names such as "Am" versus "am") and a lower-case ``text`` used for matching.

Hyphens are not tokens: a word written ``lo-fi`` becomes ``lo`` + ``fi`` with ``joined=True`` on
the second, so phrase tables only list ``lo fi`` and ``b-side`` can be told apart from "in B".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from enum import StrEnum

__all__ = [
    "MAX_REQUEST_CHARS",
    "TokKind",
    "Token",
    "normalise",
    "tokenize",
    "unplain_number",
    "visible",
]

#: Longer requests are refused (Discord messages are at most 4000 characters anyway).
MAX_REQUEST_CHARS = 1000


class TokKind(StrEnum):
    WORD = "word"
    NUM = "num"  # 85, 1.5, 85bpm (unit "bpm"), 30s (unit "s"), -3
    TIME = "time"  # 1:30, 0:45, 1:02:03
    FRAC = "frac"  # 4/4, 6/8
    ERA = "era"  # '80s, 80's  (a bare "80s" is a NUM with unit "s": context decides)
    PUNCT = "punct"  # . , ; ! ? ( ) ...: clause boundaries
    SYM = "sym"  # @ # = : / ~ +


@dataclass(frozen=True, slots=True)
class Token:
    kind: TokKind
    raw: str  # as written (case kept, possessive stripped)
    text: str  # lower case, typo-corrected for words
    start: int  # offsets in the normalised text
    end: int
    joined: bool = False  # glued to the previous token by a hyphen ("lo-fi", "b-side")
    value: float | None = None  # numbers: the value; times: seconds
    unit: str = ""  # numbers: the letters glued after the digits, lower case
    corrected: bool = False  # text is a typo correction of raw

    def with_text(self, text: str) -> Token:
        return replace(self, text=text, corrected=True)


_TRANSLATE = str.maketrans(
    {
        "♯": "#",
        "♭": "b",
        "’": "'",
        "‘": "'",
        "`": "'",
        "´": "'",
        "“": '"',
        "”": '"',
        "–": "-",
        "—": "-",
        "−": "-",
        "‐": "-",
        "‑": "-",
        "…": ".",
        "\u00a0": " ",
    }
)

_STRIP_RE = re.compile(
    r"<a?:\w+:\d+>"  # custom emoji
    r"|<(?:@[!&]?|#)\d+>"  # user, role and channel mentions
    r"|<t:-?\d+(?::\w)?>"  # timestamps
    r"|https?://\S+"  # links
    r"|(?<![\w@])@(?=[^\W\d_])[\w.]+"  # @composer, @everyone (but "@ 96bpm" and "@96" stay)
)
_ABBREV_RE = re.compile(r"(?<![\w.])(?:e\.g|i\.e|etc|a\.k\.a|vs)\.?(?![\w])", re.IGNORECASE)
_BPM_DOTS_RE = re.compile(r"(?<![\w.])b\.p\.m\.?(?![\w])", re.IGNORECASE)

_TOKEN_RE = re.compile(
    r"(?P<era>'\d0s(?![\w])|(?<![\w.])\d0's(?![\w]))"
    r"|(?P<time>(?<![\w.:])\d{1,2}:[0-5]\d(?::[0-5]\d)?)(?![\w:])"
    r"|(?P<frac>(?<![\w./])\d{1,2}\s?/\s?\d{1,2})(?![\w/.])"
    r"|(?P<num>(?:(?<![\w.])-)?\d+(?:\.\d+)?)(?P<unit>[^\W\d_]+)?"
    r"|(?P<note>(?<![\w])[a-g]#[^\W\d_]*)"
    r"|(?P<amp>(?<![\w])[a-z]&[a-z](?![\w]))"
    r"|(?P<word>[^\W\d_][\w']*)"
    r"|(?P<punct>[.,;!?()\[\]{}\"|])"
    r"|(?P<sym>[@#=:/~+&-])",
    re.IGNORECASE,
)


_GROUPS = ("era", "time", "frac", "num", "note", "amp", "word", "punct", "sym")


#: Terminal escapes (colour codes...), and the colour codes' remains when the ESC was lost ("[31m").
_ANSI_RE = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]|[@-Z\\-_])|(?<!\[)\[\d{1,3}(?:;\d{1,3})*m(?![a-z\]])",
    re.IGNORECASE,
)
#: Zero-width and direction characters: invisible, so "8\u200b5 bpm" is read as 85 bpm.
_INVISIBLE_RE = re.compile(
    "[\u00ad\u034f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]"
)
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f]")
#: Numbers that are not written plainly: 1e308, 0x1f, 1_000.
_UNPLAIN_RE = re.compile(
    r"(?<![\w.])(?:\d+(?:\.\d+)?e[+-]?\d+|0x[0-9a-f]+|\d+(?:_\d+)+)", re.IGNORECASE
)


def visible(text: str) -> str:
    """Without terminal escapes, invisible characters and control characters."""
    text = _ANSI_RE.sub(" ", text)
    text = _INVISIBLE_RE.sub("", text)
    return _CONTROL_RE.sub(" ", text)


def unplain_number(normalised: str) -> str | None:
    """The first number in ``normalised`` (:func:`normalise`'s output) that is not written
    plainly (``1e308``), or None."""
    match = _UNPLAIN_RE.search(normalised)
    return match.group() if match else None


def normalise(text: str) -> str:
    """NFKC, ASCII signs, no invisible or control characters, no mentions/emoji/links/"e.g."
    (whose letters would look like keys)."""
    text = visible(unicodedata.normalize("NFKC", text).translate(_TRANSLATE))
    text = _STRIP_RE.sub(" ", text)
    text = _BPM_DOTS_RE.sub(" bpm ", text)
    return _ABBREV_RE.sub(" ", text)


def tokenize(text: str) -> list[Token]:
    """Cut normalised text into tokens (see the module docstring)."""
    tokens: list[Token] = []
    pending_hyphen_at = -2  # end offset of the last "-" symbol seen
    for match in _TOKEN_RE.finditer(text):
        group = next(name for name in _GROUPS if match.group(name) is not None)
        start, end = match.start(), match.end()
        raw = match.group()
        joined = bool(tokens) and pending_hyphen_at == start and tokens[-1].end == start - 1
        if group == "sym":
            if raw == "-":
                pending_hyphen_at = end
                continue
            if raw in ("&", "+"):
                tokens.append(Token(TokKind.WORD, raw, "and", start, end))
                continue
            tokens.append(Token(TokKind.SYM, raw, raw, start, end))
        elif group == "punct":
            tokens.append(Token(TokKind.PUNCT, raw, raw, start, end))
        elif group == "era":
            digits = "".join(ch for ch in raw if ch.isdigit())
            tokens.append(Token(TokKind.ERA, raw, f"{digits}s", start, end, joined))
        elif group == "time":
            parts = [int(p) for p in raw.split(":")]
            seconds = 0
            for part in parts:
                seconds = seconds * 60 + part
            tokens.append(Token(TokKind.TIME, raw, raw, start, end, joined, float(seconds)))
        elif group == "frac":
            compact = re.sub(r"\s", "", raw)
            tokens.append(Token(TokKind.FRAC, raw, compact, start, end, joined))
        elif group == "num":
            number = match.group("num")
            unit = (match.group("unit") or "").lower()
            tokens.append(
                Token(TokKind.NUM, raw, raw.lower(), start, end, joined, float(number), unit)
            )
        else:  # note, amp, word
            lowered = raw.lower()
            if lowered.endswith("'s") and len(lowered) > 3:
                raw, lowered = raw[:-2], lowered[:-2]
            raw, lowered = raw.rstrip("'"), lowered.rstrip("'")
            if lowered:
                tokens.append(Token(TokKind.WORD, raw, lowered, start, end, joined))
    return tokens
