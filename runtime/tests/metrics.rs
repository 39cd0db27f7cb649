//! `RuntimeMetrics`: each counter moves as a scripted workload says it must.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use braid::RuntimeMetrics;
use braid::net::{TcpListener, TcpStream};
use futures::io::{AsyncReadExt, AsyncWriteExt};

/// Waits until `holds` is true of `metrics` (`support::wait_for`).
#[track_caller]
fn wait_until(metrics: &RuntimeMetrics, what: &str, holds: impl Fn(&RuntimeMetrics) -> bool) {
    support::wait_for(what, || holds(metrics));
}

fn sum(metrics: &RuntimeMetrics, per_worker: impl Fn(&RuntimeMetrics, usize) -> u64) -> u64 {
    (0..metrics.num_workers())
        .map(|i| per_worker(metrics, i))
        .sum()
}

#[test]
fn spawns_are_counted_exactly_from_every_place() {
    for (name, rt) in support::flavours() {
        let metrics = rt.handle().metrics();
        assert_eq!(metrics.spawned_tasks_count(), 0, "{name}");
        // From outside the runtime.
        let outside: Vec<_> = (0..10).map(|_| rt.spawn(async {})).collect();
        rt.block_on(async move {
            // From `block_on`'s own future.
            for _ in 0..20 {
                braid::spawn(async {}).await.unwrap();
            }
            // From inside a task.
            braid::spawn(async {
                for _ in 0..30 {
                    braid::spawn(async {}).await.unwrap();
                }
            })
            .await
            .unwrap();
            // A gather's children, spawned as a batch.
            braid::gather((0..5).map(|i| async move { i })).await;
            for handle in outside {
                handle.await.unwrap();
            }
        });
        assert_eq!(
            metrics.spawned_tasks_count(),
            10 + 20 + 1 + 30 + 5,
            "{name}"
        );
        // Blocking calls are not tasks of the scheduler.
        rt.block_on(rt.handle().spawn_blocking(|| ())).unwrap();
        assert_eq!(metrics.spawned_tasks_count(), 66, "{name}");
        // A task leaves the live count just after its output is handed
        // over, so the last gather children may still be on their way out.
        wait_until(&metrics, "every task is gone", |m| m.num_alive_tasks() == 0);
    }
}

#[test]
fn each_poll_of_a_task_is_counted_once() {
    for (name, rt) in support::flavours() {
        let metrics = rt.handle().metrics();
        rt.block_on(async {
            let handles: Vec<_> = (0..50).map(|_| braid::spawn(async {})).collect();
            for handle in handles {
                handle.await.unwrap();
            }
            // Three yields: four polls.
            braid::spawn(async {
                for _ in 0..3 {
                    braid::yield_now().await;
                }
            })
            .await
            .unwrap();
        });
        assert_eq!(
            sum(&metrics, RuntimeMetrics::worker_poll_count),
            54,
            "{name}"
        );
    }
}

#[test]
fn park_counts_rise_on_an_idle_runtime() {
    let rt = support::multi(2);
    let metrics = rt.handle().metrics();
    // With nothing to do, every worker goes to sleep.
    wait_until(&metrics, "both workers park", |m| {
        m.worker_park_count(0) >= 1 && m.worker_park_count(1) >= 1
    });
    let before = sum(&metrics, RuntimeMetrics::worker_park_count);
    // A timer wakes a worker, which parks again once the task is done.
    rt.block_on(rt.spawn(async { braid::time::sleep(Duration::from_millis(10)).await }))
        .unwrap();
    wait_until(&metrics, "a worker parks again", |m| {
        sum(m, RuntimeMetrics::worker_park_count) > before
    });
    // Busy time is added at each park.
    assert!(
        sum(&metrics, |m, i| m.worker_total_busy_duration(i).as_nanos()
            as u64)
            > 0
    );
}

#[test]
fn busy_time_covers_a_long_poll() {
    let rt = support::multi(1);
    let metrics = rt.handle().metrics();
    rt.block_on(rt.spawn(async {
        std::thread::sleep(Duration::from_millis(30));
    }))
    .unwrap();
    wait_until(&metrics, "the worker parks after the poll", |m| {
        m.worker_total_busy_duration(0) >= Duration::from_millis(30)
    });
}

#[test]
fn steal_counts_rise_when_one_worker_is_loaded() {
    let rt = support::multi(2);
    let metrics = rt.handle().metrics();
    assert_eq!(sum(&metrics, RuntimeMetrics::worker_steal_count), 0);
    rt.block_on(rt.spawn(async {
        // Queued on this worker's deque, which then blocks: only a peer
        // that steals them can run them.
        let handles: Vec<_> = (0..16)
            .map(|_| braid::spawn(async { std::thread::sleep(Duration::from_millis(1)) }))
            .collect();
        std::thread::sleep(Duration::from_millis(50));
        for handle in handles {
            handle.await.unwrap();
        }
    }))
    .unwrap();
    assert!(sum(&metrics, RuntimeMetrics::worker_steal_count) >= 1);
}

