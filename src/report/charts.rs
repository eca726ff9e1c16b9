//! Charts: plain numbers and names in, a [`Drawing`] out, laid out in points for the width
//! asked — for the HTML report (inline SVG) and for `qualcode plot` (SVG or PDF sized for a
//! journal column or page). Every figure writes its numbers as text beside the marks, so they
//! can be read in print and copied.
//!
//! Text is measured with Helvetica's widths ([`super::metrics`]) and never runs outside the
//! drawing: labels are wrapped (at most two lines) and then abbreviated with an ellipsis, the
//! numbers beside bars get shorter when the full ones leave the bars too little room, and a
//! heat map whose cells are too narrow for their numbers leaves them out and says so. What
//! cannot fit at all (more columns than the width holds) is refused with the width it needs
//! ([`TooNarrow`]), or, for the report's page, drawn wider ([`Fit::Grow`]).

use super::draw::{wrap, Anchor, Colour, Drawing, Mark, Text};
use super::metrics::{text_width, ASCENT, DESCENT};

/// Okabe and Ito's palette, safe for the common colour-vision deficiencies; code `i` gets
/// `PALETTE[i % 8]` (and its name is always written too, never colour alone).
pub const PALETTE: [&str; 8] = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
];

/// Font sizes in points: the title (bold), labels and axis titles, numbers and notes.
pub const TITLE: f64 = 9.0;
pub const LABEL: f64 = 8.0;
pub const VALUE: f64 = 7.0;
/// The smallest text drawn (column labels of crowded heat maps, numbers in narrow cells).
pub const SMALLEST: f64 = 6.0;
/// Line height as a share of the font size (ascent and descent together).
const LINE: f64 = ASCENT + DESCENT;
/// The margin around the drawing and the gap between its parts, in points.
const PAD: f64 = 4.0;
/// Labels wrap to at most this many lines, the last abbreviated.
const LABEL_LINES: usize = 2;
/// The widest heat-map cell.
const MAX_CELL: f64 = 40.0;

/// A sequential scale from white to dark blue for a value in 0..=1, and the text colour that
/// stays readable on it.
pub fn heat(value: f64) -> (String, &'static str) {
    let (fill, ink) = heat_colour(value);
    (
        fill.css(),
        if ink == Colour::WHITE {
            "#ffffff"
        } else {
            "#000000"
        },
    )
}

/// [`heat`] as colours.
pub fn heat_colour(value: f64) -> (Colour, Colour) {
    let v = value.clamp(0.0, 1.0);
    // From #f7fbff to #08306b (ColorBrewer Blues' ends), linearly in sRGB.
    let mix = |a: f64, b: f64| (a + (b - a) * v).round() as u8;
    let colour = Colour(mix(247.0, 8.0), mix(251.0, 48.0), mix(255.0, 107.0));
    (
        colour,
        if v > 0.5 {
            Colour::WHITE
        } else {
            Colour::BLACK
        },
    )
}

/// The texts around a chart: its title, the titles of its axes (empty: not drawn) and a
/// description for screen readers and the PDF's title.
#[derive(Debug, Clone, Default)]
pub struct Texts {
    pub title: String,
    /// Along the horizontal axis: the bars' values, or a heat map's columns.
    pub x_title: String,
    /// Along the vertical axis: the bars' codes, or a heat map's rows.
    pub y_title: String,
    pub description: String,
}

/// What to do when a chart cannot fit the width asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// Refuse, saying what width it needs (`qualcode plot`: the width was asked for).
    Exact,
    /// Draw it as wide as it needs (the report's page scrolls).
    Grow,
}

/// A chart that cannot be drawn legibly at the width asked.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{what} need at least {needed:.0} pt across, not {width:.0}: ask for --width {needed:.0} or more (--size page is 500), or show fewer codes")]
pub struct TooNarrow {
    pub what: String,
    pub needed: f64,
    pub width: f64,
}

