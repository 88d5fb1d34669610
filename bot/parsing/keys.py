"""Keys: "A minor", "Am", "a minor", "F#m", "C#m", "Eb major", "E flat major", "Bb", "key of D",
"in G", "minor key in E", "B♭ minor".  Output is a :class:`models.plan.Key` (enharmonic spellings
collapse: "Gb major" and "F# major" are the same key, printed canonically).

A letter is read as a key only when the context says so, so that articles and abbreviations
("a chill intro", "in a minute", "b-side", "e.g.", "drum and bass", "I am") are not keys:

1. after "key"/"key of"/"key:"/"in the key of": always ("key of a", "key: Am");
2. a letter with a mode word ("D minor", "e major", "C# min"): always, except a lower-case
   "a" + mode that is followed by a noun ("a minor key", "a minor song") and not preceded by
   "in" - that "a" is an article and only the mode is kept (as a prompt word);
3. one token with a mode suffix: "F#m", "Ebm", "Amin", "Cmaj" always; the two-letter "Am",
   "Dm", "Em" only with a capital letter and a small "m" (not "am"/"AM"/"dm", not "Am I"),
   or after "in";
4. a letter with an accidental: "F#", "C♯", "E flat", "Bb", "Eb" (capital letter, small "b")
   always; "bb"/"eb"/"ab" and "a flat"/"a sharp" only after "in";
5. a bare letter only after "in": "in G", "in e"; "in a"/"in A" only when nothing but
   punctuation, a number or a linking word ("at", "with", "and"...) follows ("in A, 90 bpm"),
   never when glued by a hyphen ("in b-side").

A bare tonic takes the mode of a lone "major"/"minor" elsewhere ("minor key in E" = E minor),
else major.  Unknown letters with a mode ("H minor"), after "key of" ("key of Q") or after "in"
at the end of a clause ("in Q") are reported as errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.parsing.scan import Field, Found, Scan, Topic
from bot.parsing.text import TokKind
from bot.parsing.vocab import CONNECTORS
from models.plan import Key, Mode, pitch_class

__all__ = ["extract_keys"]

_NOTE_RE = re.compile(r"^([a-g])(#|b|sharp|flat)?(m|min|minor|maj|major)?$")
_MODE_WORDS: dict[str, Mode] = {
    "major": Mode.MAJOR,
    "maj": Mode.MAJOR,
    "minor": Mode.MINOR,
    "min": Mode.MINOR,
}
_KEY_NOUNS = frozenset({"key", "scale", "tonality", "mode"})
_KEY_WORDS = frozenset({"key", "tonic", "tonality", "root"})
_KEY_SEPARATORS = frozenset({":", "=", "is", "of", "the", "in"})
_AFTER_OK = frozenset({"bpm", "please", "pls", "plz", "thanks", "thx", "so", "then"}) | CONNECTORS
_UNKNOWN_LETTERS = frozenset("hjklnopqrstvwxyz")


@dataclass(frozen=True, slots=True)
class _Read:
    tonic: int
    mode: Mode | None
    end: int
    letter: str
    upper: bool  # the letter was written as a capital
    acc: str  # "", "#", "b", "word"
    acc_ok: bool  # "b" accidental written "Bb" (capital letter, small b)
    mode_kind: str  # "", "word", "m" (two-letter "Am"), "suffix" ("F#m", "Amin")


def _read(scan: Scan, i: int) -> _Read | None:
    tok = scan.tokens[i]
    if tok.kind is not TokKind.WORD or not scan.free(i):
        return None
    match = _NOTE_RE.match(tok.text)
    if match is None:
        return None
    letter, acc, suffix = match.group(1), match.group(2) or "", match.group(3) or ""
    upper = tok.raw[:1].isupper()
    acc_ok = acc == "b" and upper and tok.raw[1:2] == "b"
    end = i + 1
    if acc in ("sharp", "flat"):
        acc = "word"
    if not acc and not suffix and scan.free(end) and scan.word(end) in ("sharp", "flat"):
        acc = "word"
        end += 1
    sign = {"#": "#", "b": "b", "word": ""}.get(acc, "")
    if acc == "word":
        sign = "#" if "sharp" in (tok.text + " " + scan.text(end - 1)) else "b"
    mode: Mode | None = None
    mode_kind = ""
    if suffix:
        mode = Mode.MINOR if suffix in ("m", "min", "minor") else Mode.MAJOR
        mode_kind = "m" if suffix == "m" and len(tok.text) == 2 else "suffix"
    elif scan.free(end) and scan.word(end) in _MODE_WORDS:
        mode = _MODE_WORDS[scan.word(end)]
        mode_kind = "word"
        end += 1
    return _Read(pitch_class(letter + sign), mode, end, letter, upper, acc, acc_ok, mode_kind)


def _key_context(scan: Scan, i: int) -> int | None:
    """Index of "key" in "key of X", "key: X", "in the key of X", else None."""
    j = i - 1
    for _ in range(3):
        if j < 0 or not scan.free(j):
            return None
        if scan.text(j) in _KEY_WORDS:
            return j
        if scan.text(j) not in _KEY_SEPARATORS:
            return None
        j -= 1
    return None


def _loose_boundary(scan: Scan, i: int) -> bool:
    """End, punctuation, a number, a symbol, a linking word or a token already understood."""
    if i >= len(scan):
        return True
    tok = scan.tokens[i]
    if tok.kind is TokKind.WORD:
        return not scan.free(i) or tok.text in _AFTER_OK
    return True


def _accept(scan: Scan, i: int, read: _Read, after_in: bool) -> bool:
    if read.mode_kind == "word":
        if read.letter == "a" and not read.acc and not read.upper:
            if scan.word(read.end) in _KEY_NOUNS:
                return False
            return after_in or _loose_boundary(scan, read.end)
        return True
    if read.mode_kind == "m" and not read.acc:
        raw = scan.tokens[i].raw
        if raw[0].isupper() and raw[1] == "m":
            prev_is_number = i > 0 and scan.tokens[i - 1].kind is TokKind.NUM
            return scan.word(read.end) != "i" and not prev_is_number
        return after_in
    if read.mode_kind:
        return True
    if read.acc == "#":
        return True
    if read.acc == "b":
        return read.acc_ok or after_in
    if read.acc == "word":
        if read.letter == "a" and not read.upper:
            return after_in and _loose_boundary(scan, read.end)
        return True
    if not after_in:
        return False
    if read.end < len(scan) and scan.tokens[read.end].joined:
        return False
    if read.letter == "a":
        return _loose_boundary(scan, read.end)
    return True


def _unknown(scan: Scan, i: int, after_in: bool, keyword: int | None) -> int | None:
    """End index of an unknown key written at ``i`` ("H minor", "key of Q", "in Q"), else None."""
    tok = scan.tokens[i]
    if tok.kind is not TokKind.WORD or not scan.free(i):
        return None
    text = tok.text
    single = len(text) == 1 and text in _UNKNOWN_LETTERS
    if single and scan.free(i + 1) and scan.word(i + 1) in _MODE_WORDS:
        return i + 2
    if keyword is not None and re.fullmatch(r"[h-z][#b]?", text):
        return i + 1
    if after_in and single and _loose_boundary(scan, i + 1) and tok.raw.isupper():
        return i + 1
    return None


def extract_keys(scan: Scan) -> None:
    reads: list[tuple[int, int, _Read]] = []
    for i in range(len(scan)):
        if not scan.free(i):
            continue
        keyword = _key_context(scan, i)
        after_in = keyword is not None or (scan.free(i - 1) and scan.word(i - 1) == "in")
        read = _read(scan, i)
        if read is None:
            end = _unknown(scan, i, after_in, keyword)
            if end is not None:
                scan.problem(
                    Topic.KEY,
                    f"I don't know the key “{scan.display(i, end)}”: keys are A to G, with # or "
                    "b, major or minor (e.g. A minor, F#m, Eb major).",
                )
                scan.take(keyword if keyword is not None else i, end, Field.KEY.value)
            continue
        if keyword is None and not _accept(scan, i, read, after_in):
            continue
        start = keyword if keyword is not None else i
        end = read.end
        if scan.word(end) in _KEY_NOUNS and scan.free(end):
            end += 1
        scan.take(start, end, Field.KEY.value)
        reads.append((start, end, read))
    if not reads:
        return
    # a lone "major"/"minor" gives its mode to a bare tonic: "minor key in E"
    lone: dict[Mode, list[int]] = {}
    for i in range(len(scan)):
        if scan.free(i) and scan.word(i) in ("major", "minor"):
            lone.setdefault(_MODE_WORDS[scan.word(i)], []).append(i)
    lone_mode = next(iter(lone)) if len(lone) == 1 else None
    for start, _end, read in reads:
        mode = read.mode
        if mode is None and lone_mode is not None:
            mode = lone_mode
            for j in lone[lone_mode]:
                scan.take(j, j + 2 if scan.word(j + 1) in _KEY_NOUNS else j + 1, "key")
        key = Key(read.tonic, mode or Mode.MAJOR)
        scan.found.append(Found(Field.KEY, key, key.name, start))
