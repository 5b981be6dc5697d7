//! glibc's malloc, tuned for a run: two arenas, and large blocks given back once a run receives
//! large bodies. Only on Linux with glibc, and not under the heap profiler; elsewhere these do
//! nothing.
//!
//! By default glibc raises its mmap threshold each time a large block is freed (up to 32 MiB),
//! after which a large run's bodies (megabytes each) come from its arenas and stay there long
//! after they are let go. A fixed threshold of 256 KiB maps each body on its own and unmaps it
//! when freed. It is set when the first body of a megabyte or more is announced or read, not at
//! the start: a short run's start (regexes compiled, the client built) allocates blocks just over
//! 256 KiB that a fixed threshold would map and unmap one by one, about a millisecond of page
//! faults that glibc's own threshold saves. Not for `serve`, which sends no request.

/// A body this large, announced or read, fixes the threshold.
pub const LARGE_BODY: usize = 1024 * 1024;

/// Two arenas, for the runtime's two workers, rather than one a thread. Called before any
/// thread is started (`main`, not for `serve`: the reference target's memory is no user's
/// figure, and it answers faster reusing its arenas).
pub fn two_arenas() {
    const M_ARENA_MAX: i32 = -8;
    set(M_ARENA_MAX, 2);
}

/// Fixes glibc's mmap threshold at 256 KiB, at each large body: glibc's `free` of a mapped block
/// raises the threshold without a lock while it is still dynamic, so a free on the other worker
/// at the very moment of the first call could leave it raised; the next large body sets it
/// again. A call takes the main arena's lock, a few hundred times a run.
pub fn large_bodies_ahead() {
    const M_MMAP_THRESHOLD: i32 = -3;
    set(M_MMAP_THRESHOLD, 256 * 1024);
}

/// One of malloc's parameters (`mallopt`).
fn set(param: i32, value: i32) {
    #[cfg(all(target_os = "linux", target_env = "gnu", not(feature = "dhat-heap")))]
    {
        unsafe extern "C" {
            fn mallopt(param: i32, value: i32) -> i32;
        }
        // SAFETY: mallopt only sets the allocator's parameters, under the main arena's lock.
        unsafe {
            mallopt(param, value);
        }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu", not(feature = "dhat-heap"))))]
    let _ = (param, value);
}
