//! A crawler: 1,000 jobs, at most 50 in flight, and an overall deadline
//! that stops what is still running but keeps every result that came in.
//!
//! `cargo run -p braid --example crawl [DEADLINE_MS]` (default 2000);
//! Ctrl-C stops it early the same way, keeping what came in.
//! The "fetch" is simulated (a sleep of 10 to 210 ms, and every 97th job
//! fails), so the example needs no network.
//!
//! The jobs run under `gather_settled` with `.limit(50)` and a
//! `CancellationToken`: when the deadline passes, the token is cancelled,
//! the jobs still running are dropped, the ones not yet started never
//! start, and each of them comes back as a cancelled `JoinError` next to
//! the finished results, in job order. (`runtime/tests/crawl.rs` runs it on
//! the paused clock.)

use std::time::Duration;

use braid::CancellationToken;
use braid::time::sleep;

/// What a crawl came back with.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Report {
    /// Jobs that finished with a page.
    pub(crate) fetched: usize,
    /// Jobs that finished with an error.
    pub(crate) failed: usize,
    /// Jobs stopped (or never started) when the crawl was stopped.
    pub(crate) cancelled: usize,
    /// The pages' sizes, added up.
    pub(crate) bytes: u64,
}

/// The simulated fetch of page `job`.
pub(crate) async fn fetch(job: u32) -> Result<u64, String> {
    sleep(Duration::from_millis(10 + u64::from(job * 37 % 200))).await;
    if job % 97 == 0 {
        return Err(format!("job {job}: server error"));
    }
    Ok(page_size(job))
}

/// The size of page `job`.
pub(crate) fn page_size(job: u32) -> u64 {
    1_000 + u64::from(job % 13) * 100
}

/// Runs `jobs` fetches, `limit` at a time, until they are done, `deadline`
/// passes, or `stop` is cancelled.
pub(crate) async fn crawl(
    jobs: u32,
    limit: usize,
    deadline: Duration,
    stop: &CancellationToken,
) -> Report {
    let token = stop.child_token();
    let timer = braid::spawn({
        let token = token.clone();
        async move {
            sleep(deadline).await;
            token.cancel();
        }
    });
    let results = braid::gather_settled((0..jobs).map(fetch))
        .limit(limit)
        .token(&token)
        .await;
    timer.abort();

    let mut report = Report::default();
    for result in results {
        match result {
            Ok(Ok(bytes)) => {
                report.fetched += 1;
                report.bytes += bytes;
            }
            Ok(Err(_)) => report.failed += 1,
            Err(stopped) if stopped.is_cancelled() => report.cancelled += 1,
            Err(panicked) => std::panic::resume_unwind(panicked.into_panic()),
        }
    }
    report
}

#[braid::main]
async fn main() {
    let deadline = std::env::args()
        .nth(1)
        .map(|ms| {
            ms.parse()
                .expect("the deadline is a number of milliseconds")
        })
        .map_or(Duration::from_secs(2), Duration::from_millis);
    let stop = CancellationToken::new();
    let on_ctrl_c = braid::spawn({
        let stop = stop.clone();
        async move {
            if braid::signal::ctrl_c().await.is_ok() {
                eprintln!("Ctrl-C: stopping, keeping the results so far");
                stop.cancel();
            }
        }
    });
    let report = crawl(1_000, 50, deadline, &stop).await;
    on_ctrl_c.abort();
    println!(
        "fetched {} pages ({} bytes), {} failed, {} stopped by the deadline or Ctrl-C",
        report.fetched, report.bytes, report.failed, report.cancelled
    );
}
