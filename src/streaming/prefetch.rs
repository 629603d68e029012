//! Reading shards ahead: while one shard is worked on, the next is read back on a thread of
//! its own, so that decoding a shard overlaps the work on the one before (two shards in
//! memory at a time).

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::thread::{Scope, ScopedJoinHandle};

use crate::detection::Shard;

use super::Shards;

/// A shard being read ahead, with its number.
type Ahead<'scope> = (usize, ScopedJoinHandle<'scope, io::Result<Shard>>);

/// Loads the shards of a run for sweeps that read them in order, one ahead.
pub struct Prefetch<'scope, 'env> {
    scope: &'scope Scope<'scope, 'env>,
    shards: &'env Shards,
    extras: &'env [String],
    ahead: Mutex<Option<Ahead<'scope>>>,
    /// Set before the last sweep: its last shard is not followed by the first again.
    last_sweep: AtomicBool,
}

impl<'scope, 'env> Prefetch<'scope, 'env> {
    /// A loader of `shards` (their extra columns `extras`) whose reads ahead run in `scope`.
    pub fn new(
        scope: &'scope Scope<'scope, 'env>,
        shards: &'env Shards,
        extras: &'env [String],
    ) -> Self {
        Prefetch {
            scope,
            shards,
            extras,
            ahead: Mutex::new(None),
            last_sweep: AtomicBool::new(false),
        }
    }

    /// Says that the sweep starting now is the last.
    pub fn last_sweep(&self) {
        self.last_sweep.store(true, Ordering::Relaxed);
    }

    fn read(shards: &Shards, extras: &[String], k: usize) -> io::Result<Shard> {
        shards
            .load(k, extras)
            .map(|(table, positions)| Shard { table, positions })
    }

    /// Shard `k`, read ahead when it was the one expected; starts reading the next.
    pub fn load(&self, k: usize) -> io::Result<Shard> {
        let mut ahead = self.ahead.lock().unwrap_or_else(|e| e.into_inner());
        let shard = match ahead.take() {
            Some((j, handle)) if j == k => handle
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("reading a shard back failed"))),
            _ => Self::read(self.shards, self.extras, k),
        };
        let count = self.shards.len();
        let next = k + 1;
        if count > 1 && (next < count || !self.last_sweep.load(Ordering::Relaxed)) {
            let next = next % count;
            let (shards, extras) = (self.shards, self.extras);
            *ahead = Some((
                next,
                self.scope.spawn(move || Self::read(shards, extras, next)),
            ));
        }
        shard
    }
}
