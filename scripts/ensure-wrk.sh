#!/usr/bin/env bash
# wrk, the load generator `make bench` measures with, from Debian's package if missing.
set -euo pipefail
command -v wrk >/dev/null && exit 0
if ! command -v apt-get >/dev/null; then
    echo "bench: wrk is missing; install it with your package manager" >&2
    exit 1
fi
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
# A new machine may hold no package lists yet.
$sudo apt-get install -y -qq wrk >/dev/null 2>&1 || {
    $sudo apt-get update -qq >/dev/null
    $sudo apt-get install -y -qq wrk >/dev/null
}
command -v wrk >/dev/null
