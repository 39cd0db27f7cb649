//! The driver keeps turning however busy the runtime's threads are: timers
//! fire and sockets become ready while the `block_on` future or a task
//! never lets its thread go idle.

mod support;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use braid::net::UdpSocket;
use braid::time::sleep;
use futures::StreamExt;

/// Sets its flag once a 10 ms sleep has ended.
fn flag_after_sleep() -> Arc<AtomicBool> {
    let done = Arc::new(AtomicBool::new(false));
    let flag = done.clone();
    braid::spawn(async move {
        sleep(Duration::from_millis(10)).await;
        flag.store(true, Ordering::SeqCst);
    });
    done
}

/// Sets its flag once a datagram has arrived on a fresh socket. The
/// datagram is sent at once, so only a driver turn stands between it and
/// the reader.
async fn flag_after_datagram() -> Arc<AtomicBool> {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let sender = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    sender
        .send_to(b"ping", socket.local_addr().unwrap())
        .unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let flag = done.clone();
    braid::spawn(async move {
        let mut buf = [0; 8];
        let (len, _) = socket.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..len], b"ping");
        flag.store(true, Ordering::SeqCst);
    });
    done
}

fn all_set(flags: &[Arc<AtomicBool>]) -> bool {
    flags.iter().all(|flag| flag.load(Ordering::SeqCst))
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_yield_spinning_block_on_still_fires_timers_and_reads_sockets() {
    support::eventually(|| {
        support::current().block_on(async {
            // Each poll of this future wakes it again at once, so the
            // thread never parks: only its periodic driver turns can end
            // the sleep and deliver the datagram.
            let flags = [flag_after_sleep(), flag_after_datagram().await];
            while !all_set(&flags) {
                braid::yield_now().await;
            }
        });
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_block_on_ping_ponging_with_a_task_still_fires_timers_and_reads_sockets() {
    support::eventually(|| {
        support::current().block_on(async {
            let flags = [flag_after_sleep(), flag_after_datagram().await];
            // One task runs between two polls of this future, and each
            // wakes the other: the thread is never idle, and never runs a
            // full batch of tasks either.
            let (ping, mut pings) = futures::channel::mpsc::unbounded::<()>();
            let (pong, mut pongs) = futures::channel::mpsc::unbounded::<()>();
            let echo = braid::spawn(async move {
                while pings.next().await.is_some() {
                    let _ = pong.unbounded_send(());
                }
            });
            while !all_set(&flags) {
                ping.unbounded_send(()).unwrap();
                pongs.next().await.unwrap();
            }
            drop(ping);
            echo.await.unwrap();
        });
    });
}

/// A waker that takes `HOLD` to run and then records that it ran. Woken by
/// a timer, it runs inside the driver turn that fired the timer, so the
/// worker making that turn holds the driver for `HOLD`.
struct SlowWaker(AtomicBool);

const HOLD: Duration = Duration::from_millis(100);

impl std::task::Wake for SlowWaker {
    fn wake(self: Arc<Self>) {
        std::thread::sleep(HOLD);
        self.0.store(true, Ordering::SeqCst);
    }
}

/// How long a spinning task holds its worker before giving up: far longer
/// than the timers and datagrams it waits for should take.
const SPIN_LIMIT: Duration = Duration::from_secs(5);

#[test]
#[cfg_attr(miri, ignore)]
fn an_idle_worker_takes_over_the_driver_from_a_busy_one() {
    // Worker A yield-spins, so it turns the driver every 61 ticks; worker B
    // is blocked for 50 ms. A timer due at 10 ms fires in one of A's turns
    // and its slow waker keeps A in the driver until ~110 ms. B falls idle
    // at 50 ms, finds the driver taken and sleeps. After the turn, A spins
    // without ever yielding. Only B can now fire the 200 ms timer and see
    // the 150 ms datagram, so B must be handed the driver when A lets go.
    support::eventually(|| {
        let rt = support::multi(2);
        let all_there = rt.block_on(async {
            let slow = Arc::new(SlowWaker(AtomicBool::new(false)));
            let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let addr = socket.local_addr().unwrap();
            let late_sleep = Arc::new(AtomicBool::new(false));
            let late_datagram = Arc::new(AtomicBool::new(false));
            braid::spawn({
                let done = late_sleep.clone();
                async move {
                    sleep(Duration::from_millis(200)).await;
                    done.store(true, Ordering::SeqCst);
                }
            });
            braid::spawn({
                let done = late_datagram.clone();
                async move {
                    socket.recv_from(&mut [0; 8]).await.unwrap();
                    done.store(true, Ordering::SeqCst);
                }
            });
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(150));
                let sender = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
                sender.send_to(b"late", addr).unwrap();
            });
            braid::spawn({
                let slow = slow.clone();
                async move {
                    let mut first = Box::pin(sleep(Duration::from_millis(10)));
                    let waker = std::task::Waker::from(slow);
                    let polled = first
                        .as_mut()
                        .poll(&mut std::task::Context::from_waker(&waker));
                    assert!(polled.is_pending());
                    // Blocking code in async: holds this worker, leaving the
                    // driver to the spinner's periodic turns.
                    std::thread::sleep(Duration::from_millis(50));
                    drop(first);
                }
            });
            let spinner = braid::spawn(async move {
                while !slow.0.load(Ordering::SeqCst) {
                    braid::yield_now().await;
                }
                let start = std::time::Instant::now();
                while !(late_sleep.load(Ordering::SeqCst) && late_datagram.load(Ordering::SeqCst)) {
                    if start.elapsed() > SPIN_LIMIT {
                        return false;
                    }
                    std::hint::spin_loop();
                }
                true
            });
            spinner.await.unwrap()
        });
        assert!(
            all_there,
            "the timer and the datagram stalled while a worker was idle"
        );
    });
}
