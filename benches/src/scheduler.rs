//! The scheduler workloads: spawning, waking, yielding, `block_on`.
//!
//! Each one runs the issue's fixed amount of work once and checks what the
//! tasks computed, so a run that lost or skipped tasks panics instead of
//! looking fast.

use std::time::{Duration, Instant};

use futures::channel::oneshot;

use crate::latch::Latch;
use crate::measure::{Latency, Run};
use crate::runtime::BenchRuntime;
use crate::sync::{Arc, AtomicBool, Ordering};

/// Tasks spawned by the `spawn_many_*` workloads.
pub const SPAWNS: usize = 10_000;
/// Task pairs of `ping_pong`.
pub const PAIRS: usize = 1_000;
/// Tasks of `yield_many`.
pub const YIELDERS: usize = 200;
/// Yields per task of `yield_many`.
pub const YIELDS: usize = 1_000;
/// Length of the `chained_spawn` chain.
pub const CHAIN: usize = 1_000;
/// `block_on` calls per `block_on_ready` run.
pub const BLOCK_ONS: usize = 10_000;
/// Rounds of `lifo_stranded`.
pub const STRANDED_ROUNDS: usize = 20;
/// How long the waking task blocks its worker in each `lifo_stranded` round.
pub const STRANDED_BLOCK: Duration = Duration::from_millis(2);

/// Sum of `0..n`, the checked result of the numbered workloads.
pub(crate) fn sum_below(n: usize) -> u64 {
    let n = n as u64;
    n * n.saturating_sub(1) / 2
}

/// Times `body` and checks its result against `expected`.
fn timed<T: PartialEq + std::fmt::Debug>(
    workload: &str,
    expected: T,
    body: impl FnOnce() -> T,
) -> Duration {
    let start = Instant::now();
    let got = body();
    let elapsed = start.elapsed();
    assert_eq!(got, expected, "{workload}: wrong result");
    elapsed
}

/// `spawn_many_local`: one worker task spawns [`SPAWNS`] tasks and awaits
/// them all.
///
/// # Examples
///
/// ```
/// use braid_benches::{BenchRuntime, Tokio, scheduler};
///
/// assert_eq!(scheduler::spawn_many_local(&Tokio::with_workers(1)).units, 10_000);
/// ```
pub fn spawn_many_local<R: BenchRuntime>(rt: &R) -> Run {
    let elapsed = timed("spawn_many_local", sum_below(SPAWNS), || {
        rt.block_on_task(async {
            let joins: Vec<_> = (0..SPAWNS as u64)
                .map(|i| R::spawn(async move { i }))
                .collect();
            let mut sum = 0;
            for join in joins {
                sum += join.await;
            }
            sum
        })
    });
    Run {
        elapsed,
        units: SPAWNS as u64,
        latency: None,
    }
}

/// Spawns [`SPAWNS`] tasks from this (non-runtime) thread and waits on a
/// latch until all have run; the tasks add their index to a shared sum.
fn spawn_remote_and_wait<R: BenchRuntime>(rt: &R) -> u64 {
    let latch = Arc::new(Latch::new(SPAWNS));
    let sum = Arc::new(crate::sync::AtomicU64::new(0));
    for i in 0..SPAWNS as u64 {
        let latch = Arc::clone(&latch);
        let sum = Arc::clone(&sum);
        R::detach(rt.spawn_remote(async move {
            sum.fetch_add(i, Ordering::Relaxed);
            latch.count_down();
        }));
    }
    latch.wait();
    // The latch's AcqRel count-down orders every task's add before this.
    sum.load(Ordering::Relaxed)
}

/// `spawn_many_remote`: [`SPAWNS`] spawns from a thread outside the runtime.
///
/// # Examples
///
/// ```
/// use braid_benches::{BenchRuntime, Smol, scheduler};
///
/// assert_eq!(scheduler::spawn_many_remote(&Smol::with_workers(1)).units, 10_000);
/// ```
pub fn spawn_many_remote<R: BenchRuntime>(rt: &R) -> Run {
    let elapsed = timed("spawn_many_remote", sum_below(SPAWNS), || {
        spawn_remote_and_wait(rt)
    });
    Run {
        elapsed,
        units: SPAWNS as u64,
        latency: None,
    }
}

