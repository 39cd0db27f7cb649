//! The server's record of its live connection tasks: how many there are,
//! and a way to wait until there are none.

use crate::sync::{Arc, Mutex};
use std::future::poll_fn;
use std::task::{Poll, Waker};

/// Counts live connections; shared by the accept loop and every connection
/// task.
#[derive(Debug, Default)]
pub(super) struct Connections {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    live: usize,
    /// The accept loop, waiting in [`Connections::all_gone`].
    waiter: Option<Waker>,
}

/// One live connection; dropping it (when the connection task ends, however
/// it ends) takes it off the count.
#[derive(Debug)]
pub(super) struct Live {
    connections: Arc<Connections>,
}

impl Connections {
    /// Counts one more connection until the returned guard drops.
    pub(super) fn enter(self: &Arc<Self>) -> Live {
        self.state.lock().live += 1;
        Live {
            connections: Arc::clone(self),
        }
    }

    /// Waits until every guard has dropped.
    pub(super) async fn all_gone(&self) {
        poll_fn(|cx| {
            let mut state = self.state.lock();
            if state.live == 0 {
                Poll::Ready(())
            } else {
                state.waiter = Some(cx.waker().clone());
                Poll::Pending
            }
        })
        .await
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        let waiter = {
            let mut state = self.connections.state.lock();
            state.live -= 1;
            if state.live == 0 {
                state.waiter.take()
            } else {
                None
            }
        };
        if let Some(waiter) = waiter {
            waiter.wake();
        }
    }
}
