#!/usr/bin/env bash
# Run Taskwire's load scenarios against a private stack and write bench/results/.
#
#   bench/run.sh                      all five scenarios (about 6 minutes on 2 cores)
#   SCENARIOS="chat tasks" bench/run.sh   a subset: chat llm history tasks streams
#
# Starts its own database (a fresh name on DATABASE_URL's Postgres, or this machine's), its own
# nats-server with JetStream on a free port, the release gateway and workers, runs `loadgen` for each
# scenario, writes bench/results/*.json, SUMMARY.md and PNG charts, and tears it all down.
# Sizes (environment):
#   BENCH_WARMUP=2 BENCH_DURATION=8      seconds of warm-up / measurement per closed-loop point
#   BENCH_USERS=1,10,50,200              scenario 1 load levels
#   BENCH_WORKERS=2 BENCH_WORKER_CONCURRENCY=32   builtin workers for scenarios 1 and 3
#   BENCH_LLM_CONCURRENCY="8 32 128 512" BENCH_LLM_WORKERS="1 2 4" BENCH_LLM_PER_WORKER=32
#   BENCH_TTFT_MS=800 BENCH_TOKENS_PER_SEC=40      the fake model's pace
#   BENCH_HISTORY_SIZES=10,1000,10000 BENCH_HISTORY_TURNS=40
#   BENCH_CONNECTIONS=64                 scenario 4
#   BENCH_STREAMS=1000 BENCH_HOLD=15     scenario 5
#   BENCH_KEEP=1                         only start the stack (builtin workers), print its
#                                        addresses and wait: for profiling with loadgen by hand
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
RESULTS=$ROOT/bench/results
SCENARIOS=${SCENARIOS:-chat history tasks llm streams}
WARMUP=${BENCH_WARMUP:-2}
DURATION=${BENCH_DURATION:-8}
SECRET=${JWT_SECRET:-taskwire-bench-secret-0123456789abcdef}
# Postgres: DATABASE_URL's server if set; otherwise this machine's, through its Unix socket
# when that accepts us (a co-located deployment connects so: no TCP stack, ~45% more task-list
# requests per second here), else over TCP.
LOCAL_SOCKET=postgres://postgres@%2Fvar%2Frun%2Fpostgresql/
if [[ -n ${DATABASE_URL:-} ]]; then
    PG_BASE=$DATABASE_URL
elif [[ -S /var/run/postgresql/.s.PGSQL.5432 ]] && psql "${LOCAL_SOCKET}postgres" -qAtc 'select 1' >/dev/null 2>&1; then
    PG_BASE=$LOCAL_SOCKET
else
    PG_BASE=postgres://postgres:postgres@127.0.0.1:5432/
