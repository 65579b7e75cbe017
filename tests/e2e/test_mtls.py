"""`ta run` with `https.enabled`: the mTLS server serves every route and reveals secret values in
/scrape_configs to collectors with a client certificate; plain HTTP keeps serving `<secret>`."""

from __future__ import annotations

import signal
import ssl
import urllib.request
from pathlib import Path

import yaml

from tests.e2e.capture import collector_pod
from tests.e2e.fakekube import ThreadedFakeApi
from tests.e2e.test_run_cli import fetch, free_port, spawn_ta_run, wait_ready
from tests.http.tls_certs import make_ca, make_client, make_server


def test_mtls_server_reveals_secrets_only_to_verified_clients(tmp_path: Path) -> None:
    ca = make_ca("ta-ca")
    server_crt, server_key = make_server(ca).write(tmp_path, "server")
    client_crt, client_key = make_client(ca).write(tmp_path, "client")
    ca_file = tmp_path / "ca.crt"
    ca_file.write_bytes(ca.cert_pem)
    port, https_port = free_port(), free_port()
    cfg = tmp_path / "ta.yaml"
    cfg.write_text(
        yaml.safe_dump(
            {
                "collector_namespace": "otel",
                "https": {
                    "enabled": True,
                    "listen_addr": f"127.0.0.1:{https_port}",
                    "ca_file_path": str(ca_file),
                    "tls_cert_file_path": str(server_crt),
                    "tls_key_file_path": str(server_key),
                },
                "config": {
                    "scrape_configs": [
                        {
                            "job_name": "s",
                            "static_configs": [{"targets": ["10.0.0.1:80"]}],
                            "basic_auth": {"username": "u", "password": "hunter2"},
                        }
                    ]
                },
            }
        )
    )
    with ThreadedFakeApi() as api:
        api.call(lambda s: s.add("v1/pods", collector_pod("collector-0", "node-a")))
        proc = spawn_ta_run(cfg, port, api.kubeconfig(tmp_path / "kubeconfig"))
        try:
            wait_ready(f"http://127.0.0.1:{port}", proc)
            plain = fetch(f"http://127.0.0.1:{port}/scrape_configs")[1]
            assert b"hunter2" not in plain and b"\\u003csecret\\u003e" in plain

            context = ssl.create_default_context(cafile=str(ca_file))
            context.load_cert_chain(str(client_crt), str(client_key))
            with urllib.request.urlopen(
                f"https://127.0.0.1:{https_port}/scrape_configs", context=context, timeout=10
            ) as resp:
                assert b'"password":"hunter2"' in resp.read()
            with urllib.request.urlopen(
                f"https://127.0.0.1:{https_port}/jobs/s/targets?collector_id=collector-0", context=context, timeout=10
            ) as resp:
                assert b"10.0.0.1:80" in resp.read()

            # The event stream: mTLS clients only, unless --enable-debug-events-on-plain-port.
            status, body = fetch(f"http://127.0.0.1:{port}/debug/events?follow=false")
            assert status == 403 and b"--enable-debug-events-on-plain-port" in body
            with urllib.request.urlopen(
                f"https://127.0.0.1:{https_port}/debug/events?follow=false", context=context, timeout=10
            ) as resp:
                assert resp.status == 200 and b'"kind":"config.loaded"' in resp.read()

            anonymous = ssl.create_default_context(cafile=str(ca_file))
            try:
                urllib.request.urlopen(f"https://127.0.0.1:{https_port}/scrape_configs", context=anonymous, timeout=10)
            except (ssl.SSLError, urllib.error.URLError, ConnectionError):
                pass
            else:
                raise AssertionError("a client without a certificate was served")
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=20)
    assert proc.returncode == 0
