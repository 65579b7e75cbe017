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
