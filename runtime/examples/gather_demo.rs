//! The classic `asyncio.gather` example, in braid.
//!
//! Two "API calls" take 1 s and 2 s and return 100 and 200. Gathered, they
//! run at the same time: the results come back in the order they were
//! passed, after 2 s (the slowest), not 3 s (the sum). Then a failing call
//! under `try_gather`, which cancels its sibling and waits for it to go, and
//! the same calls with errors kept as values.
//!
//! Run with `cargo run -p braid --example gather_demo`. Each step takes its
//! time unit as an argument, so `runtime/tests/gather.rs` runs them on a
//! shorter one and checks what they print here.

use std::time::Duration;

use braid::time::{Instant, sleep};
use braid::{GatherError, gather, try_gather};

/// The demo's time unit.
const SECOND: Duration = Duration::from_secs(1);

/// A pretend network call: waits `units`, then answers.
async fn api_call(name: &'static str, units: u32, value: u32, unit: Duration) -> u32 {
    println!("  {name}: started");
    sleep(unit * units).await;
    println!("  {name}: done after {:.1}s", (unit * units).as_secs_f64());
    value
}

/// A call that answers after `tenths` tenths of a unit, or fails if `fails`.
async fn checked_call(
    name: &'static str,
    tenths: u32,
    fails: bool,
    unit: Duration,
) -> Result<u32, String> {
    let _announce = Announce(name);
    sleep(unit * tenths / 10).await;
    if fails {
        Err(format!("{name}: service unavailable"))
    } else {
        Ok(tenths * 100)
    }
}

/// Prints when a call's future is dropped: finished, or cancelled.
struct Announce(&'static str);

impl Drop for Announce {
    fn drop(&mut self) {
        println!("  {}: gone", self.0);
    }
}

/// Step 1: calls of 1 and 2 units, gathered; their results and how long
/// the gather took.
pub(crate) async fn two_calls(unit: Duration) -> (Vec<u32>, Duration) {
    let start = Instant::now();
    let results = gather([
        api_call("call A", 1, 100, unit),
        api_call("call B", 2, 200, unit),
    ])
    .await;
    (results, start.elapsed())
}

/// Step 3: a call of 5 units beside one that fails after half a unit.
pub(crate) async fn one_fails(unit: Duration) -> (Result<Vec<u32>, GatherError<String>>, Duration) {
    let start = Instant::now();
    let outcome = try_gather([
        checked_call("slow call", 50, false, unit),
        checked_call("flaky call", 5, true, unit),
    ])
    .await;
    (outcome, start.elapsed())
}

/// Step 4: the same kind of calls, errors kept as values.
pub(crate) async fn errors_as_values(unit: Duration) -> Vec<Result<u32, String>> {
    gather([
        checked_call("call D", 3, true, unit),
        checked_call("call E", 2, false, unit),
    ])
    .await
}

#[braid::main]
async fn main() {
    println!("1. gather: two calls of 1s and 2s");
    let (results, took) = two_calls(SECOND).await;
    println!("{} {}", results[0], results[1]);
    println!(
        "   took {:.1}s: the slowest call, not the sum (3s)\n",
        took.as_secs_f64()
    );

    println!("2. gather! over different types");
    let (number, text) = braid::gather!(api_call("call C", 1, 7, SECOND), async { "seven" }).await;
    println!("   got {number} and {text:?}\n");

    println!("3. try_gather: the first error cancels the siblings");
    let (outcome, took) = one_fails(SECOND).await;
    match outcome {
        Err(GatherError::Failed { index, error }) => println!("   child {index} failed: {error}"),
        other => println!("   unexpected: {other:?}"),
    }
    println!(
        "   returned after {:.1}s, the 5s call already gone\n",
        took.as_secs_f64()
    );

    println!("4. gather over Results: errors as values");
    for (i, result) in errors_as_values(SECOND).await.iter().enumerate() {
        println!("   child {i}: {result:?}");
    }
}
