//! `cargo run --release -p braid-benches --bin compare [--workers N|N,M,..]
//! [--samples K] [--only NAME[$],..] [--runtime NAME] [--memory-tasks N] [--no-write]`
//!
//! Runs a short version of every workload on braid, Tokio and smol,
//! interleaved (braid, tokio, smol, braid, tokio, smol, …), prints the
//! medians and ratios, writes them into `BENCHMARKS.md` and draws the ratios
//! into `benches/report.svg`. With several worker counts it writes a scaling
//! table instead.

mod machine;
mod markdown;
mod options;
mod report;
mod svg;

use std::path::Path;

use braid_benches::{RUNTIME_NAMES, Runtimes, catalog, floor, memory};

use crate::options::Options;
use crate::report::{Report, Row};

/// With `--features mimalloc`, every runtime of the run allocates through
/// mimalloc instead of the system allocator.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Units of the floor run: large enough to dwarf the timer's resolution.
const FLOOR_UNITS: u64 = 1_000_000;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    memory::run_child_if_asked(&args);
    let options = Options::parse(&args).unwrap_or_else(|message| {
        eprintln!("compare: {message}\n\n{}", options::USAGE);
        std::process::exit(2);
    });
    let machine = machine::Machine::detect();
    let reports: Vec<Report> = options
        .workers
        .iter()
        .map(|&workers| measure(&options, workers))
        .collect();
    for report in &reports {
        println!("{}", markdown::tables(report));
    }
    if !options.write {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let result = if let [report] = reports.as_slice() {
        svg::write(report, &root.join("benches/report.svg")).and_then(|()| {
            markdown::write_main(report, &machine, &options, &root.join("BENCHMARKS.md"))
        })
    } else {
        markdown::write_scaling(&reports, &machine, &options, &root.join("BENCHMARKS.md"))
    };
    if let Err(error) = result {
        eprintln!("compare: failed to write the report: {error}");
        std::process::exit(1);
    }
}

/// Runs every selected workload with `workers` workers per runtime.
fn measure(options: &Options, workers: usize) -> Report {
    eprintln!("== {workers} worker(s): building the runtimes");
    let runtimes = Runtimes::new(workers);
    // The floor is only read by the scheduler rows.
    let needs_floor = catalog()
        .iter()
        .any(|workload| workload.against_floor && options.selects(workload.name));
    let mut floor_ns: Vec<f64> = (0..options.samples)
        .filter(|_| needs_floor)
        .map(|_| {
            let run = floor::floor(FLOOR_UNITS);
            run.elapsed.as_secs_f64() * 1e9 / run.units as f64
        })
        .collect();
    let floor_ns = braid_benches::median(&mut floor_ns).unwrap_or(f64::NAN);
    let mut rows = Vec::new();
    let selected = catalog()
        .into_iter()
        .filter(|workload| options.selects(workload.name));
    for workload in selected.map(|workload| options.columns_of(workload)) {
        eprintln!("   {}", workload.name);
        // One unmeasured round warms caches, pools and lazily built drivers.
        runtimes.run_each(&workload);
        let mut runs = Vec::with_capacity(options.samples);
        for _ in 0..options.samples {
            runs.push(runtimes.run_each(&workload));
        }
        rows.push(Row::from_runs(&workload, &runs));
    }
    drop(runtimes);
    let memory = if options.selects("memory_per_task") {
        eprintln!(
            "   memory_per_task ({} tasks, a child process each)",
            options.memory_tasks
        );
        RUNTIME_NAMES.map(|runtime| {
            if !options.keeps(runtime) {
                return None;
            }
            match memory::measure_in_child(runtime, workers, options.memory_tasks) {
                Ok(bytes) => Some(bytes),
                Err(error) => {
                    eprintln!("compare: {error}");
                    None
                }
            }
        })
    } else {
        [None; 3]
    };
    Report {
        workers,
        samples: options.samples,
        floor_ns,
        rows,
        memory,
    }
}
