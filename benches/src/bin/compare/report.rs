//! Medians and ratios of one comparison run.

use braid_benches::{Latency, Run, Workload, median, relative_spread};

/// One worker count's results.
#[derive(Debug)]
pub(crate) struct Report {
    pub(crate) workers: usize,
    pub(crate) samples: usize,
    /// Nanoseconds per unit of the floor run.
    pub(crate) floor_ns: f64,
    pub(crate) rows: Vec<Row>,
    /// Resident bytes per idle task, per runtime.
    pub(crate) memory: [Option<f64>; 3],
}

/// One workload's medians, per runtime (braid, Tokio, smol).
#[derive(Debug)]
pub(crate) struct Row {
    pub(crate) name: &'static str,
    pub(crate) note: &'static str,
    pub(crate) against_floor: bool,
    pub(crate) cells: [Option<Cell>; 3],
    /// The worst interquartile spread of the three columns, relative.
    pub(crate) spread: Option<f64>,
}

/// One runtime's medians for one workload.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cell {
    /// Median seconds per run.
    pub(crate) seconds: f64,
    pub(crate) units: u64,
    /// Medians of the runs' percentiles, where measured.
    pub(crate) latency: Option<Latency>,
}

impl Row {
    /// Reduces the rounds of a workload (each round: braid, Tokio, smol).
    pub(crate) fn from_runs(workload: &Workload, rounds: &[[Option<Run>; 3]]) -> Row {
        let mut spread: Option<f64> = None;
        let cells = std::array::from_fn(|column| {
            let runs: Vec<Run> = rounds.iter().filter_map(|round| round[column]).collect();
            let first = runs.first()?;
            let mut seconds: Vec<f64> = runs.iter().map(|run| run.elapsed.as_secs_f64()).collect();
            let column_spread = relative_spread(&mut seconds.clone());
            spread = match (spread, column_spread) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
            let latency = first.latency.map(|_| {
                let mut p50s = percentile_of(&runs, |latency| latency.p50);
                let mut p99s = percentile_of(&runs, |latency| latency.p99);
                Latency {
                    p50: std::time::Duration::from_secs_f64(median(&mut p50s).unwrap_or(0.0)),
                    p99: std::time::Duration::from_secs_f64(median(&mut p99s).unwrap_or(0.0)),
                }
            });
            Some(Cell {
                seconds: median(&mut seconds)?,
                units: first.units,
                latency,
            })
        });
        Row {
            name: workload.name,
            note: workload.note,
            against_floor: workload.against_floor,
            cells,
            spread,
        }
    }

    /// braid's median over another column's (`1` = Tokio, `2` = smol).
    pub(crate) fn braid_over(&self, column: usize) -> Option<f64> {
        Some(self.cells[0]?.seconds / self.cells[column]?.seconds)
    }

    /// A column's median as a multiple of the floor for its units.
    pub(crate) fn floor_multiple(&self, column: usize, floor_ns: f64) -> Option<f64> {
        let cell = self.cells[column]?;
        self.against_floor
            .then(|| cell.seconds * 1e9 / (cell.units as f64 * floor_ns))
    }
}

/// One percentile of every run, in seconds.
fn percentile_of(runs: &[Run], pick: impl Fn(&Latency) -> std::time::Duration) -> Vec<f64> {
    runs.iter()
        .filter_map(|run| run.latency.as_ref())
        .map(|latency| pick(latency).as_secs_f64())
        .collect()
}
