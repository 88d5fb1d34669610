"""Vocabulary matching: the longest known phrase at each position wins ("lofi hip hop" before
"lofi", "drum and bass" before "drum"), so "drum and bass" is a genre, not drums plus bass.

Context rules live here too:

* "start", "end", "drop", "peak", "hook" are sections only when used as nouns ("the drop",
  "a massive drop", "the end of the song"), not as verbs ("drop me a beat", "hook me up");
* a negation ("no drums", "without bass or piano", "not sad") keeps the words in the prompt
  but does not select the instrument, mood, genre or tempo word.
"""

from __future__ import annotations

from bot.parsing.scan import Field, Found, Match, Scan
from bot.parsing.text import TokKind
from bot.parsing.vocab import (
    MAX_PHRASE_WORDS,
    METER_CONTENT,
    NEGATIONS,
    PHRASES,
    STRUCTURE_CATS,
    Cat,
    Tag,
)
from bot.parsing.words import words
from models.plan import Meter, SectionRole

__all__ = ["match_phrases"]

_VERB_NEXT = words("me us it a an the some them this that my your up in off into out him her")
_VERB_PREV = words("to will can please i you we lets let's gonna should could would")
_NOUN_PREV = words(
    "the a an my this our its that song track big huge massive epic heavy hard sick insane crazy "
    "first second final last catchy"
)
_NEGATION_SKIP = frozenset({"any", "the", "a", "too", "so", "very", "overly"})
_CHAIN = frozenset({"and", "or", "nor", "any"})


def _is_early(key: tuple[str, ...], tags: tuple[Tag, ...]) -> bool:
    """Phrases matched before keys: with one-letter words, digits ("808s") or "key"; fillers."""
    if any(tag.cat is Cat.FILLER for tag in tags):
        return True
    if any(tag.cat is Cat.ERA for tag in tags):
        return False  # "30s" is a duration unless marked as an era first
    return any(
        (len(word) == 1 and word.isalpha()) or word == "key" or any(ch.isdigit() for ch in word)
        for word in key
    )


def _section_ok(scan: Scan, start: int, word: str) -> bool:
    prev, nxt = scan.word(start - 1), scan.text(start + 1)
    if word in ("start", "end"):
        return prev in _NOUN_PREV or nxt in ("section", "part", "of")
    return nxt not in _VERB_NEXT and prev not in _VERB_PREV


def _negated(scan: Scan, start: int, chain_end: int, instrument: bool) -> int | None:
    """Index of the negation word governing a phrase at ``start``, else None."""
    j = start - 1
    while j >= 0 and scan.free(j) and scan.text(j) in _NEGATION_SKIP:
        j -= 1
    if j >= 0 and scan.free(j) and scan.text(j) in NEGATIONS:
        return j
    if not instrument:
        return None
    j = start - 1
    while j >= 0 and scan.text(j) in _CHAIN:
        j -= 1
    if chain_end > 0 and j == chain_end - 1 and j < start - 1:
        return j
    return None


def match_phrases(scan: Scan, *, early: bool = False) -> None:
    """Record vocabulary matches (``scan.matches``) and the fields they give (sections...)."""
    tokens = scan.tokens
    n = len(tokens)
    chain_end = -1  # end of the last negated instrument phrase
    i = 0
    while i < n:
        if not scan.free(i) or tokens[i].kind in (TokKind.PUNCT, TokKind.SYM):
            i += 1
            continue
        for length in range(min(MAX_PHRASE_WORDS, n - i), 0, -1):
            if not scan.all_free(i, i + length):
                continue
            key = tuple(tokens[k].text for k in range(i, i + length))
            tags = PHRASES.get(key)
            if tags is None or (early and not _is_early(key, tags)):
                continue
            end = i + length
            if tags[0].cat is Cat.SECTION_CTX:
                if not _section_ok(scan, i, key[0]):
                    break  # a verb: leave the word as a plain prompt word
                tags = (Tag(Cat.SECTION, tags[0].value),)
            is_instrument = any(tag.cat is Cat.INSTRUMENT for tag in tags)
            negation = _negated(scan, i, chain_end, is_instrument)
            negated = negation is not None
            if negation is not None and scan.free(negation):
                scan.take(negation, negation + 1, "negation", content=True)
            if negated and is_instrument:
                chain_end = end
            _record(scan, i, end, tags, negated)
            i = end - 1
            break
        i += 1


def _record(scan: Scan, start: int, end: int, tags: tuple[Tag, ...], negated: bool) -> None:
    structure = all(tag.cat in STRUCTURE_CATS for tag in tags)
    meter_tag = next((tag for tag in tags if tag.cat is Cat.METER), None)
    if meter_tag is not None:
        words = " ".join(scan.tokens[k].text for k in range(start, end))
        content = words in METER_CONTENT
        if not negated:
            scan.add(Field.METER, Meter.parse(meter_tag.value), start, end, content=content)
        else:
            scan.take(start, end, "phrase", content=True)
    else:
        scan.take(start, end, "phrase", content=not structure or negated)
    scan.matches.append(Match(start, end, tags, negated))
    if negated:
        return
    display = scan.display(start, end)
    for tag in tags:
        if tag.cat is Cat.SECTION:
            scan.found.append(Found(Field.SECTION, SectionRole(tag.value), display, start))
        elif tag.cat is Cat.BACKEND:
            scan.found.append(Found(Field.BACKEND, tag.value, display, start))
