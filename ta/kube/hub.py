"""Share one live watch per ``WatchScope`` among any number of subscribers.

In: ``subscribe(scope, emit)`` / ``unsubscribe(subscription)`` from consumers (e.g. one per scrape job).
Out: every subscriber's ``emit`` receives the events of the scope's single ``Watcher``. A subscriber joining a
watch already running first gets its current state (an ADDED per known object, then the last
``KubeListSynced`` if the list completed), delivered under the same lock as live events, so it sees neither
a gap nor an interleaving. 500 jobs over EndpointSlices in all namespaces therefore open one watch, not 500.
Serving late subscribers needs each watch to keep every object's body; a hub made with ``keep_bodies=False``
(``ta run`` subscribes every scope before the watches start) refuses them instead.

All watches run in one ``asyncio.TaskGroup`` owned by ``run()``; cancelling ``run`` stops them all (each
watch only awaits cancellable I/O, so shutdown is bounded by connection teardown). The last subscriber
leaving a scope stops its watch.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import structlog
from kubernetes_asyncio.client import ApiClient

from ta.core.objects.secrets import Digester
from ta.kube.backoff import Backoff
from ta.kube.scope import WatchScope
from ta.kube.watch import Emit, KubeEvent, RawObserver, Watcher, WatchTuning

log = structlog.get_logger("ta.kube.hub")


@dataclass(frozen=True, slots=True, kw_only=True)
class Subscription:
    scope: WatchScope
    id: int


@dataclass(slots=True)
class _Shared:
    watcher: Watcher
    subscribers: dict[int, Emit] = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    task: asyncio.Task[None] | None = None


class WatchHub:
    def __init__(
        self,
        api: ApiClient,
        *,
        backoff_factory: Callable[[], Backoff] = Backoff,
        tuning: WatchTuning | None = None,
        raw_observer: RawObserver | None = None,
        keep_bodies: bool = True,
        digest: Digester | None = None,
    ) -> None:
        self._api = api
        self._digest = digest
        self._keep_bodies = keep_bodies
        self._backoff_factory = backoff_factory
        self._tuning = tuning
        self._raw_observer = raw_observer
        self._shared: dict[WatchScope, _Shared] = {}
        self._ids = itertools.count(1)
        self._tg: asyncio.TaskGroup | None = None

    @property
    def scopes(self) -> tuple[WatchScope, ...]:
        """The scopes being watched (one watch each), in subscription order."""
        return tuple(self._shared)

    def subscriber_count(self, scope: WatchScope) -> int:
        shared = self._shared.get(scope)
        return len(shared.subscribers) if shared is not None else 0

    async def subscribe(self, scope: WatchScope, emit: Emit) -> Subscription:
        subscription = Subscription(scope=scope, id=next(self._ids))
        shared = self._shared.get(scope)
        if shared is None:
            shared = self._new_shared(scope)
            shared.subscribers[subscription.id] = emit
            self._shared[scope] = shared
            self._start(shared)
            return subscription
        async with shared.lock:
            events, synced = shared.watcher.snapshot()
            for event in events:
                await emit(event)
            if synced is not None:
                await emit(synced)
            shared.subscribers[subscription.id] = emit
        return subscription

    async def unsubscribe(self, subscription: Subscription) -> None:
        shared = self._shared.get(subscription.scope)
        if shared is None or shared.subscribers.pop(subscription.id, None) is None:
            return
        if shared.subscribers:
            return
        del self._shared[subscription.scope]
        if shared.task is not None:
            shared.task.cancel()
            # The watch's connection is closed once this returns; cancellation of the caller still propagates.
            await asyncio.wait([shared.task])

    async def run(self) -> None:
        """Run every watch until cancelled."""
        async with asyncio.TaskGroup() as tg:
            self._tg = tg
            try:
                for shared in self._shared.values():
                    self._start(shared)
                await asyncio.Future()
            finally:
                self._tg = None

    def _new_shared(self, scope: WatchScope) -> _Shared:
        holder: list[_Shared] = []

        async def fan_out(event: KubeEvent) -> None:
            shared = holder[0]
            async with shared.lock:
                for subscriber_id, emit in list(shared.subscribers.items()):
                    try:
                        await emit(event)
                    except Exception:
                        # One consumer's bug must not stop the watch that others depend on.
                        log.exception("subscriber failed", scope=scope, subscriber=subscriber_id)

        watcher = Watcher(
            self._api,
            scope,
            fan_out,
            backoff=self._backoff_factory(),
            tuning=self._tuning,
            raw_observer=self._raw_observer,
            keep_bodies=self._keep_bodies,
            digest=self._digest,
        )
        shared = _Shared(watcher=watcher)
        holder.append(shared)
        return shared

    def _start(self, shared: _Shared) -> None:
        if self._tg is None or shared.task is not None:
            return
        shared.task = self._tg.create_task(shared.watcher.run(), name=f"watch {shared.watcher.scope}")
