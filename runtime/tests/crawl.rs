//! The crawl example on the paused clock: a deadline keeps the results that
//! came in and stops the rest; without one every job reports.

#[path = "../examples/crawl.rs"]
#[allow(dead_code)] // the example's `main`
mod crawl;

use std::time::Duration;

use braid::CancellationToken;

fn paused() -> braid::Runtime {
    braid::Builder::new_multi_thread()
        .worker_threads(2)
        .start_paused(true)
        .build()
        .unwrap()
}

#[test]
fn a_crawl_with_time_to_spare_reports_every_job() {
    let report = paused().block_on(crawl::crawl(
        1_000,
        50,
        Duration::from_secs(3600),
        &CancellationToken::new(),
    ));
    // Jobs 0, 97, ..., 970 fail.
    assert_eq!(report.failed, 11);
    assert_eq!(report.fetched, 989);
    assert_eq!(report.cancelled, 0);
    let expected: u64 = (0..1_000)
        .filter(|job| job % 97 != 0)
        .map(crawl::page_size)
        .sum();
    assert_eq!(report.bytes, expected);
}

#[test]
fn the_deadline_keeps_what_finished_and_stops_the_rest() {
    let report = paused().block_on(crawl::crawl(
        1_000,
        50,
        Duration::from_secs(1),
        &CancellationToken::new(),
    ));
    assert_eq!(report.fetched + report.failed + report.cancelled, 1_000);
    // 50 at a time, 10 to 210 ms each: a second is enough for some hundreds
    // of jobs, not for all of them.
    assert!(report.fetched > 100, "{report:?}");
    assert!(report.cancelled > 100, "{report:?}");
}

#[test]
fn a_cancelled_stop_token_stops_the_crawl_at_once() {
    let stop = CancellationToken::new();
    stop.cancel();
    let report = paused().block_on(crawl::crawl(1_000, 50, Duration::from_secs(3600), &stop));
    assert_eq!(report.cancelled, 1_000, "{report:?}");
}
