from ta.core.k8s_sd.meta import add_object_meta, go_lower, join_host_port, sanitize_label_name


def test_sanitize_replaces_each_rune_only() -> None:
    assert sanitize_label_name("app.kubernetes.io/name") == "app_kubernetes_io_name"
    assert sanitize_label_name("9lives-ü") == "9lives__"
    assert sanitize_label_name("Keep_Case") == "Keep_Case"


def test_go_lower_is_rune_for_rune() -> None:
    assert go_lower("True") == "true"
    assert len(go_lower("İx")) == 2


def test_join_host_port() -> None:
    assert join_host_port("1.2.3.4", 80) == "1.2.3.4:80"
    assert join_host_port("fd00::1", "9000") == "[fd00::1]:9000"


def test_colliding_sanitised_keys_resolve_deterministically() -> None:
    out: dict[str, str] = {}
    add_object_meta(out, {"metadata": {"name": "x", "labels": {"a_b": "1", "a.b": "2", "empty": ""}}}, "pod")
    # Sorted key order: "a.b" then "a_b", so the later one wins every time.
    assert out["__meta_kubernetes_pod_label_a_b"] == "1"
    assert out["__meta_kubernetes_pod_label_empty"] == ""
    assert out["__meta_kubernetes_pod_labelpresent_empty"] == "true"


def test_keys_sanitising_to_one_name_keep_the_last_in_key_order() -> None:
    from ta.core.k8s_sd.pod import pod_label_pairs

    labels = {"x/y": "1", "x_y": "2", "x.y": "3"}
    pod = {"metadata": {"name": "p", "labels": labels, "annotations": labels}}
    pairs = pod_label_pairs(pod)
    assert list(pairs) == sorted(pairs) and len({name for name, _ in pairs}) == len(pairs)
    found = dict(pairs)
    # "x.y" < "x/y" < "x_y" in byte order: the last one's value stands, once
    assert found["__meta_kubernetes_pod_label_x_y"] == found["__meta_kubernetes_pod_annotation_x_y"] == "2"
    out: dict[str, str] = {}
    add_object_meta(out, {"metadata": {"name": "s", "labels": labels}}, "service")
    assert out["__meta_kubernetes_service_label_x_y"] == "2"
    assert out["__meta_kubernetes_service_labelpresent_x_y"] == "true"
