"""``parse_request``: plain words (+ slash options) → a validated :class:`RequestSpec`.

Pipeline (pure, no I/O; each step consumes the tokens it understands):

1. normalise and tokenise (:mod:`.text`), correct typos of vocabulary words (:mod:`.fuzzy`);
2. phrases that contain one-letter words or numbers ("r and b", "e-piano", "808s") and idioms
   ("in a minute") are matched first, so that their letters are not read as keys;
3. eras ("the 80s"), seeds, meters, tempos with a marker ("85 bpm"), durations, "at 90", keys;
4. the vocabulary (genres, moods, instruments, sections, song words, tempo words, backends);
5. :mod:`.resolve` merges words with slash options, reports conflicts and range errors;
6. :mod:`.prompt` builds the prompt from the remaining descriptive words.

When is input nonsense?  A request must say *something* musical: at least one understood value
or vocabulary word, a general music word ("beat", "music", "melody") or an "anything goes"
word ("surprise me", "random"), or come with a slash option.  Everything else is optional.
Otherwise a :class:`~bot.errors.RequestError` carries the short help text.
"""

from __future__ import annotations

import dataclasses
import logging

from bot.errors import RequestError
from bot.parsing.durations import UNIT_SECONDS, extract_durations, mark_eras
from bot.parsing.fuzzy import correct
from bot.parsing.help import examples_for, help_text
from bot.parsing.keys import extract_keys
from bot.parsing.limits import ParseLimits
from bot.parsing.numbers import NUMBER_WORDS
from bot.parsing.phrases import match_phrases
from bot.parsing.prompt import build_prompt
from bot.parsing.resolve import Resolved, resolve
from bot.parsing.scan import Scan, Topic
from bot.parsing.structure import extract_backend_keyword, extract_meters, extract_seeds
from bot.parsing.tempo import extract_at_tempo, extract_marked_tempo
from bot.parsing.text import (
    MAX_REQUEST_CHARS,
    Token,
    TokKind,
    normalise,
    tokenize,
    unplain_number,
)
from bot.parsing.vocab import (
    CONNECTORS,
    FILLERS,
    GO_AHEAD,
    MUSIC_WORDS,
    NEGATIONS,
    VOCAB_WORDS,
    Cat,
)
from bot.service.spec import RequestKind, RequestSpec, SlashOptions

__all__ = ["parse_request"]

log = logging.getLogger(__name__)

_NEVER_CORRECT = (
    VOCAB_WORDS | FILLERS | CONNECTORS | NEGATIONS | MUSIC_WORDS | GO_AHEAD | NUMBER_WORDS
) | frozenset(UNIT_SECONDS)
_MAX_PROBLEMS = 3


def _correct_typos(tokens: list[Token]) -> list[Token]:
    out: list[Token] = []
    for tok in tokens:
        if tok.kind is TokKind.WORD and tok.text not in _NEVER_CORRECT:
            fixed = correct(tok.text)
            if fixed is not None:
                out.append(tok.with_text(fixed))
                continue
        out.append(tok)
    return out


def _scan(normalised: str) -> Scan:
    scan = Scan(_correct_typos(tokenize(normalised)))
    match_phrases(scan, early=True)
    mark_eras(scan)
    extract_seeds(scan)
    extract_meters(scan)
    extract_marked_tempo(scan)
    extract_durations(scan)
    extract_at_tempo(scan)
    extract_keys(scan)
    match_phrases(scan)
    extract_backend_keyword(scan)
    return scan


def _says_something(scan: Scan, options: SlashOptions) -> bool:
    if scan.found or scan.problems:
        return True
    if any(tag.cat is not Cat.FILLER for match in scan.matches for tag in match.tags):
        return True
    if any(getattr(options, f.name) is not None for f in dataclasses.fields(options)):
        return True
    return any(t.kind is TokKind.WORD and t.text in MUSIC_WORDS | GO_AHEAD for t in scan.tokens)


def _understood(result: Resolved, prompt: str) -> dict[str, object]:
    spec = _spec(result, prompt).to_json_dict()
    return {name: value for name, value in spec.items() if value is not None}


def _spec(result: Resolved, prompt: str) -> RequestSpec:
    return RequestSpec(
        kind=result.kind,
        section=result.section if result.kind is RequestKind.SECTION else None,
        bpm=result.bpm,
        key=result.key,
        meter=result.meter,
        duration_s=result.duration_s,
        style=result.style,
        mood=result.mood,
        instruments=result.instruments,
        seed=result.seed,
        backend=result.backend,
        prompt=prompt,
        tempo_hint=result.tempo_hint,
        substyle=result.substyle,
        form=result.form,
    )


def parse_request(
    text: str,
    options: SlashOptions | None = None,
    *,
    limits: ParseLimits = ParseLimits(),  # noqa: B008 - frozen, immutable default
    default_kind: RequestKind = RequestKind.SECTION,
) -> RequestSpec:
    """Returns a validated RequestSpec (bot/spec.py) or raises bot.errors.RequestError whose
    user_message is short, friendly and specific, with `understood` (what was understood) and
    `examples` filled in."""
    options = options or SlashOptions()
    if len(text) > MAX_REQUEST_CHARS:
        raise RequestError(
            f"That request is too long: please keep it under {MAX_REQUEST_CHARS} characters.",
            examples=examples_for(Topic.INPUT),
        )
    clean = normalise(text)
    odd = unplain_number(clean)
    if odd is not None:
        raise RequestError(
            f"Please write numbers plainly, like `85 bpm` or `1.5 minutes`: I can't read `{odd}`.",
            examples=examples_for(Topic.INPUT),
        )
    scan = _scan(clean)
    result = resolve(scan, options, limits, default_kind)
    prompt = build_prompt(scan)
    if result.problems:
        topic = result.problems[0][0]
        message = " ".join(message for _, message in result.problems[:_MAX_PROBLEMS])
        log.debug("request refused: %r → %s", text, message)
        raise RequestError(
            message,
            understood=_understood(result, prompt),
            examples=examples_for(topic),
            detail=f"{message} (request: {text!r})",
        )
    if not _says_something(scan, options):
        raise RequestError(
            "I couldn't find anything musical in that.\n" + help_text(),
            understood={},
            examples=examples_for(Topic.INPUT),
            detail=f"nothing musical in {text!r}",
        )
    return _spec(result, prompt)
