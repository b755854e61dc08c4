# shellcheck shell=bash
# NATS: parse NATS_URL, check JetStream, install and start a local server. Sourced by scripts/lib.sh; see its header for the functions.

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
