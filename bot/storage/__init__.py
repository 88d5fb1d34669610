"""Files on disk: the atomic clip store shared by the service and the runtime."""

from bot.storage.clip_store import ClipStore

__all__ = ["ClipStore"]
