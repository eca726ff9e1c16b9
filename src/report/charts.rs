//! Charts as SVG: plain numbers in, SVG text out, for the HTML report (inline) and for
//! `qualcode plot` (files sized for a journal column). Every figure writes its numbers as text
//! beside the marks, so they can be read in print and copied.

use super::html::escape;
use std::fmt::Write;

/// Okabe and Ito's palette, safe for the common colour-vision deficiencies; code `i` gets
/// `PALETTE[i % 8]` (and its name is always written too, never colour alone).
pub const PALETTE: [&str; 8] = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
];

/// A sequential scale from white to dark blue for a value in 0..=1, and the text colour that
/// stays readable on it.
pub fn heat(value: f64) -> (String, &'static str) {
    let v = value.clamp(0.0, 1.0);
    // From #f7fbff to #08306b (ColorBrewer Blues' ends), linearly in sRGB.
    let mix = |a: f64, b: f64| (a + (b - a) * v).round() as u8;
    let colour = format!(
        "#{:02x}{:02x}{:02x}",
        mix(247.0, 8.0),
        mix(251.0, 48.0),
        mix(255.0, 107.0)
    );
    (colour, if v > 0.5 { "#ffffff" } else { "#000000" })
}

/// One bar of a bar chart: a label (indented by `level`), a value and its text.
pub struct Bar {
    pub label: String,
    pub level: u32,
    pub value: f64,
    pub text: String,
    pub colour: &'static str,
}

