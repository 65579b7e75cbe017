"""The domain's shared values and containers, below every other part of ``ta.core``.

``labels`` (sorted, immutable label sets), ``model`` (``TargetGroup``, ``Target``, ``Collector``), ``nodes`` (the
node a target runs on, from its labels), ``multimap`` (key -> values, a lone value held bare) and ``undo`` (take
one actor step's in-place changes back). Imports nothing of ``ta`` but ``ta.core.gocompat``.
"""
