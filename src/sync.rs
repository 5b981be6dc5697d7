//! Locks that outlive a panic elsewhere: a scenario that panicked while holding one (a failed
//! step is a panic in cucumber) must not take the run's shared state down with it, so a poisoned
//! lock is used as it stands.

use std::sync::{Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// `lock`, `read` and `write` that never fail.
pub trait Locked<T> {
    fn locked(&self) -> MutexGuard<'_, T>;
}

impl<T> Locked<T> for Mutex<T> {
    fn locked(&self) -> MutexGuard<'_, T> {
        self.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `read` and `write` of an [`RwLock`] that never fail.
pub trait ReadWrite<T> {
    fn read_now(&self) -> RwLockReadGuard<'_, T>;
    fn write_now(&self) -> RwLockWriteGuard<'_, T>;
}

impl<T> ReadWrite<T> for RwLock<T> {
    fn read_now(&self) -> RwLockReadGuard<'_, T> {
        self.read().unwrap_or_else(PoisonError::into_inner)
    }
    fn write_now(&self) -> RwLockWriteGuard<'_, T> {
        self.write().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_poisoned_lock_is_used_as_it_stands() {
        let shared = std::sync::Arc::new(Mutex::new(1));
        let rw = std::sync::Arc::new(RwLock::new(1));
        let (s, r) = (shared.clone(), rw.clone());
        let _ = std::thread::spawn(move || {
            let _guard = s.lock().unwrap();
            let _write = r.write().unwrap();
            panic!("a step failed while holding the locks");
        })
        .join();
        assert!(shared.is_poisoned() && rw.is_poisoned());
        *shared.locked() += 1;
        *rw.write_now() += 1;
        assert_eq!((*shared.locked(), *rw.read_now()), (2, 2));
    }
}
