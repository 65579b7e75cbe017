"""The fake Kubernetes API server on its own event loop in a thread, for tests that drive `ta` as a process."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from ta.testing.fake_apiserver import FakeApiServer, write_kubeconfig

T = TypeVar("T")


class ThreadedFakeApi:
    def __init__(self, **options: Any) -> None:
        self._options = options
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.server: FakeApiServer | None = None

    def __enter__(self) -> ThreadedFakeApi:
        self._thread.start()
        self.server = self._run(self._start())
        return self

    async def _start(self) -> FakeApiServer:
        server = FakeApiServer(**self._options)
        await server.start()
        return server

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        if self.server is not None:
            self._run(self.server.stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def _run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=30)

    def call(self, fn: Callable[[FakeApiServer], T]) -> T:
        """Run ``fn(server)`` on the server's loop (its controls are not thread-safe)."""
        server = self.server
        assert server is not None

        async def invoke() -> T:
            return fn(server)

        result: T = self._run(invoke())
        return result

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url

    def kubeconfig(self, path: Path) -> Path:
        return write_kubeconfig(path, self.url)
