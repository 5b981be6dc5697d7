//! Thin entry point: all behaviour lives in the library so that tests drive the same code.

/// With `--features dhat-heap`, every allocation is counted and the profile written to
/// `dhat-heap.json` when the process ends (scripts/bench-memory.sh reads it).
#[cfg(feature = "dhat-heap")]
#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

/// glibc's malloc with two arenas, for the runtime's two workers, rather than one a thread. Its
/// mmap threshold is fixed once the run receives large bodies ([`vpp_conformance::http::malloc`]).
/// Not for `serve`: the reference target's memory is no user's figure, and it answers faster
/// reusing its arenas.
#[cfg(all(target_os = "linux", target_env = "gnu", not(feature = "dhat-heap")))]
fn tune_malloc() {
    unsafe extern "C" {
        fn mallopt(param: i32, value: i32) -> i32;
    }
    const M_ARENA_MAX: i32 = -8;
    // SAFETY: mallopt only sets the allocator's parameters, before any thread is started.
    unsafe {
        mallopt(M_ARENA_MAX, 2);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu", not(feature = "dhat-heap"))))]
fn tune_malloc() {}

fn main() -> std::process::ExitCode {
    if std::env::args_os().nth(1).is_none_or(|command| command != "serve") {
        tune_malloc();
    }
    #[cfg(feature = "dhat-heap")]
    let _profiler = dhat::Profiler::new_heap();
    vpp_conformance::cli::main()
}
