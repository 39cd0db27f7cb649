//! The auto traits the API promises (DESIGN.md): checked at compile time,
//! so a change that loses one fails to build this test.

use std::fmt::Debug;

fn send<T: Send>() {}
fn send_sync<T: Send + Sync>() {}
fn unpin<T: Unpin>() {}
fn debug<T: Debug>() {}

#[test]
fn runtime_types_have_the_promised_auto_traits() {
    // A runtime can be moved to (and shared with) another thread.
    send_sync::<braid::Runtime>();
    send_sync::<braid::Handle>();
    send_sync::<braid::AbortHandle>();
    // Join handles of `Send` outputs move between tasks and are `Unpin`, so
    // they can be polled without pinning.
    send_sync::<braid::JoinHandle<u8>>();
    unpin::<braid::JoinHandle<std::rc::Rc<u8>>>();
    send::<braid::JoinHandle<std::cell::Cell<u8>>>();
    // Errors convert into boxed `Send + Sync` errors.
    send_sync::<braid::JoinError>();
    debug::<braid::Runtime>();
    debug::<braid::Builder>();
    debug::<braid::Handle>();
    debug::<braid::JoinHandle<u8>>();
    debug::<braid::JoinError>();
}
