//! `braid::signal::ctrl_c` and SIGTERM, delivered to the test process.
//! Signals are process-wide, so this binary holds this one test.
#![cfg(all(unix, not(loom)))]

mod support;

use std::pin::pin;

use braid::signal::unix::{SignalKind, signal};

#[test]
fn ctrl_c_returns_after_a_sigint_and_terminate_after_a_sigterm() {
    support::eventually(|| {
        let rt = support::multi(2);
        rt.block_on(async {
            let mut ctrl_c = pin!(braid::signal::ctrl_c());
            // The first poll installs the handler; nothing was delivered yet.
            assert!(futures::poll!(ctrl_c.as_mut()).is_pending());
            // SAFETY: SIGINT's handler is installed by the poll above.
            assert_eq!(unsafe { libc::raise(libc::SIGINT) }, 0);
            ctrl_c.await.unwrap();

            let mut terminate = signal(SignalKind::terminate()).unwrap();
            // SAFETY: SIGTERM's handler was installed just above.
            assert_eq!(unsafe { libc::kill(libc::getpid(), libc::SIGTERM) }, 0);
            assert_eq!(terminate.recv().await, Some(()));
        });
    });
}
