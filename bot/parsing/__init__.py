"""The request parser: plain words ("@composer make a chill lofi intro at 90 bpm in A minor",
``/compose outro 85bpm``) and slash options → a validated :class:`bot.service.spec.RequestSpec`.

Pure Python, no Discord and no I/O at parse time.  See :mod:`bot.parsing.parser` for the
pipeline and the rules for nonsense input, :mod:`bot.parsing.keys` for when a letter is a key,
:mod:`bot.parsing.durations` for "30s" versus "the 30s", :mod:`bot.parsing.fuzzy` for typos.
"""

from __future__ import annotations

from bot.parsing.help import (
    KEY_CHOICES,
    STYLE_CHOICES,
    autocomplete_keys,
    autocomplete_styles,
    help_text,
)
from bot.parsing.limits import ParseLimits
from bot.parsing.parser import parse_request

__all__ = [
    "KEY_CHOICES",
    "STYLE_CHOICES",
    "ParseLimits",
    "autocomplete_keys",
    "autocomplete_styles",
    "help_text",
    "parse_request",
]
