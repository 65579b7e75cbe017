"""HTTP client settings: Prometheus validation, bearer-token folding and marshalled form."""

from __future__ import annotations

import pytest

from ta.core.promcfg.errors import PromConfigError
from ta.core.promcfg.httpclient import HTTPClientConfig, parse_http_client_config, redact_url
from ta.core.promcfg.secret import Secret


def test_defaults_render_follow_redirects_and_http2_only() -> None:
    cfg = parse_http_client_config({})
    assert cfg == HTTPClientConfig()
    assert cfg.to_tree() == {"follow_redirects": True, "enable_http2": True}


def test_bearer_token_becomes_authorization() -> None:
    cfg = parse_http_client_config({"bearer_token": "tok"})
    assert cfg.authorization is not None
    assert cfg.authorization.type == "Bearer"
    assert cfg.authorization.credentials == Secret.known("tok")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"bearer_token": "a", "bearer_token_file": "f"},
         "at most one of bearer_token & bearer_token_file must be configured"),
        ({"basic_auth": {"username": "u"}, "bearer_token": "a"},
         "at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured"),
        ({"authorization": {"type": "Basic", "credentials": "x"}},
         'authorization type cannot be set to "basic", use "basic_auth" instead'),
        ({"basic_auth": {"username": "u"}, "authorization": {"credentials": "x"}},
         "at most one of basic_auth, oauth2 & authorization must be configured"),
        ({"oauth2": {"token_url": "http://t"}}, "oauth2 client_id must be configured"),
        ({"tls_config": {"cert_file": "c"}},
         "exactly one of key or key_file must be configured when a client certificate is configured"),
        ({"tls_config": {"min_version": "TLS99"}}, "unknown TLS version: TLS99"),
        ({"no_proxy": "x"}, "if no_proxy is configured, proxy_url must also be configured"),
        ({"http_headers": {"authorization": {"values": ["x"]}}}, 'setting header "Authorization" is not allowed'),
    ],
)
def test_validation_errors(raw: dict[str, object], message: str) -> None:
    with pytest.raises(PromConfigError) as err:
        parse_http_client_config(raw)
    assert str(err.value) == message


def test_tree_holds_secrets_and_omits_empty_fields() -> None:
    cfg = parse_http_client_config(
        {
            "basic_auth": {"username": "u", "password": "p"},
            "tls_config": {"ca_file": "/ca", "cert": "C", "key": "K"},
            "proxy_url": "http://user:pw@proxy:3128",
            "proxy_connect_header": {"X-Auth": ["h1"]},
            "follow_redirects": False,
        }
    )
    tree = cfg.to_tree()
    assert tree["follow_redirects"] is False
    assert tree["proxy_url"] == "http://user:xxxxx@proxy:3128"
    basic = tree["basic_auth"]
    tls = tree["tls_config"]
    assert dict(basic) == {"username": "u", "password": Secret.known("p")}  # type: ignore[arg-type]
    assert dict(tls) == {  # type: ignore[arg-type]
        "ca_file": "/ca", "cert": "C", "key": Secret.known("K"), "insecure_skip_verify": False
    }


def test_redact_url_leaves_passwordless_urls_alone() -> None:
    assert redact_url("http://proxy:3128") == "http://proxy:3128"


def test_journal_digest_form_is_a_secret_that_renders_redacted_even_when_revealing() -> None:
    from ta.core.objects import secrets as journal_secrets
    from ta.core.promcfg.tree import Obj, thaw

    digest = journal_secrets.Digester(b"k" * 32)
    raw = {
        "basic_auth": {"username": "u", "password": journal_secrets.journal_form("p", digest)},
        "http_headers": {"X-Token": {"secrets": [journal_secrets.journal_form("t", digest)]}},
    }
    cfg = parse_http_client_config(raw)
    real = parse_http_client_config({"basic_auth": {"username": "u", "password": "p"}})
    # Redacted, a replayed config serves what the live one serves.
    assert thaw(Obj(cfg.to_tree()), reveal_secrets=False)["basic_auth"] == (  # type: ignore[index]
        thaw(Obj(real.to_tree()), reveal_secrets=False)["basic_auth"]  # type: ignore[index]
    )
    again = parse_http_client_config(raw)
    assert again == cfg  # the same digests compare equal: a replay still sees what did not change
    rendered = thaw(Obj(cfg.to_tree()), reveal_secrets=True)
    assert isinstance(rendered, dict)
    assert rendered["basic_auth"]["password"] == "<secret>"
    assert rendered["http_headers"]["X-Token"]["secrets"] == ["<secret>"]
