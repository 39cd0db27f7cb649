//! Command-line options of `compare`.

use braid_benches::{RUNTIME_NAMES, Workload};

pub(crate) const USAGE: &str = "usage: compare [--workers N|N,M,..] [--samples K] \
[--only NAME[$],..] [--runtime braid|tokio|smol] [--memory-tasks N] [--no-write]";

/// What to run and where the results go.
#[derive(Debug)]
pub(crate) struct Options {
    /// Worker counts; more than one makes a scaling run.
    pub(crate) workers: Vec<usize>,
    /// Measured rounds per workload (after one warm-up round).
    pub(crate) samples: usize,
    /// Only the workloads whose name contains this.
    pub(crate) only: Option<String>,
    /// Only this runtime's column (for profiling one runtime at a time).
    pub(crate) runtime: Option<String>,
    /// Idle tasks of `memory_per_task`.
    pub(crate) memory_tasks: usize,
    /// Whether to write `BENCHMARKS.md` and `benches/report.svg`.
    pub(crate) write: bool,
}

impl Options {
    /// Parses the arguments (without the program name).
    pub(crate) fn parse(args: &[String]) -> Result<Options, String> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let mut options = Options {
            workers: vec![cores],
            samples: 9,
            only: None,
            runtime: None,
            memory_tasks: braid_benches::memory::TASKS,
            write: true,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
            match arg.as_str() {
                "--workers" => {
                    options.workers = value()?
                        .split(',')
                        .map(|n| n.trim().parse().ok().filter(|&n: &usize| n > 0))
                        .collect::<Option<_>>()
                        .ok_or("--workers takes positive numbers separated by commas")?;
                }
                "--samples" => {
                    options.samples = value()?
                        .parse()
                        .ok()
                        .filter(|&n: &usize| n > 0)
                        .ok_or("--samples takes a positive number")?;
                }
                "--memory-tasks" => {
                    options.memory_tasks = value()?
                        .parse()
                        .ok()
                        .filter(|&n: &usize| n > 0)
                        .ok_or("--memory-tasks takes a positive number")?;
                }
                "--only" => options.only = Some(value()?.clone()),
                "--runtime" => {
                    let runtime = value()?;
                    if !RUNTIME_NAMES.contains(&runtime.as_str()) {
                        return Err(format!("--runtime takes one of {RUNTIME_NAMES:?}"));
                    }
                    options.runtime = Some(runtime.clone());
                }
                "--no-write" => options.write = false,
                other => return Err(format!("unknown argument {other:?}")),
            }
        }
        Ok(options)
    }

    /// Whether the workload called `name` is to run: `--only` is a comma
    /// separated list of name fragments; one ending in `$` must match whole.
    pub(crate) fn selects(&self, name: &str) -> bool {
        self.only.as_ref().is_none_or(|only| {
            only.split(',')
                .any(|pattern| match pattern.strip_suffix('$') {
                    Some(whole) => name == whole,
                    None => name.contains(pattern),
                })
        })
    }

    /// Whether the column of `runtime` is to run.
    pub(crate) fn keeps(&self, runtime: &str) -> bool {
        self.runtime.as_deref().is_none_or(|only| only == runtime)
    }

    /// `workload` with the columns of the runtimes not selected removed.
    pub(crate) fn columns_of(&self, mut workload: Workload) -> Workload {
        let keep = |name: &str| self.keeps(name);
        if !keep(RUNTIME_NAMES[0]) {
            workload.braid = None;
        }
        if !keep(RUNTIME_NAMES[1]) {
            workload.tokio = None;
        }
        if !keep(RUNTIME_NAMES[2]) {
            workload.smol = None;
        }
        workload
    }

    /// The command line that reproduces this run.
    pub(crate) fn command(&self) -> String {
        let mut command = String::from("cargo run --release -p braid-benches --bin compare");
        let workers: Vec<String> = self.workers.iter().map(usize::to_string).collect();
        command.push_str(&format!(" -- --workers {}", workers.join(",")));
        if self.samples != 9 {
            command.push_str(&format!(" --samples {}", self.samples));
        }
        if let Some(only) = &self.only {
            command.push_str(&format!(" --only {only}"));
        }
        if let Some(runtime) = &self.runtime {
            command.push_str(&format!(" --runtime {runtime}"));
        }
        command
    }
}