/// `spawn_many_remote_busy`: as [`spawn_many_remote`] while 2 × workers
/// tasks spin, yielding on every turn.
///
/// # Examples
///
/// ```
/// use braid_benches::{BenchRuntime, Braid, scheduler};
///
/// assert_eq!(scheduler::spawn_many_remote_busy(&Braid::with_workers(1)).units, 10_000);
/// ```
pub fn spawn_many_remote_busy<R: BenchRuntime>(rt: &R) -> Run {
    let stop = Arc::new(AtomicBool::new(false));
    let spinners: Vec<_> = (0..2 * rt.workers())
        .map(|_| {
            let stop = Arc::clone(&stop);
            rt.spawn_remote(async move {
                let mut turns = 0_u64;
                while !stop.load(Ordering::Relaxed) {
                    R::yield_now().await;
                    turns += 1;
                }
                turns
            })
        })
        .collect();
    let elapsed = timed("spawn_many_remote_busy", sum_below(SPAWNS), || {
        spawn_remote_and_wait(rt)
    });
    stop.store(true, Ordering::Relaxed);
    let turns: u64 = rt.block_on(async {
        let mut turns = 0;
        for spinner in spinners {
            turns += spinner.await;
        }
        turns
    });
    assert!(turns > 0, "spawn_many_remote_busy: the spinners never ran");
    Run {
        elapsed,
        units: SPAWNS as u64,
        latency: None,
    }
}

/// `ping_pong`: [`PAIRS`] pairs of tasks, each pair exchanging a ping and a
/// pong over two oneshot channels.
///
/// # Examples
///
/// ```
/// use braid_benches::{BenchRuntime, Braid, scheduler};
///
/// assert_eq!(scheduler::ping_pong(&Braid::with_workers(2)).units, 2_000);
/// ```
pub fn ping_pong<R: BenchRuntime>(rt: &R) -> Run {
    let expected = sum_below(PAIRS) + PAIRS as u64;
    let elapsed = timed("ping_pong", expected, || {
        rt.block_on_task(async {
            let pingers: Vec<_> = (0..PAIRS as u64)
                .map(|i| {
                    let (ping, ping_rx) = oneshot::channel::<u64>();
                    let (pong, pong_rx) = oneshot::channel::<u64>();
                    R::detach(R::spawn(async move {
                        let value = ping_rx.await.expect("pinger went away");
                        pong.send(value + 1).expect("pinger went away");
                    }));
                    R::spawn(async move {
                        ping.send(i).expect("ponger went away");
                        pong_rx.await.expect("ponger went away")
                    })
                })
                .collect();
            let mut sum = 0;
            for pinger in pingers {
                sum += pinger.await;
            }
            sum
        })
    });
    Run {
        elapsed,
        units: 2 * PAIRS as u64,
        latency: None,
    }
}

/// `yield_many`: [`YIELDERS`] tasks yielding [`YIELDS`] times each.
///
/// # Examples
///
/// ```
/// use braid_benches::{BenchRuntime, Tokio, scheduler};
///
/// assert_eq!(scheduler::yield_many(&Tokio::with_workers(2)).units, 200_000);
/// ```
pub fn yield_many<R: BenchRuntime>(rt: &R) -> Run {
    let total = (YIELDERS * YIELDS) as u64;
    let elapsed = timed("yield_many", total, || {
        rt.block_on_task(async {
            let yielders: Vec<_> = (0..YIELDERS)
                .map(|_| {
                    R::spawn(async {
                        let mut yields = 0_u64;
                        for _ in 0..YIELDS {
                            R::yield_now().await;
                            yields += 1;
                        }
                        yields
                    })
                })
                .collect();
            let mut yields = 0;
            for yielder in yielders {
                yields += yielder.await;
            }
            yields
        })
    });
    Run {
        elapsed,
        units: total,
        latency: None,
    }
}

