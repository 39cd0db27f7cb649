//! The ratios as a hand-written SVG bar chart: one row per workload, a bar
//! for braid/tokio and one for braid/smol, on a log scale centred on 1.

use std::fmt::Write as _;
use std::io;
use std::path::Path;

use crate::report::Report;

const WIDTH: f64 = 760.0;
const LABEL: f64 = 230.0;
const ROW: f64 = 22.0;
const TOP: f64 = 40.0;
/// The axis spans 2^-SPAN ..= 2^SPAN.
const SPAN: f64 = 3.0;
const COLOURS: [(&str, &str); 2] = [("braid/tokio", "#3b6fb6"), ("braid/smol", "#e08a2c")];

/// The x position of a ratio, clamped to the axis.
fn x(ratio: f64) -> f64 {
    let position = (ratio.log2().clamp(-SPAN, SPAN) + SPAN) / (2.0 * SPAN);
    LABEL + position * (WIDTH - LABEL - 20.0)
}

/// Draws the report's ratios (memory included) into `path`.
pub(crate) fn write(report: &Report, path: &Path) -> io::Result<()> {
    let mut rows: Vec<(&str, [Option<f64>; 2])> = report
        .rows
        .iter()
        .map(|row| (row.name, [row.braid_over(1), row.braid_over(2)]))
        .collect();
    if report.memory[0].is_some() {
        let over = |column: usize| Some(report.memory[0]? / report.memory[column]?);
        rows.push(("memory_per_task", [over(1), over(2)]));
    }
    let height = TOP + ROW * rows.len() as f64 + 40.0;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        svg,
        r#"<text x="{LABEL}" y="16" font-size="13">braid time ÷ other runtime's time ({} workers; left of 1 = braid faster)</text>"#,
        report.workers
    );
    for (index, (name, colour)) in COLOURS.iter().enumerate() {
        let left = LABEL + 200.0 * index as f64;
        let _ = writeln!(
            svg,
            r#"<rect x="{left}" y="24" width="10" height="10" fill="{colour}"/>"#
        );
        let _ = writeln!(svg, r#"<text x="{}" y="33">{name}</text>"#, left + 14.0);
    }
    let bottom = TOP + ROW * rows.len() as f64;
    for power in -3..=3 {
        let ratio = 2_f64.powi(power);
        let at = x(ratio);
        let stroke = if power == 0 { "#000" } else { "#ddd" };
        let _ = writeln!(
            svg,
            r#"<line x1="{at:.1}" y1="{TOP}" x2="{at:.1}" y2="{bottom}" stroke="{stroke}"/>"#
        );
        let label = if power < 0 {
            format!("1/{}", 1 << -power)
        } else {
            format!("{}", 1 << power)
        };
        let _ = writeln!(
            svg,
            r#"<text x="{at:.1}" y="{}" text-anchor="middle">{label}</text>"#,
            bottom + 16.0
        );
    }
    for (index, (name, ratios)) in rows.iter().enumerate() {
        let top = TOP + ROW * index as f64;
        let _ = writeln!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="end">{name}</text>"#,
            LABEL - 6.0,
            top + ROW / 2.0 + 4.0
        );
        for (bar, ratio) in ratios.iter().enumerate() {
            let Some(ratio) = ratio else { continue };
            let (from, to) = (x(1.0).min(x(*ratio)), x(1.0).max(x(*ratio)));
            let _ = writeln!(
                svg,
                r#"<rect x="{from:.1}" y="{:.1}" width="{:.1}" height="8" fill="{}"><title>{name} {}: {ratio:.2}</title></rect>"#,
                top + 3.0 + 9.0 * bar as f64,
                (to - from).max(1.0),
                COLOURS[bar].1,
                COLOURS[bar].0,
            );
        }
    }
    svg.push_str("</svg>\n");
    std::fs::write(path, svg)
}
