#!/usr/bin/env bash
# The store contract on PostGIS: start a throwaway PostgreSQL cluster on 127.0.0.1 (its own data
# directory under the build, a free port), run every store-touching test against it, stop it.
#
#   bash tests/pg_contract.sh [pytest args…]
#
# Without PostgreSQL + PostGIS installed it says so and exits 0 — unless REQUIRE_POSTGIS=1 (CI),
# then it fails. Nothing is written outside the build folder; the cluster is removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}

BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
VERSION=$(basename "$(dirname "${BIN:-/x/none}")")
if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ] || [ ! -f "/usr/share/postgresql/$VERSION/extension/postgis.control" ]; then
  if [ "${REQUIRE_POSTGIS:-}" = 1 ]; then
    echo "PostGIS 合约测试需要 PostgreSQL + PostGIS（apt-get install postgresql-15 postgresql-15-postgis-3）" >&2
    echo "the PostGIS store contract needs PostgreSQL + PostGIS installed (REQUIRE_POSTGIS=1)" >&2
    exit 1
  fi
  echo "================================================================================"
  echo "已跳过 PostGIS 存储合约测试：本机未安装 PostgreSQL + PostGIS"
  echo "SKIPPED the PostGIS store contract: PostgreSQL + PostGIS are not installed here"
  echo "  (apt-get install postgresql-15 postgresql-15-postgis-3, then make test again)"
  echo "================================================================================"
  exit 0
fi

DIR="$PWD/.pg-test"
PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
rm -rf "$DIR" && mkdir -p "$DIR"
AS=()
if [ "$(id -u)" = 0 ]; then  # initdb refuses to run as root: the cluster belongs to postgres
  chown postgres "$DIR"
  AS=(runuser -u postgres --)
fi
stop() {
  "${AS[@]}" "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap stop EXIT

"${AS[@]}" "$BIN/initdb" -D "$DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log"
# A throwaway cluster: durability settings off (it is deleted at the end), enough connections for
# the concurrency test (20 readers, 2 writers, the portal processes).
"${AS[@]}" "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
  -o "-p $PORT -c listen_addresses=127.0.0.1 -k $DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null
URL="postgresql://postgres@127.0.0.1:$PORT/postgres"
# PostGIS in template1: every database a test makes has it already.
"$PY" -c "import psycopg, sys; psycopg.connect(sys.argv[1], autocommit=True).execute('CREATE EXTENSION IF NOT EXISTS postgis')" "${URL%/postgres}/template1"
echo "PostGIS 存储合约测试 / the store contract on PostGIS ($("$BIN/postgres" --version), 127.0.0.1:$PORT)"
BINHAI_TEST_PG="$URL" "$PY" -m pytest -q -p no:cacheprovider "$@"
