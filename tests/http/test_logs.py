"""In JSON mode every stderr line is one JSON object, also for aiohttp's and asyncio's own records; a client's
mistakes are debug lines, a bug of ours an error line with its traceback inside."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from ta.process.logs import AcceptErrorFilter

_RUN = textwrap.dedent(
    """
    import asyncio, logging, socket, struct, sys
    from ta.process import logs
    logs.configure("json", sys.argv[1])
    from ta.http import server
    from ta.http.server import ServerState, build_app, listening
    from ta.core.serving.view import View
    from ta.process.metrics import Metrics

    def broken(self, request):
        raise RuntimeError("a bug\\nover two lines")

    server.Handlers.metrics = broken  # a handler that raises: a 500 and one error line

    async def ask(port, data):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(data)
        out = await reader.read()
        writer.close()
        return out

    async def main():
        view = View()
        view.set_scrape_configs(b"{}", b"{}")
        state = ServerState(view=view, metrics=Metrics(), sequencer=None, allow_insecure_auth_secrets=False,
                            is_ready=lambda: True)
        async with listening(build_app(state), "127.0.0.1", 0) as site:
            await ask(site.port, b"BREW /pot HTCPCP/1.0\\r\\n\\r\\n")
            await ask(site.port, b"GET / HTTP/1.1\\r\\nHost: a\\r\\nBad Header\\r\\n\\r\\n")
            await ask(site.port, b"GET /jobs/%FF/targets HTTP/1.1\\r\\nHost: a\\r\\nConnection: close\\r\\n\\r\\n")
            await ask(site.port, b"GET /metrics HTTP/1.1\\r\\nHost: a\\r\\nConnection: close\\r\\n\\r\\n")
            sock = socket.create_connection(("127.0.0.1", site.port))
            sock.sendall(b"GET /jobs HTTP/1.1\\r\\n")
            await asyncio.sleep(0.05)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
            await asyncio.sleep(0.1)
            loop = asyncio.get_running_loop()
            try:
                raise OSError(24, "Too many open files")
            except OSError as exc:
                for _ in range(50):
                    loop.call_exception_handler({"message": "socket.accept() out of system resource", "exception": exc})
            logging.getLogger("some.library").warning("multi\\nline %s", "warning")

    asyncio.run(main())
    """
)


def _run(level: str) -> list[dict[str, object]]:
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run(
        [sys.executable, "-c", _RUN, level],
        capture_output=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(root)},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode()[-3000:]
    lines = proc.stderr.decode().splitlines()
    assert lines
    return [json.loads(line) for line in lines]  # every line is one JSON object, or this raises


def test_every_line_is_json_and_client_errors_are_debug_only() -> None:
    debug = _run("debug")
    client = [e for e in debug if e["event"] == "http.client_error"]
    assert {e["reason"] for e in client} >= {"bad_request", "reset"}
    assert all(e["level"] == "debug" and "exception" not in e for e in client)
    errors = [e for e in debug if e["level"] == "error"]
    # The one bug (the broken /metrics handler), with its traceback inside the object; and the accept
    # failure, once for 50 repeats.
    bug = [e for e in errors if e["event"] == "http.server_error"]
    assert len(bug) == 1 and "RuntimeError: a bug" in str(bug[0]["exception"])
    accept = [e for e in errors if "out of system resource" in str(e["event"])]
    assert len(accept) == 1 and accept[0]["logger"] == "asyncio" and "OSError" in str(accept[0]["exception"])
    warning = [e for e in debug if e.get("logger") == "some.library"]
    assert warning == [{**warning[0], "event": "multi\nline warning", "level": "warning"}]

    info = _run("info")
    assert {e["level"] for e in info} <= {"info", "warning", "error"}
    assert not [e for e in info if e["event"] == "http.client_error"]


def test_accept_error_filter_lets_one_through_per_interval() -> None:
    import logging

    flt = AcceptErrorFilter(every=3600)

    def record(msg: str) -> logging.LogRecord:
        return logging.LogRecord("asyncio", logging.ERROR, __file__, 1, msg, None, None)

    assert flt.filter(record("socket.accept() out of system resource"))
    assert [flt.filter(record("socket.accept() out of system resource")) for _ in range(5)] == [False] * 5
    assert flt.filter(record("something else"))
    flt.every = 0
    again = record("socket.accept() out of system resource")
    assert flt.filter(again) and again.__dict__["suppressed"] == 5
