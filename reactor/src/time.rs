//! Sleeps, timeouts, intervals and braid's own [`Instant`].
//!
//! # Timer resolution and the rounding rule
//!
//! Timers live in a hierarchical wheel with a resolution of 1 ms, counted
//! from the moment the runtime started. A deadline is **rounded up** to the
//! next whole millisecond of that count, and a driver turn at time `t` fires
//! every timer whose rounded deadline is at or before `t` **rounded down**.
//! So a sleep:
//!
//! - never completes before its deadline, and
//! - completes at the first driver turn at or after its rounded deadline
//!   (at most 1 ms past the deadline, plus however long the runtime takes to
//!   get to the turn).
//!
//! A sleep whose deadline has already passed when it is first polled
//! completes at once.
//!
//! # The paused clock
//!
//! A runtime built with `start_paused(true)` has a clock that stands still
//! at the time it started. [`Instant::now`] reads it; [`advance`] moves it
//! and fires the timers that become due; and when every worker is idle the
//! runtime jumps it straight to the next timer (auto-advance), so timer
//! tests run instantly and exactly.
//!
//! "Idle" means that no worker is running a task, no `spawn_blocking` call
//! is running, and no `block_on` future is being polled. Auto-advance does
//! **not** wait for I/O in flight: a task waiting on a socket is idle, so
//! while a reply is still on its way (from another process, a thread
//! outside the runtime, or just through the loopback stack) the clock may
//! jump to the next timer first. A `timeout` around a network call can then
//! elapse in paused time however fast the peer answers. The driver only
//! defers a jump for I/O events it has already received. So a paused-clock
//! test that waits on real sockets should not race a timer against them,
//! or should move the clock itself with [`advance`].
//!
//! # Shutdown
//!
//! When the runtime shuts down, every task waiting on a timer is woken;
//! polling a [`Sleep`] (or a [`Timeout`] or [`Interval`]) that has not
//! completed then panics, saying that the runtime shut down.

mod advance;
mod clock;
mod entry;
mod instant;
mod interval;
mod sleep;
mod timeout;
mod timers;
mod wheel;

pub use advance::advance;
#[cfg(loom)]
pub(crate) use entry::{EntryState, TimerKey};
pub use instant::Instant;
pub use interval::{Interval, MissedTickBehavior, interval, interval_at};
pub use sleep::{Sleep, sleep, sleep_until};
pub use std::time::Duration;
pub use timeout::{Elapsed, Timeout, timeout, timeout_at};
pub(crate) use timers::{Park, Timers};

// The time types move between tasks and threads, and the futures built on
// them can be spawned; checked at every build.
const _: () = {
    const fn shareable<T: Send + Sync + Unpin>() {}
    shareable::<Sleep>();
    shareable::<Interval>();
    shareable::<Timeout<Sleep>>();
    shareable::<Instant>();
    shareable::<Elapsed>();
    shareable::<MissedTickBehavior>();

    fn spawnable<T: Send + 'static>(_: T) {}
    #[allow(dead_code)] // type-checked, never run
    fn futures_are_send(mut ticks: Interval) {
        spawnable(advance(Duration::from_secs(1)));
        spawnable(async move { ticks.tick().await });
    }
};
