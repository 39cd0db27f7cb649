//! Who is awake: the count of unparked and searching workers, and the list
//! of sleepers.
//!
//! The protocol that keeps a wake-up from being lost:
//!
//! 1. A producer pushes its task, then (after a `SeqCst` fence) reads the
//!    state. It wakes a sleeper only if no worker is searching and some
//!    worker is parked; the sleeper it wakes comes back as a searcher. (The
//!    sleeper picked may be the producer itself, inside its own driver
//!    turn: it is then counted as a searcher and left to finish the turn.)
//!    A worker that moves a batch from the injector onto its deque is the
//!    producer of the tasks it queued there: between taking them and
//!    queueing them they are in neither queue, so a worker going to sleep
//!    may have looked at both.
//! 2. A worker going to sleep first records itself as parked (under the
//!    sleepers lock, with a `SeqCst` update of the state), then, after a
//!    `SeqCst` fence, looks at every queue once more. Either the producer
//!    sees it parked, or it sees the producer's task: the two fences cannot
//!    both miss. (A `SeqCst` update followed by `Acquire` loads is not
//!    enough: the loads may still read from before the producer's push.)
//! 3. A searcher that finds work stops searching; if it was the last one,
//!    it wakes another sleeper to take over the search (the last-searcher
//!    hand-off), so work pushed while it searched is not left behind. A
//!    worker on its way to sleep that has not yet recorded itself as
//!    parked is no sleeper to wake: its own look of rule 2 finds the work.
//! 4. At most half the workers search at once, so a burst of work does not
//!    wake every thread to fight over one queue.
//! 5. A batch of tasks pushed at once (a gather's children) is the
//!    exception: one searcher could only hand the search on one sleeper at
//!    a time, so the pusher wakes up to one sleeper per task itself, each
//!    counted as a searcher, whether or not someone already searches.
//! 6. A fresh LIFO entry is no work for a sleeper (a searcher may only take
//!    it once it is stale, see `lifo.rs`), but someone must look at
//!    it again in case its owner stays in its poll. So a worker going to
//!    sleep that sees an entry in a peer's slot, in its last look of rule 2,
//!    becomes the *watcher* unless another worker is: it sleeps with a
//!    timeout, and when that expires it gives the role up, looks at every
//!    slot once more, and takes the role again if one still holds an
//!    entry. A push into a LIFO slot wakes a sleeper as in rule 1, except
//!    that a watcher, like a searcher, makes the wake unnecessary, and so
//!    does a worker still awake: by rule 2's pairing it sees the entry as
//!    it parks, and watches (whether or not it searched: one refused the
//!    search by rule 4 parks too). Giving
//!    the role up is a `SeqCst` store before the last look, and the pusher
//!    reads the role after its fence: either the pusher sees no watcher and
//!    wakes a sleeper, or the watcher's last look sees the entry. (Without
//!    a watcher, an idle worker would wake for every message two busy tasks
//!    pass through a slot, or spin while they do.)
//! 7. Stalls (a poll past `Builder::stall_threshold`) are noticed by idle
//!    workers, with no thread of their own (`stall.rs`). A worker going to
//!    sleep looks at every peer's epoch (odd inside a poll); an odd epoch it
//!    saw a threshold ago is a stall, reported by whoever claims that
//!    epoch first (a swap of the peer's last-reported epoch: one report
//!    per poll, however many look). If a peer is awake, the sleeper takes
//!    the *stall watcher* role, if free, and sleeps a quarter of the
//!    threshold at a time, looking again at each wake. A worker that wakes
//!    while nobody holds or has been called to the role calls a sleeper to
//!    it (an unpark that leaves the sleeper in the list: it wakes, finds
//!    nothing, and takes the role as it parks again). So while any worker
//!    is awake an idle one watches it, and an idle runtime sleeps.

use crate::sync::{AtomicUsize, Mutex, Ordering, fence};

/// Bits of the state word: low half searching, high half unparked.
const UNPARK_SHIFT: usize = usize::BITS as usize / 2;
const UNPARK_ONE: usize = 1 << UNPARK_SHIFT;
const SEARCH_MASK: usize = UNPARK_ONE - 1;

pub(crate) struct Idle {
    state: AtomicUsize,
    /// 1 while a worker holds the watcher role of rule 6, else 0.
    watcher: AtomicUsize,
    sleepers: Mutex<Vec<usize>>,
    num_workers: usize,
}

