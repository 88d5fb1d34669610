"""The free-text prompt for neural backends: the descriptive words of the request.

Kept: genre, mood, instrument, tempo and era words, negations ("no drums") and any word the
parser does not know ("dusty", "rainy night").  Removed: structure (tempo, key, meter, duration,
seed, backend, section and song words), request fillers ("make me a", "please") and
punctuation.  A linking word ("with", "and", "for") is kept only when a kept word comes before it
(structure in between is fine) and a kept word directly follows it, so "a chill lofi intro with
piano at 90 bpm" gives "chill lofi with piano".  Words are lower case and
typo-corrected; hyphenated words keep their hyphen ("lo-fi").
"""

from __future__ import annotations

from bot.parsing.scan import Scan
from bot.parsing.text import TokKind
from bot.parsing.vocab import CONNECTORS, FILLERS, GO_AHEAD

__all__ = ["MAX_PROMPT_CHARS", "build_prompt"]

MAX_PROMPT_CHARS = 300

_CONTENT, _CONNECTOR, _GAP = "content", "connector", "gap"


def _classify(scan: Scan, i: int) -> str | None:
    """content / connector / gap (removed structure), or None (transparent: fillers, signs)."""
    tok = scan.tokens[i]
    if scan.owner[i] is not None:
        return _CONTENT if scan.content[i] else _GAP
    if tok.kind in (TokKind.PUNCT, TokKind.SYM):
        return None
    if tok.kind is TokKind.WORD:
        if tok.text in FILLERS or tok.text in GO_AHEAD:
            return None
        if tok.text in CONNECTORS:
            return _CONNECTOR
    return _CONTENT


def build_prompt(scan: Scan) -> str:
    items: list[tuple[int, str]] = []
    for i in range(len(scan)):
        kind = _classify(scan, i)
        if kind is not None:
            items.append((i, kind))
    words: list[tuple[int, str]] = []
    for n, (i, kind) in enumerate(items):
        if kind == _GAP:
            continue
        if kind == _CONNECTOR:
            if not words or words[-1][1] in CONNECTORS:
                continue  # nothing kept before it, or "with and"
            if not _content_follows(items, n):
                continue  # "at 90 bpm", "in A minor"
        words.append((i, scan.tokens[i].text))
    out = ""
    last = -2
    for i, text in words:
        if not out:
            out = text
        elif scan.tokens[i].joined and last == i - 1:
            out += "-" + text
        else:
            out += " " + text
        last = i
        if len(out) > MAX_PROMPT_CHARS:
            out = out[:MAX_PROMPT_CHARS].rsplit(" ", 1)[0]
            break
    return out


def _content_follows(items: list[tuple[int, str]], n: int) -> bool:
    """Is the nearest non-connector item after a connector kept content (not structure)?"""
    k = n + 1
    while k < len(items) and items[k][1] == _CONNECTOR:
        k += 1
    return k < len(items) and items[k][1] == _CONTENT
