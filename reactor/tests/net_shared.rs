//! Several tasks waiting on one socket are each woken: the async-fn
//! operations keep a waiter per future, not one waker per direction.

mod support;

use braid_reactor::net::{TcpListener, UdpSocket};
use futures::executor::LocalPool;
use futures::task::LocalSpawnExt;
use std::cell::RefCell;
use std::net::SocketAddr;
use std::rc::Rc;
use support::{Harness, eventually};

const WAITERS: usize = 8;

/// Runs `waiters` on one thread until each of them is waiting on the
/// socket, calls `wake_them` (which makes the socket ready for all of
/// them), then runs them to completion; returns what they produced.
fn all_waiting_then<T: 'static>(
    waiters: impl IntoIterator<Item = impl Future<Output = T> + 'static>,
    wake_them: impl FnOnce(),
) -> Vec<T> {
    let mut pool = LocalPool::new();
    let results = Rc::new(RefCell::new(Vec::new()));
    for waiter in waiters {
        let results = results.clone();
        pool.spawner()
            .spawn_local(async move {
                let value = waiter.await;
                results.borrow_mut().push(value);
            })
            .unwrap();
    }
    // Every task is now blocked on the socket, its waker registered.
    pool.run_until_stalled();
    assert!(results.borrow().is_empty(), "a waiter did not wait");
    wake_them();
    pool.run();
    results.take()
}

#[test]
#[cfg_attr(miri, ignore)]
fn every_task_in_recv_from_on_one_socket_gets_a_datagram() {
    eventually(|| {
        let harness = Harness::new();
        let socket = Rc::new(harness.block_on(UdpSocket::bind("127.0.0.1:0")).unwrap());
        let addr = socket.local_addr().unwrap();
        let _guard = harness.handle().enter();
        let receivers = (0..WAITERS).map(|_| {
            let socket = socket.clone();
            async move {
                let mut buf = [0; 8];
                let (len, _) = socket.recv_from(&mut buf).await.unwrap();
                buf[..len].to_vec()
            }
        });
        let mut received = all_waiting_then(receivers, || {
            let sender = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
            for n in 0..WAITERS as u8 {
                sender.send_to(&[n], addr).unwrap();
            }
        });
        received.sort();
        let sent: Vec<Vec<u8>> = (0..WAITERS as u8).map(|n| vec![n]).collect();
        assert_eq!(received, sent);
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn every_task_accepting_on_one_listener_gets_a_connection() {
    eventually(|| {
        let harness = Harness::new();
        let listener = Rc::new(harness.block_on(TcpListener::bind("127.0.0.1:0")).unwrap());
        let addr = listener.local_addr().unwrap();
        let _guard = harness.handle().enter();
        let acceptors = (0..WAITERS).map(|_| {
            let listener = listener.clone();
            async move { listener.accept().await.unwrap().1 }
        });
        let mut clients = Vec::new();
        let mut peers = all_waiting_then(acceptors, || {
            for _ in 0..WAITERS {
                clients.push(std::net::TcpStream::connect(addr).unwrap());
            }
        });
        peers.sort();
        let mut expected: Vec<SocketAddr> = clients
            .iter()
            .map(|client| client.local_addr().unwrap())
            .collect();
        expected.sort();
        assert_eq!(peers, expected);
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_cancelled_waiter_does_not_hold_up_the_others() {
    eventually(|| {
        let harness = Harness::new();
        let socket = Rc::new(harness.block_on(UdpSocket::bind("127.0.0.1:0")).unwrap());
        let addr = socket.local_addr().unwrap();
        let _guard = harness.handle().enter();
        // Registered, then dropped while waiting: its entry must go.
        let mut cancelled = Box::pin({
            let socket = socket.clone();
            async move { socket.recv_from(&mut [0; 8]).await.map(|_| ()) }
        });
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        assert!(cancelled.as_mut().poll(&mut cx).is_pending());
        drop(cancelled);
        let receivers = (0..2).map(|_| {
            let socket = socket.clone();
            async move { socket.recv_from(&mut [0; 8]).await.unwrap().0 }
        });
        let received = all_waiting_then(receivers, || {
            let sender = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
            sender.send_to(b"a", addr).unwrap();
            sender.send_to(b"b", addr).unwrap();
        });
        assert_eq!(received, [1, 1]);
    });
}