/// A drawing being built from the top down.
struct Canvas {
    drawing: Drawing,
}

impl Canvas {
    fn new(width: f64, texts: &Texts) -> Canvas {
        Canvas {
            drawing: Drawing::new(width, &texts.description),
        }
    }

    fn width(&self) -> f64 {
        self.drawing.width
    }

    fn mark(&mut self, mark: Mark) {
        self.drawing.marks.push(mark);
    }

    #[allow(clippy::too_many_arguments)]
    fn text(
        &mut self,
        x: f64,
        y: f64,
        size: f64,
        bold: bool,
        anchor: Anchor,
        vertical: bool,
        colour: Colour,
        text: &str,
    ) {
        if text.is_empty() {
            return;
        }
        self.mark(Mark::Text(Text {
            x,
            y,
            size,
            bold,
            anchor,
            vertical,
            colour,
            text: text.to_string(),
        }));
    }

    /// Level lines from `top` down, anchored at `x`; returns the bottom of the block.
    fn lines(&mut self, x: f64, top: f64, lines: &[String], size: f64, anchor: Anchor) -> f64 {
        for (i, line) in lines.iter().enumerate() {
            let baseline = top + ASCENT * size + i as f64 * LINE * size;
            self.text(x, baseline, size, false, anchor, false, Colour::BLACK, line);
        }
        top + lines.len() as f64 * LINE * size
    }

    /// The title across the whole width from `top`; returns where the chart goes on.
    fn title(&mut self, title: &str, top: f64) -> f64 {
        if title.trim().is_empty() {
            return top;
        }
        let lines = wrap(title, self.width() - 2.0 * PAD, TITLE, true, usize::MAX);
        for (i, line) in lines.iter().enumerate() {
            let baseline = top + ASCENT * TITLE + i as f64 * LINE * TITLE;
            self.text(
                PAD,
                baseline,
                TITLE,
                true,
                Anchor::Start,
                false,
                Colour::BLACK,
                line,
            );
        }
        top + lines.len() as f64 * LINE * TITLE + PAD
    }

    /// A vertical axis title at the left edge, centred on `middle`, at most `length` long.
    fn y_title(&mut self, title: &str, middle: f64, length: f64) {
        if title.trim().is_empty() {
            return;
        }
        let line = super::draw::abbreviate(title.trim(), length.max(12.0), LABEL, false);
        self.text(
            PAD + ASCENT * LABEL,
            middle,
            LABEL,
            false,
            Anchor::Middle,
            true,
            Colour::BLACK,
            &line,
        );
    }

    fn finish(mut self, bottom: f64) -> Drawing {
        self.drawing.height = (bottom + PAD).ceil();
        self.drawing
    }
}

/// The room a vertical axis title takes at the left edge.
fn y_title_room(title: &str) -> f64 {
    if title.trim().is_empty() {
        0.0
    } else {
        LINE * LABEL + PAD
    }
}

/// One bar of a bar chart: a label (indented by `level`), a value, the texts its value can be
/// written as (the fullest first: the chart writes the fullest that leaves the bars room), a
/// colour and a tooltip.
pub struct Bar {
    pub label: String,
    pub level: u32,
    pub value: f64,
    pub texts: Vec<String>,
    pub colour: &'static str,
    pub tip: String,
}

/// Labels in a column of at most `cap` points (each indented by its own amount): the column's
/// width and each label's lines.
fn label_column(labels: &[(&str, f64)], cap: f64) -> (f64, Vec<Vec<String>>) {
    let natural = labels
        .iter()
        .map(|(l, indent)| indent + text_width(l, LABEL, false))
        .fold(0.0, f64::max);
    let column = natural.min(cap);
    let lines = labels
        .iter()
        .map(|(l, indent)| {
            // An indent never takes more than half the column.
            let room = column - indent.min(column / 2.0);
            wrap(l, room, LABEL, false, LABEL_LINES)
        })
        .collect();
    (column, lines)
}

