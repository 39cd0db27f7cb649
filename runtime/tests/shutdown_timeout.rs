//! Shutdown is bounded: a task that never returns from its poll, or a
//! blocking call that never returns, cannot make `shutdown_timeout` or a
//! drop hang. The stuck threads are left detached; each checks a flag so
//! the test can let them end.

mod support;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::task::{Context, Poll};
use std::time::Duration;

/// A future whose first poll spins until `stop` is set.
struct SpinInPoll {
    started: mpsc::Sender<()>,
    stop: Arc<AtomicBool>,
}

impl Future for SpinInPoll {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        let _ = self.started.send(());
        while !self.stop.load(Ordering::Acquire) {
            std::hint::spin_loop();
            std::thread::yield_now();
        }
        Poll::Ready(())
    }
}

/// Starts a task stuck in its poll, a blocking call stuck forever, and a
/// task waiting normally (counted by `drops`); returns once the stuck two run.
fn stick(rt: &braid::Runtime, stop: &Arc<AtomicBool>, drops: &support::DropCounter) {
    let (started_tx, started_rx) = mpsc::channel();
    drop(rt.spawn(SpinInPoll {
        started: started_tx.clone(),
        stop: stop.clone(),
    }));
    let blocking_stop = stop.clone();
    drop(rt.handle().spawn_blocking(move || {
        let _ = started_tx.send(());
        while !blocking_stop.load(Ordering::Acquire) {
            std::thread::sleep(Duration::from_millis(1));
        }
    }));
    let token = drops.token();
    drop(rt.spawn(async move {
        let _token = token;
        std::future::pending::<()>().await
    }));
    for _ in 0..2 {
        started_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the stuck task and blocking call start");
    }
}

#[test]
fn shutdown_timeout_returns_with_a_task_stuck_in_its_poll_and_a_stuck_blocking_call() {
    let stop = Arc::new(AtomicBool::new(false));
    let drops = support::DropCounter::default();
    let rt = support::multi(2);
    stick(&rt, &stop, &drops);
    // The watchdog fails the test if shutdown hangs.
    support::eventually(move || rt.shutdown_timeout(Duration::from_millis(300)));
    // What shutdown could free, it freed: the waiting task's future.
    assert_eq!(drops.count(), 1);
    stop.store(true, Ordering::Release);
}

#[test]
fn drop_returns_with_a_task_stuck_in_its_poll() {
    let stop = Arc::new(AtomicBool::new(false));
    let drops = support::DropCounter::default();
    let rt = support::multi(2);
    stick(&rt, &stop, &drops);
    support::eventually(move || drop(rt));
    assert_eq!(drops.count(), 1);
    stop.store(true, Ordering::Release);
}

#[test]
fn the_stuck_worker_exits_and_drops_its_task_once_the_poll_returns() {
    let stop = Arc::new(AtomicBool::new(false));
    let drops = support::DropCounter::default();
    let rt = support::multi(1);
    let (started_tx, started_rx) = mpsc::channel();
    let token = drops.token();
    let spin_stop = stop.clone();
    drop(rt.spawn(async move {
        let _token = token;
        SpinInPoll {
            started: started_tx,
            stop: spin_stop,
        }
        .await;
        std::future::pending::<()>().await
    }));
    started_rx.recv_timeout(Duration::from_secs(30)).unwrap();
    support::eventually(move || rt.shutdown_timeout(Duration::from_millis(100)));
    assert_eq!(
        drops.count(),
        0,
        "the running task's future is dropped by its worker"
    );
    stop.store(true, Ordering::Release);
    // The task was cancelled by the shutdown: the worker drops it when the
    // poll returns, then sees the shutdown and exits.
    let counter = drops.clone();
    support::eventually(move || {
        while counter.count() == 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
    });
    assert_eq!(drops.count(), 1);
}

/// Run by `the_stuck_worker_is_named_on_stderr`, in a child process whose
/// stderr it reads: a shutdown that leaves a stuck worker behind.
#[test]
#[ignore = "run in a child process by the_stuck_worker_is_named_on_stderr"]
fn stuck_shutdown_in_a_child_process() {
    let stop = Arc::new(AtomicBool::new(false));
    let rt = braid::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("stuck-worker")
        .build()
        .unwrap();
    let (started_tx, started_rx) = mpsc::channel();
    drop(rt.spawn(SpinInPoll {
        started: started_tx,
        stop: stop.clone(),
    }));
    started_rx.recv_timeout(Duration::from_secs(30)).unwrap();
    rt.shutdown_timeout(Duration::from_millis(50));
    stop.store(true, Ordering::Release);
}

/// Runs the ignored test `name` of this binary in a child process, which
/// must succeed, and returns its stderr.
fn stderr_of_child(name: &'static str) -> String {
    let output = support::eventually(move || {
        std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", name, "--ignored", "--nocapture"])
            .output()
            .unwrap()
    });
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stderr}");
    stderr
}

#[test]
fn the_stuck_worker_is_named_on_stderr() {
    let stderr = stderr_of_child("stuck_shutdown_in_a_child_process");
    assert!(
        stderr.contains("worker 0 of 1 (thread \"stuck-worker\") is still inside a task's poll")
            && stderr.contains("leaving it running detached"),
        "{stderr}"
    );
}

/// Run by `idle_workers_are_not_reported_as_stuck`, in a child process
/// whose stderr it reads: a shutdown with no time to wait, of a runtime
/// whose workers are all parked.
#[test]
#[ignore = "run in a child process by idle_workers_are_not_reported_as_stuck"]
fn idle_shutdown_in_a_child_process() {
    let rt = braid::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    rt.block_on(async {});
    rt.shutdown_timeout(Duration::ZERO);
}

#[test]
fn idle_workers_are_not_reported_as_stuck() {
    let stderr = stderr_of_child("idle_shutdown_in_a_child_process");
    assert!(
        !stderr.contains("still inside a task's poll"),
        "a parked worker was called stuck: {stderr}"
    );
}
