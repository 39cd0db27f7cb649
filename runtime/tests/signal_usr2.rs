//! `braid::signal::unix` with SIGUSR2: a listener's waker that makes a new
//! listener as it is woken (as a task woken by a signal may do at once, on
//! the driver's thread) does not deadlock the driver. Signals are
//! process-wide, so this binary holds this one test.
#![cfg(all(unix, not(loom)))]

mod support;

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Wake, Waker};
use std::time::Duration;

use braid::signal::unix::{SignalKind, signal};

/// On its first wake, makes a SIGUSR2 listener (on the waking thread, which
/// is the driver's) and records that it could.
struct MakesAListener(AtomicBool);

impl Wake for MakesAListener {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !self.0.load(Ordering::SeqCst) {
            drop(signal(SignalKind::user_defined2()).unwrap());
            self.0.store(true, Ordering::SeqCst);
        }
    }
}

#[test]
fn a_waker_that_makes_a_listener_as_a_signal_wakes_it_does_not_deadlock() {
    support::eventually(|| {
        let rt = support::current();
        rt.block_on(async {
            let mut listener = signal(SignalKind::user_defined2()).unwrap();
            let made = Arc::new(MakesAListener(AtomicBool::new(false)));
            let waker = Waker::from(made.clone());
            let mut recv = pin!(listener.recv());
            assert!(
                recv.as_mut()
                    .poll(&mut Context::from_waker(&waker))
                    .is_pending()
            );
            // SAFETY: the SIGUSR2 handler was installed by `signal` above.
            assert_eq!(unsafe { libc::raise(libc::SIGUSR2) }, 0);
            // The driver turns while this thread sleeps, and wakes `made`.
            while !made.0.load(Ordering::SeqCst) {
                braid::time::sleep(Duration::from_millis(1)).await;
            }
            assert!(
                recv.as_mut()
                    .poll(&mut Context::from_waker(&waker))
                    .is_ready()
            );
        });
    });
}
