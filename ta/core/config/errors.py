"""The one error type the configuration layer raises.

In: a problem found while reading, decoding or validating the TA configuration. Out: ``ConfigError`` whose
``str`` is a single line naming the offending key (or file), ready to print after ``Failed to load config:``.
"""

from __future__ import annotations

from ta.core.promcfg.errors import go_quote


class ConfigError(ValueError):
    """A configuration problem; ``str(error)`` is one line meant for people."""

    def __init__(self, message: str) -> None:
        # Callers print the message verbatim, so keep it on one line whatever the input contained.
        super().__init__(" ".join(message.splitlines()))

    @property
    def message(self) -> str:
        return str(self.args[0])


def describe(value: object) -> str:
    """Render a YAML-decoded value for an error message, the way Go's %q/%v would show it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a value of type {type(value).__name__}"
