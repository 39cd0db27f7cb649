//! A current-thread runtime with two threads inside `block_on`: when the one
//! running the tasks returns, the other takes over running tasks and timers.

mod support;

use std::sync::Arc;
use std::time::Duration;

use futures::channel::oneshot;

#[test]
fn a_second_block_on_takes_over_when_the_first_returns() {
    support::eventually(|| {
        let rt = Arc::new(support::current());
        let (inside_tx, inside_rx) = oneshot::channel::<()>();
        let (first_done_tx, first_done_rx) = oneshot::channel::<()>();
        let first = {
            let rt = rt.clone();
            std::thread::spawn(move || {
                // Takes the core: this thread runs the tasks until the
                // second thread is inside its own block_on.
                rt.block_on(async { inside_rx.await.unwrap() });
                first_done_tx.send(()).unwrap();
            })
        };
        let second = {
            let rt = rt.clone();
            std::thread::spawn(move || {
                rt.block_on(async move {
                    inside_tx.send(()).unwrap();
                    // Only the thread holding the core runs tasks and fires
                    // timers: after the first returns, that must be us.
                    first_done_rx.await.unwrap();
                    braid::time::sleep(Duration::from_millis(5)).await;
                    let spawned = braid::spawn(async {
                        braid::time::sleep(Duration::from_millis(5)).await;
                        7
                    });
                    spawned.await.unwrap()
                })
            })
        };
        first.join().unwrap();
        assert_eq!(second.join().unwrap(), 7);
        // The core went back again: a later block_on here drives as usual.
        assert_eq!(
            rt.block_on(async { braid::spawn(async { 8 }).await.unwrap() }),
            8
        );
    });
}

#[test]
fn takeover_also_happens_on_a_paused_clock() {
    support::eventually(|| {
        let rt = Arc::new(
            braid::Builder::new_current_thread()
                .start_paused(true)
                .build()
                .unwrap(),
        );
        let (inside_tx, inside_rx) = oneshot::channel::<()>();
        let (first_done_tx, first_done_rx) = oneshot::channel::<()>();
        let first = {
            let rt = rt.clone();
            std::thread::spawn(move || {
                rt.block_on(async { inside_rx.await.unwrap() });
                first_done_tx.send(()).unwrap();
            })
        };
        let second = {
            let rt = rt.clone();
            std::thread::spawn(move || {
                rt.block_on(async move {
                    inside_tx.send(()).unwrap();
                    first_done_rx.await.unwrap();
                    let start = braid::time::Instant::now();
                    braid::time::sleep(Duration::from_secs(3600)).await;
                    start.elapsed()
                })
            })
        };
        first.join().unwrap();
        // The paused clock jumped the hour once the second thread drove it.
        assert_eq!(second.join().unwrap(), Duration::from_secs(3600));
    });
}

/// A future for the thread waiting beside: pending on its first poll
/// (which says so on `beside`), pending on its second once `retaken` says
/// the first thread holds the core again, ready on its third.
struct WokenTwice {
    polls: u32,
    beside: std::sync::mpsc::Sender<()>,
    retaken: std::sync::mpsc::Receiver<()>,
}

impl std::future::Future for WokenTwice {
    type Output = u32;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<u32> {
        self.polls += 1;
        match self.polls {
            1 => self.beside.send(()).unwrap(),
            2 => self.retaken.recv().unwrap(),
            n => return std::task::Poll::Ready(n),
        }
        std::task::Poll::Pending
    }
}

/// The thread waiting beside is woken when the core is handed back, finds
/// it taken again by the time it looks, and waits once more: the next
/// hand-back must wake it too.
#[test]
fn a_thread_that_lost_the_core_to_another_is_woken_at_the_next_hand_back() {
    support::eventually(|| {
        let rt = Arc::new(support::current());
        let (beside_tx, beside_rx) = std::sync::mpsc::channel();
        let (retaken_tx, retaken_rx) = std::sync::mpsc::channel();
        // Takes the core and holds it until the other thread waits beside.
        let holding = rt.block_on(async {
            let rt = rt.clone();
            let waiting = std::thread::spawn(move || {
                rt.block_on(WokenTwice {
                    polls: 0,
                    beside: beside_tx,
                    retaken: retaken_rx,
                })
            });
            beside_rx.recv().unwrap();
            // Its first poll came before it put itself on the list: give
            // it the time to, and to sleep.
            std::thread::sleep(Duration::from_millis(20));
            waiting
        });
        // Handed back (waking the other thread, whose next poll waits for
        // this), then taken again and held past that poll's look.
        rt.block_on(async {
            retaken_tx.send(()).unwrap();
            std::thread::sleep(Duration::from_millis(20));
        });
        assert_eq!(holding.join().unwrap(), 3);
    });
}
