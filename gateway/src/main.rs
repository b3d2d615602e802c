//! The `bcgw` command: the gateway daemon and its tools.

/// Arenas glibc's malloc may keep, unless `MALLOC_ARENA_MAX` says otherwise.
/// glibc gives busy threads arenas of their own, up to eight per core; the
/// daemon allocates on many threads (translate workers on the blocking pool,
/// sources, sinks) and the freed memory stays spread over the arenas: with 10
/// sources and 200k rows, peak RSS was 243 MiB with glibc's default, 183 MiB with
/// 4 arenas and the same throughput (issue 11's figures).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MALLOC_ARENAS: libc::c_int = 4;

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn cap_malloc_arenas() {
    if std::env::var_os("MALLOC_ARENA_MAX").is_some() {
        return; // the operator's setting, read by glibc itself
    }
    // SAFETY: mallopt only sets a malloc tunable; it is called first thing in
    // main, before any other thread exists.
    #[allow(unsafe_code)]
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, MALLOC_ARENAS);
    }
}

fn main() -> std::process::ExitCode {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    cap_malloc_arenas();
    bcgw::cli::main()
}
