"""Secret values: comparison, redaction and replay placeholders."""

from __future__ import annotations

from ta.core.promcfg.secret import REDACTED, Secret


def test_known_secret_renders_value_only_when_revealed() -> None:
    secret = Secret.known("p@ss")
    assert secret.render(reveal=True) == "p@ss"
    assert secret.render(reveal=False) == REDACTED


def test_known_secrets_compare_by_value_unknown_ones_by_digest() -> None:
    assert Secret.known("p@ss") == Secret.known("p@ss") != Secret.known("other")
    assert Secret.unknown("hmac-sha256:aa") == Secret.unknown("hmac-sha256:aa") != Secret.unknown("hmac-sha256:bb")


def test_unknown_secret_cannot_be_revealed() -> None:
    placeholder = Secret.unknown("hmac-sha256:aa")
    assert placeholder.value is None
    assert placeholder.render(reveal=True) == REDACTED
    assert placeholder.render(reveal=False) == REDACTED


def test_repr_hides_the_value_and_holds_no_digest_of_it() -> None:
    import hashlib

    text = repr(Secret.known("p@ss"))
    assert "p@ss" not in text
    assert hashlib.sha256(b"p@ss").hexdigest() not in text
    assert Secret.known("p@ss").digest == ""


def test_empty_secret_marshals_as_null_or_empty() -> None:
    empty = Secret.known("")
    assert empty.render(reveal=False) is None
    assert empty.render(reveal=True) == ""
