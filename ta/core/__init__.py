"""The pure domain core.

Everything under ``ta.core`` is synchronous and deterministic: no asyncio, no I/O, no clock, no randomness,
no iteration order that depends on ``PYTHONHASHSEED``. Actors call into it; it never calls out. Its own layers
(``.importlinter``, docs/architecture.md "Layers"), top to bottom: the actor cores (``crs``, ``watches``,
``membership``) and the serving read model (``serving``); ``discovery``; ``config``; ``promop`` and
``allocation``; ``promcfg`` and ``k8s_sd``; ``objects`` and ``relabel``; ``base``; ``gocompat``.
"""
