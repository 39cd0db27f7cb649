//! Host names resolve on the blocking pool: a worker never blocks in the
//! resolver, and a numeric address never waits for the pool.
//!
//! The pool is held busy on purpose (one blocking thread, occupied until
//! the test releases it), so a lookup that went to the pool stays pending
//! while the one worker keeps running other tasks; a lookup made on the
//! worker itself would finish at once, and one that blocked the worker
//! would stop the other tasks.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use braid::net::{TcpListener, TcpStream, UdpSocket, lookup_host};

/// Rounds of progress other tasks must make while a lookup is pending.
const ROUNDS: usize = 200;

fn one_worker_one_blocking_thread() -> braid::Runtime {
    braid::Builder::new_multi_thread()
        .worker_threads(1)
        .max_blocking_threads(1)
        .build()
        .expect("runtime")
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_host_name_waits_for_the_blocking_pool_while_the_worker_runs_other_tasks() {
    support::eventually(|| {
        let rt = one_worker_one_blocking_thread();
        rt.block_on(async {
            // Occupy the only blocking thread until released.
            let (release, released) = mpsc::channel::<()>();
            let (started_tx, started) = mpsc::channel::<()>();
            let occupier = braid::spawn_blocking(move || {
                started_tx.send(()).unwrap();
                released.recv().unwrap();
            });
            started.recv().unwrap();

            let done = Arc::new(AtomicBool::new(false));
            let lookup = braid::spawn({
                let done = done.clone();
                async move {
                    let addrs: Vec<_> = lookup_host("localhost:4242").await.unwrap().collect();
                    done.store(true, Ordering::SeqCst);
                    addrs
                }
            });
            // Another task on the one worker keeps making progress.
            let progress = Arc::new(AtomicUsize::new(0));
            let ticker = braid::spawn({
                let progress = progress.clone();
                async move {
                    for _ in 0..ROUNDS {
                        progress.fetch_add(1, Ordering::SeqCst);
                        braid::yield_now().await;
                    }
                }
            });
            ticker.await.unwrap();
            assert_eq!(progress.load(Ordering::SeqCst), ROUNDS);
            assert!(
                !done.load(Ordering::SeqCst),
                "the lookup finished while the blocking pool was busy: it ran on the worker"
            );

            // A numeric address never waits for the pool.
            let numeric: Vec<_> = lookup_host("127.0.0.1:4242").await.unwrap().collect();
            assert_eq!(numeric, ["127.0.0.1:4242".parse().unwrap()]);
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let _client = TcpStream::connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            let udp = UdpSocket::bind(("127.0.0.1", 0)).await.unwrap();
            udp.send_to(b"x", "127.0.0.1:9").await.unwrap();
            assert!(!done.load(Ordering::SeqCst));

            release.send(()).unwrap();
            occupier.await.unwrap();
            let addrs = lookup.await.unwrap();
            assert!(!addrs.is_empty());
            assert!(
                addrs
                    .iter()
                    .all(|a| a.port() == 4242 && a.ip().is_loopback())
            );
        });
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn every_constructor_takes_a_host_name() {
    support::eventually(|| {
        braid::Runtime::new().unwrap().block_on(async {
            let listener = TcpListener::bind("localhost:0").await.unwrap();
            let port = listener.local_addr().unwrap().port();
            let stream = TcpStream::connect(("localhost", port)).await.unwrap();
            assert!(stream.peer_addr().unwrap().ip().is_loopback());

            let a = UdpSocket::bind("localhost:0").await.unwrap();
            let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let b_port = b.local_addr().unwrap().port();
            let a_ip = a.local_addr().unwrap().ip();
            // `localhost` may resolve to ::1 first; aim at b's family.
            if a_ip.is_ipv4() {
                a.send_to(b"hi", format!("localhost:{b_port}"))
                    .await
                    .unwrap();
                a.connect(("localhost".to_owned(), b_port)).await.unwrap();
            }

            let error = lookup_host("no-port-here").await.map(drop).unwrap_err();
            assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
        });
    });
}

/// A blocking thread started for a lookup is handed the runtime's handle,
/// as one started for `spawn_blocking` is: the pool's only thread, started
/// by the lookup, runs the next call inside the runtime.
#[test]
#[cfg_attr(miri, ignore)]
fn a_thread_started_for_a_lookup_runs_later_calls_in_the_runtime() {
    support::eventually(|| {
        let rt = one_worker_one_blocking_thread();
        rt.block_on(async {
            lookup_host("localhost:4242").await.unwrap().for_each(drop);
            let metrics = braid::Handle::current().metrics();
            assert_eq!(metrics.num_blocking_threads(), 1, "the lookup started it");
            let in_runtime = braid::spawn_blocking(|| braid::Handle::try_current().is_ok());
            assert!(in_runtime.await.unwrap());
        });
    });
}
