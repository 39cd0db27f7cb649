//! A waker that panics when a driver wakes it: the panic is contained and
//! reported, every other waiter of the same tick or batch is woken, and
//! the runtime keeps running tasks and timers (policy: `wake.rs` of
//! `braid-reactor`).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Wake, Waker};
use std::time::Duration;

use braid::net::{TcpListener, TcpStream, UdpSocket};
use braid::time::{Instant, sleep, sleep_until};
use futures::io::{AsyncReadExt, AsyncWriteExt};

use crate::support;

/// Others waiting in the same tick or batch as the panicking waker.
const OTHERS: usize = 16;

struct PanickingWaker;

impl Wake for PanickingWaker {
    fn wake(self: Arc<Self>) {
        panic!("this waker panics on purpose");
    }
}

fn panicking_waker() -> Waker {
    Waker::from(Arc::new(PanickingWaker))
}

/// Polls `future` once with a panicking waker; it must be pending, and
/// the driver now holds that waker.
fn register_panicking<F: Future + Unpin>(future: &mut F) {
    let waker = panicking_waker();
    let polled = Pin::new(future).poll(&mut Context::from_waker(&waker));
    assert!(polled.is_pending(), "the fault needs a pending waiter");
}

fn runtimes() -> Vec<(&'static str, braid::Runtime)> {
    vec![
        ("multi_thread(2)", support::multi(2)),
        ("multi_thread(1)", support::multi(1)),
        ("current_thread", support::current()),
    ]
}

/// After the fault: tasks on every worker still run, and timers fire.
fn still_works(name: &str, rt: &braid::Runtime) {
    let done = rt.block_on(async {
        let tasks: Vec<_> = (0..64u64)
            .map(|i| {
                braid::spawn(async move {
                    sleep(Duration::from_millis(i % 4)).await;
                    braid::yield_now().await;
                    i
                })
            })
            .collect();
        let mut sum = 0;
        for task in tasks {
            sum += task.await.unwrap();
        }
        sum
    });
    assert_eq!(
        done,
        (0..64).sum::<u64>(),
        "{name}: runtime broken after the fault"
    );
}

/// One timer tick: a sleep polled with a panicking waker and `OTHERS`
/// tasks sleeping until the same deadline.
fn panicking_timer_among_sleepers(name: &str, rt: &braid::Runtime) {
    let held = Arc::new(Mutex::new(None));
    let woken = rt.block_on({
        let held = held.clone();
        async move {
            let deadline = Instant::now() + Duration::from_millis(30);
            let mut doomed = Box::pin(sleep_until(deadline));
            register_panicking(&mut doomed);
            *held.lock().unwrap() = Some(doomed);
            let sleepers: Vec<_> = (0..OTHERS)
                .map(|_| braid::spawn(sleep_until(deadline)))
                .collect();
            let mut woken = 0;
            for sleeper in sleepers {
                sleeper.await.unwrap();
                woken += 1;
            }
            woken
        }
    });
    assert_eq!(woken, OTHERS, "{name}: a sleeper lost its wake-up");
    drop(held.lock().unwrap().take());
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_panicking_timer_waker_loses_no_other_sleeper() {
    support::eventually(|| {
        for (name, rt) in runtimes() {
            // Enough rounds that every worker fires one of the ticks.
            for _ in 0..4 {
                panicking_timer_among_sleepers(name, &rt);
            }
            still_works(name, &rt);
            drop(rt);
        }
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_panicking_waiter_of_a_socket_loses_no_other_waiter_of_its_batch() {
    // Every waiter of one socket is woken by one dispatch: the panicking
    // one first (it registered first), then the others.
    support::eventually(|| {
        for (name, rt) in runtimes() {
            for _ in 0..4 {
                let received = rt.block_on(async {
                    let socket = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
                    let mut doomed = Box::pin({
                        let socket = socket.clone();
                        async move {
                            let mut buf = [0; 8];
                            socket.recv_from(&mut buf).await.map(|(n, _)| n)
                        }
                    });
                    register_panicking(&mut doomed);
                    let readers: Vec<_> = (0..OTHERS)
                        .map(|_| {
                            let socket = socket.clone();
                            braid::spawn(async move {
                                let mut buf = [0; 8];
                                socket.recv_from(&mut buf).await.unwrap().0
                            })
                        })
                        .collect();
                    // Let every reader register before the datagrams come.
                    for _ in 0..10 {
                        braid::yield_now().await;
                    }
                    let sender = UdpSocket::bind("127.0.0.1:0").await.unwrap();
                    let target = socket.local_addr().unwrap();
                    for _ in 0..=OTHERS {
                        sender.send_to(b"ping", target).await.unwrap();
                    }
                    let mut received = 0;
                    for reader in readers {
                        received += usize::from(reader.await.unwrap() == 4);
                    }
                    drop(doomed);
                    received
                });
                assert_eq!(received, OTHERS, "{name}: a reader lost its datagram");
            }
            still_works(name, &rt);
        }
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_panicking_reader_loses_no_other_reader_of_the_poll() {
    // One connection's reader panics when woken; the readiness of the
    // others, delivered by the same poll of the OS, still reaches them.
    support::eventually(|| {
        for (name, rt) in runtimes() {
            for _ in 0..4 {
                let read = rt.block_on(async {
                    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                    let addr = listener.local_addr().unwrap();
                    let mut clients = Vec::new();
                    let mut servers = Vec::new();
                    for _ in 0..=OTHERS {
                        clients.push(TcpStream::connect(addr).await.unwrap());
                        servers.push(listener.accept().await.unwrap().0);
                    }
                    let mut doomed_stream = clients.remove(0);
                    let mut doomed = Box::pin(async move {
                        let mut buf = [0; 8];
                        doomed_stream.read(&mut buf).await
                    });
                    register_panicking(&mut doomed);
                    let readers: Vec<_> = clients
                        .into_iter()
                        .map(|mut client| {
                            braid::spawn(async move {
                                let mut buf = [0; 8];
                                client.read(&mut buf).await.unwrap()
                            })
                        })
                        .collect();
                    for _ in 0..10 {
                        braid::yield_now().await;
                    }
                    for server in &mut servers {
                        server.write_all(b"pong").await.unwrap();
                    }
                    let mut read = 0;
                    for reader in readers {
                        read += usize::from(reader.await.unwrap() == 4);
                    }
                    drop(doomed);
                    read
                });
                assert_eq!(read, OTHERS, "{name}: a reader lost its readiness");
            }
            still_works(name, &rt);
        }
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_panicking_waker_is_reported_on_stderr() {
    let output = crate::run_child("wakers::child_with_a_panicking_timer_waker");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "{}",
        crate::describe(&output)
    );
    assert!(
        stderr.contains("braid: a waker panicked while the timer driver woke it"),
        "no report: {}",
        crate::describe(&output)
    );
    assert!(
        stderr.contains("this waker panics on purpose"),
        "the panic hook did not print the payload: {}",
        crate::describe(&output)
    );
}

#[test]
#[ignore = "run in a child process by a_panicking_waker_is_reported_on_stderr"]
fn child_with_a_panicking_timer_waker() {
    assert!(
        crate::in_child(),
        "run through a_panicking_waker_is_reported_on_stderr"
    );
    support::eventually(|| {
        let rt = support::multi(2);
        panicking_timer_among_sleepers("multi_thread(2)", &rt);
        still_works("multi_thread(2)", &rt);
    });
}