/// The baseline that centres a line of `size` on `middle`.
fn centred_baseline(middle: f64, size: f64) -> f64 {
    middle + (ASCENT - DESCENT) / 2.0 * size
}

/// Of texts written after bars (one list per bar, fullest first), the variant that leaves the
/// longest bar at least 40% of `room` (else the shortest), and the points a unit of value
/// gets. `None` when not even the shortest texts fit.
fn value_texts(values: &[f64], texts: &[&[String]], room: f64) -> Option<(usize, f64)> {
    let variants = texts.iter().map(|t| t.len()).min().unwrap_or(0);
    let max = values.iter().copied().fold(0.0, f64::max);
    let gap = 3.0;
    let mut chosen = None;
    for v in 0..variants {
        let mut scale = f64::INFINITY;
        let mut fits = true;
        for (value, texts) in values.iter().zip(texts) {
            let left = room - gap - text_width(&texts[v], VALUE, false);
            if left < 0.5 {
                fits = false;
            } else if *value > 0.0 {
                scale = scale.min(left / value);
            }
        }
        if !fits {
            continue;
        }
        let scale = if scale.is_finite() { scale } else { 0.0 };
        chosen = Some((v, scale));
        if max <= 0.0 || scale * max >= 0.4 * room {
            break;
        }
    }
    chosen
}

/// A horizontal bar chart `width` points wide: labels on the left (wrapped, indented by
/// level), the bars, each bar's number written after it.
pub fn bar_chart(texts: &Texts, bars: &[Bar], width: f64, fit: Fit) -> Result<Drawing, TooNarrow> {
    let mut c = Canvas::new(width, texts);
    let top = c.title(&texts.title, PAD);
    let left = PAD + y_title_room(&texts.y_title);
    let inner = width - PAD - left;
    let labels: Vec<(&str, f64)> = bars
        .iter()
        .map(|b| (b.label.as_str(), 8.0 * f64::from(b.level)))
        .collect();
    let (label_width, label_lines) = label_column(&labels, 0.4 * inner);
    let plot_left = left + label_width + PAD;
    let room = width - PAD - plot_left;
    let values: Vec<f64> = bars.iter().map(|b| b.value).collect();
    let value_lists: Vec<&[String]> = bars.iter().map(|b| b.texts.as_slice()).collect();
    let Some((variant, scale)) = value_texts(&values, &value_lists, room) else {
        let longest = bars
            .iter()
            .filter_map(|b| b.texts.last())
            .map(|t| text_width(t, VALUE, false))
            .fold(0.0, f64::max);
        let needed = (width - room + longest + 40.0).ceil();
        return match fit {
            Fit::Exact => Err(TooNarrow {
                what: "the bars' numbers".into(),
                needed,
                width,
            }),
            Fit::Grow => bar_chart(texts, bars, needed, Fit::Grow),
        };
    };
    let mut y = top;
    for (bar, lines) in bars.iter().zip(&label_lines) {
        let height = (lines.len() as f64 * LINE * LABEL).max(11.0) + 3.0;
        let middle = y + height / 2.0;
        let indent = (8.0 * f64::from(bar.level)).min(label_width / 2.0);
        let block = lines.len() as f64 * LINE * LABEL;
        c.lines(
            left + indent,
            middle - block / 2.0,
            lines,
            LABEL,
            Anchor::Start,
        );
        let length = (scale * bar.value).max(0.5);
        c.mark(Mark::Rect {
            x: plot_left,
            y: middle - 4.5,
            w: length,
            h: 9.0,
            fill: Colour::hex(bar.colour),
            stroke: None,
            tip: Some(bar.tip.clone()),
        });
        c.text(
            plot_left + length + 3.0,
            centred_baseline(middle, VALUE),
            VALUE,
            false,
            Anchor::Start,
            false,
            Colour::INK,
            &bar.texts[variant],
        );
        y += height;
    }
    c.y_title(&texts.y_title, (top + y) / 2.0, y - top);
    let bottom = x_title(&mut c, &texts.x_title, plot_left, width - PAD, y + 2.0);
    Ok(c.finish(bottom))
}