/// A horizontal bar chart, `width` user units wide.
pub fn bar_chart(title: &str, bars: &[Bar], width: f64) -> String {
    let (row, top, label_width) = (18.0, 22.0, width * 0.28);
    let text_width = width * 0.34;
    let plot = width - label_width - text_width - 8.0;
    let max = bars.iter().map(|b| b.value).fold(0.0, f64::max);
    let height = top + row * bars.len() as f64 + 6.0;
    let mut svg = open_svg(width, height, title);
    let _ = write!(
        svg,
        r#"<text x="0" y="13" class="chart-title">{}</text>"#,
        escape(title)
    );
    for (i, bar) in bars.iter().enumerate() {
        let y = top + row * i as f64;
        let length = if max > 0.0 {
            plot * bar.value / max
        } else {
            0.0
        };
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" class="bar-label">{}</text><rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{}"><title>{}: {}</title></rect><text x="{:.1}" y="{:.1}" class="bar-value">{}</text>"#,
            4.0 + 10.0 * f64::from(bar.level),
            y + 12.0,
            escape(&bar.label),
            label_width,
            y + 2.0,
            length.max(0.5),
            row - 5.0,
            bar.colour,
            escape(&bar.label),
            escape(&bar.text),
            label_width + length + 4.0,
            y + 12.0,
            escape(&bar.text),
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A cell of a heat map: its shade (0..=1), its text and its tooltip.
pub struct Cell {
    pub shade: f64,
    pub text: String,
    pub tip: String,
}

/// A heat map of `rows` × `columns` cells with their numbers written in them.
pub fn heat_map(
    title: &str,
    rows: &[String],
    columns: &[String],
    cells: &[Vec<Cell>],
    width: f64,
) -> String {
    let label_width = rows
        .iter()
        .map(|r| r.chars().count())
        .max()
        .unwrap_or(0)
        .min(28) as f64
        * 5.6
        + 8.0;
    let header = columns
        .iter()
        .map(|c| c.chars().count())
        .max()
        .unwrap_or(0)
        .min(28) as f64
        * 4.6
        + 22.0;
    let cell_width = ((width - label_width) / columns.len().max(1) as f64).clamp(18.0, 64.0);
    let cell_height = 18.0;
    let total_width = label_width + cell_width * columns.len() as f64 + 4.0;
    let height = header + cell_height * rows.len() as f64 + 4.0;
    // The title needs room too (about 5.5 units a character at 11 px).
    let title_width = title.chars().count() as f64 * 5.5;
    let mut svg = open_svg(total_width.max(title_width), height, title);
    let _ = write!(
        svg,
        r#"<text x="0" y="13" class="chart-title">{}</text>"#,
        escape(title)
    );
    for (j, column) in columns.iter().enumerate() {
        let x = label_width + cell_width * (j as f64 + 0.5);
        let _ = write!(
            svg,
            r#"<text x="{x:.1}" y="{:.1}" transform="rotate(-40 {x:.1} {:.1})" class="col-label">{}</text>"#,
            header - 4.0,
            header - 4.0,
            escape(&shorten(column, 28)),
        );
    }
    for (i, row) in rows.iter().enumerate() {
        let y = header + cell_height * i as f64;
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" class="row-label">{}</text>"#,
            label_width - 4.0,
            y + 13.0,
            escape(&shorten(row, 28)),
        );
        for (j, cell) in cells[i].iter().enumerate() {
            let x = label_width + cell_width * j as f64;
            let (fill, ink) = heat(cell.shade);
            let _ = write!(
                svg,
                r##"<rect x="{x:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="{fill}" stroke="#d0d0d0" stroke-width="0.5"><title>{}</title></rect><text x="{:.1}" y="{:.1}" fill="{ink}" class="cell-value">{}</text>"##,
                cell_width,
                cell_height,
                escape(&cell.tip),
                x + cell_width / 2.0,
                y + 13.0,
                escape(&cell.text),
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// One row of an estimate chart: the rules' share, and the estimate of what a coder would
/// find with its interval.
pub struct IntervalBar {
    pub label: String,
    pub rules: f64,
    pub estimate: Option<f64>,
    pub low: f64,
    pub high: f64,
    pub text: String,
    pub colour: &'static str,
}

/// The rules' share of each code as a pale bar, and beside it the estimate from the hand-coded
/// sample as a dot with its interval as a line, `width` user units wide.
pub fn interval_chart(title: &str, rows: &[IntervalBar], width: f64) -> String {
    // Room for the longest label and value text (about 5.6 and 5 units a character at 10 and
    // 9 px); the plot takes what is left, but never less than a third of the width.
    let chars = |t: &str| t.chars().count() as f64;
    let label_width = rows.iter().map(|r| chars(&r.label)).fold(0.0, f64::max) * 5.6 + 12.0;
    let text_width = rows.iter().map(|r| chars(&r.text)).fold(0.0, f64::max) * 5.0 + 8.0;
    let width = width
        .max(label_width + text_width + width / 3.0)
        .max(chars(title) * 6.8);
    let (row, top) = (22.0, 22.0);
    let plot = width - label_width - text_width - 8.0;
    let max = rows
        .iter()
        .flat_map(|r| [r.rules, r.high])
        .fold(0.0, f64::max)
        .max(1e-9);
    let x = |v: f64| label_width + plot * v / max;
    let height = top + row * rows.len() as f64 + 22.0;
    let mut svg = open_svg(width, height, title);
    let _ = write!(
        svg,
        r#"<text x="0" y="13" class="chart-title">{}</text>"#,
        escape(title)
    );
    for (i, r) in rows.iter().enumerate() {
        let y = top + row * i as f64;
        let mid = y + 11.0;
        let _ = write!(
            svg,
            r##"<text x="4" y="{:.1}" class="bar-label">{}</text><rect x="{:.1}" y="{:.1}" width="{:.1}" height="8" fill="{}" fill-opacity="0.35"><title>{}: the rules' share</title></rect><line x1="{:.1}" x2="{:.1}" y1="{mid:.1}" y2="{mid:.1}" stroke="#000" stroke-width="1.5"><title>{}: interval</title></line>"##,
            y + 14.0,
            escape(&r.label),
            label_width,
            y + 3.0,
            (x(r.rules) - label_width).max(0.5),
            r.colour,
            escape(&r.label),
            x(r.low),
            x(r.high),
            escape(&r.label),
        );
        if let Some(e) = r.estimate {
            let _ = write!(
                svg,
                r##"<circle cx="{:.1}" cy="{mid:.1}" r="3" fill="{}" stroke="#000" stroke-width="0.8"><title>{}: estimate</title></circle>"##,
                x(e),
                r.colour,
                escape(&r.label),
            );
        }
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" class="bar-value">{}</text>"#,
            label_width + plot + 8.0,
            y + 14.0,
            escape(&r.text),
        );
    }
    let _ = write!(
        svg,
        r##"<text x="{:.1}" y="{:.1}" class="bar-value">pale bar: the rules' share · dot and line: estimated share a coder would code, with its interval</text>"##,
        4.0,
        top + row * rows.len() as f64 + 14.0,
    );
    svg.push_str("</svg>");
    svg
}

fn open_svg(width: f64, height: f64, title: &str) -> String {
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0} {height:.0}" width="{width:.0}" height="{height:.0}" role="img" aria-label="{}" font-family="Helvetica, Arial, sans-serif" font-size="10"><style>.chart-title{{font-weight:bold;font-size:11px}}.bar-label,.row-label{{font-size:10px}}.row-label{{text-anchor:end}}.bar-value{{font-size:9px;fill:#333}}.col-label{{font-size:9px}}.cell-value{{font-size:9px;text-anchor:middle}}</style>"#,
        escape(title)
    )
}

/// At most `max` characters, with an ellipsis when cut.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heat_runs_from_white_to_dark_blue_with_readable_text() {
        assert_eq!(heat(0.0), ("#f7fbff".to_string(), "#000000"));
        assert_eq!(heat(1.0), ("#08306b".to_string(), "#ffffff"));
        assert_eq!(heat(7.0), heat(1.0));
    }

    #[test]
    fn bars_carry_their_numbers_as_text_and_scale_to_the_largest() {
        let bars = [
            Bar {
                label: "a<b".into(),
                level: 0,
                value: 10.0,
                text: "10 units".into(),
                colour: PALETTE[0],
            },
            Bar {
                label: "child".into(),
                level: 1,
                value: 5.0,
                text: "5 units".into(),
                colour: PALETTE[1],
            },
        ];
        let svg = bar_chart("Codes", &bars, 400.0);
        assert!(svg.contains(">a&lt;b</text>"));
        assert!(svg.contains(">10 units</text>") && svg.contains(">5 units</text>"));
        // Plot width: 400 - 112 - 136 - 8 = 144; the second bar is half of it.
        assert!(svg.contains(r#"width="144.0""#) && svg.contains(r#"width="72.0""#));
        assert!(svg.contains(r#"x="14.0""#), "the child is indented");
    }
}
