//! Wakers and I/O objects that outlive their runtime: waking, cloning and
//! dropping them later, from any thread, is harmless.

use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::time::Duration;

use braid::time::sleep;

use crate::support;

#[test]
#[cfg_attr(miri, ignore)]
fn wakers_woken_after_the_runtime_is_gone_do_nothing() {
    support::eventually(|| {
        for (name, rt) in support::flavours() {
            let drops = support::DropCounter::default();
            let stolen: Arc<Mutex<Vec<Waker>>> = Arc::default();
            for _ in 0..8 {
                let token = drops.token();
                let stolen = stolen.clone();
                // A task that parks for good, leaving its waker behind.
                rt.spawn(async move {
                    let _token = token;
                    std::future::poll_fn(|cx| {
                        stolen.lock().unwrap().push(cx.waker().clone());
                        Poll::<()>::Pending
                    })
                    .await
                });
            }
            // A timer's and a task's wakers, held past the runtime too.
            let sleeping = rt.spawn(async { sleep(Duration::from_secs(3600)).await });
            rt.block_on(async {
                while stolen.lock().unwrap().len() < 8 {
                    braid::yield_now().await;
                }
            });
            drop(rt);
            assert_eq!(
                drops.count(),
                8,
                "{name}: shutdown dropped each future once"
            );
            let wakers = std::mem::take(&mut *stolen.lock().unwrap());
            let threads: Vec<_> = wakers
                .into_iter()
                .map(|waker| {
                    std::thread::spawn(move || {
                        waker.wake_by_ref();
                        let clone = waker.clone();
                        waker.wake();
                        clone.wake();
                    })
                })
                .collect();
            for thread in threads {
                thread.join().expect("a wake after shutdown panicked");
            }
            // The join handle of a task cancelled by shutdown says so.
            let joined = support::within(Duration::from_secs(30), move || {
                futures::executor::block_on(sleeping)
            });
            assert!(joined.unwrap_err().is_cancelled(), "{name}");
            assert_eq!(drops.count(), 8, "{name}: a wake resurrected a task");
        }
    });
}
