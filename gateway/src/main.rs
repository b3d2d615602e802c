//! The `bcgw` command: the gateway daemon and its tools.

fn main() -> std::process::ExitCode {
    bcgw::cli::main()
}
