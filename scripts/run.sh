#!/usr/bin/env bash
# Run Taskwire locally: Postgres + NATS (installed and started when missing), the gateway and
# WORKERS workers, built in release mode. Ctrl-C stops everything this script started (Postgres
# and NATS keep running).
#
#   scripts/run.sh
#   WORKERS=4 scripts/run.sh
#
# Settings come from the environment, then .env (see .env.example). Logs: target/run-logs/.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"

load_env_file "$ROOT/.env"
export DATABASE_URL=${DATABASE_URL:-$TW_DEFAULT_DATABASE_URL}
export NATS_URL=${NATS_URL:-$TW_DEFAULT_NATS_URL}
export GATEWAY_ADDR=${GATEWAY_ADDR:-127.0.0.1:8080}
WORKERS=${WORKERS:-2}
[[ $WORKERS =~ ^[0-9]+$ ]] || die "WORKERS must be a number, not '$WORKERS'"
STOP_TIMEOUT=${STOP_TIMEOUT:-10}
LOG_DIR=$ROOT/target/run-logs

# Where to reach the gateway from this machine.
if [[ $GATEWAY_ADDR =~ ^(\[.*\]|[^:]*):([0-9]+)$ ]]; then
    GW_HOST=${BASH_REMATCH[1]} GW_PORT=${BASH_REMATCH[2]}
else
    die "GATEWAY_ADDR must be HOST:PORT, not '$GATEWAY_ADDR'"
fi
case $GW_HOST in '' | 0.0.0.0 | '[::]') GW_HOST=127.0.0.1 ;; esac
BASE_URL="http://$GW_HOST:$GW_PORT"

require_cargo
ensure_postgres
parse_pg_url "$DATABASE_URL"
ensure_database "${PG_DB:-taskwire}"
ensure_nats

if tcp_open "${GW_HOST//[\[\]]/}" "$GW_PORT"; then
    die "$GW_HOST:$GW_PORT is already in use (another scripts/run.sh?). Stop it, or set GATEWAY_ADDR."
fi

info "building gateway and worker (cargo build --release)"
cargo build --release --bin gateway --bin worker

PIDS=()
NAMES=()

# start NAME COMMAND...: run COMMAND in the background; its output goes to target/run-logs/NAME.log
# and, prefixed with NAME, to this terminal.
start() {
    local name=$1
    shift
    : >"$LOG_DIR/$name.log"
    "$@" > >(tee -a "$LOG_DIR/$name.log" | sed -u "s/^/$(printf '%-9s' "$name") | /") 2>&1 &
    PIDS+=("$!")
    NAMES+=("$name")
}

alive() { kill -0 "$1" 2>/dev/null; }

cleanup() {
    trap - EXIT INT TERM
    local pid live=() i
    for pid in "${PIDS[@]}"; do alive "$pid" && live+=("$pid"); done
    if ((${#live[@]} > 0)); then
        info "stopping ${#live[@]} process(es)"
        kill -TERM "${live[@]}" 2>/dev/null || true
        for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
            live=()
            for pid in "${PIDS[@]}"; do alive "$pid" && live+=("$pid"); done
            ((${#live[@]} == 0)) && break
            sleep 0.1
        done
        if ((${#live[@]} > 0)); then
            warn "still running after ${STOP_TIMEOUT}s, killing: ${live[*]}"
            kill -KILL "${live[@]}" 2>/dev/null || true
        fi
    fi
    wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# reap PID: sets RC to the exit status of a finished child (in this shell: wait needs that).
reap() {
    RC=0
    wait "$1" 2>/dev/null || RC=$?
}

mkdir -p "$LOG_DIR"
# On a laptop: without JWT_SECRET the gateway signs with its public development secret.
export TASKWIRE_DEV=${TASKWIRE_DEV:-true}
start gateway "$ROOT/target/release/gateway"
GATEWAY_PID=${PIDS[0]}

# The gateway applies migrations at start: let it be up before the workers start.
gateway_up() {
    alive "$GATEWAY_PID" || return 0
    if have curl; then
        curl -fsS -o /dev/null --max-time 2 "$BASE_URL/healthz" 2>/dev/null
    else
        tcp_open "${GW_HOST//[\[\]]/}" "$GW_PORT"
    fi
}
wait_for "gateway on $BASE_URL" 120 gateway_up || die "the gateway did not answer; see $LOG_DIR/gateway.log"
if ! alive "$GATEWAY_PID"; then
    reap "$GATEWAY_PID"
    die "the gateway exited (status $RC); see $LOG_DIR/gateway.log"
fi

for ((n = 1; n <= WORKERS; n++)); do
    start "worker-$n" "$ROOT/target/release/worker"
done

cat >&2 <<EOF

${_tw_bold}Taskwire is running${_tw_off}: gateway + $WORKERS worker(s); logs in target/run-logs/
  Web chat   $BASE_URL/
  API docs   $BASE_URL/docs
  Ready?     $BASE_URL/readyz
  A token for user alice (in another terminal, from $ROOT):
    TOKEN=\$(TASKWIRE_DEV=true target/release/gateway token --user alice)
    curl -H "Authorization: Bearer \$TOKEN" $BASE_URL/api/alice/tasks
Press Ctrl-C to stop.

EOF

declare -A REPORTED=()
while :; do
    if ! alive "$GATEWAY_PID"; then
        reap "$GATEWAY_PID"
        die "the gateway exited (status $RC); see $LOG_DIR/gateway.log"
    fi
    workers_alive=0
    for ((i = 1; i < ${#PIDS[@]}; i++)); do
        if alive "${PIDS[i]}"; then
            workers_alive=$((workers_alive + 1))
        elif [[ -z ${REPORTED[$i]:-} ]]; then
            REPORTED[$i]=1
            reap "${PIDS[i]}"
            warn "${NAMES[i]} exited (status $RC); see $LOG_DIR/${NAMES[i]}.log"
        fi
    done
    if ((WORKERS > 0 && workers_alive == 0)); then
        die "all workers exited; stopping"
    fi
    sleep 1
done
