# shellcheck shell=bash
# Shared helpers for scripts/*.sh. Source it, don't run it.
#
#   ensure_postgres        Postgres reachable at DATABASE_URL, and its login works
#                          (installs and starts a local one when DATABASE_URL is local)
#   ensure_database NAME   create database NAME on DATABASE_URL's server if missing
#   ensure_createdb        DATABASE_URL's role may create databases (#[sqlx::test] needs it)
#   ensure_nats            NATS with JetStream reachable at NATS_URL
#                          (installs and starts a local one when NATS_URL is local)
#   ensure_nats_binary     nats-server on PATH (integration tests start their own)
#   require_cargo          cargo on PATH, or how to install Rust
#   ensure_browser_tools   Chromium, Node.js and playwright-core for tests/browser
#   ensure_mcp_tools       the MCP Python SDK (tests/mcp/.venv) and the MCP Inspector for tests/mcp
#   ensure_schema_tools    schemathesis (tests/schema/.venv) for tests/schema
#
# Everything is quiet when there is nothing to do, says what it changes, and stops with a clear
# message when it cannot go on. Installing uses apt-get (with sudo when not root); starting uses
# systemctl when systemd runs, else pg_ctlcluster / start-stop-daemon. DATABASE_URL and
# NATS_URL are respected; when they point at another host they are only checked.

TW_DEFAULT_DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/taskwire
TW_DEFAULT_NATS_URL=nats://127.0.0.1:4222

# Debian keeps nats-server, pg_ctlcluster helpers and start-stop-daemon in sbin, which a
# non-root PATH often lacks.
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH="$PATH:/usr/sbin" ;; esac
case ":$PATH:" in *:/sbin:*) ;; *) PATH="$PATH:/sbin" ;; esac
export PATH

# ---------------------------------------------------------------------------------------------
# Logging

if [[ -t 2 && -z ${NO_COLOR:-} ]]; then
    _tw_bold=$'\e[1m' _tw_red=$'\e[31m' _tw_yellow=$'\e[33m' _tw_off=$'\e[0m'
else
    _tw_bold='' _tw_red='' _tw_yellow='' _tw_off=''
fi

# info MESSAGE: a step that changes something (installing, starting, creating).
info() { printf '%s==>%s %s\n' "$_tw_bold" "$_tw_off" "$*" >&2; }
# warn MESSAGE: something odd that does not stop us.
warn() { printf '%swarning:%s %s\n' "$_tw_yellow" "$_tw_off" "$*" >&2; }
# err MESSAGE: an error, without exiting.
err() { printf '%serror:%s %s\n' "$_tw_red" "$_tw_off" "$*" >&2; }
# die MESSAGE: an error; exits the script.
die() {
    err "$@"
    exit 1
}

have() { command -v "$1" >/dev/null 2>&1; }

# now_ms: milliseconds since the epoch.
now_ms() { date +%s%3N; }

# fmt_ms MS: "1.2s" / "2m03s".
fmt_ms() {
    local ms=$1
    if ((ms < 60000)); then
        printf '%d.%ds' $((ms / 1000)) $((ms % 1000 / 100))
    else
        printf '%dm%02ds' $((ms / 60000)) $((ms % 60000 / 1000))
    fi
}

# wait_for DESCRIPTION SECONDS COMMAND...: run COMMAND every half second until it succeeds.
wait_for() {
    local what=$1 secs=$2 i
    shift 2
    for ((i = 0; i < secs * 2; i++)); do
        "$@" && return 0
        sleep 0.5
    done
    err "$what: not ready after ${secs}s"
    return 1
}

# ---------------------------------------------------------------------------------------------
# Privileges and packages

# as_root COMMAND...: run as root (directly, or with sudo).
as_root() {
    if ((EUID == 0)); then
        "$@"
    elif have sudo; then
        sudo "$@"
    else
        die "this step needs root: $*. Run it as root, or install sudo."
    fi
}

