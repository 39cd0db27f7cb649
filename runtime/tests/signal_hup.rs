//! `braid::signal::unix` across runtimes and flavours: SIGHUP reaches
//! listeners on a current-thread and a multi-thread runtime at once, and
//! `recv` ends with `None` once the listener's runtime is gone. Signals are
//! process-wide: each test here uses its own kind.
#![cfg(all(unix, not(loom)))]

mod support;

use std::time::Duration;

use braid::signal::unix::{SignalKind, signal};

#[test]
fn one_delivery_wakes_listeners_on_two_runtimes() {
    support::eventually(|| {
        let current = support::current();
        let multi = support::multi(2);
        let mut on_current = current
            .block_on(async { signal(SignalKind::hangup()) })
            .unwrap();
        let on_multi = multi
            .block_on(async { signal(SignalKind::hangup()) })
            .unwrap();
        let waiting = multi.spawn(async move {
            let mut on_multi = on_multi;
            on_multi.recv().await
        });
        // SAFETY: the SIGHUP handler was installed by the listeners above.
        assert_eq!(unsafe { libc::kill(libc::getpid(), libc::SIGHUP) }, 0);
        assert_eq!(current.block_on(on_current.recv()), Some(()));
        assert_eq!(multi.block_on(waiting).unwrap(), Some(()));
    });
}

#[test]
fn several_deliveries_before_a_recv_are_reported_once() {
    support::eventually(|| {
        let rt = support::current();
        rt.block_on(async {
            let mut user2 = signal(SignalKind::user_defined2()).unwrap();
            for _ in 0..3 {
                // SAFETY: the SIGUSR2 handler was installed just above.
                assert_eq!(unsafe { libc::raise(libc::SIGUSR2) }, 0);
            }
            // Let the driver see the pipe before the first recv.
            braid::time::sleep(Duration::from_millis(20)).await;
            assert_eq!(user2.recv().await, Some(()));
            let again = braid::time::timeout(Duration::from_millis(50), user2.recv()).await;
            assert!(
                again.is_err(),
                "three deliveries were reported more than once"
            );
        });
    });
}

#[test]
fn recv_returns_none_once_the_listeners_runtime_is_gone() {
    support::eventually(|| {
        let rt = support::multi(1);
        let mut quits = rt.block_on(async { signal(SignalKind::quit()) }).unwrap();
        let other = support::current();
        let waiting = std::thread::spawn(move || other.block_on(quits.recv()));
        std::thread::sleep(Duration::from_millis(20));
        drop(rt);
        assert_eq!(waiting.join().unwrap(), None);
    });
}

#[test]
fn uncatchable_and_out_of_range_signals_are_refused() {
    let rt = support::current();
    rt.block_on(async {
        for raw in [libc::SIGKILL, libc::SIGSTOP, libc::SIGSEGV, 0, -1, 10_000] {
            let err = signal(SignalKind::from_raw(raw)).unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{raw}: {err}");
        }
    });
    let outside = std::panic::catch_unwind(|| signal(SignalKind::hangup()).map(drop));
    assert!(outside.is_err(), "signal() outside a runtime must panic");
}
