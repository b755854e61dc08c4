//! PNG charts of a run, drawn with plotters' pure-Rust bitmap backend. Text needs a TrueType
//! font, read at run time from the usual Debian locations (`fonts-dejavu-core`,
//! `fonts-liberation`); without one the charts are skipped with a warning.

use std::{path::Path, sync::OnceLock};

use plotters::{prelude::*, style::FontStyle};

use crate::report::Results;

const FONTS: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/freefont/FreeSans.ttf",
];

/// Registers the first font found as "sans-serif"; false when there is none.
fn font_ready() -> bool {
    static READY: OnceLock<bool> = OnceLock::new();
    *READY.get_or_init(|| {
        FONTS.iter().any(|path| {
            std::fs::read(path).ok().is_some_and(|bytes| {
                let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
                plotters::style::register_font("sans-serif", FontStyle::Normal, bytes).is_ok()
            })
        })
    })
}

type Res = Result<(), Box<dyn std::error::Error>>;

/// Draws `chat.png` and `llm.png` into `dir` for the scenarios that ran.
pub fn draw(results: &Results, dir: &Path) -> anyhow::Result<()> {
    if !font_ready() {
        tracing::warn!(
            "no TrueType font found (apt-get install fonts-dejavu-core): charts skipped"
        );
        return Ok(());
    }
    if let Some(chat) = &results.chat {
        let points: Vec<(f64, f64, [f64; 3])> = chat
            .points
            .iter()
            .map(|p| {
                (
                    p.users as f64,
                    p.turns_per_s,
                    [p.done.p50_ms, p.done.p95_ms, p.done.p99_ms],
                )
            })
            .collect();
        chat_chart(&points, &dir.join("chat.png")).map_err(|e| anyhow::anyhow!("chat.png: {e}"))?;
    }
    if !results.llm.is_empty() {
        let series =
            |name: &str, x: fn(&crate::scenarios::llm::LlmPoint) -> f64| -> Vec<(f64, f64, f64)> {
                results
                    .llm
                    .iter()
                    .filter(|p| p.setup.series == name)
                    .map(|p| (x(p), p.turns_per_s, p.ideal_turns_per_s))
                    .collect()
            };
        let conc = series("concurrency", |p| p.in_flight as f64);
        let workers = series("workers", |p| p.setup.workers as f64);
        llm_chart(&conc, &workers, &dir.join("llm.png"))
            .map_err(|e| anyhow::anyhow!("llm.png: {e}"))?;
    }
    Ok(())
}

fn max_of(values: impl Iterator<Item = f64>) -> f64 {
    values.fold(1.0, f64::max) * 1.15
}

fn chat_chart(points: &[(f64, f64, [f64; 3])], path: &Path) -> Res {
    let root = BitMapBackend::new(path, (1200, 450)).into_drawing_area();
    root.fill(&WHITE)?;
    let (left, right) = root.split_horizontally(600);
    let x_max = max_of(points.iter().map(|p| p.0));
    let mut c = ChartBuilder::on(&left)
        .caption("Scenario 1: turns/s (builtin model)", ("sans-serif", 20))
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(
            (0.8f64..x_max).log_scale(),
            0f64..max_of(points.iter().map(|p| p.1)),
        )?;
    c.configure_mesh()
        .x_desc("concurrent users")
        .y_desc("turns/s")
        .draw()?;
    c.draw_series(LineSeries::new(
        points.iter().map(|p| (p.0, p.1)),
        BLUE.stroke_width(2),
    ))?;
    c.draw_series(
        points
            .iter()
            .map(|p| Circle::new((p.0, p.1), 4, BLUE.filled())),
    )?;
    let y_max = max_of(points.iter().map(|p| p.2[2]));
    let mut c = ChartBuilder::on(&right)
        .caption("Scenario 1: latency to `done` (ms)", ("sans-serif", 20))
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d((0.8f64..x_max).log_scale(), 0f64..y_max)?;
    c.configure_mesh()
        .x_desc("concurrent users")
        .y_desc("ms")
        .draw()?;
    for (i, (name, color)) in [("p50", GREEN), ("p95", BLUE), ("p99", RED)]
        .into_iter()
        .enumerate()
    {
        c.draw_series(LineSeries::new(
            points.iter().map(|p| (p.0, p.2[i])),
            color.stroke_width(2),
        ))?
        .label(name)
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
    }
    c.configure_series_labels()
        .background_style(WHITE)
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

fn llm_chart(conc: &[(f64, f64, f64)], workers: &[(f64, f64, f64)], path: &Path) -> Res {
    let root = BitMapBackend::new(path, (1200, 450)).into_drawing_area();
    root.fill(&WHITE)?;
    let (left, right) = root.split_horizontally(600);
    for (area, points, title, x_desc, log) in [
        (
            &left,
            conc,
            "Scenario 2: one worker, turns in flight",
            "turns in flight",
            true,
        ),
        (
            &right,
            workers,
            "Scenario 2: worker processes",
            "workers",
            false,
        ),
    ] {
        if points.is_empty() {
            continue;
        }
        let x_max = max_of(points.iter().map(|p| p.0));
        let y_max = max_of(points.iter().flat_map(|p| [p.1, p.2]));
        let mut builder = ChartBuilder::on(area);
        builder
            .caption(title, ("sans-serif", 20))
            .margin(15)
            .x_label_area_size(40)
            .y_label_area_size(60);
        let series = [("measured", BLUE, 1usize), ("ideal", RED, 2usize)];
        macro_rules! draw {
            ($c:expr) => {{
                let mut c = $c;
                c.configure_mesh().x_desc(x_desc).y_desc("turns/s").draw()?;
                for (name, color, i) in series {
                    let pick = move |p: &(f64, f64, f64)| (p.0, if i == 1 { p.1 } else { p.2 });
                    c.draw_series(LineSeries::new(
                        points.iter().map(pick),
                        color.stroke_width(2),
                    ))?
                    .label(name)
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                    });
                    c.draw_series(
                        points
                            .iter()
                            .map(|p| Circle::new(pick(p), 4, color.filled())),
                    )?;
                }
                c.configure_series_labels()
                    .position(SeriesLabelPosition::UpperLeft)
                    .background_style(WHITE)
                    .border_style(BLACK)
                    .draw()?;
            }};
        }
        if log {
            draw!(builder.build_cartesian_2d((4f64..x_max).log_scale(), 0f64..y_max)?);
        } else {
            draw!(builder.build_cartesian_2d(0f64..x_max, 0f64..y_max)?);
        }
    }
    root.present()?;
    Ok(())
}
