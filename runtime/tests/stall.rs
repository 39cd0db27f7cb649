//! The stall detector: a poll past the threshold is reported once, while it
//! runs, naming the task and where it was spawned.

mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use braid::StallReport;

/// A runtime whose reports are collected, and a flag set by each report.
fn watched(
    workers: usize,
    threshold: Duration,
) -> (
    braid::Runtime,
    Arc<Mutex<Vec<StallReport>>>,
    Arc<AtomicBool>,
) {
    let reports = Arc::new(Mutex::new(Vec::new()));
    let flag = Arc::new(AtomicBool::new(false));
    let rt = braid::Builder::new_multi_thread()
        .worker_threads(workers)
        .stall_threshold(threshold)
        .on_stall({
            let (reports, flag) = (reports.clone(), flag.clone());
            move |report: &StallReport| {
                reports.lock().unwrap().push(report.clone());
                flag.store(true, Ordering::SeqCst);
            }
        })
        .build()
        .unwrap();
    (rt, reports, flag)
}

/// Blocks its worker for `how_long`; returns whether `flag` was set while
/// it still blocked.
async fn blocking_poll(how_long: Duration, flag: Arc<AtomicBool>) -> bool {
    let started = Instant::now();
    let mut seen = false;
    while started.elapsed() < how_long {
        seen |= flag.load(Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(1));
    }
    seen
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_long_poll_is_reported_once_while_it_runs() {
    let (rt, reports, flag) = watched(2, Duration::from_millis(50));
    let poll = blocking_poll(Duration::from_millis(300), flag);
    let (handle, line) = (rt.spawn(poll), line!());
    let id = handle.id();
    let seen_while_running = rt.block_on(handle).unwrap();
    assert!(seen_while_running, "the report came after the poll ended");
    // Later looks see the poll over: still one report.
    std::thread::sleep(Duration::from_millis(100));
    let reports = reports.lock().unwrap();
    assert_eq!(reports.len(), 1, "{reports:?}");
    let report = &reports[0];
    assert_eq!(report.task_id(), id);
    assert_eq!(report.location().file(), file!());
    assert_eq!(report.location().line(), line);
    assert!(report.worker() < 2);
    assert!(report.elapsed() >= Duration::from_millis(50));
    let text = report.to_string();
    assert!(text.contains(&format!("{}:{}:", file!(), line)), "{text}");
    assert!(format!("{report:?}").contains(file!()));
}

#[test]
#[cfg_attr(miri, ignore)]
fn each_long_poll_is_reported_and_short_ones_are_not() {
    let (rt, reports, flag) = watched(3, Duration::from_millis(40));
    rt.block_on(async {
        // Many short polls (a few yields each): nothing to report.
        for _ in 0..200 {
            braid::spawn(async {
                for _ in 0..3 {
                    braid::yield_now().await;
                }
            })
            .await
            .unwrap();
        }
    });
    assert!(reports.lock().unwrap().is_empty());
    // Two long polls of one task, with a yield between: two reports.
    let handle = rt.spawn(async move {
        blocking_poll(Duration::from_millis(200), flag.clone()).await;
        braid::yield_now().await;
        flag.store(false, Ordering::SeqCst);
        blocking_poll(Duration::from_millis(200), flag).await
    });
    let id = handle.id();
    assert!(rt.block_on(handle).unwrap());
    let reports = reports.lock().unwrap();
    assert_eq!(reports.len(), 2, "{reports:?}");
    assert!(reports.iter().all(|r| r.task_id() == id));
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_threshold_of_duration_max_turns_detection_off() {
    let (rt, reports, flag) = watched(2, Duration::MAX);
    let handle = rt.spawn(blocking_poll(Duration::from_millis(150), flag));
    assert!(!rt.block_on(handle).unwrap());
    assert!(reports.lock().unwrap().is_empty());
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_panicking_hook_does_not_take_the_worker_down() {
    let rt = braid::Builder::new_multi_thread()
        .worker_threads(2)
        .stall_threshold(Duration::from_millis(20))
        .on_stall(|_: &StallReport| panic!("hook panics"))
        .build()
        .unwrap();
    rt.block_on(rt.spawn(async { std::thread::sleep(Duration::from_millis(150)) }))
        .unwrap();
    let answers = rt.block_on(async {
        let handles: Vec<_> = (0..10).map(|i| braid::spawn(async move { i })).collect();
        let mut sum = 0;
        for handle in handles {
            sum += handle.await.unwrap();
        }
        sum
    });
    assert_eq!(answers, 45);
}
