"""Discord's JSON errors: ``{"message": ..., "code": ...}`` with the HTTP status Discord uses."""

from __future__ import annotations

from typing import Any

__all__ = ["ApiError", "form_error"]

JSON = dict[str, Any]


class ApiError(Exception):
    """Raised by the fake's handlers; the REST layer turns it into Discord's JSON error body."""

    def __init__(self, status: int, code: int, message: str, *, errors: JSON | None = None) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> JSON:
        body: JSON = {"message": self.message, "code": self.code}
        if self.errors is not None:
            body["errors"] = self.errors
        return body

    # Named errors, as Discord answers them.
    @classmethod
    def unauthorized(cls) -> ApiError:
        return cls(401, 0, "401: Unauthorized")

    @classmethod
    def not_found(cls) -> ApiError:
        return cls(404, 0, "404: Not Found")

    @classmethod
    def unknown_channel(cls) -> ApiError:
        return cls(404, 10003, "Unknown Channel")

    @classmethod
    def unknown_guild(cls) -> ApiError:
        return cls(404, 10004, "Unknown Guild")

    @classmethod
    def unknown_message(cls) -> ApiError:
        return cls(404, 10008, "Unknown Message")

    @classmethod
    def unknown_user(cls) -> ApiError:
        return cls(404, 10013, "Unknown User")

    @classmethod
    def unknown_webhook(cls) -> ApiError:
        return cls(404, 10015, "Unknown Webhook")

    @classmethod
    def unknown_command(cls) -> ApiError:
        return cls(404, 10063, "Unknown application command")

    @classmethod
    def unknown_interaction(cls) -> ApiError:
        return cls(404, 10062, "Unknown interaction")

    @classmethod
    def unknown_member(cls) -> ApiError:
        return cls(404, 10007, "Unknown Member")

    @classmethod
    def already_acknowledged(cls) -> ApiError:
        return cls(400, 40060, "Interaction has already been acknowledged.")

    @classmethod
    def invalid_webhook_token(cls) -> ApiError:
        return cls(401, 50027, "Invalid Webhook Token")

    @classmethod
    def too_large(cls) -> ApiError:
        return cls(413, 40005, "Request entity too large")

    @classmethod
    def empty_message(cls) -> ApiError:
        return cls(400, 50006, "Cannot send an empty message")

    @classmethod
    def cannot_dm(cls) -> ApiError:
        return cls(403, 50007, "Cannot send messages to this user")


def form_error(path: str, code: str, message: str) -> ApiError:
    """400 code 50035 "Invalid Form Body" with the nested ``errors`` object Discord sends;
    ``path`` is dotted (``"embeds.0.title"``)."""
    errors: JSON = {"_errors": [{"code": code, "message": message}]}
    for part in reversed(path.split(".")):
        errors = {part: errors}
    return ApiError(400, 50035, "Invalid Form Body", errors=errors)
