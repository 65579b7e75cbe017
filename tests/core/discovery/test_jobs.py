from ta.core.discovery.index import Delta
from ta.core.discovery.jobs import Discovery
from ta.core.promcfg.scrape import parse_prometheus_config

URL = "http://sd/targets"


def _discovery(*jobs: dict[str, object]) -> tuple[Discovery, set[str]]:
    d = Discovery()
    result = d.configure(parse_prometheus_config({"scrape_configs": list(jobs)}), filter_relabel=True)
    return d, {t.address for t in result.delta.upserts.values()}


def test_static_targets_and_job_removal() -> None:
    d, added = _discovery({"job_name": "s", "static_configs": [{"targets": ["a:1", "b:1"]}]})
    assert added == {"a:1", "b:1"}
    result = d.configure(parse_prometheus_config({"scrape_configs": []}), filter_relabel=True)
    assert len(result.delta.removals) == 2


def test_unchanged_job_is_not_rebuilt_and_errors_are_reported_once() -> None:
    jobs = [
        {"job_name": "s", "static_configs": [{"targets": ["a:1"]}]},
        {"job_name": "bad", "scrape_interval": "1d1x"},
    ]
    d = Discovery()
    first = d.configure(parse_prometheus_config({"scrape_configs": jobs}), filter_relabel=True)
    assert [p[0] for p in first.problems] == ["job bad"]
    again = d.configure(parse_prometheus_config({"scrape_configs": jobs}), filter_relabel=True)
    assert not again.delta and not again.problems


def test_file_sd_reads_and_vanishing_file() -> None:
    d, _ = _discovery({"job_name": "f", "file_sd_configs": [{"files": ["/sd/*.json"]}]})
    r = d.file_read("/sd/a.json", b'[{"targets": ["x:1"], "labels": {"team": "a"}}]')
    [target] = r.delta.upserts.values()
    assert dict(target.labels)["__meta_filepath"] == "/sd/a.json"
    assert not d.file_read("/sd/other/b.json", b'[{"targets": ["y:1"]}]').delta  # glob is last element only
    bad = d.file_read("/sd/a.json", b"{oops")
    assert not bad.delta and bad.problems  # previous targets stay
    assert d.file_read("/sd/a.json", None).delta.removals == {target.hash}


def test_http_sd_groups_errors_keep_previous_and_shrink_removes() -> None:
    d, _ = _discovery({"job_name": "h", "http_sd_configs": [{"url": URL}]})
    r = d.http_sd_response(URL, 200, "application/json", '[{"targets": ["a:1"]}, {"targets": ["b:1"]}]')
    assert {t.address for t in r.delta.upserts.values()} == {"a:1", "b:1"}
    failed = d.http_sd_response(URL, 503, "text/plain", "")
    assert not failed.delta and "503" in failed.problems[0][1]
    shrunk = d.http_sd_response(URL, 200, "application/json", '[{"targets": ["a:1"]}]')
    assert len(shrunk.delta.removals) == 1 and not shrunk.delta.upserts


def test_kubernetes_sd_endpointslice_change_touches_only_that_slice() -> None:
    d, _ = _discovery(
        {"job_name": "k", "kubernetes_sd_configs": [{"role": "endpointslice", "namespaces": {"names": ["ns"]}}]}
    )

    def eps(name: str, ip: str) -> dict[str, object]:
        return {
            "metadata": {"name": name, "namespace": "ns", "labels": {"kubernetes.io/service-name": "svc"}},
            "addressType": "IPv4",
            "endpoints": [{"addresses": [ip], "conditions": {"ready": True}}],
            "ports": [{"name": "http", "port": 80}],
        }

    first = d.kube_object("discovery.k8s.io/v1/endpointslices", "ADDED", eps("a", "10.0.0.1"))
    second = d.kube_object("discovery.k8s.io/v1/endpointslices", "ADDED", eps("b", "10.0.0.2"))
    assert [t.address for t in first.delta.upserts.values()] == ["10.0.0.1:80"]
    assert [t.address for t in second.delta.upserts.values()] == ["10.0.0.2:80"]
    other_ns = d.kube_object(
        "discovery.k8s.io/v1/endpointslices",
        "ADDED",
        {**eps("c", "10.0.0.3"), "metadata": {"name": "c", "namespace": "elsewhere"}},
    )
    assert not other_ns.delta
    gone = d.kube_object("discovery.k8s.io/v1/endpointslices", "DELETED", eps("a", "10.0.0.1"))
    assert len(gone.delta.removals) == 1


