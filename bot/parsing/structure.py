"""Meters ("4/4", "3/4 time", "time signature 6/8"), seeds and the "backend X" keyword.

Seeds: "seed 42", "seed=42", "seed: 42", "seed #42", "seed number 42", "seed42".  A bare "#42"
is *not* a seed (it too often means "#1 hit"); "seed" followed by something that is not a whole
number is an error only in the "seed=..."/"seed: ..." forms, otherwise an ordinary word.
"""

from __future__ import annotations

import re

from bot.parsing.numbers import read_number
from bot.parsing.scan import Field, Scan, Topic
from bot.parsing.text import TokKind
from bot.parsing.vocab import CONNECTORS, FILLERS, backend_names
from models.plan import SUPPORTED_METERS, Meter

__all__ = ["MAX_SEED", "extract_backend_keyword", "extract_meters", "extract_seeds"]

MAX_SEED = 2**32 - 1
_METER_BEFORE = frozenset({"time", "signature", "meter", "metre"})
_METER_AFTER = frozenset({"time", "meter", "metre", "signature", "feel"})
_SEED_SEPARATORS = frozenset({":", "=", "#", "of", "number", "no", "nr", "is", "to", "set"})
_BACKEND_SEPARATORS = frozenset({":", "=", "is", "the"})
_BACKEND_VERBS = frozenset({"with", "using", "via", "on", "use"})
_SEED_WORD_RE = re.compile(r"^seed(\d+)$")
_SUPPORTED = [f"{n}/{d}" for n, d in SUPPORTED_METERS]
_SUPPORTED_TEXT = ", ".join(_SUPPORTED[:-1]) + f" or {_SUPPORTED[-1]}"


def extract_meters(scan: Scan) -> None:
    for i, tok in enumerate(scan.tokens):
        if tok.kind is not TokKind.FRAC or not scan.free(i):
            continue
        num_s, den_s = tok.text.split("/")
        num, den = int(num_s), int(den_s)
        if scan.word(i + 1) in ("of", "a", "an"):
            continue  # "3/4 of a minute"
        start, end = i, i + 1
        while start > 0 and scan.free(start - 1) and scan.word(start - 1) in _METER_BEFORE:
            start -= 1
        if scan.free(end) and scan.word(end) in _METER_AFTER:
            end += 1
            if scan.free(end) and scan.word(end) == "signature":
                end += 1
        if (num, den) in SUPPORTED_METERS:
            scan.add(Field.METER, Meter(num, den), start, end)
        elif den in (1, 2, 4, 8, 16, 32) and 1 <= num <= 32:
            scan.take(start, end, Field.METER.value)
            scan.problem(Topic.METER, f"{num}/{den} time isn't supported: use {_SUPPORTED_TEXT}.")


def extract_seeds(scan: Scan) -> None:
    for i, tok in enumerate(scan.tokens):
        if not scan.free(i) or tok.kind is not TokKind.WORD:
            continue
        glued = _SEED_WORD_RE.match(tok.text)
        if glued:
            _seed(scan, float(glued.group(1)), i, i + 1, tok.raw)
            continue
        if tok.text != "seed":
            continue
        j = scan.skip_words(i + 1, _SEED_SEPARATORS)
        strict = any(scan.text(k) in (":", "=") for k in range(i + 1, j))
        number = read_number(scan.tokens, j) if j < len(scan) and scan.free(j) else None
        if number is None:
            if strict:
                scan.take(i, j + 1, Field.SEED.value)
                scan.problem(Topic.SEED, _seed_message(scan.display(j, j + 1) or "nothing"))
            continue
        _seed(scan, number.value, i, number.end, scan.display(j, number.end))


def _seed(scan: Scan, value: float, start: int, end: int, written: str) -> None:
    if value != int(value) or not 0 <= value <= MAX_SEED:
        scan.take(start, end, Field.SEED.value)
        scan.problem(Topic.SEED, _seed_message(written))
        return
    scan.add(Field.SEED, int(value), start, end)


def _seed_message(written: str) -> str:
    return f"The seed must be a whole number from 0 to {MAX_SEED}, not “{written}”."


def extract_backend_keyword(scan: Scan) -> None:
    """ "backend musicgen" is read by the vocabulary; here: "backend foo" (an unknown name is an
    error) and the keyword itself ("with the jukebox backend", "backend: musicgen")."""
    known = backend_names()
    for i in range(len(scan)):
        if not scan.free(i) or scan.word(i) != "backend":
            continue
        j = scan.skip_words(i + 1, _BACKEND_SEPARATORS)
        if any(abs(f.index - i) <= 3 for f in scan.values(Field.BACKEND)):
            scan.take(i, j, Field.BACKEND.value)
            continue
        start, name = i, j  # "backend foo"
        if not _name_like(scan, j):
            # "with the foo backend", "using foo backend"
            name = i - 1
            start = name - 1 if scan.word(name - 1) == "the" else name
            if not (_name_like(scan, name) and scan.word(start - 1) in _BACKEND_VERBS):
                continue
            j = i
        scan.take(min(start, name), j + 1, Field.BACKEND.value)
        scan.problem(
            Topic.BACKEND,
            f"I don't know the backend “{scan.tokens[name].raw}”: use "
            f"{', '.join(known[:-1])} or {known[-1]}.",
        )


def _name_like(scan: Scan, i: int) -> bool:
    word = scan.word(i)
    return bool(word) and scan.free(i) and word not in CONNECTORS and word not in FILLERS
