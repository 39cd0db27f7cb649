//! `memory_per_task`: resident bytes per idle pending task, each runtime
//! measured in a fresh child process so their memory never mixes.

use std::future::pending;
use std::io;
use std::process::Command;
use std::time::Duration;

use crate::runtime::{BenchRuntime, Braid, Smol, Tokio};
use crate::sync::{Arc, AtomicUsize, Ordering, thread};

/// The first argument that makes a benchmark binary act as the child.
pub const CHILD_FLAG: &str = "--memory-child";
/// Idle tasks the issue asks for.
pub const TASKS: usize = 1_000_000;
/// Page size of `/proc/self/statm`'s counts: 4 KiB on the Linux targets
/// this is run on (x86-64, and aarch64 with its default kernel).
const PAGE: u64 = 4_096;

/// Resident set size of this process, from `/proc/self/statm`.
fn resident_bytes() -> io::Result<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm")?;
    let pages = statm
        .split_whitespace()
        .nth(1)
        .and_then(|field| field.parse::<u64>().ok())
        .ok_or_else(|| io::Error::other("unexpected /proc/self/statm format"))?;
    Ok(pages * PAGE)
}

/// Spawns `tasks` tasks that each count themselves and then stay pending,
/// and returns the growth of resident memory per task.
fn idle_task_bytes<R: BenchRuntime>(workers: usize, tasks: usize) -> io::Result<f64> {
    let rt = R::with_workers(workers);
    // Settle the runtime's own startup allocations before the baseline.
    rt.block_on_task(async {});
    let before = resident_bytes()?;
    let started = Arc::new(AtomicUsize::new(0));
    for _ in 0..tasks {
        let started = Arc::clone(&started);
        R::detach(rt.spawn_remote(async move {
            started.fetch_add(1, Ordering::Relaxed);
            pending::<()>().await;
        }));
    }
    while started.load(Ordering::Relaxed) < tasks {
        thread::sleep(Duration::from_millis(1));
    }
    let after = resident_bytes()?;
    // The process exits right after: tearing down a million tasks would
    // only slow the comparison down.
    std::mem::forget(rt);
    Ok(after.saturating_sub(before) as f64 / tasks as f64)
}

/// Runs the child side when `args` (without the program name) start with
/// [`CHILD_FLAG`]: prints the bytes per task and exits. Returns otherwise.
///
/// Call it first thing in `main` of every binary that measures memory.
///
/// # Examples
///
/// ```
/// // Not a child invocation: returns at once.
/// braid_benches::memory::run_child_if_asked(&["--workers".to_owned(), "2".to_owned()]);
/// ```
pub fn run_child_if_asked(args: &[String]) {
    let [flag, runtime, workers, tasks] = args else {
        return;
    };
    if flag != CHILD_FLAG {
        return;
    }
    let workers: usize = workers.parse().expect("bad worker count");
    let tasks: usize = tasks.parse().expect("bad task count");
    let bytes = match runtime.as_str() {
        Braid::NAME => idle_task_bytes::<Braid>(workers, tasks),
        Tokio::NAME => idle_task_bytes::<Tokio>(workers, tasks),
        Smol::NAME => idle_task_bytes::<Smol>(workers, tasks),
        other => panic!("unknown runtime {other:?}"),
    };
    println!("{}", bytes.expect("failed to read /proc/self/statm"));
    std::process::exit(0);
}

/// Measures bytes per idle task for `runtime` (`"braid"`, `"tokio"` or
/// `"smol"`) in a child process of the current executable, which must call
/// [`run_child_if_asked`] first thing in `main`.
///
/// # Errors
///
/// When the child cannot be started or reports no number.
///
/// # Examples
///
/// ```no_run
/// let bytes = braid_benches::memory::measure_in_child("tokio", 2, 1_000_000).unwrap();
/// println!("{bytes:.0} bytes per task");
/// ```
pub fn measure_in_child(runtime: &str, workers: usize, tasks: usize) -> io::Result<f64> {
    let output = Command::new(std::env::current_exe()?)
        .args([
            CHILD_FLAG,
            runtime,
            &workers.to_string(),
            &tasks.to_string(),
        ])
        .output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout.trim().parse().map_err(|_| {
        io::Error::other(format!(
            "memory child for {runtime} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    })
}
