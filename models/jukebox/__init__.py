"""OpenAI Jukebox as a composer-bot backend (transformers 4.57.6, local checkpoints only).

Modules (only ``backend``, ``loading``, ``sampling`` and ``continuation`` import torch):

* :mod:`~models.jukebox.backend`: :class:`JukeboxBackend` and ``load`` (the factory entry point);
* :mod:`~models.jukebox.loading`: the checkpoint directory layout, offline loading, device/dtype;
* :mod:`~models.jukebox.labels`: plan → artist/genre ids, with user-facing notes (pure);
* :mod:`~models.jukebox.timeline`: sections in tokens, window planning (pure);
* :mod:`~models.jukebox.state`: the bytes stored in ``SectionAudio.state`` (numpy);
* :mod:`~models.jukebox.sampling`: windowed sampling, decoding, encoding (traps fixed);
* :mod:`~models.jukebox.continuation`: what a section continues from;
* :mod:`~models.jukebox.configs`: real 1B/5B and tiny architectures as dicts.

See docs/jukebox.md for installation, weights and the licence.
"""
