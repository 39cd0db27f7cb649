//! `timeout`: both outcomes, and the inner future is dropped.

mod support;

use braid_reactor::driver::block_on;
use braid_reactor::time::{Duration, Elapsed, Instant, sleep, timeout};
use std::future::pending;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Sets its flag when dropped.
struct DropFlag(Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[test]
fn a_fast_future_returns_its_output() {
    block_on(true, async {
        let start = Instant::now();
        let result = timeout(Duration::from_secs(5), async {
            sleep(Duration::from_secs(1)).await;
            "done"
        })
        .await;
        assert_eq!(result, Ok("done"));
        assert_eq!(start.elapsed(), Duration::from_secs(1));
    });
}

#[test]
fn a_slow_future_times_out_at_the_deadline() {
    block_on(true, async {
        let start = Instant::now();
        let result = timeout(Duration::from_secs(2), sleep(Duration::from_secs(60))).await;
        let elapsed: Elapsed = result.expect_err("the 60 s sleep must time out after 2 s");
        assert_eq!(elapsed.to_string(), "deadline has elapsed");
        assert_eq!(start.elapsed(), Duration::from_secs(2));
    });
}

#[test]
fn the_inner_future_is_dropped_when_time_runs_out() {
    block_on(true, async {
        let dropped = Arc::new(AtomicBool::new(false));
        let guard = DropFlag(dropped.clone());
        let inner = async move {
            let _guard = guard;
            pending::<()>().await;
        };
        assert!(timeout(Duration::from_millis(10), inner).await.is_err());
        assert!(dropped.load(Ordering::SeqCst));
    });
}

#[test]
fn a_ready_future_wins_even_with_a_zero_timeout() {
    block_on(true, async {
        assert_eq!(timeout(Duration::ZERO, async { 1 }).await, Ok(1));
        assert!(timeout(Duration::ZERO, pending::<()>()).await.is_err());
    });
}

#[test]
fn elapsed_converts_to_a_timed_out_io_error() {
    block_on(true, async {
        let error = timeout(Duration::ZERO, pending::<()>()).await.unwrap_err();
        let io: std::io::Error = error.into();
        assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
    });
}
