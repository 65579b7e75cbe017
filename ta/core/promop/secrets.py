"""Reading the Secret and ConfigMap keys a CR references, recording every read.

In: ``Lookups`` (the injected readers), the object's namespace and CRD selector mappings (``{name, key}`` or a
``SecretOrConfigMap`` ``{secret|configMap: {name, key}}``). Out: the values, ``Invalid`` when one is missing, and
the ordered set of ``SecretRef`` read so far (``Resolver.refs``) so callers know what to watch.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ta.core.promop.model import Invalid, Lookups, SecretRef
from ta.core.promop.objects import opt_mapping, string


class Resolver:
    """Per-object reader; not shared between objects, so its record is exactly that object's dependencies."""

    __slots__ = ("_lookups", "_namespace", "_refs")

    def __init__(self, lookups: Lookups, namespace: str) -> None:
        self._lookups = lookups
        self._namespace = namespace
        self._refs: dict[SecretRef, None] = {}

    @property
    def refs(self) -> tuple[SecretRef, ...]:
        return tuple(sorted(self._refs))

    def secret(self, selector: Mapping[str, Any]) -> str:
        name, key = string(selector, "name"), string(selector, "key")
        self._refs[SecretRef(source="secret", namespace=self._namespace, name=name, key=key)] = None
        value = self._lookups.secret(self._namespace, name, key)
        if value is None:
            raise Invalid(f"unable to get secret {name!r} key {key!r} in namespace {self._namespace!r}")
        return value

    def configmap(self, selector: Mapping[str, Any]) -> str:
        name, key = string(selector, "name"), string(selector, "key")
        self._refs[SecretRef(source="configmap", namespace=self._namespace, name=name, key=key)] = None
        value = self._lookups.configmap(self._namespace, name, key)
        if value is None:
            raise Invalid(f"unable to get configmap {name!r} key {key!r} in namespace {self._namespace!r}")
        return value

    def secret_or_configmap(self, selector: Mapping[str, Any]) -> str:
        """A ``SecretOrConfigMap``; an empty one reads as ``""`` like the operator's store."""
        secret = opt_mapping(selector, "secret")
        if secret is not None:
            return self.secret(secret)
        configmap = opt_mapping(selector, "configMap")
        if configmap is not None:
            return self.configmap(configmap)
        return ""


class RecordingLookups:
    """Lookups that answer every key with a placeholder; used to discover dependencies without values."""

    @staticmethod
    def lookups() -> Lookups:
        return Lookups(secret=_placeholder, configmap=_placeholder)


def _placeholder(_namespace: str, _name: str, _key: str) -> str | None:
    return ""
