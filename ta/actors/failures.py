"""A step that raised: its ``StepFailed`` note and its one error line, with secret values masked.

In: the actor's name, the message it was stepping, the exception, and the secret values the actor can name
(those the input carries, and any it holds). Out: a ``StepFailed`` (seq, actor, input kind, one-line error) and
one structlog error line holding the same plus the traceback.

The caller has already taken the step's changes back (see ``ta.core.base.undo``); this module only describes the
failure. Messages and tracebacks are masked with the values the actor names, so neither ``/debug/problems``
(served on the plain port) nor the log can show a Secret value that reached the exception's text.
"""

from __future__ import annotations

import contextlib
import re
import traceback
from collections.abc import Iterable, Mapping
from typing import Any

import orjson
import structlog

from ta.actors.settings import Configured
from ta.events.base import Envelope
from ta.events.cluster import KubeObjectBatch, KubeObjectChanged
from ta.events.config import ConfigLoaded
from ta.events.problems import StepFailed

log = structlog.get_logger("ta.actors")

MASK = "<secret>"
ERROR_CHARS = 300  # the one-line error in /debug/problems
TRACEBACK_CHARS = 8000  # the traceback in the log line (its innermost frames: the end is kept)
WHOLE_WORD_BELOW = 6  # secret values shorter than this are masked only as whole words


def message_seq_kind(message: object) -> tuple[int, str]:
    """The journal seq and the input's kind of any actor message (an envelope or a derived event)."""
    if isinstance(message, Envelope):
        return message.seq, str(getattr(message.event, "KIND", type(message.event).__name__))
    return int(getattr(message, "seq", 0)), str(getattr(message, "KIND", type(message).__name__))


def _leaves_differing(plain: Any, redacted: Any, out: set[str]) -> None:
    """Strings of ``plain`` where the journaled form (``redacted``) holds something else: the secret values."""
    if isinstance(plain, str):
        if plain and plain != redacted:
            out.add(plain)
    elif isinstance(plain, Mapping):
        other = redacted if isinstance(redacted, Mapping) else {}
        for key, value in plain.items():
            _leaves_differing(value, other.get(key), out)
    elif isinstance(plain, list):
        other_list = redacted if isinstance(redacted, list) else []
        for i, value in enumerate(plain):
            _leaves_differing(value, other_list[i] if i < len(other_list) else None, out)


def revealed_secrets(plain: Any, redacted: Any) -> set[str]:
    """The strings ``plain`` holds where ``redacted`` (the same tree with secrets hidden) holds something else."""
    found: set[str] = set()
    _leaves_differing(plain, redacted, found)
    return found


def input_secrets(message: object) -> set[str]:
    """The secret values an input carries in memory (a config's, a Secret's); none in a replay."""
    event = message.event if isinstance(message, Envelope | Configured) else message
    found: set[str] = set()
    if isinstance(event, ConfigLoaded) and event.plain:
        with contextlib.suppress(orjson.JSONDecodeError):
            _leaves_differing(orjson.loads(event.plain), orjson.loads(event.body), found)
    elif isinstance(event, KubeObjectChanged):
        found.update(value for _key, value in event.secret_values if value)
    elif isinstance(event, KubeObjectBatch):
        found.update(value for change in event.changes for _key, value in change.secret_values if value)
    return found


def mask(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret value replaced by ``<secret>``; a short one (a username "u") only where it stands
    alone, so it does not turn every word it occurs in into noise."""
    for value in sorted({s for s in secrets if s}, key=len, reverse=True):
        if value not in text:
            continue
        if len(value) >= WHOLE_WORD_BELOW:
            text = text.replace(value, MASK)
        else:
            text = re.sub(rf"(?<![0-9A-Za-z_]){re.escape(value)}(?![0-9A-Za-z_])", MASK, text)
    return text


def describe(exc: BaseException, secrets: Iterable[str] = ()) -> str:
    """``Type: first line of the message``, bounded and masked."""
    lines = str(exc).strip().splitlines()
    text = f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
    masked = mask(text, secrets)
    return masked if len(masked) <= ERROR_CHARS else masked[: ERROR_CHARS - 3] + "..."


def step_failed(actor: str, message: object, exc: BaseException, secrets: Iterable[str] = ()) -> StepFailed:
    """The note for a step that raised (its changes already taken back), after logging it once."""
    seq, kind = message_seq_kind(message)
    known = set(secrets) | input_secrets(message)
    error = describe(exc, known)
    trace = mask("".join(traceback.format_exception(exc)), known)
    log.error(
        "actor.step_failed",
        actor=actor,
        seq=seq,
        input=kind,
        error=error,
        traceback=trace[-TRACEBACK_CHARS:],
        applied=False,
    )
    return StepFailed(seq=seq, actor=actor, input=kind, error=error)
