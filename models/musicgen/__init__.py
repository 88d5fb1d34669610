"""Meta's MusicGen as a composer-bot backend (transformers, local checkpoints only).

Modules (only ``backend`` and ``loading`` import torch):

* :mod:`~models.musicgen.backend`: :class:`MusicgenBackend` and ``load`` (the factory entry point);
* :mod:`~models.musicgen.loading`: the checkpoint directory layout, offline loading, device/dtype;
* :mod:`~models.musicgen.prompting`: plan → text prompt, section bounds in samples (pure);
* :mod:`~models.musicgen.audio`: the audio prompt from the previous section, output conversion
  (numpy/scipy).

See docs/musicgen.md for the weights, the settings and the licence.
"""
