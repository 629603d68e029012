//! What a view derives from every event (plot layers, time bins), made on a worker thread so
//! that no frame waits for it: on five million events a scatter's layers take a quarter of a
//! second.

use std::sync::mpsc::{channel, Receiver, TryRecvError};
use std::thread;

/// A value made in the background for a key, with the last one finished.
pub struct Derived<K, V> {
    ready: Option<(K, V)>,
    pending: Option<(K, Receiver<Result<V, String>>)>,
    /// The key whose job failed, with why: it is not tried again.
    failed: Option<(K, String)>,
}

impl<K, V> Default for Derived<K, V> {
    fn default() -> Self {
        Derived {
            ready: None,
            pending: None,
            failed: None,
        }
    }
}

/// Where a [`Derived`] value stands for the key asked.
pub enum Made<'a, V> {
    /// Ready for this key.
    Ready(&'a V),
    /// Being made on a worker thread.
    Pending,
    /// Making it failed; holds the window's sentence.
    Failed(&'a str),
}

impl<K: Clone + PartialEq, V: Send + 'static> Derived<K, V> {
    /// The value for `key`. Unless it is ready, being made or failed, starts `make` on a
    /// worker thread that calls `done` when it has finished (to ask for a repaint).
    pub fn get(
        &mut self,
        key: &K,
        make: impl FnOnce() -> V + Send + 'static,
        done: impl FnOnce() + Send + 'static,
    ) -> Made<'_, V> {
        self.poll();
        if self.failed.as_ref().is_some_and(|(k, _)| k == key) {
            return Made::Failed(self.failed.as_ref().map_or("", |(_, m)| m.as_str()));
        }
        if let Some((_, v)) = self.ready.as_ref().filter(|(k, _)| k == key) {
            return Made::Ready(v);
        }
        if self.pending.as_ref().is_none_or(|(k, _)| k != key) {
            let (tx, rx) = channel();
            let spawned = thread::Builder::new()
                .name("netsleuth-view".into())
                .spawn(move || {
                    let made = super::worker::caught(make)
                        .map_err(|m| super::worker::internal_error("preparing the view", &m));
                    // A newer key may have replaced this job: nobody waits for it then.
                    let _ = tx.send(made);
                    done();
                });
            if let Err(e) = spawned {
                let m = format!("Cannot start a worker thread: {e}");
                return Made::Failed(&self.failed.insert((key.clone(), m)).1);
            }
            self.pending = Some((key.clone(), rx));
        }
        Made::Pending
    }

    /// Takes in the value whose job has finished.
    fn poll(&mut self) {
        let Some((key, rx)) = &self.pending else {
            return;
        };
        let made = match rx.try_recv() {
            Ok(made) => made,
            Err(TryRecvError::Empty) => return,
            Err(TryRecvError::Disconnected) => Err("the worker thread ended early".to_string()),
        };
        let key = key.clone();
        self.pending = None;
        match made {
            Ok(v) => self.ready = Some((key, v)),
            Err(m) => self.failed = Some((key, m)),
        }
    }

    /// Sets the value for `key`, made elsewhere.
    pub fn set(&mut self, key: K, value: V) {
        self.ready = Some((key, value));
    }

    /// The value for `key` when it is ready.
    pub fn ready_for(&self, key: &K) -> Option<&V> {
        self.ready
            .as_ref()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// Whether a job is running.
    pub fn is_pending(&self) -> bool {
        self.pending.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn wait<K: Clone + PartialEq, V: Send + 'static>(d: &mut Derived<K, V>, key: &K) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while d.is_pending() {
            assert!(Instant::now() < deadline, "the job did not finish");
            d.poll();
            thread::sleep(Duration::from_millis(1));
        }
        assert!(!matches!(
            d.get(key, || unreachable!(), || {}),
            Made::Pending
        ));
    }

    #[test]
    fn values_are_made_once_per_key_and_failures_are_kept() {
        let mut d: Derived<u32, u64> = Derived::default();
        assert!(matches!(d.get(&1, || 10, || {}), Made::Pending));
        wait(&mut d, &1);
        assert!(matches!(
            d.get(&1, || unreachable!(), || {}),
            Made::Ready(10)
        ));
        // A new key starts a new job; the old value is still there but not for this key.
        assert!(matches!(d.get(&2, || 20, || {}), Made::Pending));
        wait(&mut d, &2);
        assert_eq!(d.ready_for(&2), Some(&20));
        assert_eq!(d.ready_for(&1), None);
        assert!(matches!(
            d.get(&3, || panic!("no bins"), || {}),
            Made::Pending
        ));
        wait(&mut d, &3);
        match d.get(&3, || unreachable!(), || {}) {
            Made::Failed(m) => assert!(m.contains("no bins"), "{m}"),
            _ => panic!("the failure was not kept"),
        }
        d.set(4, 40);
        assert!(matches!(
            d.get(&4, || unreachable!(), || {}),
            Made::Ready(40)
        ));
    }
}
