//! Thin entry point: all behaviour lives in the library so that tests drive the same code.

/// With `--features dhat-heap`, every allocation is counted and the profile written to
/// `dhat-heap.json` when the process ends (scripts/bench-memory.sh reads it).
#[cfg(feature = "dhat-heap")]
#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

fn main() -> std::process::ExitCode {
    if std::env::args_os().nth(1).is_none_or(|command| command != "serve") {
        // Before any thread is started ([`vpp_conformance::http::malloc`]).
        vpp_conformance::http::malloc::two_arenas();
    }
    #[cfg(feature = "dhat-heap")]
    let _profiler = dhat::Profiler::new_heap();
    vpp_conformance::cli::main()
}
