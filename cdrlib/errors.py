"""The one exception hierarchy of cdrlib.

Pages and the CLI catch `CdrError` (and its children) and show the message; anything else is a bug.
Third-party errors are translated at the boundary: ``raise StoreError(msg) from exc``.
"""

from __future__ import annotations


class CdrError(Exception):
    """Base of every error cdrlib raises on purpose. The message is meant for a person."""


class ConfigError(CdrError):
    """A setting (environment variable, CLI option) is invalid."""


class StoreError(CdrError):
    """The CDR store cannot be opened, created or written."""


class InputFileError(CdrError):
    """An input file cannot be read at all (missing, unreadable, not JSON)."""


class ValidationError(CdrError):
    """One OCPI record is invalid. ``field`` names the offending field (dotted path) when known."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class UnpriceableError(CdrError):
    """A CDR cannot be priced from its tariffs (no tariff, an unknown tariff id, a rule the engine does
    not support). The message says why; the engine never answers with a number it cannot stand by."""
