//! The `CancellationToken` additions: `drop_guard`, `cancelled_owned`,
//! `run_until_cancelled_owned`, and the tie-break of `run_until_cancelled`.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};

use braid_gather::CancellationToken;

#[derive(Default)]
struct Counting(AtomicUsize);

impl Wake for Counting {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn a_drop_guard_cancels_on_drop_and_not_once_disarmed() {
    let token = CancellationToken::new();
    let child = token.child_token();
    let disarmed = token.clone().drop_guard().disarm();
    assert!(!token.is_cancelled());
    drop(disarmed);
    assert!(!token.is_cancelled());

    let guard = token.clone().drop_guard();
    assert!(!child.is_cancelled());
    drop(guard);
    assert!(token.is_cancelled());
    assert!(child.is_cancelled());
}

#[test]
fn a_drop_guard_cancels_when_its_scope_unwinds() {
    let token = CancellationToken::new();
    let guarded = token.clone();
    let unwound = std::panic::catch_unwind(move || {
        let _guard = guarded.drop_guard();
        panic!("the scope fails");
    });
    assert!(unwound.is_err());
    assert!(token.is_cancelled());
}

#[test]
fn cancelled_owned_is_woken_by_a_cancel_and_withdraws_when_dropped() {
    let token = CancellationToken::new();
    let counting = Arc::new(Counting::default());
    let waker = Waker::from(counting.clone());
    let mut cx = Context::from_waker(&waker);

    let mut dropped_early = Box::pin(token.clone().cancelled_owned());
    assert!(dropped_early.as_mut().poll(&mut cx).is_pending());
    drop(dropped_early);

    let mut wait = Box::pin(token.clone().cancelled_owned());
    assert!(wait.as_mut().poll(&mut cx).is_pending());
    token.cancel();
    assert_eq!(counting.0.load(Ordering::SeqCst), 1, "only the live waiter");
    assert!(wait.as_mut().poll(&mut cx).is_ready());
}

#[test]
fn cancelled_owned_is_static_and_spawnable() {
    fn assert_static_send<F: Future + Send + 'static>(_: &F) {}
    let token = CancellationToken::new();
    let wait = token.clone().cancelled_owned();
    assert_static_send(&wait);
    let run = token.clone().run_until_cancelled_owned(async { 1 });
    assert_static_send(&run);
    braid::Runtime::new().unwrap().block_on(async move {
        let waiter = braid::spawn(wait);
        let runner = braid::spawn(run);
        assert_eq!(runner.await.unwrap(), Some(1));
        token.cancel();
        waiter.await.unwrap();
    });
}

/// Ready on every poll, counting them.
struct ReadyCounting<'a>(&'a AtomicUsize);

impl Future for ReadyCounting<'_> {
    type Output = u32;

    fn poll(self: std::pin::Pin<&mut Self>, _: &mut Context<'_>) -> Poll<u32> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Poll::Ready(7)
    }
}

#[test]
fn when_both_are_ready_the_cancellation_wins() {
    let mut cx = Context::from_waker(Waker::noop());
    let token = CancellationToken::new();
    token.cancel();
    let polls = AtomicUsize::new(0);
    let borrowed = pin!(token.run_until_cancelled(ReadyCounting(&polls)));
    assert_eq!(borrowed.poll(&mut cx), Poll::Ready(None));
    let owned = pin!(
        token
            .clone()
            .run_until_cancelled_owned(ReadyCounting(&polls))
    );
    assert_eq!(owned.poll(&mut cx), Poll::Ready(None));
    assert_eq!(
        polls.load(Ordering::SeqCst),
        0,
        "the future was never polled"
    );
}

#[test]
fn run_until_cancelled_owned_drops_the_future_on_cancel() {
    let token = CancellationToken::new();
    let dropped = Arc::new(AtomicUsize::new(0));
    struct Counted(Arc<AtomicUsize>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let counted = Counted(dropped.clone());
    let mut run = Box::pin(token.clone().run_until_cancelled_owned(async move {
        let _counted = counted;
        std::future::pending::<()>().await
    }));
    let mut cx = Context::from_waker(Waker::noop());
    assert!(run.as_mut().poll(&mut cx).is_pending());
    token.cancel();
    assert_eq!(run.as_mut().poll(&mut cx), Poll::Ready(None));
    drop(run);
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
}
