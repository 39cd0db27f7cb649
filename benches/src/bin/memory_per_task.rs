//! `cargo run --release -p braid-benches --bin memory_per_task [-- TASKS [WORKERS]]`
//!
//! Resident bytes per idle pending task, over a million tasks by default,
//! for braid, Tokio and smol, each in a fresh child process of this binary.

use braid_benches::{RUNTIME_NAMES, memory};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    memory::run_child_if_asked(&args);
    let tasks = args.first().map_or(memory::TASKS, |n| {
        n.parse().expect("TASKS must be a number")
    });
    let workers = args
        .get(1)
        .map(|n| n.parse().expect("WORKERS must be a number"))
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    println!("resident bytes per idle task, {tasks} tasks, {workers} workers");
    for runtime in RUNTIME_NAMES {
        match memory::measure_in_child(runtime, workers, tasks) {
            Ok(bytes) => println!("{runtime:>6}: {bytes:.0}"),
            Err(error) => {
                eprintln!("{runtime}: {error}");
                std::process::exit(1);
            }
        }
    }
}
