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

# Builds every plugin to a component; prints nothing but errors. Paths:
#   $PLUGIN_DIR/<crate_name>.wasm
build_plugins() {
  local target_dir="${CARGO_TARGET_DIR:-target}"
  PLUGIN_DIR="$target_dir/wasm32-wasip2/plugin"
  cargo build --quiet --locked --target wasm32-wasip2 --profile plugin \
    -p bcgw-plugin-csv-mapped -p bcgw-plugin-niche-xml -p bcgw-example-first-plugin
  export PLUGIN_DIR
}