/// An axis title centred under (or over) `from..to`, wrapped to that width; returns the
/// bottom of what it drew.
fn x_title(c: &mut Canvas, title: &str, from: f64, to: f64, top: f64) -> f64 {
    if title.trim().is_empty() {
        return top;
    }
    let lines = wrap(title, to - from, LABEL, false, usize::MAX);
    c.lines((from + to) / 2.0, top, &lines, LABEL, Anchor::Middle)
}

/// A cell of a heat map: its shade (0..=1), its text and its tooltip.
pub struct Cell {
    pub shade: f64,
    pub text: String,
    pub tip: String,
}

/// A heat map of `rows` × `columns` cells with their numbers written in them (when the cells
/// are wide enough at the width asked: else the numbers are left out and a note under the map
/// says so), the column labels upright above them.
pub fn heat_map(
    texts: &Texts,
    rows: &[String],
    columns: &[String],
    cells: &[Vec<Cell>],
    width: f64,
    fit: Fit,
) -> Result<Drawing, TooNarrow> {
    let left = PAD + y_title_room(&texts.y_title);
    let inner = width - PAD - left;
    let n = columns.len().max(1) as f64;
    // The narrowest column still takes its label upright in the smallest text.
    let narrowest = LINE * SMALLEST + 1.0;
    let natural = rows
        .iter()
        .map(|r| text_width(r, LABEL, false))
        .fold(0.0, f64::max);
    // Row labels take at most 35% of the width, less when the columns need it, but never
    // less than 40 points (or what they need).
    let least_labels = natural.min(40.0);
    let mut label_width = natural.min(0.35 * inner);
    let mut cell = (inner - label_width - PAD) / n;
    if cell < narrowest {
        label_width = (inner - PAD - n * narrowest).max(least_labels);
        cell = (inner - label_width - PAD) / n;
    }
    if cell < narrowest {
        let needed = (width - inner + least_labels + PAD + n * narrowest + 1.0).ceil();
        return match fit {
            Fit::Exact => Err(TooNarrow {
                what: format!("{} columns of {narrowest:.1} pt", columns.len()),
                needed,
                width,
            }),
            Fit::Grow => heat_map(texts, rows, columns, cells, needed, Fit::Grow),
        };
    }
    let cell = cell.min(MAX_CELL);
    let grid_left = left + label_width + PAD;
    let grid_right = grid_left + cell * n;
    let mut c = Canvas::new(width, texts);
    let mut top = c.title(&texts.title, PAD);
    if !texts.x_title.trim().is_empty() {
        // Over the columns (their labels are above the cells).
        top = x_title(
            &mut c,
            &texts.x_title,
            grid_left,
            grid_right.max(grid_left + 60.0).min(width - PAD),
            top,
        ) + 2.0;
    }
    // Column labels, upright: as large as the column allows, in as many lines as fit across
    // it (at most two), at most a third of the width long (at least 60 points).
    let column_size = if cell >= LINE * VALUE + 1.0 {
        VALUE
    } else {
        SMALLEST
    };
    let across = (((cell - 1.0) / (LINE * column_size)).floor() as usize).clamp(1, LABEL_LINES);
    let longest = columns
        .iter()
        .map(|col| text_width(col, column_size, false))
        .fold(0.0, f64::max);
    let length_cap = (width / 3.0).max(60.0);
    let wrapped: Vec<Vec<String>> = columns
        .iter()
        .map(|col| wrap(col, longest.min(length_cap), column_size, false, across))
        .collect();
    let header = wrapped
        .iter()
        .flatten()
        .map(|l| text_width(l, column_size, false))
        .fold(0.0, f64::max);
    let grid_top = top + header + 3.0;
    for (j, lines) in wrapped.iter().enumerate() {
        let centre = grid_left + cell * (j as f64 + 0.5);
        let block = lines.len() as f64 * LINE * column_size;
        for (i, line) in lines.iter().enumerate() {
            let x = centre - block / 2.0 + ASCENT * column_size + i as f64 * LINE * column_size;
            c.text(
                x,
                grid_top - 3.0,
                column_size,
                false,
                Anchor::Start,
                true,
                Colour::BLACK,
                line,
            );
        }
    }
    // Row labels, right-aligned against the cells, each in at most two lines.
    let row_lines: Vec<Vec<String>> = rows
        .iter()
        .map(|r| wrap(r, label_width, LABEL, false, LABEL_LINES))
        .collect();
    let most_lines = row_lines.iter().map(Vec::len).max().unwrap_or(1);
    let row_height = (most_lines as f64 * LINE * LABEL + 2.0).max(13.0);
    // The cells' numbers, in the largest size that fits every cell (or none).
    let widest = cells
        .iter()
        .flatten()
        .map(|cell| text_width(&cell.text, 1.0, false))
        .fold(0.0, f64::max);
    let number_size = [VALUE, SMALLEST]
        .into_iter()
        .find(|size| widest * size <= cell - 2.0);
    for (i, (lines, row)) in row_lines.iter().zip(cells).enumerate() {
        let y = grid_top + row_height * i as f64;
        let block = lines.len() as f64 * LINE * LABEL;
        c.lines(
            grid_left - PAD,
            y + (row_height - block) / 2.0,
            lines,
            LABEL,
            Anchor::End,
        );
        for (j, value) in row.iter().enumerate() {
            let x = grid_left + cell * j as f64;
            let (fill, ink) = heat_colour(value.shade);
            c.mark(Mark::Rect {
                x,
                y,
                w: cell,
                h: row_height,
                fill,
                stroke: Some((Colour(0xd0, 0xd0, 0xd0), 0.5)),
                tip: Some(value.tip.clone()),
            });
            if let Some(size) = number_size {
                c.text(
                    x + cell / 2.0,
                    centred_baseline(y + row_height / 2.0, size),
                    size,
                    false,
                    Anchor::Middle,
                    false,
                    ink,
                    &value.text,
                );
            }
        }
    }
    let grid_bottom = grid_top + row_height * rows.len() as f64;
    c.y_title(&texts.y_title, (top + grid_bottom) / 2.0, grid_bottom - top);
    let mut bottom = grid_bottom;
    if number_size.is_none() && !cells.is_empty() {
        let note = wrap(
            "The cells are too narrow at this width for their numbers: a wider figure shows them, and the run's tables hold them all.",
            width - 2.0 * PAD,
            VALUE,
            false,
            usize::MAX,
        );
        bottom = c.lines(PAD, bottom + 3.0, &note, VALUE, Anchor::Start);
    }
    Ok(c.finish(bottom))
}

