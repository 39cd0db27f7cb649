//! The two child task types: inline and boxed storage, the move into a
//! small task, polls after it, and drops.

use crate::sync::{Arc, AtomicUsize, Ordering};
use std::task::Waker;

use super::*;

/// Counts its drops.
struct Tracked(Arc<AtomicUsize>);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn poll(task: &mut Pin<Box<ChildTask>>) -> Poll<()> {
    task.as_mut().poll(&mut Context::from_waker(Waker::noop()))
}

#[test]
fn a_small_future_is_inline_and_a_large_or_aligned_one_boxed() {
    assert!(ChildTask::new(async {}).is_inline());
    let large = [1_u8; INLINE + 1];
    assert!(!ChildTask::new(async move { assert_eq!(large[INLINE], 1) }).is_inline());
    #[repr(align(32))]
    struct Aligned(u8);
    let aligned = Aligned(1);
    assert!(
        !ChildTask::new(async move {
            let whole = aligned;
            assert_eq!(whole.0, 1);
        })
        .is_inline()
    );
}

/// A future that borrows its own local across an await (so it breaks if
/// moved once polled), holds `extra` to set its size, and drops
/// `tracked` when it finishes.
fn self_borrowing<X: Send + 'static>(tracked: Tracked, extra: X) -> ChildTask {
    let mut yielded = false;
    ChildTask::new(async move {
        let _tracked = tracked;
        let _extra = extra;
        let local = 41_u32;
        let by_ref = &local;
        std::future::poll_fn(|cx| {
            if yielded {
                return Poll::Ready(());
            }
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        })
        .await;
        assert_eq!(*by_ref + 1, 42);
    })
}

#[test]
fn a_future_keeps_its_place_across_polls_and_drops_once() {
    let small = |tracked| self_borrowing(tracked, ());
    let large = |tracked| self_borrowing(tracked, [7_u8; INLINE]);
    let builders: [(bool, &dyn Fn(Tracked) -> ChildTask); 2] = [(true, &small), (false, &large)];
    for (inline, build) in builders {
        let drops = Arc::new(AtomicUsize::new(0));
        let mut task = Box::pin(build(Tracked(drops.clone())));
        assert_eq!(task.is_inline(), inline);
        assert!(poll(&mut task).is_pending());
        assert_eq!(drops.load(Ordering::SeqCst), 0);
        assert!(poll(&mut task).is_ready());
        assert_eq!(drops.load(Ordering::SeqCst), 1, "dropped as it finished");
        drop(task);
        assert_eq!(drops.load(Ordering::SeqCst), 1, "and never again");
    }
}

/// Polls `task` twice, as the self-borrowing future needs, checking
/// that `drops` counts one drop as it finishes and none after.
fn run_twice<T: Future<Output = ()>>(task: T, drops: &AtomicUsize) {
    let mut task = Box::pin(task);
    let mut cx = Context::from_waker(Waker::noop());
    assert!(task.as_mut().poll(&mut cx).is_pending());
    assert_eq!(drops.load(Ordering::SeqCst), 0);
    assert!(task.as_mut().poll(&mut cx).is_ready());
    assert_eq!(drops.load(Ordering::SeqCst), 1, "dropped as it finished");
    drop(task);
    assert_eq!(drops.load(Ordering::SeqCst), 1, "and never again");
}

#[test]
fn a_child_that_fits_moves_into_a_small_task_and_runs_there() {
    // Inline in both, and boxed (the box fits a small task too).
    let small = |tracked| self_borrowing(tracked, 5_u64);
    let boxed = |tracked| self_borrowing(tracked, [7_u8; INLINE]);
    let builders: [&dyn Fn(Tracked) -> ChildTask; 2] = [&small, &boxed];
    for build in builders {
        let drops = Arc::new(AtomicUsize::new(0));
        let id = Id::next();
        let task = build(Tracked(drops.clone())).with_id(id);
        let small = task.into_small().expect("fits a small task");
        assert_eq!(small.id(), Some(id), "keeps its id");
        run_twice(small, &drops);
    }
}

#[test]
fn a_child_too_large_for_a_small_task_comes_back_whole() {
    let drops = Arc::new(AtomicUsize::new(0));
    // More than a small task holds, less than a `ChildTask` does.
    let task = self_borrowing(Tracked(drops.clone()), [7_u8; SMALL_INLINE * 2 / 3]);
    assert!(task.is_inline());
    let task = task.into_small().expect_err("too large for a small task");
    assert_eq!(
        drops.load(Ordering::SeqCst),
        0,
        "not dropped by the attempt"
    );
    run_twice(task, &drops);
}

#[test]
fn an_unpolled_small_task_drops_its_future_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let tracked = Tracked(drops.clone());
    let small = ChildTask::new(async move { drop(tracked) })
        .into_small()
        .expect("fits a small task");
    assert_eq!(drops.load(Ordering::SeqCst), 0, "the move drops nothing");
    drop(small);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}

#[test]
fn an_unpolled_task_drops_its_future() {
    let drops = Arc::new(AtomicUsize::new(0));
    let tracked = Tracked(drops.clone());
    drop(ChildTask::new(async move { drop(tracked) }));
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}
