//! The report as Markdown tables, and writing it into `BENCHMARKS.md`
//! between markers so the hand-written notes around it stay.

use std::fmt::Write as _;
use std::io;
use std::path::Path;

use braid_benches::RUNTIME_NAMES;

use crate::machine::Machine;
use crate::options::Options;
use crate::report::Report;

const MAIN_BEGIN: &str = "<!-- compare:begin -->";
const MAIN_END: &str = "<!-- compare:end -->";
const SCALING_BEGIN: &str = "<!-- scaling:begin -->";
const SCALING_END: &str = "<!-- scaling:end -->";

/// A time in the unit that keeps three or four digits.
fn duration(seconds: f64) -> String {
    match seconds {
        s if s >= 1.0 => format!("{s:.2} s"),
        s if s >= 1e-3 => format!("{:.2} ms", s * 1e3),
        s if s >= 1e-6 => format!("{:.1} µs", s * 1e6),
        s => format!("{:.0} ns", s * 1e9),
    }
}

fn ratio(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_owned(), |value| format!("{value:.2}"))
}

fn multiple(value: Option<f64>) -> String {
    value.map_or_else(String::new, |value| format!("{value:.1}×"))
}

/// The medians table, the latency table and the memory row.
pub(crate) fn tables(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Median time per run ({} workers, {} interleaved rounds; ratio < 1: braid faster). \
         Floor: {:.1} ns per task.\n",
        report.workers, report.samples, report.floor_ns
    );
    let _ = writeln!(
        out,
        "| workload | braid | tokio | smol | braid/tokio | braid/smol | braid ×floor | tokio ×floor | spread | columns |"
    );
    let _ = writeln!(out, "|---|--:|--:|--:|--:|--:|--:|--:|--:|---|");
    for row in &report.rows {
        let cells: Vec<String> = row
            .cells
            .iter()
            .map(|cell| cell.map_or_else(|| "—".to_owned(), |cell| duration(cell.seconds)))
            .collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            row.name,
            cells[0],
            cells[1],
            cells[2],
            ratio(row.braid_over(1)),
            ratio(row.braid_over(2)),
            multiple(row.floor_multiple(0, report.floor_ns)),
            multiple(row.floor_multiple(1, report.floor_ns)),
            row.spread
                .map_or_else(String::new, |spread| format!("±{:.0}%", spread * 50.0)),
            row.note,
        );
    }
    if report.memory.iter().any(Option::is_some) {
        let bytes = report
            .memory
            .map(|bytes| bytes.map_or_else(|| "—".to_owned(), |b| format!("{b:.0} B")));
        let over = |column: usize| Some(report.memory[0]? / report.memory[column]?);
        let _ = writeln!(
            out,
            "| memory_per_task | {} | {} | {} | {} | {} | | | | resident bytes per idle task |",
            bytes[0],
            bytes[1],
            bytes[2],
            ratio(over(1)),
            ratio(over(2)),
        );
    }
    best_equivalents(report, &mut out);
    let latency_rows: Vec<_> = report
        .rows
        .iter()
        .filter(|row| row.cells.iter().flatten().any(|c| c.latency.is_some()))
        .collect();
    if !latency_rows.is_empty() {
        let _ = writeln!(
            out,
            "\n| workload | metric | braid | tokio | smol |\n|---|---|--:|--:|--:|"
        );
        for row in latency_rows {
            let (first, second) = if row.name.starts_with("tcp") || row.name == "idle_cpu" {
                ("p50 round trip", "p99 round trip")
            } else if row.name.starts_with("http") {
                ("p50 request", "p99 request")
            } else if row.name == "lifo_stranded" {
                ("wake to run p50", "wake to run p99")
            } else {
                ("lateness p50", "lateness p99")
            };
            let pick = |column: usize, p99: bool| {
                row.cells[column].and_then(|cell| cell.latency).map_or_else(
                    || "—".to_owned(),
                    |latency| duration(if p99 { latency.p99 } else { latency.p50 }.as_secs_f64()),
                )
            };
            let throughput = if row.name.starts_with("tcp") {
                Some("round trips/s")
            } else if row.name.starts_with("http") {
                Some("requests/s")
            } else {
                None
            };
            if let Some(unit) = throughput {
                let per_second: Vec<String> = (0..3)
                    .map(|column| {
                        row.cells[column].map_or_else(
                            || "—".to_owned(),
                            |cell| format!("{:.0}", cell.units as f64 / cell.seconds),
                        )
                    })
                    .collect();
                let _ = writeln!(
                    out,
                    "| {} | {unit} | {} | {} | {} |",
                    row.name, per_second[0], per_second[1], per_second[2]
                );
            }
            for (metric, p99) in [(first, false), (second, true)] {
                let _ = writeln!(
                    out,
                    "| {} | {metric} | {} | {} | {} |",
                    row.name,
                    pick(0, p99),
                    pick(1, p99),
                    pick(2, p99)
                );
            }
        }
    }
    out
}

