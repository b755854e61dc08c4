# shellcheck shell=bash
# Postgres: parse DATABASE_URL, check it, install and start a local server. Sourced by scripts/lib.sh; see its header for the functions.

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