# as_postgres COMMAND...: run as the postgres OS user (peer authentication on the local socket).
as_postgres() {
    if ((EUID == 0)); then
        (cd / && runuser -u postgres -- "$@")
    elif have sudo; then
        (cd / && sudo -u postgres -- "$@")
    else
        die "this step needs to run as the postgres user: $*. Run it as root, or install sudo."
    fi
}

systemd_running() { [[ -d /run/systemd/system ]]; }

_tw_apt_updated=0
# apt_install PACKAGE...: install Debian/Ubuntu packages, quietly; show the log on failure.
apt_install() {
    have apt-get || die "cannot install $* automatically (no apt-get here): install them with your package manager, then run this again."
    local log rc=0
    log=$(mktemp)
    if ((_tw_apt_updated == 0)); then
        info "apt-get update"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$log" 2>&1 || rc=$?
        if ((rc != 0)); then
            tail -n 20 "$log" >&2
            rm -f "$log"
            die "apt-get update failed (status $rc)"
        fi
        _tw_apt_updated=1
    fi
    info "installing $* (apt-get)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >"$log" 2>&1 || rc=$?
    if ((rc != 0)); then
        tail -n 30 "$log" >&2
        rm -f "$log"
        err "apt-get install $* failed (status $rc)"
        return 1
    fi
    rm -f "$log"
}

# ---------------------------------------------------------------------------------------------
# Small network helpers

# tcp_open HOST PORT: something accepts TCP connections there.
tcp_open() {
    # shellcheck disable=SC2016 # $0 and $1 expand in the inner bash
    timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null
}

# is_local_host HOST: loopback (or empty, meaning the local Unix socket).
is_local_host() {
    case $1 in
    '' | localhost | ::1 | 127.* | /*) return 0 ;;
    *) return 1 ;;
    esac
}

# urldecode STRING
urldecode() {
    printf '%b' "${1//%/\\x}"
}

# redact_url URL: the URL with its password replaced by ***.
redact_url() {
    local url=$1
    if [[ $url =~ ^([a-z]+://[^:@/]*):[^@/]*@(.*)$ ]]; then
        printf '%s:***@%s' "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
    else
        printf '%s' "$url"
    fi
}

# load_env_file FILE: export KEY=VALUE lines of a .env file; variables already set win (as in
# the binaries, which use dotenvy). Handles comments, `export `, and single/double quotes.
load_env_file() {
    local file=$1 line key val
    local re_kv='^[[:space:]]*(export[[:space:]]+)?([A-Za-z_][A-Za-z0-9_]*)[[:space:]]*=[[:space:]]*(.*)$'
    local re_dq='^"(.*)"[[:space:]]*(#.*)?$' re_sq="^'(.*)'[[:space:]]*(#.*)?$"
    [[ -f $file ]] || return 0
    while IFS= read -r line || [[ -n $line ]]; do
        line=${line%$'\r'}
        [[ $line =~ $re_kv ]] || continue
        key=${BASH_REMATCH[2]}
        val=${BASH_REMATCH[3]}
        if [[ $val =~ $re_dq || $val =~ $re_sq ]]; then
            val=${BASH_REMATCH[1]}
        else
            val=${val%%[[:space:]]#*}
            val=${val%"${val##*[![:space:]]}"}
        fi
        [[ -n ${!key+set} ]] && continue
        export "$key=$val"
    done <"$file"
}

# ---------------------------------------------------------------------------------------------
# Postgres

# The services and tools, one file each.
_tw_lib_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib
# shellcheck source=scripts/lib/postgres.sh
source "$_tw_lib_dir/postgres.sh"
# shellcheck source=scripts/lib/nats.sh
source "$_tw_lib_dir/nats.sh"
# shellcheck source=scripts/lib/toolchain.sh
source "$_tw_lib_dir/toolchain.sh"
