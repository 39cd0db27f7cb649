//! The driver keeps turning however busy the runtime's threads are: timers
//! fire and sockets become ready while the `block_on` future or a task
//! never lets its thread go idle.

mod support;

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
