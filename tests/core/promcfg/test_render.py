"""The /scrape_configs body: byte-exact rendering, secret redaction and the seed's ServiceMonitor job."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from ta.core.promcfg.render import go_json, render_scrape_configs
from ta.core.promcfg.scrape import parse_prometheus_config

DATA = Path(__file__).resolve().parents[2] / "data" / "promcfg"


def _jobs(config: object) -> list:  # type: ignore[type-arg]
    parsed = parse_prometheus_config(config)
    assert parsed.errors == ()
    return list(parsed.jobs)


def test_empty_renders_empty_object() -> None:
    assert render_scrape_configs([], reveal_secrets=False) == b"{}"


def test_realistic_config_matches_expected_bytes() -> None:
    jobs = _jobs(yaml.safe_load((DATA / "realistic.yaml").read_text()))
    body = render_scrape_configs(jobs, reveal_secrets=False)
    assert body == (DATA / "realistic.json").read_bytes()
    assert not body.endswith(b"\n")


def test_secrets_redacted_unless_revealed() -> None:
    config = {
        "scrape_configs": [
            {
                "job_name": "auth",
                "basic_auth": {"username": "u", "password": "P@$$w0rd1!?"},
                "oauth2": None,
                "tls_config": {"cert": "CERT", "key": "KEY"},
                "proxy_url": "http://proxy:3128",
                "proxy_connect_header": {"X-Token": ["hdr"]},
            },
            {"job_name": "token", "authorization": {"type": "Custom", "credentials": "c<r>&d"}},
        ]
    }
    jobs = _jobs(config)
    redacted = json.loads(render_scrape_configs(jobs, reveal_secrets=False))
    revealed = json.loads(render_scrape_configs(jobs, reveal_secrets=True))
    assert redacted["auth"]["basic_auth"]["password"] == "<secret>"
    assert redacted["auth"]["tls_config"]["key"] == "<secret>"
    assert redacted["auth"]["proxy_connect_header"] == {"X-Token": ["<secret>"]}
    assert redacted["token"]["authorization"] == {"type": "Custom", "credentials": "<secret>"}
    assert revealed["auth"]["basic_auth"]["password"] == "P@$$w0rd1!?"
    assert revealed["auth"]["tls_config"]["key"] == "KEY"
    assert revealed["auth"]["proxy_connect_header"] == {"X-Token": ["hdr"]}
    assert revealed["token"]["authorization"]["credentials"] == "c<r>&d"
    assert b'"c\\u003cr\\u003e\\u0026d"' in render_scrape_configs(jobs, reveal_secrets=True)


def test_forgotten_secrets_stay_redacted_when_revealing() -> None:
    from dataclasses import replace

    from ta.core.promcfg.secret import Secret
    from ta.core.promcfg.tree import Obj

    (job,) = _jobs({"scrape_configs": [{"job_name": "j", "bearer_token": "tok"}]})
    auth = job.rendered["authorization"]
    assert isinstance(auth, Obj)
    secret = auth["credentials"]
    assert isinstance(secret, Secret)
    forgotten = Obj({**auth, "credentials": Secret.unknown("hmac-sha256:00")})
    replayed = replace(job, rendered=Obj({**job.rendered, "authorization": forgotten}))
    assert json.loads(render_scrape_configs([replayed], reveal_secrets=True))["j"]["authorization"]["credentials"] == (
        "<secret>"
    )


def test_go_json_escapes_like_go() -> None:
    assert go_json({"b": "<&>\u2028", "a": 1}) == b'{"a":1,"b":"\\u003c\\u0026\\u003e\\u2028"}'


def test_seed_servicemonitor_job_round_trips() -> None:
    expected = json.loads((DATA / "seed_servicemonitor.json").read_text())
    jobs = _jobs({"scrape_configs": list(expected.values())})
    rendered = json.loads(render_scrape_configs(jobs, reveal_secrets=False))
    for name, job in expected.items():
        shown = {key: rendered[name][key] for key in job}
        assert shown == job
    # Keys the seed predates are present with Prometheus v3.14 defaults.
    extra = rendered["serviceMonitor/default/my-app/0"]
    assert extra["enable_compression"] is True
    assert extra["track_timestamps_staleness"] is False
    assert extra["metric_name_validation_scheme"] == "utf8"


def test_cached_renderer_equals_full_rendering_and_tracks_changes() -> None:
    from ta.core.promcfg.render import CachedRenderer
    from ta.core.promcfg.scrape import parse_prometheus_config

    def jobs(interval: str) -> tuple:  # type: ignore[type-arg]
        return parse_prometheus_config(
            {"scrape_configs": [
                {"job_name": "b", "scrape_interval": interval, "basic_auth": {"username": "u", "password": "p<>"}},
                {"job_name": "a/x", "static_configs": [{"targets": ["h:1"]}]},
            ]}
        ).jobs

    renderer = CachedRenderer()
    for interval in ("30s", "45s", "45s"):
        current = jobs(interval)
        redacted, revealed = renderer.render(current)
        assert redacted == render_scrape_configs(current, reveal_secrets=False)
        assert revealed == render_scrape_configs(current, reveal_secrets=True)
    assert renderer.render(()) == (b"{}", b"{}")
