"""The pure domain core.

Everything under ``ta.core`` is synchronous and deterministic: no asyncio, no I/O, no clock, no randomness,
no iteration order that depends on ``PYTHONHASHSEED``. Actors call into it; it never calls out.
"""
