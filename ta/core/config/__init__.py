"""The Target Allocator's own configuration: its file layout, flags, environment, defaults and checks.

Pure like the rest of ``ta.core`` (``load`` is handed its file-system functions). ``model.TAConfig`` is what the
actor cores (``ta.core.crs``, ``ta.core.watches``) and the composition root read; it sits above
``ta.core.promcfg`` and ``ta.core.allocation`` and below the actor cores.
"""
