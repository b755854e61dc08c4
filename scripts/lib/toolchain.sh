# shellcheck shell=bash
# The Rust toolchain, the browser test's tools (Chromium, Node.js, playwright-core), the MCP test's (a
# Python venv with the MCP SDK, the MCP Inspector) and the OpenAPI test's (schemathesis in a venv). Sourced by scripts/lib.sh; see its header for the functions.

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
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
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
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
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

# ---------------------------------------------------------------------------------------------
# MCP test

# _tw_quiet_step DESCRIPTION COMMAND...: run COMMAND with its output kept aside; on failure show
# the end of it and stop.
_tw_quiet_step() {
    local what=$1 log rc=0
    shift
    log=$(mktemp)
    "$@" >"$log" 2>&1 || rc=$?
    if ((rc != 0)); then
        tail -n 30 "$log" >&2
        rm -f "$log"
        die "$what failed (status $rc)"
    fi
    rm -f "$log"
}

# _python_venv NAME DIR: DIR/.venv with DIR/requirements.txt installed (again when it changed).
_python_venv() {
    local name=$1 dir=$2 venv=$2/.venv rel
    rel=${dir#"$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/"}
    if ! have python3 || ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
        apt_install python3 python3-venv || die "could not install Python 3 with venv for the $name test"
    fi
    python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))' ||
        die "the $name test needs Python 3.10 or newer; python3 is $(python3 --version 2>&1)"
    if [[ ! -x $venv/bin/python ]] || ! cmp -s "$dir/requirements.txt" "$venv/.installed-requirements.txt"; then
        info "installing the $name test's Python tools ($rel/.venv)"
        rm -rf "$venv"
        _tw_quiet_step "creating the venv $rel/.venv" python3 -m venv "$venv"
        _tw_quiet_step "pip install -r $rel/requirements.txt" \
            "$venv/bin/python" -m pip install --disable-pip-version-check --no-input -r "$dir/requirements.txt"
        cp "$dir/requirements.txt" "$venv/.installed-requirements.txt"
    fi
}

# ensure_schema_tools: schemathesis in tests/schema/.venv, pinned in tests/schema/requirements.txt.
ensure_schema_tools() {
    local root
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
    _python_venv OpenAPI "$root/tests/schema"
}

# ensure_mcp_tools: what tests/mcp needs, installed when missing and quiet when present: a Python
# venv in tests/mcp/.venv with the official MCP SDK pinned in tests/mcp/requirements.txt, and the
# MCP Inspector pinned in tests/mcp/package-lock.json (npm ci). Both are reinstalled when their
# pins change.
ensure_mcp_tools() {
    local root dir
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
    dir="$root/tests/mcp"
    _python_venv MCP "$dir"
    if ! have node || ! have npm; then
        apt_install nodejs npm || die "could not install Node.js and npm for the MCP test"
    fi
    if [[ ! -x $dir/node_modules/.bin/mcp-inspector || $dir/package-lock.json -nt $dir/node_modules/.package-lock.json ]]; then
        info "installing the MCP Inspector (npm ci in tests/mcp)"
        # Its web UI's postinstall is not needed for the CLI mode the test uses.
        _tw_quiet_step "npm ci in tests/mcp" \
            bash -c 'cd "$1" && npm ci --no-audit --no-fund --ignore-scripts' _ "$dir"
    fi
}
