"""One typed error hierarchy.  ``user_message`` is what a person sees (an ephemeral reply in
Discord, a red line in the CLI); the exception's repr and traceback go to the log only."""

from __future__ import annotations

__all__ = [
    "ComposerError",
    "ConfigError",
    "Forbidden",
    "JobCancelled",
    "JobFailed",
    "LimitExceeded",
    "NotFound",
    "RequestError",
]


class ComposerError(Exception):
    """Base class.  ``user_message`` is short, friendly and safe to show to anyone."""

    def __init__(self, user_message: str, *, detail: str | None = None) -> None:
        super().__init__(detail or user_message)
        self.user_message = user_message


class RequestError(ComposerError):
    """The request could not be understood or is out of range (bad tempo, unknown key...)."""

    def __init__(
        self,
        user_message: str,
        *,
        understood: dict[str, object] | None = None,
        examples: tuple[str, ...] = (),
        detail: str | None = None,
    ) -> None:
        super().__init__(user_message, detail=detail)
        #: What was understood so far, for "here is what I got, here is what is missing" replies.
        self.understood = dict(understood or {})
        self.examples = examples


class LimitExceeded(ComposerError):
    """A per-user or per-server limit (queued jobs, concurrent jobs, duration) was hit."""


class NotFound(ComposerError):
    """A clip, job or session does not exist (or is not visible to this user)."""


class Forbidden(ComposerError):
    """The user may not do this (not the owner, no Manage Server permission...)."""


class JobFailed(ComposerError):
    """A job failed for good after its retries."""


class ConfigError(ComposerError):
    """The bot's own configuration is wrong (missing token, bad database URL...)."""


class JobCancelled(ComposerError):
    """The job was cancelled by its owner (or an admin) before it finished."""

    def __init__(self, user_message: str = "The job was cancelled.", *, detail: str | None = None):
        super().__init__(user_message, detail=detail)
