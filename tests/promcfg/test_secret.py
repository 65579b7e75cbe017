"""Secret values: comparison by digest, redaction and replay placeholders."""

from __future__ import annotations

from ta.promcfg.secret import REDACTED, Secret


def test_known_secret_renders_value_only_when_revealed() -> None:
    secret = Secret.known("p@ss")
    assert secret.render(reveal=True) == "p@ss"
    assert secret.render(reveal=False) == REDACTED


def test_forgotten_secret_equals_known_one_but_cannot_be_revealed() -> None:
    secret = Secret.known("p@ss")
    placeholder = secret.forget()
    assert placeholder == secret
    assert placeholder.value is None
    assert placeholder.render(reveal=True) == REDACTED
    assert Secret.unknown(secret.digest) == secret


def test_repr_hides_the_value() -> None:
    assert "p@ss" not in repr(Secret.known("p@ss"))


def test_empty_secret_marshals_as_null_or_empty() -> None:
    empty = Secret.known("")
    assert empty.render(reveal=False) is None
    assert empty.render(reveal=True) == ""
    assert empty.forget().render(reveal=True) == ""
