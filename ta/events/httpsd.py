"""HTTP SD input events: what an ``http_sd_configs`` endpoint answered when the TA polled it.

In: the HTTP SD source's polls. Out (journaled): ``HttpSDResponse`` with the status, Content-Type and body
(or the transport error), so target groups from HTTP SD replay without the endpoint.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from ta.events.base import NO_UPCASTERS, Upcaster, register


@register
@dataclass(frozen=True, slots=True, kw_only=True)
class HttpSDResponse:
    KIND: ClassVar[str] = "http_sd.response"
    VERSION: ClassVar[int] = 1
    UPCASTERS: ClassVar[Mapping[int, Upcaster]] = NO_UPCASTERS

    url: str  # as configured (credentials in the URL are never sent: Prometheus rejects them)
    status: int  # 0 when the request failed before a response
    content_type: str = ""
    body: str = ""
    error: str = ""

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"url": self.url, "status": self.status}
        if self.content_type:
            data["content_type"] = self.content_type
        if self.body:
            data["body"] = self.body
        if self.error:
            data["error"] = self.error
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            url=str(data["url"]),
            status=int(data.get("status", 0)),
            content_type=str(data.get("content_type", "")),
            body=str(data.get("body", "")),
            error=str(data.get("error", "")),
        )
