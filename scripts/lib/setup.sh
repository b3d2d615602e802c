# Shared set-up for the scripts: prints steps, installs what a fresh machine lacks.
# Sourced, not run.

step() { printf '\n==> %s\n' "$*"; }

# The wasm32-wasip2 target plugins are built for (rustup makes this a no-op when present).
ensure_toolchain() {
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-wasip2; then
    step "installing the wasm32-wasip2 target"
    rustup target add wasm32-wasip2
  fi
}

# Programs the end-to-end tests run for real: a Mosquitto broker (and its
# mosquitto_pub client) for the MQTT source, socat for serial pty pairs, openssl
# for the TLS listener's test certificates, minisign for signed plugins.
ensure_test_programs() {
  local missing=()
  command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || missing+=(mosquitto)
  command -v mosquitto_pub >/dev/null 2>&1 || missing+=(mosquitto-clients)
  command -v socat >/dev/null 2>&1 || missing+=(socat)
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  command -v minisign >/dev/null 2>&1 || missing+=(minisign)
  if [ ${#missing[@]} -gt 0 ]; then
    step "installing ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  # Debian installs the broker in /usr/sbin, which is not on every PATH.
  case ":$PATH:" in *:/usr/sbin:*) ;; *) export PATH="$PATH:/usr/sbin" ;; esac
}

# Builds every plugin to a component; prints nothing but errors. Paths:
#   $PLUGIN_DIR/<crate_name>.wasm
build_plugins() {
  local target_dir="${CARGO_TARGET_DIR:-target}"
  PLUGIN_DIR="$target_dir/wasm32-wasip2/plugin"
  cargo build --quiet --locked --target wasm32-wasip2 --profile plugin \
    -p bcgw-plugin-csv-mapped -p bcgw-plugin-json-mapped -p bcgw-plugin-niche-xml \
    -p bcgw-example-first-plugin \
    -p bcgw-plugin-shopnet-text -p bcgw-plugin-mototrbo-tms -p bcgw-plugin-hytera-tms
  export PLUGIN_DIR
}

# componentize-py, for the Python example adapter (examples/python-radio-lines),
# in a virtualenv of its own under the cache. Pinned: its output must match the
# WIT the gateway hosts.
COMPONENTIZE_PY_VERSION=0.25.1
ensure_componentize_py() {
  local venv="${XDG_CACHE_HOME:-$HOME/.cache}/bcgw/pyenv"
  COMPONENTIZE_PY="$venv/bin/componentize-py"
  if [ -x "$COMPONENTIZE_PY" ] && "$COMPONENTIZE_PY" --version 2>/dev/null | grep -q "$COMPONENTIZE_PY_VERSION"; then
    return
  fi
  step "installing componentize-py $COMPONENTIZE_PY_VERSION (Python plugins)"
  if ! python3 -m venv "$venv" >/dev/null 2>&1; then
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$venv"
  fi
  "$venv/bin/pip" install -q "componentize-py==$COMPONENTIZE_PY_VERSION"
}

# Builds the Python example adapter when its source is newer than the component;
# exports BCGW_PYTHON_RADIO_LINES (its path) for the tests.
build_python_example() {
  ensure_componentize_py
  local out="${CARGO_TARGET_DIR:-target}/python"
  local src=examples/python-radio-lines
  mkdir -p "$out"
  BCGW_PYTHON_RADIO_LINES="$(cd "$out" && pwd)/radio_lines_py.wasm"
  if [ ! -f "$BCGW_PYTHON_RADIO_LINES" ] || [ -n "$(find "$src" sdk/wit -type f \( -name '*.py' -o -name '*.wit' \) -newer "$BCGW_PYTHON_RADIO_LINES" | head -1)" ]; then
    step "building the Python example adapter (componentize-py)"
    (cd "$src" && "$COMPONENTIZE_PY" -d ../../sdk/wit -w adapter componentize app -o "$BCGW_PYTHON_RADIO_LINES" >/dev/null)
  fi
  export BCGW_PYTHON_RADIO_LINES
}
