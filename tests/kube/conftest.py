"""Fixtures for tests/kube (defined in ``support``, shared with the tests that import its helpers)."""

from tests.kube.support import api, recorder, server

__all__ = ["api", "recorder", "server"]
