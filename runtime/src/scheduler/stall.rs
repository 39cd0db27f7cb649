//! The stall detector: rule 7 of `idle.rs`. A poll that runs past the
//! threshold is noticed by an idle worker, not by a thread of its own, and
//! reported once while it still runs.
//!
//! Each worker publishes what it polls: at the start of a poll it records
//! the task's id and spawn location in its [`PollInfo`], then makes its
//! epoch odd; at the end it makes the epoch even. An idle worker reads a
//! peer's epoch; an odd epoch it saw on an earlier look, a threshold ago or
//! more, is a stalled poll. The report's task is read seqlock-style: the
//! id and location, then the epoch again, which must not have moved.

use std::panic::Location;
use std::ptr;
#[cfg(not(loom))]
use std::time::{Duration, Instant};

use crate::stall::StallConfig;
#[cfg(not(loom))]
use crate::sync::fence;
use crate::sync::{AtomicUsize, CounterPtr, CounterU64, Ordering};
use crate::task::Meta;

/// What a worker is polling: written by that worker only, before its epoch
/// turns odd; read by the stall detector.
#[cfg_attr(
    loom,
    allow(
        dead_code,
        reason = "the detector that reads it is left out of loom builds"
    )
)]
pub(crate) struct PollInfo {
    id: CounterU64,
    location: CounterPtr<Location<'static>>,
}

impl PollInfo {
    pub(crate) fn new() -> PollInfo {
        PollInfo {
            id: CounterU64::new(0),
            location: CounterPtr::new(ptr::null_mut()),
        }
    }

    /// The owner, at the start of a poll, before its epoch turns odd.
    pub(crate) fn record(&self, meta: &Meta) {
        // Release: a reader that sees these values also sees the even
        // epoch stored before them (the end of the previous poll), so its
        // second epoch read tells it they may be of another poll.
        #[cfg(not(loom))]
        fence(Ordering::Release);
        self.id.store(meta.id.as_u64(), Ordering::Relaxed);
        self.location
            .store(ptr::from_ref(meta.location).cast_mut(), Ordering::Relaxed);
    }

    /// The task of the poll under `epoch`, if `epoch` is still the worker's
    /// current one once read.
    #[cfg(not(loom))]
    fn read(
        &self,
        epoch: &AtomicUsize,
        expected: usize,
    ) -> Option<(crate::task::Id, &'static Location<'static>)> {
        let id = self.id.load(Ordering::Relaxed);
        let location = self.location.load(Ordering::Relaxed);
        fence(Ordering::Acquire);
        if epoch.load(Ordering::Relaxed) != expected {
            return None;
        }
        // SAFETY: only `&'static Location`s are stored, and non-null once
        // the epoch is odd.
        let location = unsafe { location.as_ref() }?;
        Some((braid_gather::host::id_from_u64(id)?, location))
    }
}

const FREE: usize = 0;
const CALLED: usize = 1;
const HELD: usize = 2;

/// The detector's shared state.
#[cfg_attr(
    loom,
    allow(
        dead_code,
        reason = "the detector that reads it is left out of loom builds"
    )
)]
pub(crate) struct StallWatch {
    pub(crate) config: StallConfig,
    /// Per worker, the epoch of its last poll reported.
    reported: Box<[AtomicUsize]>,
    /// Per worker, the odd epoch a detector last saw and when (`pack`).
    #[cfg(not(loom))]
    first_seen: Box<[CounterU64]>,
    /// Where `first_seen`'s milliseconds count from.
    #[cfg(not(loom))]
    origin: Instant,
    /// The stall watcher's role: [`FREE`], [`CALLED`] (a sleeper was woken
    /// to take it) or [`HELD`] (an idle worker sleeps with a timeout to look
    /// again).
    watcher: AtomicUsize,
}

impl StallWatch {
    pub(crate) fn new(workers: usize, config: StallConfig) -> StallWatch {
        StallWatch {
            config,
            reported: (0..workers).map(|_| AtomicUsize::new(0)).collect(),
            // Epoch 0 is even, so no peer matches the initial word.
            #[cfg(not(loom))]
            first_seen: (0..workers).map(|_| CounterU64::new(0)).collect(),
            #[cfg(not(loom))]
            origin: Instant::now(),
            watcher: AtomicUsize::new(FREE),
        }
    }

