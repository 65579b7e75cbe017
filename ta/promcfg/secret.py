"""A Prometheus ``Secret`` config value that may or may not be known.

In: a secret string from config, or only its digest (journal replay never stores secret values).
Out: ``Secret`` values that compare by digest, never show their value in ``repr``, and render for
``/scrape_configs`` either as the value (when revealed and known) or as ``"<secret>"``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

REDACTED = "<secret>"


@dataclass(frozen=True, slots=True, kw_only=True)
class Secret:
    """``digest`` is the SHA-256 hex of the value; ``value`` is ``None`` when only the digest is known."""

    digest: str
    value: str | None = field(default=None, compare=False, repr=False)

    @classmethod
    def known(cls, value: str) -> Secret:
        return cls(digest=hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest(), value=value)

    @classmethod
    def unknown(cls, digest: str) -> Secret:
        return cls(digest=digest)

    def forget(self) -> Secret:
        """The same secret without its value, as it is written to the journal."""
        return Secret(digest=self.digest)

    @property
    def is_empty(self) -> bool:
        return self.value == "" or self.digest == _EMPTY_DIGEST

    def render(self, *, reveal: bool) -> str | None:
        """Prometheus' marshalling: the value when revealing, else ``"<secret>"``; an empty secret is null."""
        if self.is_empty:
            return "" if reveal else None
        if reveal and self.value is not None:
            return self.value
        return REDACTED


_EMPTY_DIGEST = hashlib.sha256(b"").hexdigest()
