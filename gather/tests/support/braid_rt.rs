//! Running a test body on a braid runtime of four workers, with a bound
//! that fails the test loudly rather than letting it hang.
#![allow(dead_code, unreachable_pub, reason = "each test file uses a subset")]

use std::future::Future;
use std::time::Duration;

/// Runs `body` on a fresh four-worker braid runtime; panics if it takes
/// more than a minute (a lost wake-up, not a slow machine).
pub fn run<F: Future>(body: F) -> F::Output {
    let runtime = braid::Builder::new_multi_thread()
        .worker_threads(4)
        .build()
        .unwrap();
    runtime.block_on(async {
        braid::time::timeout(Duration::from_secs(60), body)
            .await
            .expect("the test did not finish within a minute")
    })
}
