"""JSON bytes as Go's ``encoding/json`` writes them.

In: JSON-able values. Out: compact JSON with Go's HTML-safe escaping (``<``, ``>``, ``&``, U+2028, U+2029
as ``\\u003c`` and so on). Replacing bytes is safe because these characters only occur inside strings.
"""

from __future__ import annotations

import orjson

_GO_ESCAPES = (
    (b"<", b"\\u003c"),
    (b">", b"\\u003e"),
    (b"&", b"\\u0026"),
    ("\u2028".encode(), b"\\u2028"),
    ("\u2029".encode(), b"\\u2029"),
)


def go_escape(body: bytes) -> bytes:
    for raw, escaped in _GO_ESCAPES:
        if raw in body:
            body = body.replace(raw, escaped)
    return body


def dumps(value: object, *, sort_keys: bool = False, newline: bool = False) -> bytes:
    """``sort_keys`` for ``map`` values marshalled by Go (always sorted); structs keep their field order."""
    body = go_escape(orjson.dumps(value, option=orjson.OPT_SORT_KEYS if sort_keys else 0))
    # Both branches copy to an exact-size object: orjson's own result keeps a ~4 KiB buffer (see jsonbytes).
    return body + b"\n" if newline else bytes(memoryview(body))