def test_deferred_initial_lists_build_each_group_once_at_flush() -> None:
    d, _ = _discovery(
        {"job_name": "k", "kubernetes_sd_configs": [{"role": "endpointslice", "namespaces": {"names": ["ns"]}}]}
    )
    d.kube_deferred = True
    slice_ = {
        "metadata": {"name": "a", "namespace": "ns", "labels": {"kubernetes.io/service-name": "svc"}},
        "addressType": "IPv4",
        "endpoints": [{"addresses": ["10.0.0.1"], "targetRef": {"kind": "Pod", "name": "p", "namespace": "ns"}}],
        "ports": [{"name": "http", "port": 80}],
    }
    pod = {
        "metadata": {"name": "p", "namespace": "ns", "labels": {"app": "x"}},
        "spec": {"nodeName": "n1"},
        "status": {"podIP": "10.0.0.1"},
    }
    assert not d.kube_object("discovery.k8s.io/v1/endpointslices", "ADDED", slice_).delta
    assert not d.kube_object("v1/pods", "ADDED", pod).delta
    flushed = d.kube_flush()
    [target] = flushed.delta.upserts.values()
    assert target.address == "10.0.0.1:80" and dict(target.labels)["__meta_kubernetes_pod_label_app"] == "x"
    # After the flush, changes are evaluated as they come.
    pod["metadata"]["labels"] = {"app": "y"}  # type: ignore[index]
    [changed] = d.kube_object("v1/pods", "MODIFIED", pod).delta.upserts.values()
    assert dict(changed.labels)["__meta_kubernetes_pod_label_app"] == "y"


def test_first_build_in_steps_gives_what_one_step_gives() -> None:
    def setup() -> Discovery:
        d, _ = _discovery(
            {"job_name": "a", "kubernetes_sd_configs": [{"role": "endpointslice"}]},
            {"job_name": "b", "kubernetes_sd_configs": [{"role": "endpointslice"}]},
        )
        d.kube_deferred = True
        for i in range(7):
            d.kube_object(
                "discovery.k8s.io/v1/endpointslices",
                "ADDED",
                {
                    "metadata": {"name": f"s{i}", "namespace": "ns", "labels": {"kubernetes.io/service-name": "svc"}},
                    "addressType": "IPv4",
                    "endpoints": [{"addresses": [f"10.0.0.{i}", f"10.0.1.{i}"]}],
                    "ports": [{"name": "http", "port": 80}],
                },
            )
        return d

    whole = setup().kube_flush()
    stepped = setup()
    steps = list(stepped.kube_flush_steps(budget=3))
    assert len(steps) > 4  # 14 groups of 2 targets, a step per ~3 targets built
    merged = Delta()
    for step in steps:
        merged.merge(step.delta)
    assert merged.upserts == whole.delta.upserts and len(merged.upserts) == 28
    assert not stepped.kube_deferred


def test_kubernetes_sd_entry_with_a_bad_selector_is_reported_and_the_job_kept() -> None:
    # kubernetes_sd entries are parsed once (ta.core.promcfg.sd); discovery reports what that parse could not type.
    bad = {"role": "pod", "selectors": [{"role": "pod", "label": "a in (b"}]}
    parsed = parse_prometheus_config(
        {"scrape_configs": [{"job_name": "k", "kubernetes_sd_configs": [{"role": "pod"}, bad]}]}
    )
    assert [job.job_name for job in parsed.jobs] == ["k"] and not parsed.errors
    d = Discovery()
    result = d.configure(parsed, filter_relabel=True)
    # The same report, word for word, as when discovery parsed the entry a second time itself.
    assert result.problems == (("job k", "kubernetes_sd_configs[1]: unclosed '(' in selector 'a in (b'"),)