fi
PG_BASE=${PG_BASE%/*}/ # drop the database name
DB_NAME=taskwire_bench_$(date +%s)_$$
DB_URL=$PG_BASE$DB_NAME
WORK=$(mktemp -d)
LOGS=$ROOT/target/bench-logs
mkdir -p "$LOGS" "$RESULTS"
BIN=$ROOT/target/release

log() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
    for _ in $(seq 200); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.05
    done
    echo "nothing listens on port $1" >&2
    return 1
}

PIDS=()
WORKER_PIDS=()
cleanup() {
    local pid
    for pid in "${WORKER_PIDS[@]}" "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${WORKER_PIDS[@]}" "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    psql "${PG_BASE}postgres" -qc "drop database if exists $DB_NAME with (force)" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

log "building release binaries"
cargo build --release --bin gateway --bin worker --bin loadgen
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

log "database $DB_NAME"
psql "${PG_BASE}postgres" -qc "create database $DB_NAME" >/dev/null

NATS_PORT=$(free_port)
nats-server -a 127.0.0.1 -p "$NATS_PORT" -js -sd "$WORK/nats" >"$LOGS/nats.log" 2>&1 &
PIDS+=($!)
wait_port "$NATS_PORT"
NATS_URL=nats://127.0.0.1:$NATS_PORT

GW_PORT=$(free_port)
GATEWAY=http://127.0.0.1:$GW_PORT
# The gateway's /metrics asks for this token; loadgen reads it from the environment too.
METRICS_TOKEN=${METRICS_TOKEN:-taskwire-bench-metrics-$RANDOM$RANDOM}
export DATABASE_URL=$DB_URL NATS_URL JWT_SECRET=$SECRET METRICS_TOKEN LOG_FORMAT=json RUST_LOG=${RUST_LOG:-warn}
GATEWAY_ADDR=127.0.0.1:$GW_PORT CHAT_RATE_PER_MINUTE=10000000 CHAT_BURST=10000000 \
    MAX_OPEN_JOBS_PER_USER=100000 "$BIN/gateway" >"$LOGS/gateway.log" 2>&1 &
GATEWAY_PID=$!
PIDS+=("$GATEWAY_PID")
wait_port "$GW_PORT"

# start_workers COUNT CONCURRENCY [openai BASE_URL]; WORKER_METRICS lists their /metrics pages
start_workers() {
    local count=$1 concurrency=$2 provider=${3:-builtin} base=${4:-http://127.0.0.1:9/v1} i port
    WORKER_METRICS=()
    for ((i = 0; i < count; i++)); do
        port=$(free_port)
        MODEL_PROVIDER=$provider OPENAI_BASE_URL=$base OPENAI_API_KEY=bench OPENAI_MODEL=bench-model \
            WORKER_CONCURRENCY=$concurrency WORKER_ID=bench-$i SHUTDOWN_GRACE=5s \
            WORKER_METRICS_ADDR=127.0.0.1:$port "$BIN/worker" >>"$LOGS/worker-$i.log" 2>&1 &
        WORKER_PIDS+=($!)
        WORKER_METRICS+=("http://127.0.0.1:$port/metrics")
    done
    sleep 1
}
stop_workers() {
    local pid
    for pid in "${WORKER_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${WORKER_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    WORKER_PIDS=()
}
has() { [[ " $SCENARIOS " == *" $1 "* ]]; }
stack=(--gateway "$GATEWAY" --secret "$SECRET" --database-url "$DB_URL")
window=(--warmup "$WARMUP" --duration "$DURATION")

start_workers "${BENCH_WORKERS:-2}" "${BENCH_WORKER_CONCURRENCY:-32}"
if [[ ${BENCH_KEEP:-} == 1 ]]; then # keep the stack up for profiling; Ctrl-C tears it down
    printf 'GATEWAY=%s DATABASE_URL=%s NATS_URL=%s JWT_SECRET=%s\ngateway pid %s, worker pids %s\n' \
        "$GATEWAY" "$DB_URL" "$NATS_URL" "$SECRET" "$GATEWAY_PID" "${WORKER_PIDS[*]}"
    wait "$GATEWAY_PID"
    exit 0
fi
if has chat; then
    log "scenario 1: orchestration overhead"
    "$BIN/loadgen" chat "${stack[@]}" "${window[@]}" --users "${BENCH_USERS:-1,10,50,200}" \
        --worker-metrics "$(IFS=,; echo "${WORKER_METRICS[*]}")" --out "$RESULTS/chat.json"
fi
if has history; then
    log "scenario 3: history length"
    "$BIN/loadgen" history "${stack[@]}" --sizes "${BENCH_HISTORY_SIZES:-10,1000,10000}" \
        --turns "${BENCH_HISTORY_TURNS:-40}" --out "$RESULTS/history.json"
fi
if has tasks; then
    log "scenario 4: task API"
    "$BIN/loadgen" tasks "${stack[@]}" "${window[@]}" --connections "${BENCH_CONNECTIONS:-64}" --out "$RESULTS/tasks.json"
fi
stop_workers

pace=(--ttft-ms "${BENCH_TTFT_MS:-800}" --tokens-per-sec "${BENCH_TOKENS_PER_SEC:-40}")
if has llm || has streams; then
    LLM_PORT=$(free_port)
    "$BIN/loadgen" fake-llm --addr "127.0.0.1:$LLM_PORT" "${pace[@]}" >"$LOGS/fake-llm.log" 2>&1 &
    PIDS+=($!)
    wait_port "$LLM_PORT"
    LLM=http://127.0.0.1:$LLM_PORT/v1
fi
if has llm; then
    rm -f "$RESULTS/llm.json"
    llm_point() { # SERIES WORKERS CONCURRENCY
        start_workers "$2" "$3" openai "$LLM"
        log "scenario 2: $2 worker(s) × $3"
        "$BIN/loadgen" llm "${stack[@]}" --warmup 3 --duration "${BENCH_LLM_DURATION:-12}" "${pace[@]}" \
            --series "$1" --workers "$2" --worker-concurrency "$3" \
            --worker-pids "$(IFS=,; echo "${WORKER_PIDS[*]}")" --out "$RESULTS/llm.json"
        stop_workers
    }
    for c in ${BENCH_LLM_CONCURRENCY:-8 32 128 512}; do llm_point concurrency 1 "$c"; done
    for w in ${BENCH_LLM_WORKERS:-1 2 4}; do llm_point workers "$w" "${BENCH_LLM_PER_WORKER:-32}"; done
fi
if has streams; then
    log "scenario 5: streams held open"
    # Turns slower than the hold, so every stream stays open: 512 run, the rest queue.
    SLOW_PORT=$(free_port)
    "$BIN/loadgen" fake-llm --addr "127.0.0.1:$SLOW_PORT" --ttft-ms 120000 >"$LOGS/fake-llm-slow.log" 2>&1 &
    PIDS+=($!)
    wait_port "$SLOW_PORT"
    start_workers 1 512 openai "http://127.0.0.1:$SLOW_PORT/v1"
    "$BIN/loadgen" streams "${stack[@]}" --clients "${BENCH_STREAMS:-1000}" --hold "${BENCH_HOLD:-15}" \
        --gateway-pid "$GATEWAY_PID" --out "$RESULTS/streams.json"
    stop_workers
fi

log "report"
"$BIN/loadgen" report --dir "$RESULTS"
cat "$RESULTS/SUMMARY.md"
