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
# for the TLS listener's test certificates.
ensure_test_programs() {
  local missing=()
  command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || missing+=(mosquitto)
  command -v mosquitto_pub >/dev/null 2>&1 || missing+=(mosquitto-clients)
  command -v socat >/dev/null 2>&1 || missing+=(socat)
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
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
