"""Secret values in journaled input: kept out of the journal, their changes still visible.

In: a ``Digester`` (HMAC-SHA256 under a key the caller made; ``ta.process.digestkey`` makes one per process) and a
configuration mapping (the TA config file layout, or a generated scrape config). Out: the same mapping with
every Prometheus secret value replaced by ``{"$secret": "hmac-sha256:<hex>"}``; what a replay reads for a
journaled value (``unknown_value``).

Why keyed: an unkeyed digest of a password lets anyone who sees it (a journal file, ``/debug/events``) test
guesses offline. Under a random per-process key that is never written anywhere, the same value still gives the
same digest and a changed value a different one *within that process* (all change detection needs), but a
digest says nothing to anyone else, and digests from two processes (two ``--journal`` files) are not
comparable. A replay never needs the key: digests are opaque there; it only compares them and serves
``<secret>``. Journals written before keyed digests hold unkeyed ``sha256:<hex>``; they still read.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

MARKER = "$secret"
PREFIX = "hmac-sha256:"
LEGACY_PREFIX = "sha256:"  # unkeyed digests of journals written before keyed ones
# What a replay serves for a value only its digest is known of (Prometheus' own redaction marker).
UNKNOWN = "<secret>"
# The unkeyed digest of "" in old journals: an empty value is no secret, and replays keep treating it as "".
_LEGACY_EMPTY = LEGACY_PREFIX + hashlib.sha256(b"").hexdigest()

# Keys whose string value is a Prometheus ``Secret`` wherever they appear in a scrape config.
_SECRET_KEYS = frozenset({"password", "credentials", "bearer_token", "client_secret", "client_certificate_key"})


class Digester:
    """A keyed digest of secret values. The key stays inside: not in ``repr``, not picklable, never logged."""

    __slots__ = ("_keyed",)

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("a digest key needs at least 16 bytes")
        self._keyed = hmac.new(key, digestmod=hashlib.sha256)

    def __repr__(self) -> str:
        return "Digester(<key hidden>)"

    def __reduce__(self) -> str | tuple[Any, ...]:
        raise TypeError("a Digester holds a secret key and is not picklable")

    def __call__(self, value: bytes) -> str:
        keyed = self._keyed.copy()  # the key is absorbed once; each digest starts from that state
        keyed.update(value)
        return PREFIX + keyed.hexdigest()

    def text(self, value: str) -> str:
        return self(value.encode("utf-8", "surrogatepass"))


def journal_form(value: str, digest: Digester) -> dict[str, str]:
    return {MARKER: digest.text(value)}


def digest_of(value: object) -> str | None:
    """The digest inside a journal form (with its prefix: digests of different schemes never compare equal)."""
    if isinstance(value, Mapping) and len(value) == 1 and isinstance(value.get(MARKER), str):
        return str(value[MARKER])
    return None


def unknown_value(journaled: object) -> str:
    """What a replay reads for a journaled Secret or ConfigMap value: ``""`` stays ``""``, a digest is ``<secret>``.

    Every digest reads the same, so a replay's answers never depend on a key (a capture replayed twice is
    digested under two keys and must still answer byte for byte the same). A replay cannot tell two values apart
    anyway: both are served as ``<secret>``.
    """
    if journaled in ("", _LEGACY_EMPTY):
        return ""
    return UNKNOWN


def _redact(node: Any, parent: str, digest: Digester) -> Any:
    if isinstance(node, Mapping):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if isinstance(value, str) and value and (key in _SECRET_KEYS or (key == "key" and parent == "tls_config")):
                out[key] = journal_form(value, digest)
            elif key == "secrets" and isinstance(value, list):
                out[key] = [journal_form(v, digest) if isinstance(v, str) and v else v for v in value]
            elif key == "proxy_connect_header" and isinstance(value, Mapping):
                out[key] = {
                    name: [journal_form(v, digest) if isinstance(v, str) and v else v for v in vals]
                    if isinstance(vals, list)
                    else vals
                    for name, vals in value.items()
                }
            else:
                out[key] = _redact(value, str(key), digest)
        return out
    if isinstance(node, list):
        return [_redact(item, parent, digest) for item in node]
    return node


def redact(mapping: Mapping[str, Any], digest: Digester) -> dict[str, Any]:
    result = _redact(mapping, "", digest)
    assert isinstance(result, dict)
    return result
