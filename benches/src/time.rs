//! The timer workloads: many sleeps firing, and sleeps created and
//! cancelled without firing.

use std::pin::pin;
use std::task::Poll;
use std::time::{Duration, Instant};

use crate::measure::{Latency, Run};
use crate::runtime::BenchRuntime;

/// Sleeps of `timers_100k`.
pub const TIMERS: usize = 100_000;
/// Sleeps created and cancelled by `timer_churn`.
pub const CHURN: usize = 1_000_000;

/// Sleeps `timer_churn` polls per poll of its task: under the cooperative
/// budget of braid and of Tokio (128), whose sleeps register nothing once
/// their task's budget is spent.
pub const CHURN_PER_POLL: usize = 64;

/// Where in 1–50 ms the `index`-th timer's deadline falls: a fixed
/// permutation (7919 is prime to 49,000), so deadlines arrive out of order.
fn deadline_offset(index: usize) -> Duration {
    Duration::from_micros(1_000 + (index as u64 * 7_919) % 49_000)
}

/// `timers_100k`: [`TIMERS`] tasks sleep until deadlines spread over
/// 1–50 ms; the run's latency is each timer's lateness past its deadline.
///
/// # Panics
///
/// When a timer fires before its deadline.
///
/// # Examples
///
/// ```
/// use braid_benches::{BenchRuntime, Tokio, time};
///
/// let run = time::timers_100k(&Tokio::with_workers(2));
/// assert_eq!(run.units, 100_000);
/// assert!(run.latency.unwrap().p99 >= run.latency.unwrap().p50);
/// ```
pub fn timers_100k<R: BenchRuntime>(rt: &R) -> Run {
    let (elapsed, mut lateness) = rt.block_on_task(async {
        let start = Instant::now();
        let sleepers: Vec<_> = (0..TIMERS)
            .map(|index| {
                let deadline = start + deadline_offset(index);
                R::spawn(async move {
                    R::sleep_until(deadline).await;
                    Instant::now().checked_duration_since(deadline)
                })
            })
            .collect();
        let mut lateness = Vec::with_capacity(TIMERS);
        for sleeper in sleepers {
            lateness.push(
                sleeper
                    .await
                    .expect("timers_100k: a timer fired before its deadline"),
            );
        }
        (start.elapsed(), lateness)
    });
    let latency = Latency::from_samples(&mut lateness);
    Run {
        elapsed,
        units: TIMERS as u64,
        latency: Some(latency),
    }
}

/// `timer_churn`: [`CHURN`] sleeps, each created, polled once (so it is
/// registered with the timer driver) and dropped long before its deadline;
/// the task yields every [`CHURN_PER_POLL`] sleeps, so that no poll runs
/// out of its cooperative budget (after which a sleep's poll registers
/// nothing).
///
/// # Examples
///
/// ```
/// use braid_benches::{BenchRuntime, Smol, time};
///
/// assert_eq!(time::timer_churn(&Smol::with_workers(1)).units, 1_000_000);
/// ```
pub fn timer_churn<R: BenchRuntime>(rt: &R) -> Run {
    let (elapsed, pending) = rt.block_on_task(async {
        let start = Instant::now();
        let far = start + Duration::from_secs(60);
        let mut pending = 0;
        for index in 0..CHURN {
            if index % CHURN_PER_POLL == 0 {
                // A fresh cooperative budget: past it, braid's and Tokio's
                // sleeps return `Pending` without registering a timer.
                R::yield_now().await;
            }
            let mut sleep = pin!(R::sleep_until(
                far + Duration::from_millis((index % 1_000) as u64)
            ));
            if futures::poll!(sleep.as_mut()) == Poll::Pending {
                pending += 1;
            }
        }
        (start.elapsed(), pending)
    });
    assert_eq!(pending, CHURN, "timer_churn: a far-off sleep completed");
    Run {
        elapsed,
        units: CHURN as u64,
        latency: None,
    }
}
