//! The driver's blocking interface: host names go through the
//! `BlockingSpawner` the driver was made with, numeric addresses never do,
//! and work the spawner drops unrun fails the lookup instead of hanging it.

mod support;

use braid_reactor::driver::{BlockingSpawner, Driver};
use braid_reactor::net::{TcpListener, lookup_host};
use std::io::ErrorKind;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use support::Harness;

/// Runs each call on a new thread, counting the calls.
#[derive(Debug, Default)]
struct Counting(Arc<AtomicUsize>);

impl BlockingSpawner for Counting {
    fn spawn_blocking(&self, work: Box<dyn FnOnce() + Send>) {
        self.0.fetch_add(1, Ordering::SeqCst);
        std::thread::spawn(work);
    }
}

/// A pool that has shut down: drops every call unrun.
#[derive(Debug)]
struct ShutDown;

impl BlockingSpawner for ShutDown {
    fn spawn_blocking(&self, work: Box<dyn FnOnce() + Send>) {
        drop(work);
    }
}

#[test]
#[cfg_attr(miri, ignore)]
fn host_names_go_through_the_spawner_and_numeric_addresses_do_not() {
    let calls = Arc::new(AtomicUsize::new(0));
    let driver = Driver::with_blocking(false, Box::new(Counting(calls.clone()))).unwrap();
    let harness = Harness::with_driver(driver);
    harness.block_on(async {
        let numeric: Vec<_> = lookup_host("127.0.0.1:80").await.unwrap().collect();
        assert_eq!(numeric, ["127.0.0.1:80".parse().unwrap()]);
        let _v6 = lookup_host("[::1]:80").await.unwrap();
        let _pair = lookup_host(("127.0.0.1", 80)).await.unwrap();
        let _listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 0);

        let named: Vec<_> = lookup_host("localhost:80").await.unwrap().collect();
        assert!(!named.is_empty());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let _listener = TcpListener::bind("localhost:0").await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_call_dropped_unrun_fails_the_lookup() {
    let harness = Harness::with_driver(Driver::with_blocking(false, Box::new(ShutDown)).unwrap());
    let error = harness
        .block_on(async { lookup_host("localhost:80").await.map(drop) })
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Other);
    assert!(error.to_string().contains("blocking pool has shut down"));
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_driver_without_a_runtime_resolves_on_a_thread_of_its_own() {
    Harness::new().block_on(async {
        let addrs: Vec<_> = lookup_host("localhost:80").await.unwrap().collect();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()));
    });
}