/// Spawns the next link of the chain; the last one reports its depth.
fn spawn_link<R: BenchRuntime>(depth: usize, done: oneshot::Sender<usize>) {
    R::detach(R::spawn(async move {
        if depth == CHAIN {
            done.send(depth).expect("chained_spawn stopped waiting");
        } else {
            spawn_link::<R>(depth + 1, done);
        }
    }));
}

/// `chained_spawn`: each task spawns the next, [`CHAIN`] tasks in all.
///
/// # Examples
///
/// ```
/// use braid_benches::{BenchRuntime, Smol, scheduler};
///
/// assert_eq!(scheduler::chained_spawn(&Smol::with_workers(2)).units, 1_000);
/// ```
pub fn chained_spawn<R: BenchRuntime>(rt: &R) -> Run {
    let elapsed = timed("chained_spawn", Ok(CHAIN), || {
        rt.block_on(async {
            let (done, chain_end) = oneshot::channel();
            spawn_link::<R>(1, done);
            chain_end.await
        })
    });
    Run {
        elapsed,
        units: CHAIN as u64,
        latency: None,
    }
}

/// `block_on_ready`: [`BLOCK_ONS`] calls of `block_on` on a ready future.
///
/// # Examples
///
/// ```
/// use braid_benches::{BenchRuntime, Braid, scheduler};
///
/// assert_eq!(scheduler::block_on_ready(&Braid::with_workers(1)).units, 10_000);
/// ```
pub fn block_on_ready<R: BenchRuntime>(rt: &R) -> Run {
    let elapsed = timed("block_on_ready", sum_below(BLOCK_ONS), || {
        (0..BLOCK_ONS as u64)
            .map(|i| rt.block_on(async move { i }))
            .sum::<u64>()
    });
    Run {
        elapsed,
        units: BLOCK_ONS as u64,
        latency: None,
    }
}

/// `lifo_stranded`: in each of [`STRANDED_ROUNDS`] rounds a task wakes
/// another, then blocks its worker thread for [`STRANDED_BLOCK`] (blocking
/// code in async, the case of tokio#4941). The woken task sits in the
/// waker's LIFO slot, if the runtime has one; the run's time is the total
/// delay from the wake until the woken task runs, and the latency its
/// percentiles. A slot that nobody else may take strands the task for the
/// whole block. (With one worker every runtime must wait for the block.)
///
/// # Examples
///
/// ```
/// use braid_benches::{BenchRuntime, Braid, scheduler};
///
/// let run = scheduler::lifo_stranded(&Braid::with_workers(2));
/// assert_eq!(run.units, 20);
/// let latency = run.latency.unwrap();
/// assert!(latency.p50 <= latency.p99);
/// ```
pub fn lifo_stranded<R: BenchRuntime>(rt: &R) -> Run {
    let mut delays = rt.block_on_task(async {
        let mut delays = Vec::with_capacity(STRANDED_ROUNDS);
        for _ in 0..STRANDED_ROUNDS {
            let (ready_tx, ready_rx) = oneshot::channel::<()>();
            let (wake_tx, wake_rx) = oneshot::channel::<Instant>();
            let woken = R::spawn(async move {
                ready_tx.send(()).expect("the waker went away");
                let woken_at = wake_rx.await.expect("the waker went away");
                woken_at.elapsed()
            });
            let waker = R::spawn(async move {
                ready_rx.await.expect("the woken task went away");
                // Give the woken task time to reach its await, so the
                // send below wakes it rather than finding it running.
                for _ in 0..3 {
                    R::yield_now().await;
                }
                wake_tx
                    .send(Instant::now())
                    .expect("the woken task went away");
                std::thread::sleep(STRANDED_BLOCK);
            });
            delays.push(woken.await);
            waker.await;
        }
        delays
    });
    let elapsed = delays.iter().sum();
    Run {
        elapsed,
        units: STRANDED_ROUNDS as u64,
        latency: Some(Latency::from_samples(&mut delays)),
    }
}
