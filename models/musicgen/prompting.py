"""What MusicGen is asked for: a text prompt from the song plan, and where a section lies in
samples.  Pure Python.

MusicGen follows text (style, instruments, mood, tempo words) but not a chord progression or a
motif; every section of one song gets the same description of the song plus its own role and
energy, and later sections are also primed with the end of the previous one (see ``backend``).
"""

from __future__ import annotations

from dataclasses import dataclass

from models.plan import SectionPlan, SectionRole, SongPlan
from models.styles import STYLES

__all__ = ["SectionBounds", "energy_words", "section_bounds", "text_prompt"]

_ROLE_WORDS: dict[SectionRole, str] = {
    SectionRole.INTRO: "intro",
    SectionRole.VERSE: "verse",
    SectionRole.CHORUS: "chorus with a catchy hook",
    SectionRole.BRIDGE: "bridge",
    SectionRole.BUILDUP: "build-up into the drop, accelerating snare roll, rising riser",
    SectionRole.CLIMAX: "climax",
    SectionRole.OUTRO: "outro, winding down",
}


def energy_words(energy: float) -> str:
    if energy < 0.35:
        return "calm, sparse"
    if energy < 0.6:
        return "relaxed"
    if energy < 0.85:
        return "energetic"
    return "intense, full"


def _unique(words: list[str]) -> list[str]:
    seen: set[str] = set()
    result = []
    for word in words:
        key = word.strip().lower()
        if key and key not in seen:
            seen.add(key)
            result.append(word.strip())
    return result


def text_prompt(plan: SongPlan, section: SectionPlan) -> str:
    """E.g. ``"lo-fi hip hop, dusty drums, ..., rainy night, chill, with rhodes, upright bass,
    intro, calm, sparse, A minor, 85 bpm"``.

    The style's description comes first, then the user's own words (``plan.prompt``: what the
    parser could not map, which MusicGen may still follow), mood, instruments (including those the
    embedded composer could not play), the section's role and energy, key and tempo.
    """
    info = STYLES.get(plan.style)
    parts = [info.description if info is not None else plan.style]
    if plan.prompt.strip():
        parts.append(plan.prompt.strip())
    if plan.mood:
        parts.append(plan.mood)
    instruments = [p.name.lower() for p in plan.instruments]
    ignored = plan.extra("ignored_instruments") or ""
    instruments += [w for w in ignored.split(",") if w.strip()]
    instruments = _unique(instruments)
    if instruments:
        parts.append("with " + ", ".join(instruments))
    parts += [_ROLE_WORDS.get(section.role, section.role.value), energy_words(section.energy)]
    if plan.extra("motif_source") == "melody":  # a user's tune: text can only ask for it to lead
        parts.append("one clear, singable lead melody")
    parts.append(plan.key.name)
    parts.append(f"{plan.bpm:g} bpm")
    if (plan.meter.numerator, plan.meter.denominator) != (4, 4):
        parts.append(f"in {plan.meter} time")
    return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class SectionBounds:
    """A section in samples at some rate, ``[start, end)`` from the song's start."""

    start: int
    end: int

    @property
    def frames(self) -> int:
        return self.end - self.start


def section_bounds(plan: SongPlan, section: SectionPlan, sample_rate: int) -> SectionBounds:
    """The section's bar lines rounded to whole samples from the song's start, so that adjacent
    sections tile exactly and rounding never accumulates."""
    start = round(section.start_bar * plan.bar_s * sample_rate)
    end = round((section.start_bar + section.bars) * plan.bar_s * sample_rate)
    return SectionBounds(start, max(start + 1, end))
