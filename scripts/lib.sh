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

# parse_pg_url URL: sets PG_USER PG_PASS PG_HOST PG_PORT PG_DB (decoded) and the raw parts
# _PG_SCHEME _PG_AUTH ("user:pass@" or "") _PG_HOSTPORT _PG_QUERY.
# shellcheck disable=SC2034 # PG_DB is for callers
parse_pg_url() {
    local url=$1
    local re='^(postgres|postgresql)://(([^:@/?]*)(:([^@/?]*))?@)?((\[[^]/]*\]|[^:/?]*)(:([0-9]+))?)(/([^?]*))?(\?.*)?$'
    [[ $url =~ $re ]] || die "DATABASE_URL is not a postgres:// URL: $(redact_url "$url")"
    _PG_SCHEME=${BASH_REMATCH[1]}
    _PG_AUTH=${BASH_REMATCH[2]}
    PG_USER=$(urldecode "${BASH_REMATCH[3]}")
    PG_PASS=$(urldecode "${BASH_REMATCH[5]}")
    _PG_HOSTPORT=${BASH_REMATCH[6]}
    PG_HOST=${BASH_REMATCH[7]}
    PG_HOST=${PG_HOST#[}
    PG_HOST=${PG_HOST%]}
    PG_PORT=${BASH_REMATCH[9]:-5432}
    PG_DB=$(urldecode "${BASH_REMATCH[11]}")
    _PG_QUERY=${BASH_REMATCH[12]}
    # A Unix-socket URL keeps its directory in ?host=...; treat it as local.
    if [[ -z $PG_HOST && $_PG_QUERY =~ [?\&]host=([^\&]*) ]]; then
        PG_HOST=$(urldecode "${BASH_REMATCH[1]}")
    fi
    [[ -n $PG_USER ]] || PG_USER=${USER:-$(id -un)}
}

# pg_url_with_db URL DBNAME: the same URL pointing at another database.
pg_url_with_db() {
    parse_pg_url "$1"
    printf '%s://%s%s/%s%s' "$_PG_SCHEME" "$_PG_AUTH" "$_PG_HOSTPORT" "$2" "$_PG_QUERY"
}

