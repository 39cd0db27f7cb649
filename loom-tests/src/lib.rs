//! Loom models of braid's concurrent protocols.
//!
//! The models live in `tests/`, one file per protocol, and drive the real
//! code of `braid`, `braid-gather` and `braid-reactor` (through their public
//! API, or the `#[doc(hidden)] loom` module each crate compiles under
//! `--cfg loom`). This library holds the fixtures they share. Run the suite
//! with `loom-tests/run.sh`; see `README.md` for what each model proves.
//!
//! Without `--cfg loom` the crate and its tests compile to nothing.
#![cfg(loom)]

mod sync;

use std::task::{Wake, Waker};
use std::time::Instant;
use sync::{StdArc, StdAtomicUsize, StdOrdering};

/// Runs `f` under loom's model checker with the preemption bound from
/// `LOOM_MAX_PREEMPTIONS` (2 when unset), and prints how many interleavings
/// were explored and how long that took.
///
/// # Examples
///
/// ```ignore
/// braid_loom_tests::check("noop", || {});
/// ```
pub fn check<F>(name: &str, f: F)
where
    F: Fn() + Sync + Send + 'static,
{
    check_bounded(name, None, f);
}

/// As [`check`], with at most `max_preemptions` preemptions whatever
/// `LOOM_MAX_PREEMPTIONS` says, for the models whose state space is too
/// large for the suite's time budget at the default bound.
///
/// # Examples
///
/// ```ignore
/// braid_loom_tests::check_bounded("noop", Some(1), || {});
/// ```
pub fn check_bounded<F>(name: &str, max_preemptions: Option<usize>, f: F)
where
    F: Fn() + Sync + Send + 'static,
{
    check_long(name, max_preemptions, None, f);
}

/// As [`check_bounded`], for a model whose executions run past loom's
/// default of 1,000 branches (scheduling points) each: `max_branches`
/// raises that limit. Loom reports an execution past the limit as a spin
/// that makes no progress, so a model that needs more says so here.
///
/// # Examples
///
/// ```ignore
/// braid_loom_tests::check_long("noop", Some(2), Some(20_000), || {});
/// ```
pub fn check_long<F>(name: &str, max_preemptions: Option<usize>, max_branches: Option<usize>, f: F)
where
    F: Fn() + Sync + Send + 'static,
{
    let runs = StdArc::new(StdAtomicUsize::new(0));
    let counter = runs.clone();
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(2);
    }
    if let Some(bound) = max_preemptions {
        builder.preemption_bound = builder.preemption_bound.map(|b| b.min(bound));
    }
    if let Some(branches) = max_branches {
        builder.max_branches = builder.max_branches.max(branches);
    }
    let started = Instant::now();
    builder.check(move || {
        counter.fetch_add(1, StdOrdering::Relaxed);
        f();
    });
    println!(
        "model {name}: {} interleavings in {:.2?}",
        runs.load(StdOrdering::Relaxed),
        started.elapsed()
    );
}

/// A value that counts its drops in a shared counter.
///
/// # Examples
///
/// ```ignore
/// let drops = braid_loom_tests::Drops::new();
/// drop(drops.track(1));
/// assert_eq!(drops.count(), 1);
/// ```
#[derive(Debug)]
pub struct Tracked<T> {
    /// The payload.
    pub value: T,
    drops: StdArc<StdAtomicUsize>,
}

impl<T> Drop for Tracked<T> {
    fn drop(&mut self) {
        self.drops.fetch_add(1, StdOrdering::SeqCst);
    }
}

/// A drop counter for [`Tracked`] values. Read it only after joining the
/// threads that may drop them (loom's join orders it).
#[derive(Clone, Debug, Default)]
pub struct Drops(StdArc<StdAtomicUsize>);

impl Drops {
    /// A counter at zero.
    pub fn new() -> Drops {
        Drops::default()
    }

    /// Wraps `value` so that its drop is counted here.
    pub fn track<T>(&self, value: T) -> Tracked<T> {
        Tracked {
            value,
            drops: self.0.clone(),
        }
    }

    /// Drops counted so far.
    pub fn count(&self) -> usize {
        self.0.load(StdOrdering::SeqCst)
    }
}

/// A flag that the drop of a [`Witnessed`] value sets, in a cell loom
/// tracks: reading it with [`Witness::dropped`] on a thread that the drop
/// does not happen before is a data race, which fails the model. So a model
/// proves that a value's drop was *published* to its reader, not only that
/// it happened.
///
/// # Examples
///
/// ```ignore
/// let (witness, value) = braid_loom_tests::Witness::new(3);
/// drop(value);
/// assert!(witness.dropped());
/// ```
#[derive(Debug, Clone)]
pub struct Witness(StdArc<WitnessCell>);

/// The value a [`Witness`] watches.
#[derive(Debug)]
pub struct Witnessed<T> {
    /// The payload.
    pub value: T,
    cell: StdArc<WitnessCell>,
}

#[derive(Debug)]
struct WitnessCell(loom::cell::UnsafeCell<bool>);

// SAFETY: every access goes through loom's `UnsafeCell`, which checks that
// no two threads touch it without a happens-before edge between them.
unsafe impl Sync for WitnessCell {}

impl Witness {
    /// A witness and the value it watches.
    pub fn new<T>(value: T) -> (Witness, Witnessed<T>) {
        let cell = StdArc::new(WitnessCell(loom::cell::UnsafeCell::new(false)));
        (Witness(cell.clone()), Witnessed { value, cell })
    }

    /// Whether the value was dropped; a read racing the drop fails the
    /// model.
    pub fn dropped(&self) -> bool {
        // SAFETY: loom checks the access against the drop's write.
        self.0.0.with(|flag| unsafe { *flag })
    }
}

impl<T> Drop for Witnessed<T> {
    fn drop(&mut self) {
        // SAFETY: loom checks the access against the witness's reads.
        self.cell.0.with_mut(|flag| unsafe { *flag = true });
    }
}

/// A waker that counts its wakes; its clones are counted by the `Arc`.
#[derive(Debug, Default)]
pub struct CountingWaker(StdAtomicUsize);

impl CountingWaker {
    /// A waker and the handle that counts its wakes and live clones.
    pub fn new() -> (StdArc<CountingWaker>, Waker) {
        let counter = StdArc::new(CountingWaker::default());
        let waker = Waker::from(counter.clone());
        (counter, waker)
    }

    /// Wakes so far.
    pub fn wakes(&self) -> usize {
        self.0.load(StdOrdering::SeqCst)
    }
}

impl Wake for CountingWaker {
    fn wake(self: StdArc<Self>) {
        self.0.fetch_add(1, StdOrdering::SeqCst);
    }

    fn wake_by_ref(self: &StdArc<Self>) {
        self.0.fetch_add(1, StdOrdering::SeqCst);
    }
}

/// Polls `future` to completion on the current modelled thread, parking it
/// between polls. A wake that never comes leaves every thread parked, which
/// loom reports as a deadlock: that is how the models catch lost wake-ups.
///
/// # Examples
///
/// ```ignore
/// assert_eq!(braid_loom_tests::block_on(async { 3 }), 3);
/// ```
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    struct Unpark(loom::thread::Thread);

    impl Wake for Unpark {
        fn wake(self: StdArc<Self>) {
            self.0.unpark();
        }
    }

    let waker = Waker::from(StdArc::new(Unpark(loom::thread::current())));
    let mut cx = std::task::Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        loom::thread::park();
    }
}