impl Idle {
    pub(crate) fn new(num_workers: usize) -> Idle {
        Idle {
            state: AtomicUsize::new(num_workers << UNPARK_SHIFT),
            watcher: AtomicUsize::new(0),
            sleepers: Mutex::new(Vec::with_capacity(num_workers)),
            num_workers,
        }
    }

    fn num_searching(state: usize) -> usize {
        state & SEARCH_MASK
    }

    fn num_unparked(state: usize) -> usize {
        state >> UNPARK_SHIFT
    }

    /// Rule 1: after pushing work, pick a sleeper to wake, if one is needed.
    /// Returns the worker to unpark; it is already counted as searching.
    pub(crate) fn worker_to_notify(&self) -> Option<usize> {
        // SeqCst: pairs with the fence in `transition_worker_to_parked` (rule 2).
        fence(Ordering::SeqCst);
        self.sleeper_to_wake()
    }

    /// Rule 6: as [`worker_to_notify`](Self::worker_to_notify), after a
    /// push into a LIFO slot, which a watcher also covers.
    pub(crate) fn worker_to_notify_for_lifo(&self) -> Option<usize> {
        // SeqCst: pairs with `stop_watching` (rule 6) as with rule 2.
        fence(Ordering::SeqCst);
        if self.watcher.load(Ordering::SeqCst) != 0 {
            return None;
        }
        self.sleeper_to_wake()
    }

