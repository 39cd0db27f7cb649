//! Entry points for the loom models in `loom-tests/` (compiled only under
//! `--cfg loom`): a registration's readiness and wakers, the registration
//! slab with its generations, the timer wheels behind their locks, and sockets
//! of a whole driver whose OS poller is the scripted one
//! (`driver/sys_scripted.rs`). Each wrapper calls the crate's real code;
//! nothing here re-implements it.

use std::fmt;
use std::future::poll_fn;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use crate::driver::{Direction, Handle, Ready, ReadyEvent, ScheduledIo, Slab};
use crate::sync::{Arc, Mutex};
use crate::time::{EntryState, Park, TimerKey, Timers};

/// One registration's readiness word, waiter slots and waiter list.
#[derive(Clone)]
pub struct Io {
    scheduled: Arc<ScheduledIo>,
}

/// A readiness the owner observed, to clear after `WouldBlock`.
#[derive(Clone, Copy, Debug)]
pub struct ReadEvent(ReadyEvent);

impl Io {
    /// A fresh registration, not ready.
    pub fn new() -> Io {
        Io {
            scheduled: Arc::new(ScheduledIo::new()),
        }
    }

    /// The driver delivers a readable event.
    pub fn dispatch_readable(&self) {
        self.scheduled.dispatch(Ready::READABLE);
    }

    /// The driver shuts down.
    pub fn shutdown(&self) {
        self.scheduled.shutdown();
    }

    /// The owner waits for read readiness: `Ok` with the event, `Err(())`
    /// after shutdown.
    pub fn poll_read(&self, cx: &mut Context<'_>) -> Poll<Result<ReadEvent, ()>> {
        self.scheduled
            .poll_ready(cx, Direction::Read)
            .map(|result| result.map(ReadEvent).map_err(drop))
    }

    /// An async-fn operation (`recv_from`, `accept`) waits for read
    /// readiness through a waiter of its own, as the real ones do; dropping
    /// the future removes the waiter. `Err(())` after shutdown.
    pub async fn wait_readable(&self) -> Result<ReadEvent, ()> {
        let mut waiter = self.scheduled.waiter(Direction::Read);
        poll_fn(|cx| waiter.poll_ready(cx))
            .await
            .map(ReadEvent)
            .map_err(drop)
    }

    /// An async-fn read loop: waits through one waiter, finds the read
    /// would block (clears the readiness it saw), and waits again through
    /// the same waiter, whose waker the first event took: the waiter must
    /// re-arm. `Err(())` after shutdown.
    pub async fn wait_readable_twice(&self) -> Result<(), ()> {
        let mut waiter = self.scheduled.waiter(Direction::Read);
        let seen = poll_fn(|cx| waiter.poll_ready(cx)).await.map_err(drop)?;
        self.scheduled.clear_readiness(seen);
        poll_fn(|cx| waiter.poll_ready(cx)).await.map_err(drop)?;
        Ok(())
    }

    /// Waiters of async-fn operations still registered.
    pub fn waiter_count(&self) -> usize {
        self.scheduled.waiter_count()
    }

    /// The owner's read would block: clear what it observed.
    pub fn clear(&self, event: ReadEvent) {
        self.scheduled.clear_readiness(event.0);
    }
}

impl Default for Io {
    fn default() -> Io {
        Io::new()
    }
}

impl fmt::Debug for Io {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Io").finish_non_exhaustive()
    }
}

/// The driver's registration slab under its lock.
#[derive(Debug, Default)]
pub struct Registrations {
    slab: Mutex<Slab>,
}

impl Registrations {
    /// An empty slab.
    pub fn new() -> Registrations {
        Registrations::default()
    }

    /// Registers a socket: its token and its readiness.
    pub fn insert(&self) -> (usize, Io) {
        let (token, scheduled) = self.slab.lock().insert().expect("slab full");
        (token, Io { scheduled })
    }

    /// Deregisters the socket of `token`; false if the token was stale.
    pub fn remove(&self, token: usize) -> bool {
        self.slab.lock().remove(token).is_some()
    }

    /// What the driver's turn does with one OS event: look the token up
    /// under the lock (the generation check), then dispatch outside it.
    /// False if the token was stale and the event was dropped.
    pub fn dispatch_readable(&self, token: usize) -> bool {
        let scheduled = self.slab.lock().get(token).cloned();
        match scheduled {
            Some(scheduled) => {
                scheduled.dispatch(Ready::READABLE);
                true
            }
            None => false,
        }
    }

    /// Live registrations.
    pub fn len(&self) -> usize {
        self.slab.lock().len()
    }

