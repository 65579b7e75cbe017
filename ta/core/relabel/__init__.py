"""Prometheus relabeling: the rule value (``config``), and the engine that applies rules to label sets."""
