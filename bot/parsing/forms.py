"""Song structure and sub-styles in words.

* A form: two or more section words name the song's sections in order ("a complete song with
  intro, chorus and outro", "verse chorus verse chorus", "intro, build up, drop, outro"), so the
  request is a whole song in that form (one section word alone still asks for that section).
* A sub-style: the genre phrases of a request name one ("trap beat" → trap, "deep house" →
  deep-house, "pop ballad" → ballad), as does the slash option (an id or a phrase).
"""

from __future__ import annotations

from bot.parsing.scan import Field, Scan
from bot.parsing.vocab import Cat
from models.plan import SectionRole
from models.substyles import SUBSTYLES, SubStyle, substyle_for_words, substyles_of

__all__ = ["autocomplete_substyles", "lookup_substyle", "song_form", "words_substyle"]


def song_form(scan: Scan) -> tuple[SectionRole, ...]:
    """The sections named in the words, in order, when there are two or more; else empty."""
    found = sorted(scan.values(Field.SECTION), key=lambda f: f.index)
    roles = tuple(f.value for f in found if isinstance(f.value, SectionRole))
    return roles if len(roles) >= 2 else ()


def words_substyle(scan: Scan, style: str | None) -> SubStyle | None:
    """The sub-style the request's genre phrases name (the last one), of ``style`` if given."""
    named: SubStyle | None = None
    for match in scan.matches:
        if match.negated or not any(tag.cat in (Cat.GENRE, Cat.GENRE_WEAK) for tag in match.tags):
            continue
        phrase = " ".join(scan.tokens[k].text for k in range(match.start, match.end))
        sub = substyle_for_words(phrase, style)
        if sub is not None:
            named = sub
    if named is None and style is not None:
        # a sub-style word next to its style's noun: "pop ballad" → "pop" + "ballad"
        text = " ".join(t.text for t in scan.tokens)
        named = substyle_for_words(text, style)
    if named is not None and len(substyles_of(named.style)) < 2:
        return None  # "ambient" names the style; its one family goes without saying
    return named


def lookup_substyle(text: str) -> SubStyle | None:
    """A sub-style for a slash option value: its id ("deep-house") or a phrase ("deep house")."""
    key = "-".join(text.lower().replace("_", " ").split())
    return SUBSTYLES.get(key) or substyle_for_words(text)


def autocomplete_substyles(prefix: str, style: str | None = None) -> list[tuple[str, str]]:
    """(id, title) of the sub-styles whose id, title or words start with (then contain)
    ``prefix``, only ``style``'s when it is known; styles with one family are left out."""
    needle = " ".join(prefix.lower().replace("-", " ").split())
    subs = [
        s
        for s in SUBSTYLES.values()
        if (style is None or s.style == style) and len(substyles_of(s.style)) > 1
    ]

    def names(sub: SubStyle) -> list[str]:
        return [sub.id.replace("-", " "), sub.title.lower().replace("-", " "), *sub.words]

    first = [s for s in subs if any(n.startswith(needle) for n in names(s))]
    then = [s for s in subs if s not in first and any(needle in n for n in names(s))]
    return [(s.id, f"{s.title} ({s.style})") for s in first + then]
