//! The in-process counters used without Redis (or while it is unreachable), bounded in memory.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

/// Count, window start, window length.
pub(super) type Window = (u32, Instant, Duration);

/// The in-process counters, bounded without ever scanning them: two generations of at most half
/// the cap each. A hit finds its key in the current generation or moves it there from the
/// previous one. The previous generation is dropped whole when the current one is full, or once
/// the longest window seen has passed since the last turn: everything in it was last counted
/// before that turn, so its window is over and nothing still counting is lost. Under a flood of
/// new keys only the counters touched least recently are pushed out.
pub(super) struct Memory {
    current: HashMap<String, Window>,
    previous: HashMap<String, Window>,
    turned_at: Instant,
    longest_window: Duration,
    half_cap: usize,
}

impl Memory {
    pub fn new(cap: usize) -> Self {
        Memory {
            current: HashMap::new(),
            previous: HashMap::new(),
            turned_at: Instant::now(),
            longest_window: Duration::ZERO,
            half_cap: (cap / 2).max(1),
        }
    }

    /// Starts a new generation; returns the dropped one so it is freed outside the lock.
    fn turn(&mut self) -> HashMap<String, Window> {
        self.turned_at = Instant::now();
        let previous = std::mem::take(&mut self.current);
        std::mem::replace(&mut self.previous, previous)
    }

    pub fn hit(
        &mut self,
        key: &str,
        window: Duration,
    ) -> ((u32, Duration), HashMap<String, Window>) {
        self.longest_window = self.longest_window.max(window);
        let mut dropped = HashMap::new();
        if self.turned_at.elapsed() >= self.longest_window {
            dropped = self.turn();
        }
        if !self.current.contains_key(key) {
            let moved = self.previous.remove(key);
            if self.current.len() >= self.half_cap {
                dropped = self.turn();
            }
            let entry = moved.unwrap_or((0, Instant::now(), window));
            self.current.insert(key.to_string(), entry);
        }
        let Some(entry) = self.current.get_mut(key) else {
            return ((0, window), dropped);
        };
        if entry.1.elapsed() >= entry.2 {
            *entry = (0, Instant::now(), window);
        }
        entry.0 += 1;
        (
            (entry.0, entry.2.saturating_sub(entry.1.elapsed())),
            dropped,
        )
    }

    pub fn get(&self, key: &str) -> Option<&Window> {
        self.current.get(key).or_else(|| self.previous.get(key))
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Window> {
        match self.current.get_mut(key) {
            Some(entry) => Some(entry),
            None => self.previous.get_mut(key),
        }
    }

    pub fn remove(&mut self, key: &str) {
        self.current.remove(key);
        self.previous.remove(key);
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.current.len() + self.previous.len()
    }
}
