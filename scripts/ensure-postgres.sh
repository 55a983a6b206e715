#!/usr/bin/env bash
# Make sure the PostgreSQL the tests use answers: start the local cluster if it
# is installed but stopped. Without it the PostgreSQL tests skip locally, and
# fail when CI is set, so CI never passes on SQLite alone by accident.
set -uo pipefail

url="${ORDERDESK_TEST_PG_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
# host[:port] of postgresql://user:password@host:port/db?options (no IPv6 literals)
hostport="${url#*://}"
hostport="${hostport##*@}"
hostport="${hostport%%/*}"
hostport="${hostport%%\?*}"
host="${hostport%%:*}"
port=5432
[[ "$hostport" == *:* ]] && port="${hostport##*:}"
host="${host:-127.0.0.1}"

reachable() {
    if command -v pg_isready >/dev/null; then
        pg_isready -q -h "$host" -p "$port"
    else
        (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null
    fi
}

start_local_cluster() {
    [[ "$host" == 127.0.0.1 || "$host" == localhost ]] || return 1
    command -v pg_ctlcluster >/dev/null && [[ -d /etc/postgresql ]] || return 1
    local started=1 version
    for version in $(ls /etc/postgresql); do
        echo "ensure-postgres: starting PostgreSQL $version (cluster main)"
        if pg_ctlcluster --skip-systemctl-redirect "$version" main start; then
            started=0
        elif [[ $EUID -ne 0 ]] && command -v sudo >/dev/null \
            && sudo -n pg_ctlcluster --skip-systemctl-redirect "$version" main start; then
            started=0
        fi
    done
    return "$started"
}

if reachable; then
    echo "ensure-postgres: PostgreSQL answers on $host:$port"
    exit 0
fi

if start_local_cluster; then
    for _ in $(seq 40); do
        if reachable; then
            echo "ensure-postgres: PostgreSQL answers on $host:$port"
            exit 0
        fi
        sleep 0.5
    done
fi

if [[ -n "${CI:-}" ]]; then
    {
        echo "################################################################"
        echo "ensure-postgres: PostgreSQL is NOT reachable on $host:$port"
        echo "CI is set, so the suite must run on PostgreSQL too: failing."
        echo "Install and start PostgreSQL, or set ORDERDESK_TEST_PG_URL."
        echo "################################################################"
    } >&2
    exit 1
fi
echo "ensure-postgres: warning: PostgreSQL is not reachable on $host:$port;" \
    "the PostgreSQL tests will be skipped (set ORDERDESK_TEST_PG_URL to use another server)" >&2
exit 0
