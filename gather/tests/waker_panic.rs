//! A waiter's waker that panics while a token is cancelled stops neither
//! the cancellation of any descendant nor the wake of any other waiter; the
//! panic reaches the caller of `cancel` afterwards.

use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Wake, Waker};

use braid_gather::CancellationToken;

/// Counts its wakes.
#[derive(Default)]
struct Counting(AtomicUsize);

impl Wake for Counting {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Panics when woken.
struct Panicking;

impl Wake for Panicking {
    fn wake(self: Arc<Self>) {
        panic!("waker panicked");
    }
}

/// Registers `waker` as a waiter of `token`; the returned future must be
/// kept to stay registered.
fn wait_with<'a>(
    token: &'a CancellationToken,
    waker: &Waker,
) -> Pin<Box<impl Future<Output = ()> + 'a>> {
    let mut wait = Box::pin(token.cancelled());
    assert!(
        wait.as_mut()
            .poll(&mut Context::from_waker(waker))
            .is_pending()
    );
    wait
}

#[test]
fn a_panicking_waiter_does_not_stop_the_cancellation() {
    const WAITERS: usize = 16;
    let root = CancellationToken::new();
    let children: Vec<_> = (0..WAITERS).map(|_| root.child_token()).collect();
    let grandchildren: Vec<_> = children.iter().map(|c| c.child_token()).collect();
    let counting = Arc::new(Counting::default());
    let counting_waker = Waker::from(counting.clone());
    let panicking = Waker::from(Arc::new(Panicking));
    // The panicking waiter registers first on the root and on each child,
    // so it is met before every other waiter of its token.
    let mut waits = vec![wait_with(&root, &panicking)];
    waits.extend((0..WAITERS).map(|_| wait_with(&root, &counting_waker)));
    for child in &children {
        waits.push(wait_with(child, &panicking));
        waits.push(wait_with(child, &counting_waker));
    }
    for grandchild in &grandchildren {
        waits.push(wait_with(grandchild, &counting_waker));
    }

    let cancelled = panic::catch_unwind(AssertUnwindSafe(|| root.cancel()));
    let payload = cancelled.expect_err("the waker's panic reaches the canceller");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"waker panicked"));

    assert!(root.is_cancelled());
    assert!(children.iter().all(CancellationToken::is_cancelled));
    assert!(grandchildren.iter().all(CancellationToken::is_cancelled));
    assert_eq!(
        counting.0.load(Ordering::SeqCst),
        3 * WAITERS,
        "every other waiter was woken"
    );
    let mut cx = Context::from_waker(Waker::noop());
    assert!(
        waits
            .iter_mut()
            .all(|wait| wait.as_mut().poll(&mut cx).is_ready())
    );
}

#[test]
fn a_cancel_with_no_panicking_waker_returns_normally() {
    let root = CancellationToken::new();
    let child = root.child_token();
    let counting = Arc::new(Counting::default());
    let waker = Waker::from(counting.clone());
    let _wait = wait_with(&child, &waker);
    root.cancel();
    assert_eq!(counting.0.load(Ordering::SeqCst), 1);
}

#[test]
fn a_token_scoped_gather_is_cancelled_despite_a_panicking_waiter() {
    let token = CancellationToken::new();
    let panicking = Waker::from(Arc::new(Panicking));
    let runtime = braid::Runtime::new().unwrap();
    let result = runtime.block_on(async {
        let started = Arc::new(AtomicUsize::new(0));
        let children = (0..4).map(|_| {
            let started = started.clone();
            async move {
                started.fetch_add(1, Ordering::SeqCst);
                std::future::pending::<Result<(), ()>>().await
            }
        });
        // Registered before the gather's own waker, so met first.
        let _wait = wait_with(&token, &panicking);
        let group = braid::spawn(braid_gather::try_gather(children).token(&token));
        while started.load(Ordering::SeqCst) < 4 {
            braid::yield_now().await;
        }
        let cancelled = panic::catch_unwind(AssertUnwindSafe(|| token.cancel()));
        assert!(
            cancelled.is_err(),
            "the waker's panic reaches the canceller"
        );
        braid::time::timeout(std::time::Duration::from_secs(60), group)
            .await
            .expect("the gather was cancelled")
            .unwrap()
    });
    assert_eq!(result, Err(braid_gather::GatherError::Cancelled));
}
