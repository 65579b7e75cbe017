"""The process's key for secret digests: made once, from the OS's randomness, and kept in memory only.

In: nothing (``os.urandom``). Out: ``process_digester()``, the one ``ta.core.objects.secrets.Digester`` of this
process, shared by everything that journals a secret (the config, the Kubernetes watches, a capture read for
a replay), so that within a process one value has one digest. The key is never written to the journal, a log
or an answer; it dies with the process, and with it any way to test guesses against the digests it made.
This is the only place randomness enters secret handling: the pure core is handed the ``Digester``.
"""

from __future__ import annotations

import functools
import os

from ta.core.objects.secrets import Digester

KEY_BYTES = 32


@functools.cache
def process_digester() -> Digester:
    return Digester(os.urandom(KEY_BYTES))
