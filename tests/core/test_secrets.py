from ta.core import secrets


def test_redacts_prometheus_secret_fields_anywhere() -> None:
    config = {
        "config": {
            "scrape_configs": [
                {
                    "job_name": "a",
                    "basic_auth": {"username": "u", "password": "p"},
                    "authorization": {"type": "Bearer", "credentials": "c"},
                    "tls_config": {"key": "PEM", "cert": "public"},
                    "oauth2": {"client_id": "id", "client_secret": "s"},
                    "http_headers": {"X": {"values": ["v"], "secrets": ["hidden"]}},
                    "proxy_connect_header": {"P": ["x"]},
                    "http_sd_configs": [{"url": "http://x", "bearer_token": "b"}],
                    "relabel_configs": [{"source_labels": ["key"], "target_label": "password"}],
                }
            ]
        }
    }
    out = secrets.redact(config)
    job = out["config"]["scrape_configs"][0]
    assert job["basic_auth"] == {"username": "u", "password": secrets.journal_form("p")}
    assert job["authorization"]["credentials"] == secrets.journal_form("c")
    assert job["tls_config"] == {"key": secrets.journal_form("PEM"), "cert": "public"}
    assert job["oauth2"]["client_secret"] == secrets.journal_form("s")
    assert job["http_headers"]["X"] == {"values": ["v"], "secrets": [secrets.journal_form("hidden")]}
    assert job["proxy_connect_header"] == {"P": [secrets.journal_form("x")]}
    assert job["http_sd_configs"][0]["bearer_token"] == secrets.journal_form("b")
    # Label names that happen to equal secret key names are not secrets.
    assert job["relabel_configs"] == [{"source_labels": ["key"], "target_label": "password"}]
    text = repr(out)
    assert "hidden" not in text and "PEM" not in text and "'s'" not in text


def test_digest_round_trip_and_change_visible() -> None:
    form = secrets.journal_form("one")
    assert secrets.digest_of(form) == secrets.digest("one").removeprefix(secrets.PREFIX)
    assert secrets.journal_form("one") != secrets.journal_form("two")
    assert secrets.digest_of("plain") is None