/// For each row with variants (`gather_1k` and `gather_1k/…`): braid's
/// own API against the fastest way Tokio and smol have to do the job.
fn best_equivalents(report: &Report, out: &mut String) {
    let mut header = false;
    for headline in report.rows.iter().filter(|row| !row.name.contains('/')) {
        let Some(braid) = headline.cells[0] else {
            continue;
        };
        let family: Vec<_> = report
            .rows
            .iter()
            .filter(|row| {
                row.name == headline.name
                    || (row.name.starts_with(headline.name)
                        && row.name[headline.name.len()..].starts_with('/')
                        && !row.name.ends_with("braid_gather_on_tokio"))
            })
            .collect();
        if family.len() < 2 {
            continue;
        }
        if !header {
            header = true;
            let _ = writeln!(
                out,
                "\nbraid's own API against the fastest equivalent measured on each runtime:\n\n\
                 | workload | braid | best tokio | braid/tokio | best smol | braid/smol |\n|---|--:|---|--:|---|--:|"
            );
        }
        let best = |column: usize| {
            family
                .iter()
                .filter_map(|row| Some((row.name, row.cells[column]?.seconds)))
                .min_by(|a, b| a.1.total_cmp(&b.1))
        };
        let cell = |column: usize| {
            best(column).map_or_else(
                || ("—".to_owned(), "—".to_owned()),
                |(name, seconds)| {
                    let variant = name
                        .split_once('/')
                        .map_or("same row", |(_, variant)| variant);
                    (
                        format!("{} ({variant})", duration(seconds)),
                        format!("{:.2}", braid.seconds / seconds),
                    )
                },
            )
        };
        let (tokio, tokio_ratio) = cell(1);
        let (smol, smol_ratio) = cell(2);
        let _ = writeln!(
            out,
            "| {} | {} | {tokio} | {tokio_ratio} | {smol} | {smol_ratio} |",
            headline.name,
            duration(braid.seconds)
        );
    }
}

/// The line naming machine, compiler, date and command.
fn provenance(machine: &Machine, options: &Options) -> String {
    format!(
        "Machine: {} cores, {}; {}; {} (UTC). Command: `{}`. Columns run {} interleaved, \
         one round after the other, on the same worker count.\n",
        machine.cores,
        machine.cpu,
        machine.rustc,
        machine.date,
        options.command(),
        RUNTIME_NAMES.join(", "),
    )
}

/// Writes the main tables between their markers.
pub(crate) fn write_main(
    report: &Report,
    machine: &Machine,
    options: &Options,
    path: &Path,
) -> io::Result<()> {
    let body = format!(
        "{}\n{}\n![braid/tokio and braid/smol per workload](benches/report.svg)\n",
        provenance(machine, options),
        tables(report)
    );
    replace_section(path, MAIN_BEGIN, MAIN_END, &body)
}

/// Writes the scaling table (braid/tokio and braid/smol per worker count).
pub(crate) fn write_scaling(
    reports: &[Report],
    machine: &Machine,
    options: &Options,
    path: &Path,
) -> io::Result<()> {
    let mut body = provenance(machine, options);
    let _ = write!(body, "\n| workload |");
    for report in reports {
        let _ = write!(
            body,
            " {0}w braid/tokio | {0}w braid/smol |",
            report.workers
        );
    }
    let _ = write!(body, "\n|---|");
    for _ in reports {
        let _ = write!(body, "--:|--:|");
    }
    for (index, row) in reports[0].rows.iter().enumerate() {
        let _ = write!(body, "\n| {} |", row.name);
        for report in reports {
            let row = &report.rows[index];
            let _ = write!(
                body,
                " {} | {} |",
                ratio(row.braid_over(1)),
                ratio(row.braid_over(2))
            );
        }
    }
    body.push('\n');
    replace_section(path, SCALING_BEGIN, SCALING_END, &body)
}

/// Puts `body` between `begin` and `end` in the file at `path`, adding the
/// markers at the end (and the file) when they are not there yet.
fn replace_section(path: &Path, begin: &str, end: &str, body: &str) -> io::Result<()> {
    let old = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == io::ErrorKind::NotFound => "# Benchmarks\n".to_owned(),
        Err(error) => return Err(error),
    };
    let section = format!("{begin}\n{body}{end}");
    let new = match (old.find(begin), old.find(end)) {
        (Some(start), Some(stop)) if start < stop => {
            format!("{}{section}{}", &old[..start], &old[stop + end.len()..])
        }
        _ => format!("{}\n{section}\n", old.trim_end()),
    };
    std::fs::write(path, new)
}
