#!/usr/bin/env bash
# The conversation eval (tests/eval/README.md): a table of conversations run against the real
# stack (gateway, a worker, Postgres, NATS), scored per category; prints the table and the
# failing rows, and writes target/eval/<model>.json.
#
#   scripts/eval.sh                                  the builtin model (what CI runs)
#   scripts/eval.sh --openai URL MODEL [API_KEY]     any OpenAI-compatible server, e.g.
#                                                    --openai http://127.0.0.1:8089/v1 qwen2.5-coder-1.5b
#   EVAL_ONLY=followup scripts/eval.sh               the cases of one category, or whose id has it
#   EVAL_CONCURRENCY=4 EVAL_MIN_RATE=0.8 ...         cases at once; fail under this English pass rate
#   EVAL_RAILS=basic scripts/eval.sh --openai ...    without steering by the builtin's reading
#                                                    (MODEL_RAILS=basic): the model's own share
#
# A real small model on two cores takes minutes per ten cases: see docs/models.md, "Model
# quality", for the recipe with ../shared/tools/local-llm.sh.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"

if [[ ${1:-} == --openai ]]; then
    [[ $# -ge 3 ]] || die "usage: scripts/eval.sh --openai URL MODEL [API_KEY]"
    export EVAL_OPENAI_BASE_URL=$2 EVAL_OPENAI_MODEL=$3
    [[ -n ${4:-} ]] && export EVAL_OPENAI_API_KEY=$4
fi

require_cargo
export DATABASE_URL=${DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres}
ensure_postgres
ensure_createdb
ensure_nats_binary
TEST_NATS_SERVER=${TEST_NATS_SERVER:-$(command -v nats-server)}
export TEST_NATS_SERVER
exec cargo test -p taskwire-tests --test eval -- --nocapture
