"""Scrape config parsing: global defaults, per-job errors with Prometheus' texts, SD decoding."""

from __future__ import annotations

import pytest

from ta.core.promcfg.errors import PromConfigError
from ta.core.promcfg.scrape import JobError, parse_prometheus_config

GOOD = {"job_name": "good", "static_configs": [{"targets": ["a:1"]}]}


def test_global_defaults_applied_to_jobs() -> None:
    parsed = parse_prometheus_config(
        {"global": {"scrape_interval": "15s"}, "scrape_configs": [GOOD, {"job_name": "own", "scrape_interval": "5s"}]}
    )
    assert parsed.errors == ()
    good, own = parsed.jobs
    assert (good.scrape_interval, good.scrape_timeout) == ("15s", "10s")
    assert (own.scrape_interval, own.scrape_timeout) == ("5s", "5s")
    assert (good.metrics_path, good.scheme) == ("/metrics", "http")
    assert (good.honor_timestamps, good.honor_labels) == (True, False)
    assert good.rendered["scrape_protocols"] == (
        "OpenMetricsText1.0.0", "OpenMetricsText0.0.1", "PrometheusText1.0.0", "PrometheusText0.0.4"
    )


def test_no_global_means_prometheus_defaults() -> None:
    (job,) = parse_prometheus_config({"scrape_configs": [GOOD]}).jobs
    assert (job.scrape_interval, job.scrape_timeout) == ("1m", "10s")


def test_native_histograms_pick_proto_first_protocols() -> None:
    (job,) = parse_prometheus_config({"scrape_configs": [{**GOOD, "scrape_native_histograms": True}]}).jobs
    assert job.scrape_native_histograms
    assert job.rendered["scrape_protocols"][0] == "PrometheusProto"  # type: ignore[index]


BAD_JOBS: list[tuple[dict[str, object], str]] = [
    ({"job_name": "re", "relabel_configs": [{"regex": "(", "target_label": "x"}]},
     "error parsing regexp: missing closing ): `^(?s:()$`"),
    ({"job_name": "act", "relabel_configs": [{"action": "explode"}]}, 'unknown relabel action "explode"'),
    ({"job_name": "tgt", "relabel_configs": [{"source_labels": ["a"]}]},
     "relabel configuration for replace action requires 'target_label' value"),
    ({"job_name": "mod", "relabel_configs": [{"action": "hashmod", "target_label": "h"}]},
     "relabel configuration for hashmod requires non-zero modulus"),
    ({"job_name": "eq", "metric_relabel_configs": [{"action": "keepequal", "target_label": "a", "regex": "x"}]},
     "keepequal action requires only 'source_labels' and `target_label`, and no other fields"),
    ({"job_name": "dur", "scrape_interval": "1m1h"}, 'not a valid duration string: "1m1h"'),
    ({"job_name": "slow", "scrape_interval": "10s", "scrape_timeout": "11s"},
     'scrape timeout greater than scrape interval for scrape config with job name "slow"'),
    ({"job_name": "url", "static_configs": [{"targets": ["http://x:1"]}]}, '"http://x:1" is not a valid hostname'),
    ({"job_name": "nul", "relabel_configs": [None]}, "empty or null target relabeling rule in scrape config"),
    ({"job_name": ""}, "job_name is empty"),
    ({"job_name": "proto", "scrape_protocols": []},
     'scrape_protocols cannot be empty for scrape config with job name "proto"'),
    ({"job_name": "fb", "fallback_scrape_protocol": "x"},
     'invalid fallback_scrape_protocol for scrape config with job name "fb": unknown scrape protocol x, supported: '
     "[OpenMetricsText0.0.1 OpenMetricsText1.0.0 PrometheusProto PrometheusText0.0.4 PrometheusText1.0.0]"),
    ({"job_name": "esc", "metric_name_validation_scheme": "legacy", "metric_name_escaping_scheme": "allow-utf-8"},
     "utf8 metric names requested but validation scheme is not set to UTF8"),
]


@pytest.mark.parametrize(("bad", "message"), BAD_JOBS)
def test_bad_job_is_reported_and_others_survive(bad: dict[str, object], message: str) -> None:
    parsed = parse_prometheus_config({"scrape_configs": [GOOD, bad, {**GOOD, "job_name": "after"}]})
    assert [job.job_name for job in parsed.jobs] == ["good", "after"]
    assert parsed.errors == (JobError(job=str(bad["job_name"]), index=1, message=message),)


def test_null_job_section() -> None:
    parsed = parse_prometheus_config({"scrape_configs": [None, GOOD]})
    assert parsed.errors == (JobError(job="", index=0, message="empty or null scrape config section"),)
    assert len(parsed.jobs) == 1


def test_duplicate_job_name_rejects_later_occurrences() -> None:
    parsed = parse_prometheus_config({"scrape_configs": [GOOD, {**GOOD, "scrape_interval": "5s"}]})
    assert parsed.jobs[0].scrape_interval == "1m"
    assert parsed.errors == (
        JobError(job="good", index=1, message='found multiple scrape configs with job name "good"'),
    )


def test_bad_global_rejects_the_whole_config() -> None:
    with pytest.raises(PromConfigError, match=r"^global scrape timeout greater than scrape interval$"):
        parse_prometheus_config({"global": {"scrape_interval": "1s", "scrape_timeout": "2s"}, "scrape_configs": [GOOD]})


def test_legacy_scheme_from_global_applies_to_relabel_rules() -> None:
    parsed = parse_prometheus_config(
        {
            "global": {"metric_name_validation_scheme": "legacy"},
            "scrape_configs": [{"job_name": "j", "relabel_configs": [{"target_label": "a.b"}]}],
        }
    )
    assert parsed.errors[0].message == "\"a.b\" is invalid 'target_label' for replace action"


def test_sd_mechanisms_and_params() -> None:
    (job,) = parse_prometheus_config(
        {
            "scrape_configs": [
                {
                    "job_name": "sd",
                    "params": {"module": ["a", "b"], "format": ["prom"]},
                    "static_configs": [{"targets": ["x:1"]}, {"targets": ["y:2"], "labels": {"l": "v"}}],
                    "file_sd_configs": [{"files": ["/f.json"], "refresh_interval": "30s"}],
                    "http_sd_configs": [{"url": "http://sd/x"}],
                    "kubernetes_sd_configs": [{"role": "pod"}],
                    "consul_sd_configs": [{"server": "c:8500"}],
                }
            ]
        }
    ).jobs
    assert job.params == (("format", ("prom",)), ("module", ("a", "b")))
    assert [g.source for g in job.static_configs] == ["0", "1"]
    assert job.static_configs[1].labels == (("l", "v"),)
    assert job.file_sd_configs[0].refresh_interval == "30s"
    assert job.http_sd_configs[0].refresh_interval == "1m"
    assert job.kubernetes_sd_configs[0]["role"] == "pod"
    assert job.unsupported_sd == ("consul_sd_configs",)


def test_null_flags_follow_yaml_v2_zeroing() -> None:
    (job,) = parse_prometheus_config({"scrape_configs": [{**GOOD, "honor_timestamps": None}]}).jobs
    assert job.honor_timestamps is False
