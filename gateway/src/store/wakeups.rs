//! "Work for you": the store tells the next stage when a commit gave it something
//! to do, so a payload moves from journal to translate to link to delivery without
//! waiting out each stage's idle poll.
//!
//! A wake-up is a hint, never the only way work is found: every stage still
//! polls (a review decision made by `bcgw review` in another process, a retry
//! falling due, another gateway writing to a shared store). A PostgreSQL store
//! would ring the same bells from `LISTEN`/`NOTIFY`.
//!
//! Each bell is a counter in a [`tokio::sync::watch`] channel: a stage that marks
//! it seen before it looks for work, then waits for it to move, cannot miss a
//! commit made in between (a plain notify could, with several waiting sinks).

use std::time::Duration;
use tokio::sync::watch;

/// The stage a commit made work for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// Payloads journaled (or sent back from quarantine): translate them.
    Translate,
    /// Records committed: link them.
    Link,
    /// Outbox rows queued or changed: deliver them.
    Deliver,
}

/// The bells a store rings after each commit.
#[derive(Debug)]
pub struct Wakeups {
    translate: watch::Sender<u64>,
    link: watch::Sender<u64>,
    deliver: watch::Sender<u64>,
}

impl Default for Wakeups {
    fn default() -> Self {
        Wakeups {
            translate: watch::Sender::new(0),
            link: watch::Sender::new(0),
            deliver: watch::Sender::new(0),
        }
    }
}

impl Wakeups {
    fn bell(&self, work: Work) -> &watch::Sender<u64> {
        match work {
            Work::Translate => &self.translate,
            Work::Link => &self.link,
            Work::Deliver => &self.deliver,
        }
    }

    /// Tells whoever listens for `work` that a commit made some. Call only after
    /// the commit: the listener reads the store at once.
    pub fn ring(&self, work: Work) {
        // `send_modify` updates the value even with no listener yet, so a stage
        // that starts later still sees work was made.
        self.bell(work).send_modify(|n| *n = n.wrapping_add(1));
    }

    /// A listener for `work`. It starts with nothing unseen.
    pub fn listen(&self, work: Work) -> Listener {
        Listener {
            rx: self.bell(work).subscribe(),
        }
    }
}

/// One stage's ear for one bell.
#[derive(Debug)]
pub struct Listener {
    rx: watch::Receiver<u64>,
}

impl Listener {
    /// Marks every ring so far as heard. Call it before looking for work: a commit
    /// after this point wakes the next [`Listener::wait`] at once.
    pub fn mark_heard(&mut self) {
        self.rx.borrow_and_update();
    }

    /// Waits until the bell rings (returns at once if it rang since last heard),
    /// at most `at_most`. Marks the ring heard. Returns whether it rang.
    pub async fn wait(&mut self, at_most: Duration) -> bool {
        let rang = matches!(
            tokio::time::timeout(at_most, self.rx.changed()).await,
            Ok(Ok(()))
        );
        if rang {
            self.rx.borrow_and_update();
        }
        rang
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_ring_between_looking_and_waiting_is_not_missed() {
        let w = Wakeups::default();
        let mut ear = w.listen(Work::Link);
        ear.mark_heard();
        // The commit lands after the stage looked for work, before it waits.
        w.ring(Work::Link);
        assert!(ear.wait(Duration::from_secs(5)).await);
        // Heard: the next wait times out.
        assert!(!ear.wait(Duration::from_millis(20)).await);
    }

    #[tokio::test]
    async fn every_listener_hears_one_ring() {
        let w = Wakeups::default();
        let mut a = w.listen(Work::Deliver);
        let mut b = w.listen(Work::Deliver);
        let mut other = w.listen(Work::Translate);
        w.ring(Work::Deliver);
        assert!(a.wait(Duration::from_secs(5)).await);
        assert!(b.wait(Duration::from_secs(5)).await);
        assert!(!other.wait(Duration::from_millis(20)).await);
    }
}
