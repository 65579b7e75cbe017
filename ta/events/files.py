"""File input events: what a ``file_sd_configs`` file contained when the TA read it.

In: the file-SD reader's reads. Out (journaled): ``FileRead`` with the file's bytes (or the read error),
so target groups parsed from files replay without the files.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from ta.events.base import NO_UPCASTERS, Upcaster, register


@register
@dataclass(frozen=True, slots=True, kw_only=True)
class FileRead:
    KIND: ClassVar[str] = "file.read"
    VERSION: ClassVar[int] = 1
    UPCASTERS: ClassVar[Mapping[int, Upcaster]] = NO_UPCASTERS

    path: str
    content: bytes | None  # None when the file is gone or unreadable
    error: str = ""

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"path": self.path, "error": self.error}
        if self.content is not None:
            try:
                data["text"] = self.content.decode()
            except UnicodeDecodeError:
                data["base64"] = base64.b64encode(self.content).decode()
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        content: bytes | None = None
        if "text" in data:
            content = str(data["text"]).encode()
        elif "base64" in data:
            content = base64.b64decode(str(data["base64"]))
        return cls(path=str(data["path"]), content=content, error=str(data.get("error", "")))