    /// Rule 6: takes the watcher role if nobody holds it.
    #[must_use]
    pub(crate) fn try_start_watching(&self) -> bool {
        self.watcher
            .compare_exchange(0, 1, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
    }

    /// Rule 6: gives the watcher role up; the caller then looks at every
    /// LIFO slot once more.
    pub(crate) fn stop_watching(&self) {
        self.watcher.store(0, Ordering::SeqCst);
        // The last look that follows reads the slots with `Acquire`: keep it
        // after the store.
        fence(Ordering::SeqCst);
    }

    fn sleeper_to_wake(&self) -> Option<usize> {
        if !self.notify_should_wake() {
            return None;
        }
        let mut sleepers = self.sleepers.lock();
        if !self.notify_should_wake() {
            return None;
        }
        // Counted as unparked and searching before it runs, so that other
        // producers do not wake a second worker for the same work.
        self.state.fetch_add(UNPARK_ONE | 1, Ordering::SeqCst);
        sleepers.pop()
    }

    /// Rule 5: after pushing a batch, a sleeper to wake even though others
    /// may be searching already. Returns the worker to unpark, counted as
    /// unparked and searching.
    pub(crate) fn sleeper_for_batch(&self) -> Option<usize> {
        // SeqCst: as in `worker_to_notify` (rule 2).
        fence(Ordering::SeqCst);
        if Self::num_unparked(self.state.load(Ordering::SeqCst)) == self.num_workers {
            return None;
        }
        let mut sleepers = self.sleepers.lock();
        let worker = sleepers.pop()?;
        self.state.fetch_add(UNPARK_ONE | 1, Ordering::SeqCst);
        Some(worker)
    }

    fn notify_should_wake(&self) -> bool {
        let state = self.state.load(Ordering::SeqCst);
        Self::num_searching(state) == 0 && Self::num_unparked(state) < self.num_workers
    }

    /// Rule 4: may this worker start searching?
    pub(crate) fn transition_worker_to_searching(&self) -> bool {
        let state = self.state.load(Ordering::SeqCst);
        if 2 * Self::num_searching(state) >= self.num_workers {
            return false;
        }
        self.state.fetch_add(1, Ordering::SeqCst);
        true
    }

    /// Rule 3: a searcher found work. True if it was the last searcher:
    /// the caller must then wake another worker.
    #[must_use]
    pub(crate) fn transition_worker_from_searching(&self) -> bool {
        let prev = self.state.fetch_sub(1, Ordering::SeqCst);
        debug_assert!(Self::num_searching(prev) > 0);
        Self::num_searching(prev) == 1
    }

    /// Rule 2: the worker is going to sleep; the caller must then look at
    /// every queue, and every LIFO slot (rule 6), again.
    pub(crate) fn transition_worker_to_parked(&self, worker: usize, is_searching: bool) {
        let mut sleepers = self.sleepers.lock();
        let dec = UNPARK_ONE | usize::from(is_searching);
        self.state.fetch_sub(dec, Ordering::SeqCst);
        sleepers.push(worker);
        drop(sleepers);
        // SeqCst: pairs with the producer's fence (rule 2). The update alone
        // does not order the last look's `Acquire` loads of the queues after
        // it: without the fence, the look may miss a push whose producer
        // still reads this worker as awake.
        fence(Ordering::SeqCst);
    }

    /// After waking: if the worker is still on the sleepers list (woken by
    /// the driver, a timeout or shutdown, not by a producer), take it off and
    /// count it as unparked; returns true in that case. False means a
    /// producer woke it, already counting it as a searcher.
    pub(crate) fn transition_worker_from_parked(&self, worker: usize) -> bool {
        let mut sleepers = self.sleepers.lock();
        match sleepers.iter().position(|&w| w == worker) {
            Some(index) => {
                sleepers.swap_remove(index);
                self.state.fetch_add(UNPARK_ONE, Ordering::SeqCst);
                true
            }
            None => false,
        }
    }

    /// Rule 7: a sleeper other than `except` to call to the stall
    /// watcher's role, left in the list.
    #[cfg_attr(
        loom,
        allow(
            dead_code,
            reason = "the detector that reads it is left out of loom builds"
        )
    )]
    pub(crate) fn a_sleeper(&self, except: usize) -> Option<usize> {
        // Most wakes find every worker awake: no lock for them.
        if Self::num_unparked(self.state.load(Ordering::Relaxed)) == self.num_workers {
            return None;
        }
        self.sleepers
            .lock()
            .iter()
            .rev()
            .copied()
            .find(|&w| w != except)
    }

    /// Whether every worker other than the caller is asleep.
    pub(crate) fn all_others_parked(&self) -> bool {
        Self::num_unparked(self.state.load(Ordering::SeqCst)) == 0
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_push_wakes_one_sleeper_and_not_two() {
        let idle = Idle::new(4);
        for w in 0..4 {
            idle.transition_worker_to_parked(w, false);
        }
        assert_eq!(idle.worker_to_notify(), Some(3));
        // The woken worker counts as searching: the next push wakes nobody.
        assert_eq!(idle.worker_to_notify(), None);
        assert!(idle.transition_worker_from_searching());
        assert_eq!(idle.worker_to_notify(), Some(2));
    }

    #[test]
    fn a_batch_wakes_a_sleeper_per_task_while_others_search() {
        let idle = Idle::new(4);
        for w in 0..4 {
            idle.transition_worker_to_parked(w, false);
        }
        assert_eq!(idle.worker_to_notify(), Some(3));
        // A searcher is out, yet a batch still gets the other sleepers.
        assert_eq!(idle.sleeper_for_batch(), Some(2));
        assert_eq!(idle.sleeper_for_batch(), Some(1));
        assert_eq!(idle.sleeper_for_batch(), Some(0));
        assert_eq!(idle.sleeper_for_batch(), None, "everyone is awake");
        // All four count as searching: each one that finds work steps down.
        for last in [false, false, false, true] {
            assert_eq!(idle.transition_worker_from_searching(), last);
        }
    }

    #[test]
    fn a_watcher_makes_lifo_pushes_wake_nobody() {
        let idle = Idle::new(2);
        idle.transition_worker_to_parked(1, false);
        assert!(idle.try_start_watching());
        assert!(!idle.try_start_watching(), "one watcher at a time");
        assert_eq!(idle.worker_to_notify_for_lifo(), None);
        // A push into a deque still wakes the sleeper, watcher or not.
        assert_eq!(idle.worker_to_notify(), Some(1));
        assert!(idle.transition_worker_from_searching());
        idle.stop_watching();
        idle.transition_worker_to_parked(1, false);
        // With the role given up, a LIFO push wakes the sleeper again.
        assert_eq!(idle.worker_to_notify_for_lifo(), Some(1));
    }

    #[test]
    fn at_most_half_search() {
        let idle = Idle::new(4);
        assert!(idle.transition_worker_to_searching());
        assert!(idle.transition_worker_to_searching());
        assert!(!idle.transition_worker_to_searching());
    }

    #[test]
    fn spurious_wake_takes_the_worker_off_the_list() {
        let idle = Idle::new(2);
        idle.transition_worker_to_parked(0, false);
        idle.transition_worker_to_parked(1, false);
        assert!(idle.all_others_parked());
        assert!(idle.transition_worker_from_parked(1));
        assert!(!idle.transition_worker_from_parked(1));
        assert_eq!(idle.worker_to_notify(), Some(0));
    }
}
