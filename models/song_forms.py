"""Song forms: which sections a song has and how many bars each gets.

A song long enough gets a real form from its sub-style's family (:data:`models.substyles.FORMS`:
verse/chorus/bridge for songs, breakdowns and drops for dance tracks, AABA for jazz), picked by
the seed among those that fit; a short one is intro → climax → outro.  A form named in the
request ("intro, chorus and outro") is followed as written.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping

from models.plan import SectionRole
from models.substyles import FORMS

__all__ = [
    "MIN_BARS_PER_SECTION",
    "allocate_bars",
    "choose_form",
    "parse_form",
    "section_form",
    "with_section",
]

#: A templated form needs about this many bars per section on average (a phrase or so).
MIN_BARS_PER_SECTION = 4.0

_ROLE_WEIGHT: Mapping[SectionRole, float] = {
    SectionRole.INTRO: 0.5,
    SectionRole.VERSE: 1.0,
    SectionRole.CHORUS: 1.0,
    SectionRole.BRIDGE: 0.75,
    SectionRole.BUILDUP: 0.5,
    SectionRole.CLIMAX: 1.0,
    SectionRole.OUTRO: 0.5,
}
_NAMES: Mapping[str, SectionRole] = {
    **{role.value: role for role in SectionRole},
    "drop": SectionRole.CLIMAX,
    "breakdown": SectionRole.BRIDGE,
    "riser": SectionRole.BUILDUP,
}


def parse_form(text: str) -> tuple[SectionRole, ...]:
    """``"intro verse chorus drop outro"`` → section roles."""
    return tuple(_NAMES[name] for name in text.split())


def choose_form(family: str, total_bars: int, rng: random.Random) -> tuple[SectionRole, ...]:
    """A form of ``family`` for a song of ``total_bars``: one of the (up to three) longest that
    fit, by the seed; intro → climax → outro (or intro → verse → climax → outro) when short."""
    short = (SectionRole.INTRO, SectionRole.CLIMAX, SectionRole.OUTRO)
    if total_bars < 12:
        return short
    forms = [parse_form(text) for text in FORMS.get(family, FORMS["through"])]
    fitting = [f for f in forms if len(f) * MIN_BARS_PER_SECTION <= total_bars]
    if total_bars < 20:  # a short song: intro → climax → outro, or with a verse before
        fitting = [short, *(f for f in fitting if len(f) == 4)]
    if not fitting:
        return (SectionRole.INTRO, SectionRole.VERSE, SectionRole.CLIMAX, SectionRole.OUTRO)
    longest = max(len(f) for f in fitting)
    options = [f for f in fitting if len(f) >= longest - 1][:3]
    return options[rng.randrange(len(options))]


def allocate_bars(form: tuple[SectionRole, ...], total_bars: int) -> list[int]:
    """Split ``total_bars`` over the form by weight, exact total: four-bar phrases where a
    section is long enough, even lengths otherwise; intros and outros (four bars at least when
    the song is long enough) take up the odd bars."""
    weights = [_ROLE_WEIGHT[r] for r in form]
    ideal = [w * total_bars / sum(weights) for w in weights]
    minimum = 3 if total_bars >= MIN_BARS_PER_SECTION * len(form) else 2
    minimum = minimum if total_bars >= 2 * len(form) else 1
    edges = {j for j, role in enumerate(form) if role in (SectionRole.INTRO, SectionRole.OUTRO)}
    # a build-up rises over four bars at least (one bar a step of its roll) when there is room
    edges_or_rises = edges | {j for j, role in enumerate(form) if role is SectionRole.BUILDUP}
    floor = [
        4 if j in edges_or_rises and total_bars >= 4 * len(form) else minimum
        for j in range(len(form))
    ]
    bars = [
        max(floor[j], 4 * round(x / 4) if x >= 6 else 2 * round(x / 2) if x >= 3 else round(x))
        for j, x in enumerate(ideal)
    ]
    for j in sorted(edges) * 4:
        gap = total_bars - sum(bars)
        if gap > 0 and bars[j] < 8:
            bars[j] += 1
        elif gap < 0 and bars[j] > floor[j]:
            bars[j] -= 1
    while (gap := total_bars - sum(bars)) != 0:
        options: list[int] = []
        for size in (2, 1) if abs(gap) >= 2 else (1,):
            step = size if gap > 0 else -size
            options = [j for j in range(len(bars)) if bars[j] + step >= floor[j]]
            if options:
                break
        if not options:
            break
        j = max(options, key=lambda k: (step * (ideal[k] - bars[k]), weights[k]))
        bars[j] += step
    return bars


def min_song_bars(form: tuple[SectionRole, ...]) -> int:
    """The fewest bars a named form can be played in (two per section)."""
    return max(3, math.ceil(2 * len(form)))


_FULL_FORM = parse_form("intro verse chorus bridge climax outro")


def with_section(form: tuple[SectionRole, ...], role: SectionRole) -> tuple[SectionRole, ...]:
    """``form`` with ``role`` added where a song has it: an intro first, an outro last,
    anything else (a build-up, a bridge, a verse…) just before the climax (else before the
    last section)."""
    if role is SectionRole.INTRO:
        return (role, *form)
    if role is SectionRole.OUTRO:
        return (*form, role)
    at = form.index(SectionRole.CLIMAX) if SectionRole.CLIMAX in form else max(0, len(form) - 1)
    return (*form[:at], role, *form[at:])


def section_form(family: str, role: SectionRole) -> tuple[SectionRole, ...]:
    """The form a single requested section is planned in: the longest form of the sub-style's
    family that has ``role`` (a house drop comes after a breakdown, a jazz bridge after two A
    sections), else intro → verse → chorus → bridge → climax → outro."""
    for text in FORMS.get(family, ()):
        form = parse_form(text)
        if role in form:
            return form
    if role is SectionRole.BUILDUP:  # a build-up into the climax of any family's form
        return with_section(parse_form(FORMS.get(family, FORMS["through"])[0]), role)
    return _FULL_FORM
