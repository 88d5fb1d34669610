"""Durations ("30s", "45 seconds", "1m30s", "1:30", "1.5 minutes", "half a minute") and eras.

"30s" is ambiguous: thirty seconds or the 1930s.  A decade number with an "s" is an *era* when
written "'80s"/"80's"/"1980s", after "the"/"from"/"early"/"late"/"mid", or right before a genre,
instrument or mood word or a word like "style"/"vibe"/"era" ("80s synth pop").  Otherwise it is
a number of seconds ("a 30s intro", "an 80s intro" = 80 seconds).  An era becomes a word of the
prompt ("80s"; the 80s also hint at the synthwave style), never a duration.
"""

from __future__ import annotations

from dataclasses import replace

from bot.parsing.numbers import read_number
from bot.parsing.scan import Field, Scan
from bot.parsing.text import TokKind
from bot.parsing.vocab import PHRASES, Cat
from bot.parsing.words import words

__all__ = ["UNIT_SECONDS", "extract_durations", "mark_eras", "unit_seconds"]

UNIT_SECONDS: dict[str, float] = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds", "sek"), 1.0),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes", "mn"), 60.0),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 3600.0),
}
_ERA_BEFORE = frozenset({"the", "from", "early", "late", "mid", "of"})
_ERA_AFTER = words(
    "style styled vibe vibes era music sound sounds feel aesthetic retro throwback nostalgia "
    "inspired kid kids movie movies tv anime cartoon video arcade radio night nights"
)
_ERA_CATS = frozenset({Cat.GENRE, Cat.GENRE_WEAK, Cat.INSTRUMENT, Cat.MOOD, Cat.ERA})
_FIRST_WORD_CATS: dict[str, set[Cat]] = {}
for _key, _tags in PHRASES.items():
    _FIRST_WORD_CATS.setdefault(_key[0], set()).update(t.cat for t in _tags)
_LENGTH_WORDS = frozenset({"length", "duration", "lasting", "runtime"})
#: Bounds before a duration, consumed with it ("at least 1 minute", "no more than 40 seconds").
_BOUNDS: tuple[tuple[str, ...], ...] = (
    ("no", "more", "than"),
    ("no", "longer", "than"),
    ("not", "more", "than"),
    ("less", "than"),
    ("more", "than"),
    ("at", "least"),
    ("at", "most"),
    ("up", "to"),
    ("under",),
    ("over",),
    ("max",),
    ("maximum",),
    ("approximately",),
    ("about",),
    ("around",),
    ("roughly",),
    ("approx",),
    ("circa",),
    ("~",),
)
_LENGTH_SEPARATORS = frozenset({":", "=", "of", "is", "about", "around", "~", "approx"})


def unit_seconds(unit: str) -> float | None:
    return UNIT_SECONDS.get(unit)


def mark_eras(scan: Scan) -> None:
    """Turn decade tokens that mean an era ("the 80s") into ERA tokens with text "80s"."""
    for i, tok in enumerate(scan.tokens):
        if tok.kind is TokKind.ERA:
            continue
        if tok.kind is not TokKind.NUM or tok.unit != "s" or tok.value is None:
            continue
        value = tok.value
        glued = i > 0 and scan.tokens[i - 1].end == tok.start  # the "30s" of "1m30s"
        if glued or value != int(value) or int(value) % 10:
            continue
        decade = int(value)
        if 1900 <= decade <= 2090:
            era = True
        elif 10 <= decade <= 90:
            nxt = scan.word(i + 1)
            era = scan.word(i - 1) in _ERA_BEFORE or nxt in _ERA_AFTER
            era = era or bool(_FIRST_WORD_CATS.get(nxt, set()) & _ERA_CATS)
        else:
            era = False
        if era:
            text = f"{decade % 100:02d}s" if decade >= 1900 and decade < 2000 else f"{decade}s"
            scan.tokens[i] = replace(tok, kind=TokKind.ERA, text=text)


def _unit_at(scan: Scan, i: int) -> float | None:
    """Seconds per unit if token ``i`` is a free unit word ("seconds", "min", "s")."""
    if not scan.free(i) or scan.tokens[i].kind is not TokKind.WORD:
        return None
    return unit_seconds(scan.tokens[i].text)


def _amount(scan: Scan, i: int) -> tuple[float, float, int] | None:
    """A number with a unit at ``i``: (value, seconds per unit, end)."""
    tok = scan.tokens[i]
    if tok.kind is TokKind.NUM and tok.unit and tok.value is not None:
        per = unit_seconds(tok.unit)
        if per is None:
            return None
        return tok.value, per, i + 1
    number = read_number(scan.tokens, i)
    if number is None or not scan.all_free(i, number.end):
        return None
    end = number.end
    value = number.value
    # "one and a half minutes", "2 and a half min"
    half = [scan.word(end + k) for k in range(3)] == ["and", "a", "half"]
    if half and _unit_at(scan, end + 3) is not None:
        value += 0.5
        end += 3
    per = _unit_at(scan, end)
    if per is None:
        return None
    return value, per, end + 1


