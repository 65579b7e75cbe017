"""Kubernetes objects as the TA takes them in: their resource names, and what is stripped or digested first.

``resources`` (``apiVersion``/``kind`` to ``v1/pods``), ``secrets`` (keyed digests of secret values),
``sanitize`` (strip what the TA never reads before an object is journaled).
"""
