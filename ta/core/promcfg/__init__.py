"""Prometheus configuration semantics for the ``config:`` section of the Target Allocator config.

In: the plain ``config`` mapping (``global`` + ``scrape_configs``) as loaded from YAML.
Out: validated, immutable ``ScrapeJob`` values (``scrape.parse_prometheus_config``), Prometheus durations
(``duration``), relabel rules (``relabel``) and the exact ``/scrape_configs`` JSON (``render``).
"""
