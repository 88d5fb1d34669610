"""Help text, examples shown with errors, and the choices offered by Discord autocomplete."""

from __future__ import annotations

from collections.abc import Mapping

from bot.parsing.scan import Topic
from bot.parsing.vocab import PHRASES, Cat
from models.plan import Key, Mode, PlanError
from models.styles import STYLES

__all__ = [
    "EXAMPLES",
    "KEY_CHOICES",
    "STYLE_CHOICES",
    "autocomplete_keys",
    "autocomplete_styles",
    "examples_for",
    "help_text",
]

#: At most this many autocomplete choices (Discord's limit).
MAX_CHOICES = 25

EXAMPLES: tuple[str, ...] = (
    "a chill lofi intro at 90 bpm in A minor",
    "outro 85bpm",
    "a full song, epic orchestral, 6/8, 2 minutes",
    "sad piano ballad in C#m, 45 seconds",
    "upbeat house drop with synths, seed 42",
)

_TOPIC_EXAMPLES: Mapping[Topic, tuple[str, ...]] = {
    Topic.TEMPO: ("verse at 96 bpm", "intro, tempo 120", "a slow jazz chorus"),
    Topic.KEY: ("chorus in A minor", "bridge in F#m", "intro in the key of Eb major"),
    Topic.METER: ("a waltz in 3/4", "cinematic outro in 6/8", "rock verse in 4/4"),
    Topic.DURATION: ("a 30s intro", "a 1:30 verse", "a full song, 2 minutes"),
    Topic.SECTION: ("a lofi intro", "an epic climax", "a full song in D minor"),
    Topic.STYLE: ("a lofi intro", "a synthwave chorus", "a jazz bridge"),
    Topic.SEED: ("lofi intro, seed 42", "jazz verse seed=7"),
    Topic.BACKEND: ("lofi intro with musicgen", "rock chorus, backend embedded"),
    Topic.INPUT: EXAMPLES[:3],
}


def examples_for(topic: Topic) -> tuple[str, ...]:
    return _TOPIC_EXAMPLES.get(topic, EXAMPLES[:3])


def help_text() -> str:
    """Short help with examples, used for empty/nonsense input and /help."""
    styles = ", ".join(STYLES)
    lines = [
        "Tell me what to compose in plain words: a section (intro, verse, chorus, bridge, "
        "build-up, climax, outro) or a full song, plus anything you like: style, mood, tempo, key, "
        "meter, length, instruments.",
        "Examples:",
        *(f"• {example}" for example in EXAMPLES),
        f"Styles: {styles} (and many genre words: house, trap, bossa nova, reggae, ...).",
        "Tempo 40-240 bpm; keys A to G with # or b, major or minor; meters 4/4, 3/4, 6/8.",
    ]
    return "\n".join(lines)


#: (style id, title) for every embedded style, in the catalogue's order.
STYLE_CHOICES: tuple[tuple[str, str], ...] = tuple((s.id, s.title) for s in STYLES.values())

#: All 24 keys by canonical name: C major, C minor, Db major, C# minor, ...
KEY_CHOICES: tuple[str, ...] = tuple(
    Key(tonic, mode).name for tonic in range(12) for mode in (Mode.MAJOR, Mode.MINOR)
)

_STYLE_ALIASES: tuple[tuple[str, str], ...] = tuple(
    sorted(
        {
            (" ".join(words), tag.value)
            for words, tags in PHRASES.items()
            for tag in tags
            if tag.cat is Cat.GENRE
        }
    )
)


def autocomplete_styles(prefix: str) -> list[tuple[str, str]]:
    """Styles whose id, title or a genre word starts with (then contains) ``prefix``.

    "lo" → lofi; "reg" → pop ("reggae" plays as pop); "" → every style.
    """
    needle = " ".join(prefix.lower().replace("-", " ").split())
    titles = dict(STYLE_CHOICES)
    ranked: list[str] = []

    def add(style_id: str) -> None:
        if style_id not in ranked:
            ranked.append(style_id)

    for style_id, title in STYLE_CHOICES:
        if style_id.startswith(needle) or title.lower().replace("-", " ").startswith(needle):
            add(style_id)
    for alias, style_id in _STYLE_ALIASES:
        if alias.startswith(needle):
            add(style_id)
    for style_id, title in STYLE_CHOICES:
        if needle in style_id or needle in title.lower().replace("-", " "):
            add(style_id)
    for alias, style_id in _STYLE_ALIASES:
        if needle in alias:
            add(style_id)
    return [(style_id, titles[style_id]) for style_id in ranked[:MAX_CHOICES]]


def autocomplete_keys(prefix: str) -> list[str]:
    """Keys matching ``prefix``: "a" → A major, A minor, Ab major; "c#m" → C# minor;
    "gb" → F# major, F# minor (enharmonic spelling); "" → all 24."""
    needle = prefix.strip()
    ranked: list[str] = []
    try:
        exact = Key.parse(needle) if needle else None
    except PlanError:
        exact = None
    if exact is not None:
        ranked.append(exact.name)
        if not any(word in needle.lower() for word in ("m", "min", "maj")):
            ranked.append(Key(exact.tonic, Mode.MINOR).name)
    low = needle.lower().replace("♯", "#").replace("♭", "b")
    for name in KEY_CHOICES:
        if name.lower().startswith(low) and name not in ranked:
            ranked.append(name)
    if not ranked:
        for name in KEY_CHOICES:
            if low in name.lower():
                ranked.append(name)
    return ranked[:MAX_CHOICES]
