"""Numbers written with digits or in words: "85", "ninety", "ninety-five", "a hundred and twenty".

:func:`read_number` reads one number starting at a token and says where it ends.  Words cover
0..999 ("zero" to "nine hundred and ninety-nine"); the colloquial tempo form "one twenty" (= 120)
is read only when the caller allows it (right before "bpm").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.parsing.text import Token, TokKind

__all__ = ["NUMBER_WORDS", "UNITS", "NumberRead", "read_number", "word_value"]

UNITS: dict[str, int] = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
}
_TEENS: dict[str, int] = {
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS: dict[str, int] = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fourty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}


NUMBER_WORDS: frozenset[str] = frozenset({*UNITS, *_TEENS, *_TENS, "hundred"})


@dataclass(frozen=True, slots=True)
class NumberRead:
    value: float
    end: int  # index of the first token after the number
    from_words: bool


def word_value(word: str) -> int | None:
    """Value of a single number word (units, teens, tens), else ``None``."""
    for table in (UNITS, _TEENS, _TENS):
        if word in table:
            return table[word]
    return None


def _below_hundred(tokens: Sequence[Token], i: int) -> tuple[int, int] | None:
    """'ninety five', 'ninety-five', 'fifteen', 'seven' → (value, end)."""
    if i >= len(tokens) or tokens[i].kind is not TokKind.WORD:
        return None
    word = tokens[i].text
    if word in _TENS:
        value = _TENS[word]
        nxt = i + 1
        if nxt < len(tokens) and tokens[nxt].kind is TokKind.WORD:
            unit = UNITS.get(tokens[nxt].text)
            if unit is not None and unit > 0:
                return value + unit, nxt + 1
        return value, i + 1
    if word in _TEENS:
        return _TEENS[word], i + 1
    if word in UNITS:
        return UNITS[word], i + 1
    return None


def read_number(tokens: Sequence[Token], i: int, *, colloquial: bool = False) -> NumberRead | None:
    """Read a number at ``tokens[i]``: a unit-less digit token or number words."""
    if i >= len(tokens):
        return None
    tok = tokens[i]
    if tok.kind is TokKind.NUM:
        if tok.unit:
            return None
        assert tok.value is not None
        return NumberRead(tok.value, i + 1, False)
    if tok.kind is not TokKind.WORD:
        return None
    # "a hundred", "one hundred", "hundred"
    hundreds = 0
    j = i
    if tok.text in ("a", "one") and _is_word(tokens, i + 1, "hundred"):
        hundreds, j = 100, i + 2
    elif tok.text == "hundred":
        hundreds, j = 100, i + 1
    elif tok.text in UNITS and UNITS[tok.text] > 0 and _is_word(tokens, i + 1, "hundred"):
        hundreds, j = 100 * UNITS[tok.text], i + 2
    if hundreds:
        k = j + 1 if _is_word(tokens, j, "and") else j
        rest = _below_hundred(tokens, k)
        if rest is not None:
            return NumberRead(float(hundreds + rest[0]), rest[1], True)
        return NumberRead(float(hundreds), j, True)
    first = _below_hundred(tokens, i)
    if first is None:
        return None
    value, end = first
    if colloquial and 1 <= value <= 2:
        # "one twenty bpm" = 120, "one oh five" is not supported
        rest = _below_hundred(tokens, end)
        if rest is not None and rest[0] >= 10:
            return NumberRead(float(value * 100 + rest[0]), rest[1], True)
    return NumberRead(float(value), end, True)


def _is_word(tokens: Sequence[Token], i: int, word: str) -> bool:
    return i < len(tokens) and tokens[i].kind is TokKind.WORD and tokens[i].text == word
