//! `braid::signal::unix` with SIGUSR1: every listener of a kind is woken per
//! delivery, a dropped listener is no obstacle, and a listener only sees
//! deliveries made after it was created. Signals are process-wide, so this
//! binary holds this one test.
#![cfg(all(unix, not(loom)))]

mod support;

use std::time::Duration;

use braid::signal::unix::{SignalKind, signal};

fn raise_usr1() {
    // SAFETY: the SIGUSR1 handler is installed before every call here.
    assert_eq!(unsafe { libc::raise(libc::SIGUSR1) }, 0);
}

#[test]
fn every_listener_of_a_kind_is_woken_per_delivery() {
    support::eventually(|| {
        let rt = support::multi(4);
        rt.block_on(async {
            let mut listeners = Vec::new();
            for _ in 0..2 {
                let mut listener = signal(SignalKind::user_defined1()).unwrap();
                listeners.push(braid::spawn(async move {
                    listener.recv().await.unwrap();
                    listener
                }));
            }
            let dropped = signal(SignalKind::user_defined1()).unwrap();
            drop(dropped);
            // Both tasks wait on other workers (or soon will: a delivery
            // made before their first poll is still theirs).
            braid::yield_now().await;
            raise_usr1();
            let mut woken = Vec::new();
            for join in listeners {
                woken.push(join.await.unwrap());
            }
            assert_eq!(woken.len(), 2);

            // A listener made after that delivery does not see it...
            let mut late = signal(SignalKind::user_defined1()).unwrap();
            let quiet = braid::time::timeout(Duration::from_millis(50), late.recv()).await;
            assert!(
                quiet.is_err(),
                "a listener saw a delivery made before it existed"
            );
            // ...and the next one wakes it and the earlier ones alike.
            raise_usr1();
            assert_eq!(late.recv().await, Some(()));
            for listener in &mut woken {
                assert_eq!(listener.recv().await, Some(()));
            }
        });
    });
}
