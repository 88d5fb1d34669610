"""Typo tolerance: "lofy" → "lofi", "outtro" → "outro", "choruss" → "chorus", "minro" → "minor".

Rules (kept strict so that ordinary English is never "corrected"):

* only alphabetic words of 4+ letters that are not vocabulary words themselves are corrected;
* the distance is the optimal-string-alignment distance (a swap of two neighbours counts 1);
  a vocabulary word of 4-7 letters accepts distance 1, one of 8+ letters distance 2;
* the first letter must match (or be swapped with the second);
* a tie between two different vocabulary words means no correction (a tie between a word and
  its plural picks the singular);
* words of an English dictionary are never corrected: :mod:`bot.parsing.protected` lists every
  dictionary word that would otherwise be taken for a vocabulary word ("horse" is not "house",
  "fridge" is not "bridge").  Regenerate it after changing the vocabulary::

      python -m bot.parsing.fuzzy /usr/share/dict/words > bot/parsing/protected.py

Candidates are found through a deletion index (every vocabulary word with up to 1-2 letters
deleted), so a lookup costs a few dictionary probes; results are cached.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from functools import lru_cache
from itertools import combinations

from bot.parsing.numbers import NUMBER_WORDS
from bot.parsing.protected import EXTRA_PROTECTED, PROTECTED_WORDS
from bot.parsing.vocab import VOCAB_WORDS

__all__ = ["allowed_distance", "correct", "osa_distance"]

MIN_WORD_LEN = 4


def allowed_distance(target: str) -> int:
    if len(target) < MIN_WORD_LEN:
        return 0
    return 1 if len(target) <= 7 else 2


def osa_distance(a: str, b: str) -> int:
    """Optimal string alignment distance (Levenshtein plus adjacent transpositions)."""
    if a == b:
        return 0
    rows = len(a) + 1
    cols = len(b) + 1
    prev2: list[int] = []
    prev = list(range(cols))
    for i in range(1, rows):
        cur = [i] + [0] * (cols - 1)
        for j in range(1, cols):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            best = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                best = min(best, prev2[j - 2] + 1)
            cur[j] = best
        prev2, prev = prev, cur
    return prev[-1]


def _deletes(word: str, depth: int) -> set[str]:
    out = {word}
    for k in range(1, depth + 1):
        if len(word) - k < 2:
            break
        for idx in combinations(range(len(word)), k):
            out.add("".join(ch for n, ch in enumerate(word) if n not in idx))
    return out


def _targets() -> tuple[str, ...]:
    words = set(VOCAB_WORDS) | set(NUMBER_WORDS)
    return tuple(sorted(w for w in words if w.isalpha() and len(w) >= MIN_WORD_LEN))


def _build_index(targets: Iterable[str]) -> dict[str, tuple[str, ...]]:
    index: dict[str, set[str]] = {}
    for target in targets:
        for deleted in _deletes(target, allowed_distance(target)):
            index.setdefault(deleted, set()).add(target)
    return {key: tuple(sorted(value)) for key, value in index.items()}


_TARGETS = _targets()
_TARGET_SET = frozenset(_TARGETS)


@lru_cache(maxsize=1)
def _index() -> dict[str, tuple[str, ...]]:
    """The delete index, built on the first word that needs correcting (~20 ms: not paid by
    a ``composer song`` whose words are all known)."""
    return _build_index(_TARGETS)


def _candidate(word: str) -> str | None:
    """The correction of ``word`` ignoring the protected list (used to build that list)."""
    if len(word) < MIN_WORD_LEN or not word.isalpha() or word in _TARGET_SET:
        return None
    found: set[str] = set()
    for deleted in _deletes(word, 2):
        found.update(_index().get(deleted, ()))
    best: list[tuple[int, str]] = []
    for target in sorted(found):
        if not (word[0] == target[0] or (word[0] == target[1] and word[1] == target[0])):
            continue
        distance = osa_distance(word, target)
        if distance <= allowed_distance(target):
            best.append((distance, target))
    if not best:
        return None
    low = min(d for d, _ in best)
    ties = sorted({t for d, t in best if d == low}, key=lambda t: (len(t), t))
    if len({_singular(t, ties) for t in ties}) > 1:
        return None
    return ties[0]


def _singular(word: str, among: list[str]) -> str:
    for suffix in ("es", "s"):
        if word.endswith(suffix) and word[: -len(suffix)] in among:
            return word[: -len(suffix)]
    return word


@lru_cache(maxsize=4096)
def correct(word: str) -> str | None:
    """The vocabulary word that ``word`` (lower case) is a typo of, or ``None``."""
    if word in PROTECTED_WORDS or word in EXTRA_PROTECTED:
        return None
    return _candidate(word)


def _generate(dictionary_path: str) -> str:
    with open(dictionary_path, encoding="utf-8", errors="ignore") as handle:
        words = sorted({line.strip().lower() for line in handle})
    hits = [w for w in words if _candidate(w) is not None]
    body: list[str] = []
    line = ""
    for word in hits:
        if line and len(line) + len(word) + 1 > 96:
            body.append(line)
            line = ""
        line = f"{line} {word}" if line else word
    body.append(line)
    head = (
        '"""Generated by ``python -m bot.parsing.fuzzy /usr/share/dict/words``: do not edit.\n\n'
        "English dictionary words that look like a typo of a vocabulary word and so must never be\n"
        "corrected (see :mod:`bot.parsing.fuzzy`).  ``EXTRA_PROTECTED`` is kept by hand: chat\n"
        'words that no dictionary lists."""\n\n'
        "from __future__ import annotations\n\n"
        '__all__ = ["EXTRA_PROTECTED", "PROTECTED_WORDS"]\n\n'
    )
    extra = " ".join(sorted(EXTRA_PROTECTED))
    return (
        head
        + '_PROTECTED = """\n'
        + "\n".join(body)
        + '\n"""\n'
        + f'_EXTRA = "{extra}"\n\n'
        + "PROTECTED_WORDS: frozenset[str] = frozenset(_PROTECTED.split())\n"
        + "EXTRA_PROTECTED: frozenset[str] = frozenset(_EXTRA.split())\n"
    )


if __name__ == "__main__":  # pragma: no cover - maintenance tool
    sys.stdout.write(_generate(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/dict/words"))
