//! Thin entry point: all behaviour lives in the library so that tests drive the same code.

/// With `--features dhat-heap`, every allocation is counted and the profile written to
/// `dhat-heap.json` when the process ends (scripts/bench-memory.sh reads it).
#[cfg(feature = "dhat-heap")]
#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

fn main() -> std::process::ExitCode {
    #[cfg(feature = "dhat-heap")]
    let _profiler = dhat::Profiler::new_heap();
    vpp_conformance::cli::main()
}
