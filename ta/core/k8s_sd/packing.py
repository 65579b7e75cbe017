"""``Packer``: stored object JSON, zstd-compressed against a dictionary learnt from the first sizeable object.

In: compact JSON bytes of one resource's objects (pods, already cut down by ``slim``; EndpointSlices). Out:
``pack`` gives what the store keeps, ``unpack`` the same JSON bytes again.

Why: a big cluster's store holds 100 000 pods of ~1.2 KB JSON each, and pods of one workload (and of one
cluster) repeat nearly everything but their names, UIDs and IPs. Against a dictionary that is one of them, zstd's
fast level -1 keeps ~0.26 KB per pod for ~6 us, and gives it back in ~2 us (lookups are rare: what builders read
is derived once per pod version); level 1 keeps 15% less for twice the time, and zlib with the same dictionary
needs a new compressor per object (~25 us).
EndpointSlices (~16 KB with 50 endpoints) shrink about as much; one is decoded per slice build.

Objects packed before the dictionary exists (the first ones, while they are too small to learn from) stay plain
JSON; ``unpack`` tells the two apart by the first byte (JSON objects start with ``{``, zstd frames never do). The
dictionary depends only on the order objects arrived in, so a replay packs exactly as the live process did; and
what is packed never reaches any output, only memory.
"""

from __future__ import annotations

import zstandard

# An object this large has enough of a typical object's structure to compress the others well.
LEARN_FROM = 512
_JSON_OBJECT = ord("{")


class Packer:
    __slots__ = ("_compress", "_decompress")

    def __init__(self) -> None:
        self._compress: zstandard.ZstdCompressor | None = None
        self._decompress: zstandard.ZstdDecompressor | None = None

    def pack(self, body: bytes) -> bytes:
        """What to keep for ``body``: a new, exact-size ``bytes`` (nothing of the argument is kept)."""
        if self._compress is None:
            if len(body) < LEARN_FROM:
                return bytes(memoryview(body))  # an orjson result keeps its whole growth buffer
            learnt = zstandard.ZstdCompressionDict(body, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
            self._compress = zstandard.ZstdCompressor(
                level=-1, dict_data=learnt, write_checksum=False, write_content_size=True, write_dict_id=False
            )
            self._decompress = zstandard.ZstdDecompressor(dict_data=learnt)
        # An exact-size copy: the compressor's result keeps its whole worst-case buffer (~the input's size).
        return bytes(memoryview(self._compress.compress(body)))

    def unpack(self, stored: bytes) -> bytes:
        if not stored or stored[0] == _JSON_OBJECT:
            return stored
        assert self._decompress is not None  # a frame can only come from this packer
        return self._decompress.decompress(stored)
