//! The signatures a webhook source has let in, so none is let in twice.
//!
//! Bounded: signatures older than the skew window are dropped (the clock check
//! refuses them anyway), and when the cache is full the oldest are forgotten and
//! every request signed no later than them is refused from then on. Under a flood
//! the window shrinks; a replay never gets through.

use std::collections::{HashMap, VecDeque};

/// Remembered signatures with their timestamps.
pub struct ReplayCache {
    capacity: usize,
    seen: HashMap<[u8; 32], i64>,
    order: VecDeque<([u8; 32], i64)>,
    /// Requests signed at or before this time are refused: their signatures may
    /// have been forgotten to make room.
    floor: i64,
}

impl ReplayCache {
    /// A cache holding at most `capacity` signatures.
    pub fn new(capacity: usize) -> ReplayCache {
        ReplayCache {
            capacity: capacity.max(1),
            seen: HashMap::new(),
            order: VecDeque::new(),
            floor: i64::MIN,
        }
    }

    /// Remembers `sig` (signed at `ts`); `false` if it was seen already or is too
    /// old to tell. Signatures signed before `oldest_valid` are dropped first.
    pub fn insert(&mut self, sig: [u8; 32], ts: i64, oldest_valid: i64) -> bool {
        while let Some(&(front, front_ts)) = self.order.front() {
            if front_ts >= oldest_valid {
                break;
            }
            self.order.pop_front();
            if self.seen.get(&front) == Some(&front_ts) {
                self.seen.remove(&front);
            }
        }
        if ts <= self.floor || self.seen.contains_key(&sig) {
            return false;
        }
        while self.seen.len() >= self.capacity {
            let Some((old, old_ts)) = self.order.pop_front() else {
                break;
            };
            if self.seen.get(&old) == Some(&old_ts) {
                self.seen.remove(&old);
                self.floor = self.floor.max(old_ts);
            }
        }
        if ts <= self.floor {
            return false;
        }
        self.seen.insert(sig, ts);
        self.order.push_back((sig, ts));
        true
    }

    /// Forgets `sig` (its request was not accepted).
    pub fn remove(&mut self, sig: &[u8; 32]) {
        self.seen.remove(sig);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_cache_refuses_what_it_might_have_forgotten() {
        let mut c = ReplayCache::new(2);
        assert!(c.insert([1; 32], 100, 0));
        assert!(c.insert([2; 32], 101, 0));
        assert!(!c.insert([1; 32], 100, 0));
        // Full: [1] is forgotten, so anything signed at or before 100 is refused.
        assert!(c.insert([3; 32], 102, 0));
        assert!(!c.insert([1; 32], 100, 0));
        assert!(!c.insert([9; 32], 99, 0));
        assert!(!c.insert([2; 32], 101, 0));
    }

    #[test]
    fn signatures_outside_the_window_are_dropped() {
        let mut c = ReplayCache::new(10);
        assert!(c.insert([1; 32], 100, 0));
        assert!(c.insert([2; 32], 500, 200));
        assert_eq!(c.seen.len(), 1);
    }
}
