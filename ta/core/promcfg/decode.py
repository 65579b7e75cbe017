"""yaml.v2-style decoding of plain YAML values into typed config fields.

In: values from a decoded YAML mapping (``str``, ``int``, ``float``, ``bool``, ``None``, lists, dicts).
Out: Python values with Go's unmarshal rules (null -> zero value, scalars -> strings) or a ``PromConfigError``
naming the mismatch as yaml.v2 does (without its line numbers, which a decoded mapping no longer has).
"""

from __future__ import annotations

from collections.abc import Mapping

from ta.core.promcfg.duration import parse_duration
from ta.core.promcfg.errors import PromConfigError, yaml_kind

_MAX_UINT64 = (1 << 64) - 1


def _mismatch(value: object, target: str) -> PromConfigError:
    shown = f" `{scalar_text(value)}`" if isinstance(value, str | int | float | bool) else ""
    return PromConfigError(f"cannot unmarshal {yaml_kind(value)}{shown} into {target}")


def scalar_text(value: object) -> str:
    """The text a YAML scalar had, as far as a decoded value can tell (bools print as Go prints them)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def as_str(value: object) -> str:
    """A Go ``string`` field: null is ``""``; yaml.v2 accepts any scalar's text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float | bool):
        return scalar_text(value)
    raise _mismatch(value, "string")


def as_bool(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    raise _mismatch(value, "bool")


def as_uint(value: object, *, target: str = "uint") -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _MAX_UINT64:
        raise _mismatch(value, target)
    return value


def as_float(value: object) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _mismatch(value, "float64")
    return float(value)


def as_str_list(value: object) -> tuple[str, ...] | None:
    """A Go ``[]string``: ``None`` for null (Go's nil slice), otherwise the items as strings."""
    if value is None:
        return None
    if not isinstance(value, list | tuple):
        raise _mismatch(value, "[]string")
    return tuple(as_str(item) for item in value)


def as_map(value: object, target: str) -> Mapping[str, object]:
    """A YAML mapping (null is empty); keys become strings as yaml.v2 would decode them."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _mismatch(value, target)
    return {as_str(key): item for key, item in value.items()}


def as_duration_ms(value: object) -> int:
    """A ``model.Duration`` field in milliseconds (null or absent is 0, meaning "unset")."""
    if value is None:
        return 0
    return parse_duration(as_str(value))
