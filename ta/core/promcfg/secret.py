"""A Prometheus ``Secret`` config value that may or may not be known.

In: a secret string from config, or only its opaque digest (a journal never stores secret values; see
``ta.core.objects.secrets``). Out: ``Secret`` values that compare by value when known (by digest otherwise), never show
either in ``repr``, and render for ``/scrape_configs`` either as the value (when revealed and known) or as
``"<secret>"``. No digest is computed here: an unkeyed one kept beside the value would be a guessable
fingerprint of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

REDACTED = "<secret>"


@dataclass(frozen=True, slots=True, kw_only=True)
class Secret:
    """``value`` when this process has it; otherwise ``digest``, as the journal holds it (``""`` when known)."""

    digest: str = field(default="", repr=False)
    value: str | None = field(default=None, repr=False)

    @classmethod
    def known(cls, value: str) -> Secret:
        return cls(value=value)

    @classmethod
    def unknown(cls, digest: str) -> Secret:
        return cls(digest=digest)

    @property
    def is_empty(self) -> bool:
        # Journals never digest an empty value (``ta.core.objects.secrets.redact`` leaves it as it is).
        return self.value == ""

    def render(self, *, reveal: bool) -> str | None:
        """Prometheus' marshalling: the value when revealing, else ``"<secret>"``; an empty secret is null."""
        if self.is_empty:
            return "" if reveal else None
        if reveal and self.value is not None:
            return self.value
        return REDACTED
