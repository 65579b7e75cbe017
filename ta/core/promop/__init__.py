"""prometheus-operator custom resources (ServiceMonitor, PodMonitor, Probe, ScrapeConfig) to scrape configs.

In: CR objects as plain API dicts, the TA's ``prometheus_cr`` settings, namespace labels and injected
Secret/ConfigMap readers. Out: the selected objects, per-object ``Generated`` jobs or ``Rejected`` reasons, and the
ordered job list prometheus-operator v0.93 would generate for the TA (EndpointSlice role, inline TLS).
"""

from ta.core.promop.generate import Result, build, dependencies, generate_all
from ta.core.promop.model import (
    Generated,
    Job,
    Kind,
    KindSelectors,
    Lookups,
    Obj,
    Rejected,
    SecretRef,
    Selector,
    Settings,
    match_all,
)
from ta.core.promop.select import select, selected_namespaces

__all__ = [
    "Generated",
    "Job",
    "Kind",
    "KindSelectors",
    "Lookups",
    "Obj",
    "Rejected",
    "Result",
    "SecretRef",
    "Selector",
    "Settings",
    "build",
    "dependencies",
    "generate_all",
    "match_all",
    "select",
    "selected_namespaces",
]
