"""From what the words said plus the slash options to one validated :class:`RequestSpec`.

* the same field said twice with different values in the words ("85 bpm ... 120 bpm") and a
  word value that differs from a slash option ("85 bpm" + bpm=120) are conflicts, reported with
  both values, never silently resolved; the same value twice is fine;
* ranges: tempo within ``limits.min_bpm..max_bpm``, duration within
  ``limits.min_duration_s..max_duration_s``, seed within 0..2^32-1, known style and backend;
* the style is the last genre noun of the request ("jazzy lofi" → lofi, "reggae" → pop), or the
  last genre adjective/era ("epic", "80s") when there is no noun; a style option that names one of
  the genres mentioned is not a conflict ("jazzy lofi" + style=jazz → jazz).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.parsing.forms import lookup_substyle, song_form, words_substyle
from bot.parsing.limits import ParseLimits, format_bpm, format_duration, format_number
from bot.parsing.scan import Field, Found, Scan, Topic
from bot.parsing.structure import MAX_SEED
from bot.parsing.vocab import Cat, backend_names, lookup_style
from bot.service.spec import RequestKind, SlashOptions
from models.plan import Key, Meter, SectionRole
from models.styles import STYLE_IDS

__all__ = ["Resolved", "resolve"]

_ARTICLE = {"intro": "an intro", "outro": "an outro"}
_FIELD_TOPIC = {
    Field.BPM: Topic.TEMPO,
    Field.KEY: Topic.KEY,
    Field.METER: Topic.METER,
    Field.DURATION: Topic.DURATION,
    Field.SECTION: Topic.SECTION,
    Field.SEED: Topic.SEED,
    Field.BACKEND: Topic.BACKEND,
}


@dataclass(slots=True)
class Resolved:
    """Field values (``None``: not said) and the problems met on the way."""

    kind: RequestKind = RequestKind.SECTION
    section: SectionRole | None = None
    bpm: float | None = None
    key: Key | None = None
    meter: Meter | None = None
    duration_s: float | None = None
    style: str | None = None
    mood: str | None = None
    instruments: tuple[str, ...] = ()
    seed: int | None = None
    backend: str | None = None
    tempo_hint: str | None = None
    substyle: str | None = None
    form: tuple[SectionRole, ...] = ()
    problems: list[tuple[Topic, str]] = field(default_factory=list)

    def problem(self, topic: Topic, message: str) -> None:
        if all(m != message for _, m in self.problems):
            self.problems.append((topic, message))


def _describe(fld: Field, value: object) -> str:
    if fld is Field.BPM and isinstance(value, float):
        return format_bpm(value)
    if fld is Field.DURATION and isinstance(value, float):
        return format_duration(value)
    if isinstance(value, Key):
        return value.name
    if isinstance(value, SectionRole):
        return _ARTICLE.get(value.value, f"a {value.value}")
    if fld is Field.SEED:
        return f"seed {value}"
    return str(value)


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=0.0, abs_tol=1e-6)
    return a == b


def _from_words(scan: Scan, fld: Field, out: Resolved) -> object | None:
    distinct: list[Found] = []
    for found in scan.values(fld):
        if not any(_same(found.value, d.value) for d in distinct):
            distinct.append(found)
    if not distinct:
        return None
    if len(distinct) > 1:
        a, b = (_describe(fld, d.value) for d in distinct[:2])
        if fld is Field.SECTION:
            out.problem(
                Topic.SECTION,
                f"One section at a time: you asked for {a} and {b}. "
                "Ask for “a full song” to get every section.",
            )
        else:
            out.problem(_FIELD_TOPIC[fld], f"You said both {a} and {b}: which one?")
        return None
    return distinct[0].value


def _merge(
    out: Resolved, fld: Field, words: object | None, option: object | None, what: str
) -> object | None:
    if option is None:
        return words
    if words is not None and not _same(words, option):
        out.problem(
            _FIELD_TOPIC[fld],
            f"Your words say {_describe(fld, words)} but the {what} option says "
            f"{_describe(fld, option)}: please keep only one.",
        )
        return None
    return option


def _check_range(
    out: Resolved,
    value: float | None,
    *,
    low: float,
    high: float,
    on_error: Callable[[float], str],
    topic: Topic,
) -> float | None:
    if value is None:
        return None
    if not math.isfinite(value) or not low <= value <= high:
        out.problem(topic, on_error(value))
        return None
    return value


def resolve(
    scan: Scan, options: SlashOptions, limits: ParseLimits, default_kind: RequestKind
) -> Resolved:
    out = Resolved()
    for problem in scan.problems:
        out.problem(problem.topic, problem.message)
    form = song_form(scan) if options.section is None else ()
    words = {
        fld: None if fld is Field.SECTION and form else _from_words(scan, fld, out) for fld in Field
    }

    # tempo
    bpm = _merge(out, Field.BPM, words[Field.BPM], _float(options.bpm), "bpm")
    out.bpm = _check_range(
        out,
        bpm if isinstance(bpm, float) else None,
        low=limits.min_bpm,
        high=limits.max_bpm,
        on_error=lambda v: _tempo_message(v, limits),
        topic=Topic.TEMPO,
    )
    # duration
    duration = _merge(
        out, Field.DURATION, words[Field.DURATION], _float(options.duration_s), "duration"
    )
    out.duration_s = _check_range(
        out,
        duration if isinstance(duration, float) else None,
        low=limits.min_duration_s,
        high=limits.max_duration_s,
        on_error=lambda v: _duration_message(v, limits),
        topic=Topic.DURATION,
    )
    # key, meter, seed, backend
    key = _merge(out, Field.KEY, words[Field.KEY], options.key, "key")
    out.key = key if isinstance(key, Key) else None
    meter = _merge(out, Field.METER, words[Field.METER], options.meter, "meter")
    out.meter = meter if isinstance(meter, Meter) else None
    if options.seed is not None and not 0 <= options.seed <= MAX_SEED:
        out.problem(Topic.SEED, f"The seed must be a whole number from 0 to {MAX_SEED}.")
        option_seed = None
    else:
        option_seed = options.seed
    seed = _merge(out, Field.SEED, words[Field.SEED], option_seed, "seed")
    out.seed = seed if isinstance(seed, int) else None
    backend = _merge(out, Field.BACKEND, words[Field.BACKEND], _backend(out, options), "backend")
    out.backend = backend if isinstance(backend, str) else None

    _vocabulary(scan, out, options)
    _substyle(scan, out, options)
    _kind(scan, out, options, words[Field.SECTION], default_kind)
    if form:  # sections named in order: a whole song in that form
        out.kind, out.section, out.form = RequestKind.SONG, None, form
    return out


def _substyle(scan: Scan, out: Resolved, options: SlashOptions) -> None:
    said = words_substyle(scan, out.style)
    if options.substyle is None:
        out.substyle = said.id if said is not None else None
        return
    sub = lookup_substyle(options.substyle)
    if sub is None:
        out.problem(
            Topic.STYLE,
            f"I don't know the sub-style “{options.substyle}”: try e.g. "
            "boom-bap, trap, deep-house, synth-pop, punk or bossa-nova.",
        )
        return
    if out.style is not None and out.style != sub.style:
        out.problem(
            Topic.STYLE,
            f"{sub.title} is a {sub.style} sub-style but you asked for {out.style}: "
            "please keep only one.",
        )
        return
    if said is not None and said.id != sub.id:
        out.problem(
            Topic.STYLE,
            f"Your words say {said.title} but the sub-style option says {sub.title}: "
            "please keep only one.",
        )
        return
    out.style, out.substyle = sub.style, sub.id


def _float(value: float | None) -> float | None:
    return None if value is None else float(value)


def _tempo_message(bpm: float, limits: ParseLimits) -> str:
    allowed = f"{format_number(limits.min_bpm)} to {format_bpm(limits.max_bpm)}"
    if not math.isfinite(bpm):
        return f"The tempo must be a number from {allowed}."
    return f"Tempo {format_bpm(bpm)} is out of range: pick {allowed}."


def _duration_message(seconds: float, limits: ParseLimits) -> str:
    allowed = (
        f"{format_duration(limits.min_duration_s)} to {format_duration(limits.max_duration_s)}"
    )
    if not math.isfinite(seconds):
        return f"The duration must be a number from {allowed}."
    if seconds > limits.max_duration_s:
        return (
            f"That's too long: {format_duration(seconds)} is more than this server's maximum "
            f"of {format_duration(limits.max_duration_s)}."
        )
    return (
        f"That's too short: {format_duration(seconds)} is under the minimum of "
        f"{format_duration(limits.min_duration_s)}."
    )


def _backend(out: Resolved, options: SlashOptions) -> str | None:
    if options.backend is None:
        return None
    name = " ".join(options.backend.lower().split())
    aliases = {
        "music gen": "musicgen",
        "musicgen melody": "musicgen-melody",
        "built in": "embedded",
        "builtin": "embedded",
    }
    name = aliases.get(name, name)
    known = backend_names()
    if name not in known:
        out.problem(
            Topic.BACKEND,
            f"I don't know the backend “{options.backend}”: use "
            f"{', '.join(known[:-1])} or {known[-1]}.",
        )
        return None
    return name


def _vocabulary(scan: Scan, out: Resolved, options: SlashOptions) -> None:
    strong: list[str] = []
    weak: list[str] = []
    instruments: list[str] = []
    moods: list[str] = []
    hints: list[str] = []
    for match in scan.matches:
        if match.negated:
            continue
        for tag in match.tags:
            if tag.cat is Cat.GENRE:
                strong.append(tag.value)
            elif tag.cat is Cat.GENRE_WEAK:
                weak.append(tag.value)
            elif tag.cat is Cat.INSTRUMENT and tag.value not in instruments:
                instruments.append(tag.value)
            elif tag.cat is Cat.MOOD:
                moods.append(tag.value)
            elif tag.cat is Cat.TEMPO_HINT:
                hints.append(tag.value)
    words_style = strong[-1] if strong else (weak[-1] if weak else None)
    out.style = words_style
    if options.style is not None:
        option_style = lookup_style(options.style)
        if option_style is None:
            out.problem(
                Topic.STYLE,
                f"I don't know the style “{options.style}”: styles are {', '.join(STYLE_IDS)}.",
            )
        else:
            if strong and option_style not in strong and option_style not in weak:
                out.problem(
                    Topic.STYLE,
                    f"Your words say {words_style} but the style option says {option_style}: "
                    "please keep only one.",
                )
            out.style = option_style
    out.instruments = tuple(instruments)
    out.mood = moods[0] if moods else None
    out.tempo_hint = hints[0] if hints else None


def _kind(
    scan: Scan,
    out: Resolved,
    options: SlashOptions,
    words_section: object | None,
    default_kind: RequestKind,
) -> None:
    cats = {tag.cat for m in scan.matches if not m.negated for tag in m.tags}
    whole = Cat.SONG in cats
    section = words_section if isinstance(words_section, SectionRole) else None
    if options.section is not None:
        if whole:
            out.problem(
                Topic.SECTION,
                "Your words ask for a whole song but the section option says "
                f"{_describe(Field.SECTION, options.section)}: please keep only one.",
            )
        merged = _merge(out, Field.SECTION, section, options.section, "section")
        out.kind = RequestKind.SECTION
        out.section = merged if isinstance(merged, SectionRole) else None
        return
    if section is not None and not whole:
        out.kind, out.section = RequestKind.SECTION, section
        return
    if section is not None:  # "a full song with a long intro": the section words stay as prompt
        for match in scan.matches:
            if any(tag.cat is Cat.SECTION for tag in match.tags):
                for k in range(match.start, match.end):
                    scan.content[k] = True
    if whole or Cat.SONG_WEAK in cats:
        out.kind = RequestKind.SONG
    else:
        out.kind = default_kind
