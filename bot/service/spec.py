"""What a person asked for, validated: the output of the request parser.

The parser (:mod:`bot.parsing`) turns free text plus optional slash options into a
:class:`RequestSpec`; :mod:`bot.service.planning` turns a spec into a
:class:`~models.plan.SongPlan`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from models.plan import Key, Meter, SectionRole

__all__ = ["RequestKind", "RequestSpec", "SlashOptions"]


class RequestKind(StrEnum):
    SECTION = "section"  # one section (intro, verse, ..., outro)
    SONG = "song"  # a whole song: intro → ... → outro


@dataclass(frozen=True, slots=True)
class SlashOptions:
    """Typed options from a slash command.  They override words; a conflict is reported."""

    section: SectionRole | None = None
    bpm: float | None = None
    key: Key | None = None
    meter: Meter | None = None
    style: str | None = None
    duration_s: float | None = None
    seed: int | None = None
    backend: str | None = None
    substyle: str | None = None  # a models.substyles id ("trap", "deep-house"...)


@dataclass(frozen=True, slots=True)
class RequestSpec:
    """A validated request.  ``None`` means "not said": the planner picks a style-appropriate value.

    ``style`` is one of the embedded composer's style ids (:data:`models.styles.STYLE_IDS`);
    words the embedded styles cannot play stay in ``prompt`` for neural backends.
    ``tempo_hint`` is a tempo word ("slow", "fast", "upbeat"...) used only when no bpm is given.
    ``substyle`` is a :data:`models.substyles.SUBSTYLES` id of ``style`` ("trap", "deep-house");
    ``form`` the sections of a song named in order ("verse chorus verse chorus"), or empty.
    """

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
    prompt: str = ""
    tempo_hint: str | None = None
    substyle: str | None = None
    form: tuple[SectionRole, ...] = ()

    def to_json_dict(self) -> dict[str, Any]:
        """The ``composer parse --json`` shape: absent values are ``null``."""
        return {
            "kind": self.kind.value,
            "section": self.section.value if self.section else None,
            "bpm": self.bpm,
            "key": self.key.name if self.key else None,
            "meter": str(self.meter) if self.meter else None,
            "duration": self.duration_s,
            "style": self.style,
            "mood": self.mood,
            "instruments": list(self.instruments) if self.instruments else None,
            "seed": self.seed,
            "prompt": self.prompt or None,
            "backend": self.backend,
            "tempo_hint": self.tempo_hint,
            "substyle": self.substyle,
            "form": [role.value for role in self.form] if self.form else None,
        }

    @classmethod
    def from_json_dict(cls, data: Mapping[str, Any]) -> RequestSpec:
        """Inverse of :meth:`to_json_dict` (a stored request, e.g. for a reroll)."""
        return cls(
            kind=RequestKind(data.get("kind") or "section"),
            section=SectionRole(data["section"]) if data.get("section") else None,
            bpm=float(data["bpm"]) if data.get("bpm") is not None else None,
            key=Key.parse(data["key"]) if data.get("key") else None,
            meter=Meter.parse(data["meter"]) if data.get("meter") else None,
            duration_s=float(data["duration"]) if data.get("duration") is not None else None,
            style=data.get("style"),
            mood=data.get("mood"),
            instruments=tuple(data.get("instruments") or ()),
            seed=int(data["seed"]) if data.get("seed") is not None else None,
            backend=data.get("backend"),
            prompt=data.get("prompt") or "",
            tempo_hint=data.get("tempo_hint"),
            substyle=data.get("substyle"),
            form=tuple(SectionRole(role) for role in data.get("form") or ()),
        )