def _seconds_tail(scan: Scan, i: int) -> tuple[float, int] | None:
    """The "30s" of "1m30s", "1 min 30 sec", "1 minute and 30 seconds", "1m30"."""
    j = i + 1 if scan.word(i) == "and" else i
    if j >= len(scan) or not scan.free(j):
        return None
    tok = scan.tokens[j]
    prev = scan.tokens[i - 1] if i > 0 else None
    if (
        j == i
        and tok.kind is TokKind.NUM
        and not tok.unit
        and prev is not None
        and prev.end == tok.start
        and tok.value is not None
    ):
        return tok.value, j + 1  # "1m30"
    amount = _amount(scan, j)
    if amount is None or amount[1] != 1.0:
        return None
    return amount[0], amount[2]


def _read(scan: Scan, i: int) -> tuple[float, int] | None:
    """A duration starting at token ``i``: (seconds, end)."""
    tok = scan.tokens[i]
    if tok.kind is TokKind.TIME and tok.value is not None:
        return tok.value, i + 1
    if tok.kind is TokKind.FRAC and scan.word(i + 1) == "of":
        # "3/4 of a minute", "1/2 of an hour"
        j = i + 3 if scan.word(i + 2) in ("a", "an") else i + 2
        per = _unit_at(scan, j)
        num, den = (int(part) for part in tok.text.split("/"))
        if per is not None and den:
            return per * num / den, j + 1
        return None
    word = scan.word(i)
    # "half a minute", "half minute", "half an hour"
    if word == "half":
        j = i + 2 if scan.word(i + 1) in ("a", "an") else i + 1
        per = _unit_at(scan, j)
        if per is not None and per >= 60.0:
            return per / 2, j + 1
        return None
    # "a minute", "an hour", "a minute and a half", "a half minute", "a couple of minutes"
    if word in ("a", "an"):
        if scan.word(i + 1) == "half":
            per = _unit_at(scan, i + 2)
            return (per / 2, i + 3) if per is not None and per >= 60.0 else None
        if scan.word(i + 1) == "couple":
            j = i + 3 if scan.word(i + 2) == "of" else i + 2
            per = _unit_at(scan, j)
            return (2 * per, j + 1) if per is not None and per >= 60.0 else None
        per = _unit_at(scan, i + 1)
        if per is None or per < 60.0 or scan.tokens[i + 1].text in ("m", "mn", "h"):
            return None
        end = i + 2
        if [scan.word(end + k) for k in range(3)] == ["and", "a", "half"]:
            return 1.5 * per, end + 3
        return per, end
    amount = _amount(scan, i)
    if amount is None:
        return None
    value, per, end = amount
    seconds = value * per
    if per == 60.0:
        tail = _seconds_tail(scan, end)
        if tail is not None:
            seconds += tail[0]
            end = tail[1]
    return seconds, end


def _bound_start(scan: Scan, start: int) -> int:
    """Move ``start`` back over a bound such as "at least" or "about"."""
    for bound in _BOUNDS:
        first = start - len(bound)
        words = tuple(t.text for t in scan.tokens[max(first, 0) : start])
        if first >= 0 and words == bound and scan.all_free(first, start):
            return first
    return start


def extract_durations(scan: Scan) -> None:
    """Find every duration; each becomes a :class:`~bot.parsing.scan.Found` (seconds)."""
    i = 0
    while i < len(scan):
        if not scan.free(i):
            i += 1
            continue
        start = i
        keyword = scan.word(i) in _LENGTH_WORDS
        if keyword:
            i = scan.skip_words(i + 1, _LENGTH_SEPARATORS)
            if i >= len(scan) or not scan.free(i):
                i = start + 1
                continue
        read = _read(scan, i)
        if read is None and keyword:
            number = read_number(scan.tokens, i)
            if number is not None and scan.all_free(i, number.end):
                read = (number.value, number.end)  # "length 45" = 45 seconds
        if read is None:
            i = start + 1
            continue
        seconds, end = read
        start = _bound_start(scan, start)
        if scan.free(end) and scan.word(end) == "long":
            end += 1
        elif scan.word(end) == "in" and scan.word(end + 1) == "length":
            end += 2
        scan.add(Field.DURATION, seconds, start, end)
        i = end
