"""Loading backends: the only place that turns a name and a config into a built backend.

Each loader is imported lazily so that choosing the embedded composer never imports torch.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable

from models.base import BackendConfig, BackendError, MusicBackend

__all__ = ["BACKENDS", "available_backends", "load_backend"]

log = logging.getLogger(__name__)

#: name → "module:function" of a loader ``(BackendConfig) -> MusicBackend``.
BACKENDS: dict[str, str] = {
    "embedded": "models.embedded.backend:load",
    "jukebox": "models.jukebox.backend:load",
    "musicgen": "models.musicgen.backend:load",
    "musicgen-melody": "models.musicgen.melody:load",
}

#: The pip extra that installs a backend's dependencies, where it is not the backend's name.
_EXTRAS: dict[str, str] = {"embedded": "", "musicgen-melody": "musicgen"}


def available_backends() -> tuple[str, ...]:
    return tuple(BACKENDS)


def load_backend(name: str, config: BackendConfig | None = None) -> MusicBackend:
    """Build backend ``name``; raises :class:`BackendError` with a user-safe message."""
    target = BACKENDS.get(name)
    if target is None:
        known = ", ".join(BACKENDS)
        raise BackendError(f"unknown backend {name!r} (known: {known})")
    module_name, func_name = target.split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        extra = _EXTRAS.get(name, name)
        hint = f" (install it with: pip install 'composer-bot[{extra}]')" if extra else ""
        raise BackendError(
            f"backend {name!r} is not installed: {exc.name} is missing{hint}"
        ) from exc
    loader: Callable[[BackendConfig], MusicBackend] = getattr(module, func_name)
    backend = loader(config or BackendConfig())
    log.info("loaded backend %s (%s)", name, type(backend).__name__)
    return backend
