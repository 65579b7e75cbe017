"""Secret values in journaled configuration: kept out of the journal, but their changes still visible.

In: a configuration mapping (the TA config file layout, or a generated scrape config). Out: the same mapping
with every Prometheus secret value replaced by ``{"$secret": "sha256:<hex>"}``. A parser that meets that form
knows the secret exists and whether it changed, but not its value, and serves ``<secret>`` for it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

MARKER = "$secret"
PREFIX = "sha256:"

# Keys whose string value is a Prometheus ``Secret`` wherever they appear in a scrape config.
_SECRET_KEYS = frozenset({"password", "credentials", "bearer_token", "client_secret", "client_certificate_key"})


def digest(value: str) -> str:
    return PREFIX + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def journal_form(value: str) -> dict[str, str]:
    return {MARKER: digest(value)}


def unknown_value(hex_digest: str) -> str:
    """A secret whose value this process does not have (a replay): readable where it must show as text."""
    return f"<secret {PREFIX}{hex_digest}>"


def digest_of(value: object) -> str | None:
    """The digest inside a journal form or an ``unknown_value`` (without the prefix), or None otherwise."""
    if isinstance(value, Mapping) and len(value) == 1 and isinstance(value.get(MARKER), str):
        text = str(value[MARKER])
        return text.removeprefix(PREFIX)
    if isinstance(value, str) and value.startswith("<secret " + PREFIX) and value.endswith(">"):
        return value[len("<secret " + PREFIX) : -1]
    return None


def _redact(node: Any, parent: str) -> Any:
    if isinstance(node, Mapping):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if isinstance(value, str) and value and (key in _SECRET_KEYS or (key == "key" and parent == "tls_config")):
                out[key] = journal_form(value)
            elif key == "secrets" and isinstance(value, list):
                out[key] = [journal_form(v) if isinstance(v, str) and v else v for v in value]
            elif key == "proxy_connect_header" and isinstance(value, Mapping):
                out[key] = {
                    name: [journal_form(v) if isinstance(v, str) and v else v for v in vals]
                    if isinstance(vals, list)
                    else vals
                    for name, vals in value.items()
                }
            else:
                out[key] = _redact(value, str(key))
        return out
    if isinstance(node, list):
        return [_redact(item, parent) for item in node]
    return node


def redact(mapping: Mapping[str, Any]) -> dict[str, Any]:
    result = _redact(mapping, "")
    assert isinstance(result, dict)
    return result
