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
//! One [`Hold`] per child that starts a nested gather (made on demand, so a
//! child without one never allocates here), owned by the child. Each nested
//! collector started in the child's scope keeps a [`HoldLink`] to it, which
//! counts for nothing; when the collector lets go of its group — dropped, or
//! settled and handing out its results — it takes a [`HoldGuard`] through
//! the link and leaves it in the group's header, where the group's last
//! reference releases it: once every nested child has finished or been
//! dropped and every value left in the nested slots has been dropped.
//!
//! 1. `count` is the number of guards outstanding, plus one for the owner
//!    until it finishes; zero once the owner's completion has been run (or
//!    handed to whoever runs it), and never anything else after.
//! 2. A link takes a guard only while `count` is not zero (the one
//!    compare-and-swap loop of this word). A collector still alive when its
//!    owner finishes has gone with the child's value, or to another task:
//!    its children are whoever holds it now's business, not the child's, so
//!    it does not hold the child's slot open (and cannot: a guard inside the
//!    very value being parked would never be released).
//! 3. The owner finishes with [`Hold::finish`]: alone (`count == 1`, swapped
//!    to zero), it runs its completion at once; otherwise it parks the
//!    completion in `parked` and then gives up its own count.
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

/// A nested collector's way to its enclosing child's hold (rule 2); counts
/// for nothing until it takes a guard.
pub(crate) struct HoldLink {
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

    /// Rule 2: a link for a nested collector started in the owner's scope.
    pub(crate) fn link(&self) -> HoldLink {
        HoldLink {
            shared: self.shared.clone(),
        }
    }

    /// Rule 3: runs `completion` now if no nested group still holds the
    /// owner, else leaves it to the last guard released.
    pub(crate) fn finish(self, completion: impl FnOnce() + Send + 'static) {
        // AcqRel on success: Acquire to see the drops of every guard already
        // released (with Release), and zero closes the count (rule 2), so no
        // guard can be taken after this check.
        let alone = self
            .shared
            .count
            .compare_exchange(1, 0, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok();
        if alone {
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

impl HoldLink {
    /// Rule 2: a claim on the owner's completion, unless the owner has
    /// finished already.
    pub(crate) fn try_guard(&self) -> Option<HoldGuard> {
        // Relaxed: taking a claim hands nothing over; the count it is taken
        // from keeps the completion from running meanwhile.
        let mut count = self.shared.count.load(Ordering::Relaxed);
        loop {
            if count == 0 {
                return None;
            }
            match self.shared.count.compare_exchange_weak(
                count,
                count + 1,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    return Some(HoldGuard {
                        shared: self.shared.clone(),
                    });
                }
                Err(now) => count = now,
            }
        }
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

impl fmt::Debug for HoldLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HoldLink").finish_non_exhaustive()
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
        let link = hold.link();
        drop(link.try_guard());
        hold.finish(complete);
        assert!(done.load(Ordering::SeqCst));
        assert!(
            link.try_guard().is_none(),
            "a finished owner gives no claims"
        );
    }

    #[test]
    fn the_last_guard_runs_the_parked_completion() {
        let (done, complete) = completion();
        let hold = Hold::new();
        let link = hold.link();
        let (first, second) = (link.try_guard().unwrap(), link.try_guard().unwrap());
        hold.finish(complete);
        assert!(
            !done.load(Ordering::SeqCst),
            "two nested groups still hold it"
        );
        drop(second);
        assert!(!done.load(Ordering::SeqCst));
        assert!(
            link.try_guard().is_some(),
            "claims can still be taken while others are out"
        );
        drop(first);
        assert!(done.load(Ordering::SeqCst));
        assert!(link.try_guard().is_none());
    }

    #[test]
    fn guards_released_on_other_threads() {
        let rounds = if cfg!(miri) { 4 } else { 100 };
        for _ in 0..rounds {
            let (done, complete) = completion();
            let hold = Hold::new();
            let link = hold.link();
            let guards: Vec<_> = (0..4).map(|_| link.try_guard().unwrap()).collect();
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
