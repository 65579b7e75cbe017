"""``orjson.dumps`` for bytes that are kept: an exact-size copy.

In: a JSON-able value and orjson options. Out: its JSON as a ``bytes`` object holding only its own length.
orjson's result keeps its whole growth buffer (about 4 KiB even for a 100-byte body), so 100 000 journaled
objects or cached answers would otherwise cost ~400 MiB more than their content. Use this wherever the
result outlives the moment (journal lines, event bodies, caches); plain ``orjson.dumps`` elsewhere.
"""

from __future__ import annotations

import orjson


def dumps(value: object, *, option: int = 0) -> bytes:
    return bytes(memoryview(orjson.dumps(value, option=option)))
