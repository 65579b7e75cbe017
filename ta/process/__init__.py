"""What belongs to the running process rather than to any one layer: its self-metrics, log setup and secret key.

``metrics`` and ``runtime_metrics`` (``/metrics``), ``logs`` (structlog configuration), ``digestkey`` (the
per-process key for secret digests). Beside ``ta.events`` at the bottom of the application layers: actors,
edges and the composition root may import it; the pure domain may not.
"""
