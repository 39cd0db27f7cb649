//! Waking tasks: from other threads, after completion, many times.

mod support;

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

/// A one-shot latch: pending until `open` is called from anywhere.
#[derive(Clone, Default)]
struct Latch(Arc<Mutex<(bool, Option<Waker>)>>);

impl Latch {
    fn open(&self) {
        let waker = {
            let mut s = self.0.lock().unwrap();
            s.0 = true;
            s.1.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    fn stash(&self) -> Option<Waker> {
        self.0.lock().unwrap().1.clone()
    }
}

impl Future for Latch {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut s = self.0.lock().unwrap();
        if s.0 {
            Poll::Ready(())
        } else {
            s.1 = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

#[test]
fn wake_from_another_os_thread() {
    for (name, rt) in support::flavours() {
        let latch = Latch::default();
        let task = rt.spawn({
            let latch = latch.clone();
            async move {
                latch.await;
                "woken"
            }
        });
        let opener = latch.clone();
        let t = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(20));
            opener.open();
        });
        assert_eq!(rt.block_on(task).unwrap(), "woken", "{name}");
        t.join().unwrap();
    }
}

#[test]
fn wake_after_completion_is_harmless() {
    for (name, rt) in support::flavours() {
        let latch = Latch::default();
        let task = rt.spawn(latch.clone());
        // Let the task register its waker, then keep a clone of it.
        let stolen = rt.block_on(async {
            loop {
                if let Some(w) = latch.stash() {
                    break w;
                }
                braid::yield_now().await;
            }
        });
        latch.open();
        rt.block_on(task).unwrap();
        // The task is gone; these must neither panic nor resurrect it.
        stolen.wake_by_ref();
        let clone = stolen.clone();
        drop(stolen);
        clone.wake();
        assert_eq!(rt.handle().metrics().num_alive_tasks(), 0, "{name}");
    }
}

#[test]
#[cfg_attr(miri, ignore)]
fn many_threads_wake_one_task_many_times() {
    let rt = support::multi(4);
    let counter = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let waker_slot: Arc<Mutex<Option<Waker>>> = Arc::default();
    let task = rt.spawn({
        let counter = counter.clone();
        let waker_slot = waker_slot.clone();
        std::future::poll_fn(move |cx| {
            *waker_slot.lock().unwrap() = Some(cx.waker().clone());
            if counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) >= 1000 {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
    });
    let wakers: Vec<_> = (0..4)
        .map(|_| {
            let slot = waker_slot.clone();
            let counter = counter.clone();
            std::thread::spawn(move || {
                while counter.load(std::sync::atomic::Ordering::SeqCst) <= 1000 {
                    if let Some(w) = slot.lock().unwrap().clone() {
                        w.wake();
                    }
                    std::thread::yield_now();
                }
            })
        })
        .collect();
    rt.block_on(task).unwrap();
    for w in wakers {
        w.join().unwrap();
    }
    assert!(counter.load(std::sync::atomic::Ordering::SeqCst) > 1000);
}
