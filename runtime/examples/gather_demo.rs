//! The classic `asyncio.gather` example, in braid.
//!
//! Two "API calls" take 1 s and 2 s and return 100 and 200. Gathered, they
//! run at the same time: the results come back in the order they were
//! passed, after 2 s (the slowest), not 3 s (the sum). Then a failing call
//! under `try_gather`, which cancels its sibling and waits for it to go, and
//! the same calls with errors kept as values.
//!
//! Run with `cargo run -p braid --example gather_demo`.

use std::time::Duration;

use braid::time::{Instant, sleep};
use braid::{GatherError, gather, try_gather};

/// A pretend network call: waits, then answers.
async fn api_call(name: &'static str, seconds: u64, value: u32) -> u32 {
    println!("  {name}: started");
    sleep(Duration::from_secs(seconds)).await;
    println!("  {name}: done after {seconds}s");
    value
}

/// A call that answers after `millis`, or fails if `fails`.
async fn checked_call(name: &'static str, millis: u64, fails: bool) -> Result<u32, String> {
    let _announce = Announce(name);
    sleep(Duration::from_millis(millis)).await;
    if fails {
        Err(format!("{name}: service unavailable"))
    } else {
        Ok(millis as u32)
    }
}

/// Prints when a call's future is dropped: finished, or cancelled.
struct Announce(&'static str);

impl Drop for Announce {
    fn drop(&mut self) {
        println!("  {}: gone", self.0);
    }
}

#[braid::main]
async fn main() {
    println!("1. gather: two calls of 1s and 2s");
    let start = Instant::now();
    let results = gather([api_call("call A", 1, 100), api_call("call B", 2, 200)]).await;
    println!("{} {}", results[0], results[1]);
    println!(
        "   took {:.1}s: the slowest call, not the sum (3s)\n",
        start.elapsed().as_secs_f64()
    );

    println!("2. gather! over different types");
    let (number, text) = braid::gather!(api_call("call C", 1, 7), async { "seven" }).await;
    println!("   got {number} and {text:?}\n");

    println!("3. try_gather: the first error cancels the siblings");
    let start = Instant::now();
    let outcome = try_gather([
        checked_call("slow call", 5_000, false),
        checked_call("flaky call", 500, true),
    ])
    .await;
    match outcome {
        Err(GatherError::Failed { index, error }) => println!("   child {index} failed: {error}"),
        other => println!("   unexpected: {other:?}"),
    }
    println!(
        "   returned after {:.1}s, the 5s call already gone\n",
        start.elapsed().as_secs_f64()
    );

    println!("4. gather over Results: errors as values");
    let results = gather([
        checked_call("call D", 300, true),
        checked_call("call E", 200, false),
    ])
    .await;
    for (i, result) in results.iter().enumerate() {
        println!("   child {i}: {result:?}");
    }
}