/// One row of an estimate chart: the rules' share, and the estimate of what a coder would
/// find with its interval; the texts its numbers can be written as, the fullest first.
pub struct IntervalBar {
    pub label: String,
    pub rules: f64,
    pub estimate: Option<f64>,
    pub low: f64,
    pub high: f64,
    pub texts: Vec<String>,
    pub colour: &'static str,
}

/// The rules' share of each code as a pale bar, and beside it the estimate from the hand-coded
/// sample as a dot with its interval as a line, `width` points wide, the numbers in a column
/// on the right and a key under the rows.
pub fn interval_chart(
    texts: &Texts,
    rows: &[IntervalBar],
    width: f64,
    fit: Fit,
) -> Result<Drawing, TooNarrow> {
    let mut c = Canvas::new(width, texts);
    let top = c.title(&texts.title, PAD);
    let left = PAD + y_title_room(&texts.y_title);
    let inner = width - PAD - left;
    let labels: Vec<(&str, f64)> = rows.iter().map(|r| (r.label.as_str(), 0.0)).collect();
    let (label_width, label_lines) = label_column(&labels, 0.35 * inner);
    let plot_left = left + label_width + PAD;
    let room = width - PAD - plot_left;
    // The numbers' column: the fullest texts that leave the plot 40% of the room.
    let variants = rows.iter().map(|r| r.texts.len()).min().unwrap_or(0);
    let column = |v: usize| {
        rows.iter()
            .map(|r| text_width(&r.texts[v], VALUE, false))
            .fold(0.0, f64::max)
    };
    let chosen = (0..variants)
        .find(|&v| room - column(v) - PAD >= 0.4 * room)
        .or_else(|| {
            variants
                .checked_sub(1)
                .filter(|&v| room - column(v) - PAD >= 20.0)
        });
    let Some(variant) = chosen else {
        let needed = (width - room + column(variants.saturating_sub(1)) + PAD + 40.0).ceil();
        return match fit {
            Fit::Exact => Err(TooNarrow {
                what: "the estimates' numbers".into(),
                needed,
                width,
            }),
            Fit::Grow => interval_chart(texts, rows, needed, Fit::Grow),
        };
    };
    let plot = room - column(variant) - PAD - 4.0;
    let max = rows
        .iter()
        .flat_map(|r| [r.rules, r.high])
        .fold(0.0, f64::max)
        .max(1e-9);
    let x = |v: f64| plot_left + plot * v.max(0.0) / max;
    let mut y = top;
    for (r, lines) in rows.iter().zip(&label_lines) {
        let height = (lines.len() as f64 * LINE * LABEL).max(14.0) + 4.0;
        let middle = y + height / 2.0;
        let block = lines.len() as f64 * LINE * LABEL;
        c.lines(left, middle - block / 2.0, lines, LABEL, Anchor::Start);
        let colour = Colour::hex(r.colour);
        c.mark(Mark::Rect {
            x: plot_left,
            y: middle - 4.0,
            w: (x(r.rules) - plot_left).max(0.5),
            h: 8.0,
            fill: colour.over_white(0.35),
            stroke: None,
            tip: Some(format!("{}: the rules' share", r.label)),
        });
        c.mark(Mark::Line {
            from: (x(r.low), middle),
            to: (x(r.high), middle),
            colour: Colour::BLACK,
            width: 1.5,
            tip: Some(format!("{}: interval", r.label)),
        });
        if let Some(e) = r.estimate {
            c.mark(Mark::Circle {
                x: x(e),
                y: middle,
                r: 3.0,
                fill: colour,
                stroke: Some((Colour::BLACK, 0.8)),
                tip: Some(format!("{}: estimate", r.label)),
            });
        }
        c.text(
            width - PAD - column(variant),
            centred_baseline(middle, VALUE),
            VALUE,
            false,
            Anchor::Start,
            false,
            Colour::INK,
            &r.texts[variant],
        );
        y += height;
    }
    c.y_title(&texts.y_title, (top + y) / 2.0, y - top);
    let bottom = x_title(&mut c, &texts.x_title, plot_left, plot_left + plot, y + 2.0);
    let key = wrap(
        "pale bar: the rules' share · dot and line: estimated share a coder would code, with its interval",
        width - 2.0 * PAD,
        VALUE,
        false,
        usize::MAX,
    );
    let bottom = c.lines(PAD, bottom + 3.0, &key, VALUE, Anchor::Start);
    Ok(c.finish(bottom))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::draw::Bounds;

    #[test]
    fn heat_runs_from_white_to_dark_blue_with_readable_text() {
        assert_eq!(heat(0.0), ("#f7fbff".to_string(), "#000000"));
        assert_eq!(heat(1.0), ("#08306b".to_string(), "#ffffff"));
        assert_eq!(heat(7.0), heat(1.0));
    }

    /// Every text's box inside the drawing, and no two texts overlapping.
    fn assert_text_fits(d: &Drawing, what: &str) {
        let boxes: Vec<(Bounds, &str)> = d.texts().map(|t| (t.bounds(), t.text.as_str())).collect();
        for ((l, t, r, b), text) in &boxes {
            assert!(
                *l >= -1e-6 && *t >= -1e-6 && *r <= d.width + 1e-6 && *b <= d.height + 1e-6,
                "{what}: {text:?} at ({l:.1}, {t:.1})-({r:.1}, {b:.1}) runs outside {}x{}",
                d.width,
                d.height
            );
        }
        for (i, (a, ta)) in boxes.iter().enumerate() {
            for (b, tb) in &boxes[i + 1..] {
                let apart = a.2 <= b.0 + 1e-6
                    || b.2 <= a.0 + 1e-6
                    || a.3 <= b.1 + 1e-6
                    || b.3 <= a.1 + 1e-6;
                assert!(apart, "{what}: {ta:?} and {tb:?} overlap");
            }
        }
    }

    fn texts(title: &str) -> Texts {
        Texts {
            title: title.into(),
            x_title: "Units coded with the code, of all the units of the corpus".into(),
            y_title: "Codes of the codebook".into(),
            description: "test".into(),
        }
    }

    fn long_label(i: usize) -> String {
        format!("Code {i}: the municipal governments' First-in-Command strategy of coordination_across_departments")
    }

    fn bars(n: usize) -> Vec<Bar> {
        (0..n)
            .map(|i| {
                let units = 1000 * i + 7;
                Bar {
                    label: long_label(i),
                    level: (i % 3) as u32,
                    value: units as f64,
                    texts: vec![
                        format!("{units} units (12.2%), 355 docs, 19999 hits"),
                        format!("{units} units (12.2%)"),
                        format!("{units}"),
                    ],
                    colour: PALETTE[i % 8],
                    tip: String::new(),
                }
            })
            .collect()
    }

    #[test]
    fn bars_keep_their_text_inside_at_every_width_and_shorten_their_numbers_to_fit() {
        for width in [100.0, 240.0, 500.0, 760.0] {
            let d = bar_chart(&texts(&long_label(0)), &bars(30), width, Fit::Exact).expect("fits");
            assert_eq!(d.width, width);
            assert_text_fits(&d, &format!("bars at {width}"));
        }
        let narrow = bar_chart(&texts("t"), &bars(3), 240.0, Fit::Exact).expect("fits");
        let wide = bar_chart(&texts("t"), &bars(3), 760.0, Fit::Exact).expect("fits");
        let numbers = |d: &Drawing| {
            d.texts()
                .any(|t| t.text == "2007 units (12.2%), 355 docs, 19999 hits")
        };
        assert!(!numbers(&narrow) && numbers(&wide));
        assert!(narrow.texts().any(|t| t.text.starts_with("2007")));
    }

    #[test]
    fn bars_scale_to_the_largest_and_carry_the_fullest_numbers_that_fit() {
        let bars = [
            Bar {
                label: "a<b".into(),
                level: 0,
                value: 10.0,
                texts: vec!["10 units".into()],
                colour: PALETTE[0],
                tip: String::new(),
            },
            Bar {
                label: "child".into(),
                level: 1,
                value: 5.0,
                texts: vec!["5 units".into()],
                colour: PALETTE[1],
                tip: String::new(),
            },
        ];
        let d = bar_chart(&Texts::default(), &bars, 400.0, Fit::Exact).expect("fits");
        let lengths: Vec<f64> = d
            .marks
            .iter()
            .filter_map(|m| match m {
                Mark::Rect { w, .. } => Some(*w),
                _ => None,
            })
            .collect();
        assert!((lengths[0] - 2.0 * lengths[1]).abs() < 1e-9, "{lengths:?}");
        let labels: Vec<&Text> = d.texts().collect();
        assert_eq!(labels[0].text, "a<b");
        assert_eq!(labels[2].x - labels[0].x, 8.0, "the child is indented");
        // The longest bar ends its number's width and a gap before the right margin.
        let right = d.texts().map(|t| t.bounds().2).fold(0.0, f64::max);
        assert!((right - (400.0 - PAD)).abs() < 1e-6, "{right}");
        assert!(d.svg().contains(">a&lt;b</text>"));
    }

    fn grid(n_rows: usize, n_columns: usize) -> (Vec<String>, Vec<String>, Vec<Vec<Cell>>) {
        let rows: Vec<String> = (0..n_rows).map(long_label).collect();
        let columns: Vec<String> = (0..n_columns).map(long_label).collect();
        let cells = (0..n_rows)
            .map(|i| {
                (0..n_columns)
                    .map(|j| Cell {
                        shade: (i * j % 7) as f64 / 6.0,
                        text: format!("{}", i * 137 + j),
                        tip: String::new(),
                    })
                    .collect()
            })
            .collect();
        (rows, columns, cells)
    }

    #[test]
    fn heat_maps_keep_their_text_inside_or_say_how_wide_they_must_be() {
        for width in [100.0, 240.0, 500.0, 760.0] {
            for (r, n) in [(1, 1), (4, 4), (40, 12), (12, 40)] {
                let (rows, columns, cells) = grid(r, n);
                match heat_map(
                    &texts(&long_label(9)),
                    &rows,
                    &columns,
                    &cells,
                    width,
                    Fit::Exact,
                ) {
                    Ok(d) => {
                        assert_eq!(d.width, width);
                        assert_text_fits(&d, &format!("{r}x{n} at {width}"));
                    }
                    Err(e) => {
                        assert!(e.needed > width, "{e}");
                        let grown =
                            heat_map(&texts("t"), &rows, &columns, &cells, width, Fit::Grow)
                                .expect("grows");
                        assert_eq!(grown.width, e.needed);
                        assert_text_fits(&grown, &format!("{r}x{n} grown from {width}"));
                    }
                }
            }
        }
        // 40 columns cannot fit a journal column; 12 can, without their numbers.
        let (rows, columns, cells) = grid(4, 40);
        let err = heat_map(&texts("t"), &rows, &columns, &cells, 240.0, Fit::Exact)
            .expect_err("too many");
        assert!(err.to_string().contains("--width"), "{err}");
        let (rows, columns, cells) = grid(4, 12);
        let d = heat_map(&texts("t"), &rows, &columns, &cells, 240.0, Fit::Exact).expect("fits");
        assert!(
            !d.texts().any(|t| t.text == "411"),
            "no numbers in cells this narrow"
        );
        assert!(d.texts().any(|t| t.text.contains("too narrow")));
        let d = heat_map(&texts("t"), &rows, &columns, &cells, 760.0, Fit::Exact).expect("fits");
        assert!(d.texts().any(|t| t.text == "411"));
    }

    #[test]
    fn intervals_keep_their_text_inside_at_every_width() {
        let rows: Vec<IntervalBar> = (0..20)
            .map(|i| IntervalBar {
                label: long_label(i),
                rules: 0.01 * i as f64,
                estimate: (i % 4 != 0).then_some(0.012 * i as f64),
                low: 0.005 * i as f64,
                high: 0.02 * i as f64,
                texts: vec![
                    "12.3% [10.1%, 14.5%] · rules 11.0%".into(),
                    "12.3% [10.1%, 14.5%]".into(),
                    "12.3%".into(),
                ],
                colour: PALETTE[i % 8],
            })
            .collect();
        for width in [100.0, 240.0, 500.0, 760.0] {
            let d = interval_chart(&texts(&long_label(3)), &rows, width, Fit::Exact).expect("fits");
            assert_eq!(d.width, width);
            assert_text_fits(&d, &format!("intervals at {width}"));
        }
    }
}
