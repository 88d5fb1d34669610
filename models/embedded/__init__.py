"""The embedded composer: a symbolic, multi-track composer rendered with a GM SoundFont.

Planning data: :mod:`.progressions` (chords by style and mood), :mod:`.melody` (the motif and
its development), :mod:`.instruments` (instrument words → GM parts), :mod:`.arrangements` (each
style's parts, mix and feel).  Composing: :mod:`.composer` turns a section of a plan into a
:class:`~.score.Score` using :mod:`.drums`, :mod:`.bass`, :mod:`.harmony`, :mod:`.figures` and
:mod:`.melody` over :mod:`.context`/:mod:`.parts`/:mod:`.theory`, then :mod:`.humanise`.
Rendering: :mod:`.routing` (events over synth channels) and :mod:`.render` (TinySoundFont, the
room, tape, headroom).  :mod:`.backend` is the :class:`~models.base.MusicBackend`.

Importing this package does not import the synthesiser; :mod:`.backend` does.
"""
