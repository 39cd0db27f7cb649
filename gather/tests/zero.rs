//! A gather of no futures is ready at once, even without a runtime.

use braid_gather::{as_completed, gather, gather_settled, try_gather};
use std::future::{Future, Ready};
use std::task::{Context, Poll, Waker};

#[test]
fn zero_children_are_ready_on_the_first_poll() {
    let mut cx = Context::from_waker(Waker::noop());
    let mut empty = gather(Vec::<Ready<u8>>::new());
    assert_eq!(
        std::pin::Pin::new(&mut empty).poll(&mut cx),
        Poll::Ready(vec![])
    );

    let mut empty = try_gather(Vec::<Ready<Result<u8, ()>>>::new());
    assert_eq!(
        std::pin::Pin::new(&mut empty).poll(&mut cx),
        Poll::Ready(Ok(vec![]))
    );

    let mut empty = gather_settled(Vec::<Ready<u8>>::new());
    assert!(matches!(std::pin::Pin::new(&mut empty).poll(&mut cx), Poll::Ready(v) if v.is_empty()));

    let mut empty = as_completed(Vec::<Ready<u8>>::new());
    assert_eq!(futures::executor::block_on(empty.next()), None);
}
