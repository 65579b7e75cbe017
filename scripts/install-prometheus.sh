#!/usr/bin/env bash
# Installs Debian's `prometheus` binary for the real-client end-to-end test
# (tests/e2e/test_prometheus_client.py), without starting the Debian service.
#
# Idempotent and fast when `prometheus` is already on PATH. It never fails the run: without root, apt-get
# or the package it prints a note and exits 0, so the rest of the suite still runs. The test then skips,
# or, in CI (CI=true), fails and says how to install Prometheus.
set -uo pipefail

note() { echo "install-prometheus: $*" >&2; }

if command -v prometheus >/dev/null 2>&1; then
    exit 0
fi

give_up() {
    note "$1"
    note "the real-Prometheus end-to-end test will skip (or fail in CI); install Debian's 'prometheus' package to run it"
    exit 0
}

if [ "$(id -u)" -ne 0 ]; then give_up "not root: cannot apt-get install prometheus"; fi
if ! command -v apt-get >/dev/null 2>&1; then give_up "apt-get not found: cannot install prometheus"; fi

# Keep the package's maintainer scripts from starting a service: invoke-rc.d and deb-systemd-invoke honour
# policy-rc.d exit code 101 ("action forbidden"). Containers usually ship one already; otherwise put one in
# place for this install only.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && own_policy=1
fi
cleanup() { if [ "$own_policy" = 1 ]; then rm -f "$policy"; fi; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
note "installing Debian's prometheus package"
if ! apt-get update -qq >/dev/null; then give_up "apt-get update failed"; fi
if ! apt-get install -y -qq --no-install-recommends prometheus >/dev/null; then
    give_up "apt-get install prometheus failed"
fi
if ! command -v prometheus >/dev/null 2>&1; then give_up "prometheus still not on PATH after install"; fi
note "$(prometheus --version 2>&1 | head -n 1)"
