//! Replaying a finished log as if it were being written: its events in time order, at their
//! recorded pace, N times faster, or as fast as the consumer takes them, in batches. For
//! demonstrations and for testing the live pipeline on real data.
//!
//! The clock is passed in, so that a replay is driven by real time in the window and by a
//! simulated one in tests.

use std::time::{Duration, Instant};

use crate::events::EventTable;

/// How fast a replay goes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pace {
    /// The recorded pace times this factor (1 is real time, 60 a minute a second).
    Recorded(f64),
    /// Batch after batch, as fast as they are taken.
    Fastest,
}

/// A replay of an event table's rows.
#[derive(Debug)]
pub struct Replay {
    /// Rows in the order they are replayed: by time (rows without a time first, in file
    /// order), ties in file order.
    order: Vec<u32>,
    /// Each replayed row's time, in the same order (the first timed row's for untimed ones).
    times: Vec<i64>,
    next: usize,
    pace: Pace,
    batch_max: usize,
    /// When the replay (re)started on the wall clock, and the event time it stood at then.
    anchor: Option<(Instant, i64)>,
    paused: bool,
}

impl Replay {
    /// Replays `table` at `pace`, at most `batch_max` rows a batch.
    pub fn new(table: &EventTable, pace: Pace, batch_max: usize) -> Replay {
        let mut order: Vec<u32> = (0..table.len() as u32).collect();
        let first = (0..table.len()).filter_map(|r| table.time_us(r)).min();
        let time = |r: u32| table.time_us(r as usize).or(first).unwrap_or(0);
        order.sort_by_key(|&r| (table.time_us(r as usize).is_some(), time(r), r));
        let times = order.iter().map(|&r| time(r)).collect();
        Replay {
            order,
            times,
            next: 0,
            pace: match pace {
                Pace::Recorded(f) if f.is_finite() && f > 0.0 => pace,
                Pace::Recorded(_) => Pace::Recorded(1.0),
                Pace::Fastest => Pace::Fastest,
            },
            batch_max: batch_max.max(1),
            anchor: None,
            paused: false,
        }
    }

    /// The rows due by `now` (at most a batch), in replay order. The first call starts the
    /// clock.
    pub fn next_batch(&mut self, now: Instant) -> &[u32] {
        let start = self.next;
        if self.paused || start == self.order.len() {
            return &[];
        }
        let end = match self.pace {
            Pace::Fastest => self.order.len(),
            Pace::Recorded(f) => {
                let (at, t0) = *self.anchor.get_or_insert((now, self.times[start]));
                let elapsed = now.saturating_duration_since(at).as_secs_f64() * f;
                let until = t0.saturating_add((elapsed * 1e6) as i64);
                start + self.times[start..].partition_point(|&t| t <= until)
            }
        };
        self.next = end.min(start.saturating_add(self.batch_max));
        &self.order[start..self.next]
    }

    /// How long until the next row is due, when one is and the replay runs.
    pub fn wait(&self, now: Instant) -> Option<Duration> {
        if self.paused || self.finished() {
            return None;
        }
        match (self.pace, self.anchor) {
            (Pace::Fastest, _) | (_, None) => Some(Duration::ZERO),
            (Pace::Recorded(f), Some((at, t0))) => {
                let due = (self.times[self.next] - t0) as f64 / 1e6 / f;
                let elapsed = now.saturating_duration_since(at).as_secs_f64();
                Some(Duration::from_secs_f64((due - elapsed).max(0.0)))
            }
        }
    }

    /// Stops the clock at `now`; nothing is due until [`Replay::resume`].
    pub fn pause(&mut self, now: Instant) {
        if let (Pace::Recorded(f), Some((at, t0)), false) = (self.pace, self.anchor, self.paused) {
            // Where the replay stood: it goes on from there.
            let elapsed = now.saturating_duration_since(at).as_secs_f64() * f;
            self.anchor = Some((at, t0.saturating_add((elapsed * 1e6) as i64)));
        }
        self.paused = true;
    }

    /// Goes on at `now` from where the replay was paused, as if no time had passed.
    pub fn resume(&mut self, now: Instant) {
        if let Some((_, stood)) = self.anchor.filter(|_| self.paused) {
            self.anchor = Some((now, stood));
        }
        self.paused = false;
    }

    /// Whether every row has been replayed.
    pub fn finished(&self) -> bool {
        self.next == self.order.len()
    }

    /// Rows replayed and rows in all.
    pub fn progress(&self) -> (usize, usize) {
        (self.next, self.order.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{EventDraft, EventTable};

    /// A table of events at these seconds (generated, for the clock's arithmetic only).
    fn table(seconds: &[i64]) -> EventTable {
        let mut t = EventTable::default();
        for (i, &s) in seconds.iter().enumerate() {
            let d = EventDraft {
                time_us: Some(s * 1_000_000),
                ..EventDraft::default()
            };
            t.push(0, i as u64 + 1, &d);
        }
        t
    }

    #[test]
    fn rows_come_in_time_order_at_the_pace_asked() {
        let t = table(&[10, 0, 5, 20]);
        let mut r = Replay::new(&t, Pace::Recorded(2.0), 100);
        let start = Instant::now();
        assert_eq!(r.next_batch(start), [1]);
        assert_eq!(r.wait(start), Some(Duration::from_millis(2_500)));
        assert_eq!(
            r.next_batch(start + Duration::from_millis(2_400)),
            [] as [u32; 0]
        );
        assert_eq!(r.next_batch(start + Duration::from_secs(5)), [2, 0]);
        r.pause(start + Duration::from_secs(6));
        assert_eq!(
            r.next_batch(start + Duration::from_secs(60)),
            [] as [u32; 0]
        );
        // Paused at event time 12: 8 more event seconds are 4 at twice the pace.
        r.resume(start + Duration::from_secs(60));
        assert_eq!(
            r.next_batch(start + Duration::from_secs(63)),
            [] as [u32; 0]
        );
        assert_eq!(r.next_batch(start + Duration::from_secs(64)), [3]);
        assert!(r.finished());
        assert_eq!(r.progress(), (4, 4));
    }

    #[test]
    fn the_fastest_pace_gives_batches_of_the_most_asked() {
        let t = table(&[3, 1, 2, 0, 4]);
        let mut r = Replay::new(&t, Pace::Fastest, 2);
        let now = Instant::now();
        assert_eq!(r.next_batch(now), [3, 1]);
        assert_eq!(r.next_batch(now), [2, 0]);
        assert_eq!(r.next_batch(now), [4]);
        assert!(r.next_batch(now).is_empty());
    }
}
