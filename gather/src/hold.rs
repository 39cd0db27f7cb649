//! Deferred completion: a child's slot is completed only once every gather
//! started inside it has let go of its children.
//!
//! A cancelled child drops its future at once. When that future held a
//! nested gather, dropping it only *cancels* the nested group: the nested
//! children are tasks of their own and stop a moment later, on other
//! threads. Completing the outer slot right away would let the outer gather
//! return while grandchildren, and the values in their slots, still exist.
//! So the child's completion waits, without blocking anyone, for the nested
//! groups to be released.
//!
//! # Protocol
//!
//! One [`Hold`] per child that starts a nested group (made on demand, so a
//! child without one never allocates here), owned by the child; one
//! [`HoldGuard`] per nested group started in the child's scope, kept in that
//! group's header and dropped with the group's last reference — that is,
//! once every nested child has finished or been dropped, every value left
//! in the nested slots has been dropped, and the nested collector is gone.
//!
//! 1. `count` is the number of guards outstanding, plus one for the owner
//!    until it finishes.
//! 2. Guards are made only by the owner's scope while the owner's future is
//!    being polled, so the owner's own count is there whenever one is made.
//! 3. The owner finishes with [`Hold::finish`]: alone (`count == 1`), it runs
//!    its completion at once; otherwise it parks the completion in `parked`
//!    and then gives up its own count.
//! 4. Whoever brings `count` to zero takes the parked completion and runs
//!    it, on its own thread. The count's ordering makes every drop done by
//!    every holder before its release (the owner's future, the nested
//!    values and futures) happen before the completion, and so before the
//!    outer collector sees the slot.
//!
//! Nesting is recursive: a nested child that itself started a gather parks
//! its completion the same way, so its group's last reference, and with it
//! this guard, waits for the level below.

use std::fmt;

use crate::sync::{Arc, AtomicUsize, Ordering, UnsafeCell};

/// A child's parked slot completion.
type Completion = Box<dyn FnOnce() + Send>;

struct Shared {
    /// Rule 1.
    count: AtomicUsize,
    /// Rule 3: written by the owner only, before it gives up its count;
    /// read by the one that brings the count to zero.
    parked: UnsafeCell<Option<Completion>>,
}

// SAFETY: `parked` is written only by the owner before its release of
// `count` and read only after the release that brings `count` to zero
// (rules 3 and 4), so no two threads touch it unordered; the completion it
// holds is `Send`.
unsafe impl Sync for Shared {}

/// The owner's side: held by one child, finished once.
pub(crate) struct Hold {
    shared: Arc<Shared>,
}

/// One nested group's claim on its enclosing child's completion.
pub(crate) struct HoldGuard {
    shared: Arc<Shared>,
}

impl Hold {
    pub(crate) fn new() -> Hold {
        Hold {
            shared: Arc::new(Shared {
                count: AtomicUsize::new(1),
                parked: UnsafeCell::new(None),
            }),
        }
    }

    /// Rule 2: a claim for a nested group started in the owner's scope.
    pub(crate) fn guard(&self) -> HoldGuard {
        // Relaxed: made from the owner's count, which keeps `count` above
        // zero meanwhile; nothing is handed over by taking a claim.
        self.shared.count.fetch_add(1, Ordering::Relaxed);
        HoldGuard {
            shared: self.shared.clone(),
        }
    }

    /// Rule 3: runs `completion` now if no nested group still holds the
    /// owner, else leaves it to the last guard released.
    pub(crate) fn finish(self, completion: impl FnOnce() + Send + 'static) {
        // Acquire: every guard already released did so with Release; seeing
        // them all gone means seeing their drops. No guard can be made any
        // more (rule 2: the owner's poll is over), so `1` is final.
        if self.shared.count.load(Ordering::Acquire) == 1 {
            completion();
            return;
        }
        let completion: Completion = Box::new(completion);
        // SAFETY: rule 3: we are the owner and still hold our count, so the
        // count cannot reach zero and nobody reads `parked` until we release.
        unsafe {
            self.shared
                .parked
                .with_mut(|parked| *parked = Some(completion))
        };
        release(&self.shared);
    }
}

impl Drop for HoldGuard {
    fn drop(&mut self) {
        release(&self.shared);
    }
}

/// Rules 3 and 4: gives up one count; the last runs the parked completion.
fn release(shared: &Shared) {
    // AcqRel: Release publishes this holder's drops (and, for the owner, the
    // parked completion); the Acquire of the last one sees all of them.
    if shared.count.fetch_sub(1, Ordering::AcqRel) != 1 {
        return;
    }
    // SAFETY: rule 4: the count is zero, so every other holder is done with
    // `shared`, and the owner's write of `parked` happened before.
    let parked = unsafe { shared.parked.with_mut(|parked| (*parked).take()) };
    if let Some(completion) = parked {
        completion();
    }
}

impl fmt::Debug for Hold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hold")
            .field("count", &self.shared.count.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for HoldGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HoldGuard").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::AtomicBool;

    fn completion() -> (Arc<AtomicBool>, impl FnOnce() + Send + 'static) {
        let done = Arc::new(AtomicBool::new(false));
        let flag = done.clone();
        (done, move || flag.store(true, Ordering::SeqCst))
    }

    #[test]
    fn an_owner_alone_completes_at_once() {
        let (done, complete) = completion();
        let hold = Hold::new();
        drop(hold.guard());
        hold.finish(complete);
        assert!(done.load(Ordering::SeqCst));
    }

    #[test]
    fn the_last_guard_runs_the_parked_completion() {
        let (done, complete) = completion();
        let hold = Hold::new();
        let (first, second) = (hold.guard(), hold.guard());
        hold.finish(complete);
        assert!(
            !done.load(Ordering::SeqCst),
            "two nested groups still hold it"
        );
        drop(second);
        assert!(!done.load(Ordering::SeqCst));
        drop(first);
        assert!(done.load(Ordering::SeqCst));
    }

    #[test]
    fn guards_released_on_other_threads() {
        let rounds = if cfg!(miri) { 4 } else { 100 };
        for _ in 0..rounds {
            let (done, complete) = completion();
            let hold = Hold::new();
            let guards: Vec<_> = (0..4).map(|_| hold.guard()).collect();
            let threads: Vec<_> = guards
                .into_iter()
                .map(|guard| crate::sync::thread::spawn(move || drop(guard)))
                .collect();
            hold.finish(complete);
            threads.into_iter().for_each(|t| t.join().unwrap());
            assert!(done.load(Ordering::SeqCst));
        }
    }
}
