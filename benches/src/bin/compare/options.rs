//! Command-line options of `compare`.

pub(crate) const USAGE: &str = "usage: compare [--workers N|N,M,..] [--samples K] \
[--only SUBSTRING] [--memory-tasks N] [--no-write]";

/// What to run and where the results go.
#[derive(Debug)]
pub(crate) struct Options {
    /// Worker counts; more than one makes a scaling run.
    pub(crate) workers: Vec<usize>,
    /// Measured rounds per workload (after one warm-up round).
    pub(crate) samples: usize,
    /// Only the workloads whose name contains this.
    pub(crate) only: Option<String>,
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
                "--no-write" => options.write = false,
                other => return Err(format!("unknown argument {other:?}")),
            }
        }
        Ok(options)
    }

    /// Whether the workload called `name` is to run.
    pub(crate) fn selects(&self, name: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|only| name.contains(only.as_str()))
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
        command
    }
}
