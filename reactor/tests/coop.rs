//! Resources spend the cooperative budget, so an always-ready socket or
//! timer makes its task yield.

mod support;

use braid_reactor::coop;
use braid_reactor::net::{TcpListener, TcpStream};
use braid_reactor::time::{Duration, advance, sleep};
use futures::io::{AsyncRead, AsyncWriteExt};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use support::{Harness, eventually};

#[test]
#[cfg_attr(miri, ignore)]
fn an_always_ready_socket_yields_once_the_budget_is_spent() {
    eventually(|| {
        let harness = Harness::new();
        let (mut client, mut server) = harness.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let client = TcpStream::connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            let (server, _) = listener.accept().await.unwrap();
            (client, server)
        });
        harness.block_on(async {
            client.write_all(&[1; 4096]).await.unwrap();
            // Wait until the bytes are readable.
            let mut first = [0; 1];
            futures::io::AsyncReadExt::read_exact(&mut server, &mut first)
                .await
                .unwrap();
        });
        let mut cx = Context::from_waker(Waker::noop());
        let mut reads = 0;
        let yielded = coop::budget(|| {
            loop {
                match Pin::new(&mut server).poll_read(&mut cx, &mut [0; 1]) {
                    Poll::Ready(result) => {
                        assert_eq!(result.unwrap(), 1);
                        reads += 1;
                    }
                    Poll::Pending => return reads,
                }
            }
        });
        assert_eq!(yielded, usize::from(coop::BUDGET));
    });
}

#[test]
fn a_due_sleep_waits_for_budget() {
    let harness = Harness::paused();
    harness.block_on(async {
        let mut nap = sleep(Duration::from_millis(1));
        advance(Duration::from_millis(1)).await;
        let mut cx = Context::from_waker(Waker::noop());
        coop::budget(|| {
            for _ in 0..coop::BUDGET {
                assert!(coop::poll_proceed(&mut cx).is_ready());
            }
            assert!(Pin::new(&mut nap).poll(&mut cx).is_pending());
        });
        assert!(Pin::new(&mut nap).poll(&mut cx).is_ready());
    });
}
