import hashlib
import pickle

import pytest

from ta.core.objects import secrets

DIGEST = secrets.Digester(b"k" * 32)


def form(value: str) -> dict[str, str]:
    return secrets.journal_form(value, DIGEST)


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
    out = secrets.redact(config, DIGEST)
    job = out["config"]["scrape_configs"][0]
    assert job["basic_auth"] == {"username": "u", "password": form("p")}
    assert job["authorization"]["credentials"] == form("c")
    assert job["tls_config"] == {"key": form("PEM"), "cert": "public"}
    assert job["oauth2"]["client_secret"] == form("s")
    assert job["http_headers"]["X"] == {"values": ["v"], "secrets": [form("hidden")]}
    assert job["proxy_connect_header"] == {"P": [form("x")]}
    assert job["http_sd_configs"][0]["bearer_token"] == form("b")
    # Label names that happen to equal secret key names are not secrets.
    assert job["relabel_configs"] == [{"source_labels": ["key"], "target_label": "password"}]
    text = repr(out)
    assert "hidden" not in text and "PEM" not in text and "'s'" not in text


def test_digest_round_trip_and_change_visible() -> None:
    one = form("one")
    assert secrets.digest_of(one) == DIGEST.text("one")
    assert form("one") == one  # same value, same digest (within a key)
    assert form("one") != form("two")
    assert secrets.digest_of("plain") is None
    assert secrets.digest_of({"$secret": "sha256:" + "0" * 64}) == "sha256:" + "0" * 64  # old journals read


def test_digest_is_keyed_not_a_plain_hash() -> None:
    value = "hunter2"
    digest = DIGEST.text(value)
    assert digest.startswith("hmac-sha256:")
    assert hashlib.sha256(value.encode()).hexdigest() not in digest
    assert secrets.Digester(b"o" * 32).text(value) != digest


def test_digester_never_shows_or_ships_its_key() -> None:
    key = b"K3Y-" * 8
    digester = secrets.Digester(key)
    assert "K3Y" not in repr(digester) and "K3Y" not in str(digester)
    with pytest.raises(TypeError):
        pickle.dumps(digester)
    with pytest.raises(ValueError):
        secrets.Digester(b"short")


def test_replay_reads_every_digest_as_the_same_placeholder() -> None:
    assert secrets.unknown_value(DIGEST.text("a")) == secrets.unknown_value(DIGEST.text("b")) == "<secret>"
    assert secrets.unknown_value("sha256:" + "1" * 64) == "<secret>"
    assert secrets.unknown_value("") == ""
    assert secrets.unknown_value("sha256:" + hashlib.sha256(b"").hexdigest()) == ""  # an old journal's empty value
