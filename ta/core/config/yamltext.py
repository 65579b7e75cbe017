"""YAML text to plain Python values, resolved the way Go's ``gopkg.in/yaml.v2`` resolves them.

In: the text of a TA config file. Out: a ``dict`` (the document's top-level mapping; empty for an empty file)
of plain ``str``/``int``/``float``/``bool``/``None``/``list``/``dict`` values, or ``ConfigError`` with the line and
column of a syntax error. Also ``scalar_text``: how yaml.v2 prints a decoded scalar, which is what upstream ends
up with wherever a decoded value is re-marshalled into a string field (label selectors).

Untrusted-input limits (nesting depth, alias expansion, escaped UTF-16 surrogates, each refused as yaml.v2
refuses them) come from ``ta.core.gocompat.yamlguard``.

Upstream decodes with yaml.v2 (YAML 1.1 flavoured), so plain ``y``/``n`` are booleans there and dates,
``=`` and ``1:30`` stay strings; PyYAML's SafeLoader differs on each, hence the adjusted resolver table.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

import yaml

from ta.core.config.errors import ConfigError, describe
from ta.core.gocompat.yamlguard import GuardedComposer

_BOOL_TAG = "tag:yaml.org,2002:bool"
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_DROPPED_TAGS = frozenset({_BOOL_TAG, _INT_TAG, _FLOAT_TAG, "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:value"})

_TRUE = frozenset({"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"})
_FALSE = frozenset({"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"})

_BOOL_RE = re.compile("^(?:" + "|".join(sorted(_TRUE | _FALSE)) + ")$")
_INT_RE = re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$")
_FLOAT_RE = re.compile(
    r"^(?:[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+"
    r"|[-+]?\.(?:inf|Inf|INF)"
    r"|\.(?:nan|NaN|NAN))$"
)


class _GoYamlLoader(GuardedComposer, yaml.SafeLoader):
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        # Keys keep their source text: a label named `on` or `y` must not turn into a boolean.
        self.flatten_mapping(node)
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key: object = key_node.value
            else:
                key = self.construct_object(key_node, deep=deep)
                if not isinstance(key, str | int | float | bool) and key is not None:
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping", node.start_mark, "found a non-scalar key", key_node.start_mark
                    )
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


# Our own copy of the resolver table (without the tags we re-add below), so SafeLoader itself is untouched.
_GoYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _DROPPED_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_bool(loader: yaml.SafeLoader, node: yaml.Node) -> bool:
    value = loader.construct_scalar(node)  # type: ignore[arg-type]
    return str(value) in _TRUE


_GoYamlLoader.add_implicit_resolver(_BOOL_TAG, _BOOL_RE, list("yYnNtTfFoO"))
_GoYamlLoader.add_implicit_resolver(_INT_TAG, _INT_RE, list("-+0123456789"))
_GoYamlLoader.add_implicit_resolver(_FLOAT_TAG, _FLOAT_RE, list("-+0123456789."))
_GoYamlLoader.add_constructor(_BOOL_TAG, _construct_bool)


def load_yaml_mapping(text: str, *, source: str) -> dict[str, Any]:
    """Decode ``text`` into its top-level mapping; ``source`` names the file in error messages."""
    try:
        document = yaml.load(text, Loader=_GoYamlLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = error.problem or error.context or "invalid YAML"
        raise ConfigError(f"{source}: error unmarshaling YAML: {where}{problem}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{source}: error unmarshaling YAML: {error}") from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        got = describe(document)
        raise ConfigError(f"{source}: error unmarshaling YAML: the top level must be a mapping, got {got}")
    return {_key_text(key): value for key, value in document.items()}


def _key_text(key: object) -> str:
    text = scalar_text(key)
    return text if text is not None else str(key)


def scalar_text(value: object) -> str | None:
    """The text yaml.v2 writes for a decoded scalar (``True`` -> ``true``, ``1e6`` -> ``1e+06``); None if not one."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return go_float_text(value)
    if isinstance(value, str):
        return value
    return None


def go_float_text(value: float) -> str:
    """Go ``strconv.FormatFloat(value, 'g', -1, 64)``, with yaml.v2's spelling of infinities and NaN."""
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    sign, digit_tuple, exponent = Decimal(repr(value)).as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(map(str, digit_tuple)).rstrip("0") or "0"
    # repr gives the shortest round-tripping digits, as Go's -1 precision does; only the layout differs.
    point = len(digit_tuple) + exponent  # position of the decimal point relative to the digit string
    sci_exponent = point - 1
    prefix = "-" if sign else ""
    if sci_exponent < -4 or sci_exponent >= 6:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        exp_sign = "-" if sci_exponent < 0 else "+"
        return f"{prefix}{mantissa}e{exp_sign}{abs(sci_exponent):02d}"
    if point <= 0:
        return f"{prefix}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return prefix + digits + "0" * (point - len(digits))
    return f"{prefix}{digits[:point]}.{digits[point:]}"