    /// Rule 7: claims the report of worker `worker`'s poll `epoch`. True
    /// for exactly one caller per poll, however many detectors see it.
    pub(crate) fn claim(&self, worker: usize, epoch: usize) -> bool {
        // AcqRel: the claims of one worker's polls form one order.
        self.reported[worker].swap(epoch, Ordering::AcqRel) != epoch
    }

    /// Rule 7: takes the watcher role if nobody holds it (a called
    /// sleeper, or any other, may take it).
    pub(crate) fn try_start_watching(&self) -> bool {
        self.watcher.swap(HELD, Ordering::AcqRel) != HELD
    }

    /// Rule 7: the watcher wakes; the role is free until it parks again.
    pub(crate) fn stop_watching(&self) {
        self.watcher.store(FREE, Ordering::Release);
    }

    /// Rule 7: nobody watches and nobody is called to: the caller should
    /// wake a sleeper to watch. True for one caller until the role is
    /// taken or freed.
    pub(crate) fn should_call_watcher(&self) -> bool {
        self.watcher.load(Ordering::Relaxed) == FREE
            && self
                .watcher
                .compare_exchange(FREE, CALLED, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
    }

    /// Rule 7: a called sleeper found nothing to watch; the role is free.
    #[cfg_attr(
        loom,
        allow(
            dead_code,
            reason = "the detector that reads it is left out of loom builds"
        )
    )]
    pub(crate) fn decline(&self) {
        let _ = self
            .watcher
            .compare_exchange(CALLED, FREE, Ordering::AcqRel, Ordering::Relaxed);
    }

    /// Whether detection is on (a threshold of `Duration::MAX` turns it off).
    #[cfg(not(loom))]
    pub(crate) fn enabled(&self) -> bool {
        self.config.threshold != Duration::MAX
    }

    /// How long the watcher sleeps between two looks: a report comes at
    /// most this late after the threshold.
    #[cfg(not(loom))]
    pub(crate) fn watch_period(&self) -> Duration {
        (self.config.threshold / 4).max(Duration::from_millis(1))
    }
}

/// `first_seen` packs an epoch's low half with the millisecond (since
/// `origin`) a detector first saw it: one word, so that a reader never pairs
/// one poll's epoch with another's time.
#[cfg(not(loom))]
fn pack(epoch: usize, millis: u32) -> u64 {
    (epoch as u32 as u64) << 32 | u64::from(millis)
}

#[cfg(not(loom))]
impl StallWatch {
    /// One look at every peer but `me` (rule 7). Returns the reports this
    /// look claimed.
    ///
    /// When a poll was first seen is shared by all detectors, one word per
    /// worker: memory stays linear in the workers, and a poll's age is the
    /// same whoever looks. A detector replaces only the word it read (a
    /// compare-exchange), so a slow one cannot put back an older poll's
    /// time; two that race to record one poll record nearly the same time.
    pub(crate) fn look<'a>(
        &self,
        me: usize,
        epochs: impl Fn(usize) -> (&'a AtomicUsize, &'a PollInfo),
    ) -> Vec<crate::StallReport> {
        let mut reports = Vec::new();
        let mut now_millis = None;
        for (peer, first_seen) in self.first_seen.iter().enumerate() {
            if peer == me {
                continue;
            }
            let (epoch_cell, info) = epochs(peer);
            let epoch = epoch_cell.load(Ordering::Acquire);
            if epoch % 2 == 0 {
                continue;
            }
            // Wraps after 49 days; ages are differences, taken wrapping.
            let now = *now_millis.get_or_insert_with(|| self.origin.elapsed().as_millis() as u32);
            let seen = first_seen.load(Ordering::Relaxed);
            if (seen >> 32) as u32 != epoch as u32 {
                let _ = first_seen.compare_exchange(
                    seen,
                    pack(epoch, now),
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                );
                continue;
            }
            let elapsed = Duration::from_millis(u64::from(now.wrapping_sub(seen as u32)));
            if elapsed < self.config.threshold {
                continue;
            }
            let Some((task_id, location)) = info.read(epoch_cell, epoch) else {
                continue;
            };
            if self.claim(peer, epoch) {
                reports.push(crate::StallReport {
                    task_id,
                    location,
                    elapsed,
                    worker: peer,
                });
            }
        }
        reports
    }
}