# pg_ready: the server of the last parsed URL accepts connections.
pg_ready() {
    if have pg_isready; then
        local args=(-q -t 3 -p "$PG_PORT")
        [[ -n $PG_HOST ]] && args+=(-h "$PG_HOST")
        pg_isready "${args[@]}" >/dev/null 2>&1
    elif [[ -n $PG_HOST && $PG_HOST != /* ]]; then
        tcp_open "$PG_HOST" "$PG_PORT"
    else
        return 1
    fi
}

_pg_where() { printf '%s:%s' "${PG_HOST:-local socket}" "$PG_PORT"; }

# _pg_server_installed: a local Postgres server package is present.
_pg_server_installed() {
    have pg_ctlcluster && compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null
}

# _pg_start_local: start the local cluster that listens on PG_PORT.
_pg_start_local() {
    local out rc=0
    if systemd_running; then
        info "starting Postgres (systemctl start postgresql)"
        as_root systemctl start postgresql || die "systemctl start postgresql failed; see: journalctl -u 'postgresql*'"
        return 0
    fi
    local line ver='' name='' _ver _name port status
    if [[ -z $(pg_lsclusters -h 2>/dev/null) ]]; then
        ver=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
        info "creating Postgres cluster $ver/main"
        out=$(as_root pg_createcluster "$ver" main 2>&1) || die "pg_createcluster $ver main failed: $out"
    fi
    while read -r line; do
        read -r _ver _name port status _ <<<"$line"
        if [[ $port == "$PG_PORT" ]]; then
            ver=$_ver name=$_name
            break
        fi
    done < <(pg_lsclusters -h 2>/dev/null)
    if [[ -z $name ]]; then
        die "no local Postgres cluster listens on port $PG_PORT (pg_lsclusters shows: $(pg_lsclusters -h 2>/dev/null | awk '{print $1"/"$2" port "$3}' | paste -sd, -)). Point DATABASE_URL at its port."
    fi
    [[ $status == online* ]] && return 0
    info "starting Postgres $ver/$name (pg_ctlcluster)"
    out=$(as_root pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start 2>&1) || rc=$?
    if ((rc != 0)); then
        printf '%s\n' "$out" >&2
        die "could not start Postgres $ver/$name; see /var/log/postgresql/postgresql-$ver-$name.log"
    fi
}

# _pg_psql_as_admin SQL [psql args...]: run SQL as the postgres superuser over the local socket.
_pg_psql_as_admin() {
    local sql=$1
    shift
    printf '%s\n' "$sql" | as_postgres psql -X -q -A -t -v ON_ERROR_STOP=1 -p "$PG_PORT" -d postgres "$@"
}

# _pg_setup_role: give DATABASE_URL's role the URL's password, when the role has none yet (a
# fresh install) or does not exist. A role with another password is left alone.
_pg_setup_role() {
    getent passwd postgres >/dev/null || return 1
    local state out
    state=$(_pg_psql_as_admin "SELECT CASE WHEN rolpassword IS NULL THEN 'none' ELSE 'set' END FROM pg_authid WHERE rolname = :'u';" -v u="$PG_USER" 2>&1) || {
        warn "could not inspect Postgres roles as the postgres user: $state"
        return 1
    }
    case $state in
    '')
        info "creating Postgres role $PG_USER (from DATABASE_URL)"
        out=$(_pg_psql_as_admin "CREATE ROLE :\"u\" LOGIN CREATEDB PASSWORD :'p';" -v u="$PG_USER" -v p="$PG_PASS" 2>&1) || die "could not create role $PG_USER: $out"
        ;;
    none)
        info "setting the password of Postgres role $PG_USER (from DATABASE_URL)"
        out=$(_pg_psql_as_admin "ALTER ROLE :\"u\" WITH LOGIN PASSWORD :'p';" -v u="$PG_USER" -v p="$PG_PASS" 2>&1) || die "could not set the password of role $PG_USER: $out"
        ;;
    *) return 1 ;;
    esac
}

# _pg_login_error: empty when DATABASE_URL's credentials log in; else psql's error.
_pg_login_error() {
    local admin
    admin=$(pg_url_with_db "$1" postgres)
    { PGCONNECT_TIMEOUT=5 psql "$admin" -X -q -A -t -c 'SELECT 1' >/dev/null || true; } 2>&1
}

# _pg_ensure_psql: psql is available (installed when the server is local).
_pg_ensure_psql() {
    have psql && return 0
    if is_local_host "$PG_HOST"; then
        apt_install postgresql-client || die "psql is missing and could not be installed"
        return 0
    fi
    warn "psql not found: cannot check the login to $(_pg_where) (apt-get install postgresql-client)"
    return 1
}

ensure_postgres() {
    local url=${DATABASE_URL:-$TW_DEFAULT_DATABASE_URL} login
    parse_pg_url "$url"
    if ! pg_ready; then
        if ! is_local_host "$PG_HOST"; then
            die "Postgres at $(_pg_where) is not reachable (DATABASE_URL=$(redact_url "$url")). Start it, or unset DATABASE_URL to use a local one."
        fi
        if ! _pg_server_installed; then
            apt_install postgresql || die "could not install Postgres; install it yourself (or point DATABASE_URL at one), then run this again."
            parse_pg_url "$url"
        fi
        pg_ready || _pg_start_local
        wait_for "Postgres on $(_pg_where)" 60 pg_ready || die "Postgres did not come up; see /var/log/postgresql/"
    fi
    _pg_ensure_psql || return 0
    login=$(_pg_login_error "$url")
    [[ -z $login ]] && return 0
    if is_local_host "$PG_HOST" && [[ $login == *"password authentication failed"* || $login == *"no password supplied"* || $login == *"does not exist"* ]] && _pg_setup_role; then
        login=$(_pg_login_error "$url")
        [[ -z $login ]] && return 0
    fi
    err "cannot log in to Postgres at $(_pg_where) as $PG_USER: ${login%%$'\n'*}"
    cat >&2 <<EOF
  DATABASE_URL=$(redact_url "$url")
  Put the right user and password in DATABASE_URL (environment or .env), or set them on the
  server, e.g.:  sudo -u postgres psql -c "ALTER ROLE $PG_USER WITH LOGIN PASSWORD '...'"
EOF
    exit 1
}

# ensure_createdb: DATABASE_URL's role may create databases (needed by #[sqlx::test]).
ensure_createdb() {
    local url=${DATABASE_URL:-$TW_DEFAULT_DATABASE_URL} admin ok
    have psql || return 0
    parse_pg_url "$url"
    admin=$(pg_url_with_db "$url" postgres)
    ok=$(psql "$admin" -X -q -A -t -c 'SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user' 2>&1) || die "cannot query Postgres at $(_pg_where): $ok"
    [[ $ok == t ]] && return 0
    die "Postgres role $PG_USER may not create databases, which the tests need. Grant it: sudo -u postgres psql -c 'ALTER ROLE \"$PG_USER\" CREATEDB'"
}

# ensure_database NAME: create database NAME on DATABASE_URL's server when it is missing.
ensure_database() {
    local name=$1 url=${DATABASE_URL:-$TW_DEFAULT_DATABASE_URL} admin found out
    [[ $name =~ ^[A-Za-z_][A-Za-z0-9_-]*$ ]] || die "ensure_database: unsupported database name '$name'"
    if ! have psql; then
        warn "psql not found: cannot check that database $name exists"
        return 0
    fi
    parse_pg_url "$url"
    admin=$(pg_url_with_db "$url" postgres)
    found=$(psql "$admin" -X -q -A -t -c "SELECT 1 FROM pg_database WHERE datname = '$name'" 2>&1) || die "cannot list databases on $(_pg_where): $found"
    [[ $found == 1 ]] && return 0
    info "creating database $name on $(_pg_where)"
    if ! out=$(psql "$admin" -X -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$name\"" 2>&1); then
        [[ $out == *"already exists"* ]] || die "could not create database $name: $out"
    fi
}

# ---------------------------------------------------------------------------------------------
# NATS

# parse_nats_url URL: sets NATS_HOST and NATS_PORT from the first server of a NATS URL list.
parse_nats_url() {
    local u=${1%%,*}
    u=${u#*://}
    u=${u##*@}
    u=${u%%/*}
    if [[ $u =~ ^\[([^]]*)\](:([0-9]+))?$ || $u =~ ^([^:]*)(:([0-9]+))?$ ]]; then
        NATS_HOST=${BASH_REMATCH[1]:-127.0.0.1}
        NATS_PORT=${BASH_REMATCH[3]:-4222}
    else
        die "cannot read host and port from NATS_URL=$1"
    fi
}

# nats_info HOST PORT: prints the INFO line a NATS server sends on connect.
nats_info() {
    local line
    # shellcheck disable=SC2016 # $0, $1 and $l expand in the inner bash
    line=$(timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1" && IFS= read -r -t 2 l <&3 && printf "%s" "$l"' "$1" "$2" 2>/dev/null) || return 1
    [[ $line == INFO* ]] || return 1
    printf '%s\n' "$line"
}

# nats_js_ready HOST PORT: a NATS server with JetStream enabled answers there.
nats_js_ready() {
    local line
    line=$(nats_info "$1" "$2") || return 1
    [[ $line == *'"jetstream":true'* ]]
}

# ensure_nats_binary: nats-server on PATH (installed with apt when missing).
ensure_nats_binary() {
    have nats-server && return 0
    if ! apt_install nats-server; then
        die "could not install nats-server. On Ubuntu enable 'universe' (sudo add-apt-repository universe), or put a release from https://github.com/nats-io/nats-server/releases on PATH."
    fi
    have nats-server || die "nats-server is still not on PATH after installing it"
}

# _nats_systemd_enable_js: give the packaged nats-server.service JetStream (a drop-in), restart it.
_nats_systemd_enable_js() {
    local dir=/etc/systemd/system/nats-server.service.d bin conf=''
    bin=$(command -v nats-server)
    [[ -f /etc/nats-server.conf ]] && conf=' -c /etc/nats-server.conf'
    info "enabling JetStream for nats-server.service ($dir/taskwire.conf)"
    as_root mkdir -p "$dir"
    as_root tee "$dir/taskwire.conf" >/dev/null <<EOF
# Written by Taskwire's scripts/lib.sh: Taskwire needs JetStream. Delete this file to undo.
[Service]
ExecStart=
ExecStart=$bin$conf -js -sd /var/lib/nats-server
StateDirectory=nats-server
EOF
    as_root systemctl daemon-reload
    as_root systemctl enable nats-server >/dev/null 2>&1 || true
    as_root systemctl restart nats-server || die "systemctl restart nats-server failed; see: journalctl -u nats-server"
}

# _nats_start_local: start a JetStream nats-server on NATS_HOST:NATS_PORT.
_nats_start_local() {
    local bin addr=$NATS_HOST
    bin=$(command -v nats-server)
    [[ $addr == localhost ]] && addr=127.0.0.1
    if systemd_running && [[ $NATS_PORT == 4222 && $addr == 127.0.0.1 ]] && systemctl cat nats-server >/dev/null 2>&1; then
        _nats_systemd_enable_js
        return 0
    fi
    if ((EUID == 0)); then
        local store=/var/lib/nats-server log=/var/log/nats-server.log
        if [[ $NATS_PORT != 4222 ]]; then
            store=/var/lib/nats-server-$NATS_PORT log=/var/log/nats-server-$NATS_PORT.log
        fi
        info "starting nats-server with JetStream on $addr:$NATS_PORT (store $store, log $log)"
        mkdir -p "$store"
        start-stop-daemon --start --quiet --oknodo --background \
            --make-pidfile --pidfile "/run/nats-server-$NATS_PORT.pid" --exec "$bin" -- \
            -a "$addr" -p "$NATS_PORT" -js -sd "$store" -l "$log" ||
            die "could not start nats-server; see $log"
    else
        local dir=${XDG_STATE_HOME:-$HOME/.local/state}/taskwire/nats-$NATS_PORT
        info "starting nats-server with JetStream on $addr:$NATS_PORT (store and log in $dir)"
        mkdir -p "$dir"
        setsid nohup "$bin" -a "$addr" -p "$NATS_PORT" -js -sd "$dir/jetstream" \
            -l "$dir/nats-server.log" -P "$dir/nats-server.pid" </dev/null >/dev/null 2>&1 &
    fi
}

ensure_nats() {
    local url=${NATS_URL:-$TW_DEFAULT_NATS_URL} where
    parse_nats_url "$url"
    where="$NATS_HOST:$NATS_PORT"
    if nats_info "$NATS_HOST" "$NATS_PORT" >/dev/null; then
        nats_js_ready "$NATS_HOST" "$NATS_PORT" && return 0
        if is_local_host "$NATS_HOST" && systemd_running && [[ $NATS_PORT == 4222 ]] &&
            systemctl is-active --quiet nats-server 2>/dev/null; then
            _nats_systemd_enable_js
            wait_for "NATS JetStream on $where" 30 nats_js_ready "$NATS_HOST" "$NATS_PORT" ||
                die "nats-server.service came back without JetStream; see: journalctl -u nats-server"
            return 0
        fi
        die "the NATS server at $where runs without JetStream. Restart it with -js (or a 'jetstream {}' block in its config)."
    fi
    if ! is_local_host "$NATS_HOST"; then
        die "NATS at $where is not reachable (NATS_URL=$(redact_url "$url")). Start it, or unset NATS_URL to use a local one."
    fi
    if tcp_open "$NATS_HOST" "$NATS_PORT"; then
        die "port $NATS_PORT on $NATS_HOST is taken by something that is not a NATS server; free it or set NATS_URL"
    fi
    ensure_nats_binary
    # Installing the package may have started the service (systemd): look again.
    nats_js_ready "$NATS_HOST" "$NATS_PORT" && return 0
    _nats_start_local
    wait_for "NATS JetStream on $where" 30 nats_js_ready "$NATS_HOST" "$NATS_PORT" ||
        die "nats-server did not come up with JetStream on $where (see its log)"
}

# ---------------------------------------------------------------------------------------------
# Rust

# require_cargo: cargo on PATH (also looks in ~/.cargo/bin), new enough for the workspace.
require_cargo() {
    if ! have cargo && [[ -x ${CARGO_HOME:-$HOME/.cargo}/bin/cargo ]]; then
        PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
        export PATH
    fi
    if ! have cargo; then
        cat >&2 <<'EOF'
error: cargo (the Rust toolchain) is not installed.
Install Rust with rustup (https://rustup.rs):
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y
    . "$HOME/.cargo/env"
then run this command again.
EOF
        exit 1
    fi
    local want have_v root
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    want=$(sed -n 's/^rust-version *= *"\([0-9.]*\)".*/\1/p' "$root/Cargo.toml" 2>/dev/null | head -n 1)
    have_v=$(cargo --version 2>/dev/null | awk '{print $2}')
    have_v=${have_v%%-*}
    if [[ -n $want && -n $have_v ]] && [[ $(printf '%s\n%s\n' "$want" "$have_v" | sort -V | head -n 1) != "$want" ]]; then
        die "this workspace needs Rust $want or newer; cargo is $have_v. Update it: rustup update stable"
    fi
}

# ensure_rust_components: cargo fmt and cargo clippy work (rustup component add when missing).
ensure_rust_components() {
    local comp sub
    for comp in rustfmt clippy; do
        sub=${comp/rustfmt/fmt}
        cargo "$sub" --version >/dev/null 2>&1 && continue
        if have rustup; then
            info "installing the $comp component (rustup component add $comp)"
            rustup component add "$comp" >/dev/null 2>&1 || die "rustup component add $comp failed"
        else
            die "'cargo $sub' is missing: install $comp (with rustup: rustup component add $comp)"
        fi
    done
}

# ---------------------------------------------------------------------------------------------
# Browser test

# ensure_browser_tools: what tests/browser needs, installed when missing and quiet when present:
# Debian's Chromium (a test tool's own browser download cannot work offline), Node.js with npm,
# and playwright-core from tests/browser/package-lock.json (npm ci).
ensure_browser_tools() {
    local root dir chromium log rc=0
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    dir="$root/tests/browser"
    chromium=${CHROMIUM_PATH:-/usr/bin/chromium}
    if [[ ! -x $chromium ]]; then
        apt_install chromium || die "could not install Chromium for the browser test; install it, or set CHROMIUM_PATH to a Chromium binary"
        [[ -x $chromium ]] || die "Chromium is still not at $chromium; set CHROMIUM_PATH to a Chromium binary"
    fi
    if ! have node || ! have npm; then
        apt_install nodejs npm || die "could not install Node.js and npm for the browser test"
    fi
    # npm ci when the packages are missing or the lock file changed since they were installed.
    if [[ ! -d $dir/node_modules/playwright-core || $dir/package-lock.json -nt $dir/node_modules/.package-lock.json ]]; then
        info "installing the browser test's Node packages (npm ci in tests/browser)"
        log=$(mktemp)
        (cd "$dir" && npm ci --no-audit --no-fund) >"$log" 2>&1 || rc=$?
        if ((rc != 0)); then
            tail -n 30 "$log" >&2
            rm -f "$log"
            die "npm ci in tests/browser failed (status $rc)"
        fi
        rm -f "$log"
    fi
}
