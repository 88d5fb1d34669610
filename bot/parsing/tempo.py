"""Tempo: "85bpm", "85 bpm", "@ 96bpm", "tempo 85", "85 beats per minute", "ninety bpm",
"a hundred and twenty bpm", "one twenty bpm", "90-100 bpm" (the middle: 95), "at 90".

Rules: a number followed by a bpm marker is always a tempo (range-checked later, so "300 bpm"
is an error rather than being ignored); "tempo"/"bpm" followed by a number is a tempo;
"at N"/"@ N" with no unit after it is a tempo when 20 <= N <= 400 (so "at 300" is reported as
out of range while "at 5" stays an ordinary word).  Tempo words ("slow", "upbeat") are not read
here: they are vocabulary (``tempo_hint``).
"""

from __future__ import annotations

from bot.parsing.durations import unit_seconds
from bot.parsing.numbers import NumberRead, read_number
from bot.parsing.scan import Field, Scan
from bot.parsing.text import TokKind
from bot.parsing.vocab import APPROX_WORDS

__all__ = ["BPM_UNITS", "extract_at_tempo", "extract_marked_tempo"]

BPM_UNITS = frozenset({"bpm", "bpms", "bmp"})
_MARKERS: tuple[tuple[str, ...], ...] = (
    ("beats", "per", "minute"),
    ("beats", "per", "min"),
    ("beat", "per", "minute"),
    ("beats", "a", "minute"),
    ("beats", "/", "minute"),
    ("beats", "/", "min"),
    ("bpm",),
    ("bpms",),
    ("bmp",),
)
_KEYWORD_SEPARATORS = frozenset({":", "=", "of", "at", "is", "around", "about", "~", "to", "set"})
_NOT_TEMPO_AFTER = frozenset({"percent", "pm", "am", "o'clock", "oclock", "bars", "bar", "x"})


def _marker_end(scan: Scan, i: int) -> int | None:
    """End index of a bpm marker ("bpm", "beats per minute") starting at ``i``."""
    for marker in _MARKERS:
        end = i + len(marker)
        if scan.all_free(i, end) and tuple(t.text for t in scan.tokens[i:end]) == marker:
            return end
    return None


def _number(scan: Scan, i: int, *, colloquial: bool = False) -> NumberRead | None:
    if not scan.free(i):
        return None
    read = read_number(scan.tokens, i, colloquial=colloquial)
    if read is None or not scan.all_free(i, read.end):
        return None
    return read


def _with_approx(scan: Scan, start: int) -> int:
    if start > 0 and scan.free(start - 1) and scan.text(start - 1) in APPROX_WORDS:
        return start - 1
    return start


def _number_then_marker(scan: Scan, i: int) -> tuple[float, int] | None:
    """ "85 bpm", "ninety bpm", "one twenty bpm", "90-100 bpm", "90 to 100 bpm", "85bpm"."""
    tok = scan.tokens[i]
    if tok.kind is TokKind.NUM and tok.unit in BPM_UNITS and tok.value is not None:
        return tok.value, i + 1
    first = _number(scan, i, colloquial=True)
    if first is None:
        first = _number(scan, i)
    if first is None:
        return None
    value, end = first.value, first.end
    # a range: "90-100 bpm" (hyphen-joined) or "90 to 100 bpm"
    if scan.word(end) == "to" or (end < len(scan) and scan.tokens[end].joined):
        j = end + 1 if scan.word(end) == "to" else end
        second = _number(scan, j)
        if second is not None:
            marker = _marker_end(scan, second.end)
            if marker is not None:
                return (value + second.value) / 2, marker
    if end < len(scan) and scan.free(end):
        nxt = scan.tokens[end]
        if nxt.kind is TokKind.NUM and nxt.unit in BPM_UNITS and nxt.joined:
            assert nxt.value is not None  # "90-100bpm"
            return (value + nxt.value) / 2, end + 1
    marker = _marker_end(scan, end)
    if marker is None:
        return None
    return value, marker


def _with_keyword(scan: Scan, start: int) -> int:
    """Include a "tempo of"/"bpm:" keyword before a number ("tempo of 72 bpm")."""
    j = start - 1
    while j >= 0 and scan.free(j) and scan.text(j) in _KEYWORD_SEPARATORS:
        j -= 1
    if j >= 0 and scan.free(j) and scan.word(j) in ("tempo", "bpm"):
        return j
    return start


def extract_marked_tempo(scan: Scan) -> None:
    """Tempos that say so: "85 bpm", "tempo 85".  Runs before durations ("85 beats a minute")."""
    # 1. numbers with a bpm marker
    i = 0
    while i < len(scan):
        if scan.free(i):
            read = _number_then_marker(scan, i)
            if read is not None:
                value, end = read
                scan.add(Field.BPM, value, _with_keyword(scan, _with_approx(scan, i)), end)
                i = end
                continue
        i += 1
    # 2. "tempo 85", "bpm: 90", "tempo of 85 bpm"
    for i in range(len(scan)):
        if not scan.free(i) or scan.word(i) not in ("tempo", "bpm", "bpms"):
            continue
        j = scan.skip_words(i + 1, _KEYWORD_SEPARATORS)
        if j >= len(scan) or not scan.free(j):
            continue
        tok = scan.tokens[j]
        if tok.kind is TokKind.NUM and tok.unit in BPM_UNITS and tok.value is not None:
            scan.add(Field.BPM, tok.value, i, j + 1)
            continue
        number = _number(scan, j, colloquial=True) or _number(scan, j)
        if number is None or _unit_follows(scan, number.end):
            continue
        end = _marker_end(scan, number.end) or number.end
        scan.add(Field.BPM, number.value, i, end)


def extract_at_tempo(scan: Scan) -> None:
    """ "at 90", "@ 96": runs after durations, so "at 30 seconds" is not a tempo."""
    for i in range(len(scan)):
        if not scan.free(i) or scan.text(i) not in ("at", "@"):
            continue
        number = _number(scan, i + 1)
        if number is None or _unit_follows(scan, number.end):
            continue
        if 20.0 <= number.value <= 400.0:
            scan.add(Field.BPM, number.value, i, number.end)


def _unit_follows(scan: Scan, i: int) -> bool:
    if i >= len(scan):
        return False
    tok = scan.tokens[i]
    if tok.kind is TokKind.WORD:
        return unit_seconds(tok.text) is not None or tok.text in _NOT_TEMPO_AFTER
    return tok.kind in (TokKind.FRAC, TokKind.TIME) or (tok.kind is TokKind.SYM and tok.text == ":")
