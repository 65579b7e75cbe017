"""Prometheus ``kubernetes_sd_configs`` as pure functions over Kubernetes objects (plain JSON dicts).

In: config entries and watch events. Out: Prometheus-identical target groups per role (see ``config``, ``index``
and the per-role modules ``pod``, ``service``, ``node``, ``endpoints``, ``endpointslice``, ``ingress``).
"""
