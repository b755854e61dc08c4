#!/usr/bin/env bash
# Test Taskwire: the same command runs locally and in CI (.ci/run).
#
#   scripts/test.sh                 fmt check, clippy (warnings are errors), all tests
#   scripts/test.sh -- --nocapture  extra arguments go to `cargo test --workspace`
#   scripts/test.sh -p gateway      ... including package selection and test name filters
#
# Needs Postgres (installed and started when missing; DATABASE_URL's role must be able to create
# databases, since #[sqlx::test] makes a fresh one per test) and the nats-server binary (the
# integration tests start their own servers on free ports). Environment:
#   DATABASE_URL      default postgres://postgres:postgres@127.0.0.1:5432/postgres
#   NATS_URL          default nats://127.0.0.1:4222
#   TEST_NATS_SERVER  default: nats-server found on PATH
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"

PHASES=()

# phase NAME COMMAND...: run one step, print its time, stop on failure.
phase() {
    local name=$1 start rc=0 took
    shift
    printf '%s==> %s%s\n' "$_tw_bold" "$name" "$_tw_off" >&2
    start=$(now_ms)
    "$@" || rc=$?
    took=$(fmt_ms $(($(now_ms) - start)))
    PHASES+=("$(printf '%-10s %8s  %s' "$name" "$took" "$([[ $rc == 0 ]] && echo ok || echo "FAILED ($rc)")")")
    if ((rc != 0)); then
        summary
        err "$name failed (status $rc) after $took"
        exit "$rc"
    fi
    printf '    %s ok (%s)\n' "$name" "$took" >&2
}

summary() {
    printf '\n%-10s %8s  %s\n' phase time result >&2
    printf '%s\n' "${PHASES[@]}" >&2
}

services() {
    ensure_postgres
    ensure_createdb
    ensure_nats_binary
    ensure_nats
}

TOTAL_START=$(now_ms)

require_cargo
ensure_rust_components

export DATABASE_URL=${DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres}
export NATS_URL=${NATS_URL:-$TW_DEFAULT_NATS_URL}
phase services services
phase browser ensure_browser_tools
phase mcp ensure_mcp_tools
phase schema ensure_schema_tools
TEST_NATS_SERVER=${TEST_NATS_SERVER:-$(command -v nats-server)}
export TEST_NATS_SERVER
# Offline query data, when the workspace keeps it, so sqlx macros don't need a migrated database.
if [[ -d .sqlx && -z ${SQLX_OFFLINE:-} ]]; then
    export SQLX_OFFLINE=true
fi

phase fmt cargo fmt --all -- --check
phase clippy cargo clippy --workspace --all-targets -- -D warnings
# cargo test, with its output kept to count the results of every test binary at the end.
TEST_LOG_FILE=$(mktemp)
trap 'rm -f "$TEST_LOG_FILE"' EXIT
run_tests() {
    local scope=(--workspace) arg
    for arg in "$@"; do
        [[ $arg == -p || $arg == --package || $arg == --package=* || $arg == -p* ]] && scope=()
        [[ $arg == -- ]] && break
    done
    cargo test "${scope[@]}" "$@" 2>&1 | tee "$TEST_LOG_FILE"
}
phase test run_tests "$@"

summary
printf '%-10s %8s\n' total "$(fmt_ms $(($(now_ms) - TOTAL_START)))" >&2
# One closing line for all test binaries together.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed/) p += $(i - 1); if ($i ~ /^failed/) f += $(i - 1) } }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$TEST_LOG_FILE"
