"""Meta's MusicGen and MusicGen-Melody as composer-bot backends (transformers, local checkpoints).

Modules (``backend``, ``loading``, ``melody``, ``chroma`` and ``generation`` import torch):

* :mod:`~models.musicgen.backend`: :class:`MusicgenBackend` and ``load`` (the factory entry point);
* :mod:`~models.musicgen.melody`: :class:`MusicgenMelodyBackend` (``musicgen-melody``), which
  also conditions each window on the chroma of the embedded composer's render of the plan;
* :mod:`~models.musicgen.guide`: that render, melodic parts only, lead in front;
* :mod:`~models.musicgen.chroma`: MusicGen-Melody's chroma features without torchaudio;
* :mod:`~models.musicgen.loading`: the checkpoint directory layout, offline loading, device/dtype;
* :mod:`~models.musicgen.generation`: windows, seeding and progress of ``generate()`` calls;
* :mod:`~models.musicgen.prompting`: plan → text prompt, section bounds in samples (pure);
* :mod:`~models.musicgen.audio`: the audio prompt from the previous section, output conversion
  (numpy/scipy).

See docs/musicgen.md for the weights, the settings and the licence.
"""