#[test]
fn queue_depths_count_waiting_tasks() {
    let rt = support::current();
    let metrics = rt.handle().metrics();
    // Nothing runs a current-thread runtime outside `block_on`: tasks
    // spawned from here wait in the shared queue.
    let waiting: Vec<_> = (0..3).map(|_| rt.spawn(async {})).collect();
    assert_eq!(metrics.global_queue_depth(), 3);
    let inner = metrics.clone();
    rt.block_on(async move {
        for handle in waiting {
            handle.await.unwrap();
        }
        assert_eq!(inner.global_queue_depth(), 0);
        // Spawned by the thread that runs the tasks: its own queue.
        let local: Vec<_> = (0..4).map(|_| braid::spawn(async {})).collect();
        assert_eq!(inner.worker_local_queue_depth(0), 4);
        for handle in local {
            handle.await.unwrap();
        }
        assert_eq!(inner.worker_local_queue_depth(0), 0);
    });

    let rt = support::multi(1);
    let metrics = rt.handle().metrics();
    let release = Arc::new(AtomicBool::new(false));
    let depth = rt
        .block_on(rt.spawn({
            let (metrics, release) = (metrics.clone(), release.clone());
            async move {
                let handles: Vec<_> = (0..5).map(|_| braid::spawn(async {})).collect();
                let depth = metrics.worker_local_queue_depth(0);
                release.store(true, Ordering::SeqCst);
                for handle in handles {
                    handle.await.unwrap();
                }
                depth
            }
        }))
        .unwrap();
    assert!(release.load(Ordering::SeqCst));
    assert_eq!(depth, 5);
    assert_eq!(metrics.worker_local_queue_depth(0), 0);
}

#[test]
fn blocking_threads_are_counted_running_and_idle() {
    let rt = support::multi(1);
    let metrics = rt.handle().metrics();
    assert_eq!(metrics.num_blocking_threads(), 0);
    let release = Arc::new(AtomicBool::new(false));
    let call = rt.spawn_blocking_for_test(release.clone());
    wait_until(&metrics, "the call runs on a thread", |m| {
        m.num_blocking_threads() == 1
    });
    assert_eq!(metrics.num_idle_blocking_threads(), 0);
    release.store(true, Ordering::SeqCst);
    rt.block_on(call).unwrap();
    wait_until(&metrics, "the thread waits for the next call", |m| {
        m.num_idle_blocking_threads() == 1
    });
}

/// `spawn_blocking` through the handle, waiting for `release`.
trait SpawnBlockingForTest {
    fn spawn_blocking_for_test(&self, release: Arc<AtomicBool>) -> braid::JoinHandle<()>;
}

impl SpawnBlockingForTest for braid::Runtime {
    fn spawn_blocking_for_test(&self, release: Arc<AtomicBool>) -> braid::JoinHandle<()> {
        self.handle().spawn_blocking(move || {
            let deadline = Instant::now() + Duration::from_secs(30);
            while !release.load(Ordering::SeqCst) {
                assert!(Instant::now() < deadline, "never released");
                std::thread::sleep(Duration::from_millis(1));
            }
        })
    }
}

#[test]
fn a_task_that_spends_its_budget_is_counted_as_forced_to_yield() {
    for (name, rt) in support::flavours() {
        let metrics = rt.handle().metrics();
        rt.block_on(rt.spawn(async {
            for _ in 0..1_000 {
                braid::time::sleep(Duration::ZERO).await;
            }
        }))
        .unwrap();
        // One forced yield per budget of 128 spent: at least 7 in 1,000.
        // Each is counted once its poll has returned, and by then the task
        // woke itself: a peer may steal it and finish it first.
        wait_until(&metrics, name, |m| m.budget_forced_yield_count() >= 7);
    }
}

#[test]
fn io_events_are_counted() {
    let rt = support::multi(2);
    let metrics = rt.handle().metrics();
    assert_eq!(metrics.io_driver_ready_count(), 0);
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = braid::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 5];
            stream.read_exact(&mut buf).await.unwrap();
            buf
        });
        let mut client = TcpStream::connect(addr).await.unwrap();
        client.write_all(b"hello").await.unwrap();
        assert_eq!(&server.await.unwrap(), b"hello");
    });
    assert!(metrics.io_driver_ready_count() >= 1);
}

#[test]
#[should_panic(expected = "worker index 2 out of range: the runtime has 2 worker(s)")]
fn a_worker_index_out_of_range_is_named() {
    support::multi(2).handle().metrics().worker_poll_count(2);
}