    /// Whether no registration is live.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The timer wheel, with a paused clock or a real one, and a driver whose
/// park an insert interrupts when it says so.
pub struct TimerWheel {
    timers: Timers,
    poller: FakePoller,
}

/// The OS poller's part in a park, which cannot run under loom: it blocks
/// until unparked, and an unpark that comes first makes the next wait
/// return at once (as `Handle::unpark` does). A wait never times out: the
/// models park only towards deadlines far beyond the model's own run, so a
/// park that no insert interrupts is a deadlock.
#[derive(Default)]
struct FakePoller {
    unparked: loom::sync::Mutex<bool>,
    woken: loom::sync::Condvar,
}

impl FakePoller {
    fn wait(&self) {
        let mut unparked = self.unparked.lock().unwrap();
        while !*unparked {
            unparked = self.woken.wait(unparked).unwrap();
        }
        *unparked = false;
    }

    fn unpark(&self) {
        *self.unparked.lock().unwrap() = true;
        self.woken.notify_one();
    }
}

/// A timer in a [`TimerWheel`].
#[derive(Clone, Copy, Debug)]
pub struct Timer(TimerKey);

impl Timer {
    /// Which of the driver's wheels holds the timer: the one of the thread
    /// that inserted it.
    pub fn wheel(&self) -> usize {
        self.0.wheel()
    }
}

impl TimerWheel {
    /// An empty wheel whose clock moves only by [`TimerWheel::advance`].
    pub fn new() -> TimerWheel {
        TimerWheel {
            timers: Timers::new(true),
            poller: FakePoller::default(),
        }
    }

    /// An empty wheel on the real clock, whose driver parks towards the
    /// next timer.
    pub fn with_real_clock() -> TimerWheel {
        TimerWheel {
            timers: Timers::new(false),
            poller: FakePoller::default(),
        }
    }

    /// Adds a timer due `after` from now, to wake `waker`; unparks the
    /// driver if the wheel says the timer interrupts its park.
    pub fn insert(&self, after: Duration, waker: &Waker) -> Timer {
        let deadline = self.timers.clock().now() + after;
        let (key, _state, unpark) = self.timers.insert(deadline, waker);
        if unpark {
            self.poller.unpark();
        }
        Timer(key)
    }

    /// One park of the driver with no timeout of its own and no
    /// auto-advance, as `Driver::park` runs it: decides the wait under the
    /// wheel lock, waits in the poller unless the wait is at most
    /// `returns_within` (a timer due that soon ends the model's interest),
    /// ends the park and fires what is due. Returns the wait decided, `None`
    /// for no timer at all.
    pub fn park_driver(&self, returns_within: Duration) -> Option<Duration> {
        match self.timers.prepare_park(None, &|| false) {
            Park::Advanced => unreachable!("no auto-advance"),
            Park::Wait(wait) => {
                if wait.is_none_or(|wait| wait > returns_within) {
                    self.poller.wait();
                }
                self.timers.finish_park();
                self.timers.fire_due(&mut Vec::new());
                wait
            }
        }
    }

    /// Polls a timer: true once it has fired; otherwise stores `waker`.
    pub fn poll(&self, timer: Timer, waker: &Waker) -> bool {
        self.timers.poll(timer.0, waker) != EntryState::Pending
    }

    /// Cancels a timer (a dropped `Sleep`) and frees its entry.
    pub fn remove(&self, timer: Timer) {
        self.timers.remove(timer.0);
    }

    /// Moves the clock and fires what is due.
    pub fn advance(&self, by: Duration) {
        self.timers.advance(by);
    }

    /// Live timer entries.
    pub fn len(&self) -> usize {
        self.timers.len()
    }

    /// Whether no timer is live.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Default for TimerWheel {
    fn default() -> TimerWheel {
        TimerWheel::new()
    }
}

impl fmt::Debug for TimerWheel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimerWheel").finish_non_exhaustive()
    }
}

/// A socket registered with a driver (its slab entry and token), whose
/// readiness the model scripts: [`Socket::arrive_readable`] is the OS
/// reporting it, and only a turn of the driver dispatches it to the waiter.
///
/// # Examples
///
/// ```ignore
/// let socket = braid_reactor::loom_harness::Socket::register(&handle);
/// socket.arrive_readable();
/// ```
pub struct Socket {
    handle: Handle,
    token: usize,
    scheduled: Arc<ScheduledIo>,
}

impl Socket {
    /// Registers a socket with the driver of `handle`.
    ///
    /// # Panics
    ///
    /// If the driver has shut down.
    pub fn register(handle: &Handle) -> Socket {
        let (token, scheduled) = handle
            .insert_registration()
            .expect("the driver refused a registration");
        Socket {
            handle: handle.clone(),
            token,
            scheduled,
        }
    }

    /// The OS reports the socket readable: queued in the poller, and
    /// dispatched by whichever thread turns the driver next.
    pub fn arrive_readable(&self) {
        self.handle.deliver(self.token, Ready::READABLE);
    }

    /// An async-fn read waits for readiness through a waiter of its own, as
    /// `Registration::io` does. `Err(())` after shutdown.
    pub async fn readable(&self) -> Result<(), ()> {
        let mut waiter = self.scheduled.waiter(Direction::Read);
        poll_fn(|cx| waiter.poll_ready(cx))
            .await
            .map(drop)
            .map_err(drop)
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.handle.remove_registration(self.token);
    }
}

impl fmt::Debug for Socket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Socket")
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}
