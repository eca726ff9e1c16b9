//! A figure as a list of marks in points — rectangles, lines, circles and text laid out with
//! Helvetica's widths ([`super::metrics`]) — in; the same figure as SVG (for the report and
//! for `qualcode plot … --out FIG.svg`) out, or as PDF through [`super::pdf`]. Both back ends
//! draw from this one list, so what a test checks here (every text's box inside the drawing,
//! no two texts overlapping) holds in either file.

use super::html::escape;
use super::metrics::{text_width, ASCENT, DESCENT};
use std::fmt::Write;

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Colour(pub u8, pub u8, pub u8);

impl Colour {
    pub const BLACK: Colour = Colour(0, 0, 0);
    pub const WHITE: Colour = Colour(255, 255, 255);
    /// The grey of value texts.
    pub const INK: Colour = Colour(0x33, 0x33, 0x33);

    /// From `#rrggbb`; black for anything else.
    pub fn hex(text: &str) -> Colour {
        let byte = |i: usize| {
            text.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .unwrap_or(0)
        };
        if text.len() == 7 && text.starts_with('#') {
            Colour(byte(1), byte(3), byte(5))
        } else {
            Colour::BLACK
        }
    }

    /// This colour at `opacity` over white (drawn opaque: no transparency in either file).
    pub fn over_white(self, opacity: f64) -> Colour {
        let mix = |c: u8| (255.0 - (255.0 - f64::from(c)) * opacity.clamp(0.0, 1.0)).round() as u8;
        Colour(mix(self.0), mix(self.1), mix(self.2))
    }

    pub fn css(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

/// Where a text's `x` is: at its start, its middle or its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

/// One line of text. `y` is its baseline; a `vertical` text reads upwards, turned a quarter
/// left about `(x, y)`, its anchor measured along the line as for a level one.
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    pub x: f64,
    pub y: f64,
    pub size: f64,
    pub bold: bool,
    pub anchor: Anchor,
    pub vertical: bool,
    pub colour: Colour,
    pub text: String,
}

/// A box `(left, top, right, bottom)` in points, y downwards.
pub type Bounds = (f64, f64, f64, f64);

impl Text {
    pub fn width(&self) -> f64 {
        text_width(&self.text, self.size, self.bold)
    }

    /// The box the text's characters can reach: its advance width along the line, from
    /// [`ASCENT`] above the baseline to [`DESCENT`] below it.
    pub fn bounds(&self) -> Bounds {
        let w = self.width();
        let start = match self.anchor {
            Anchor::Start => 0.0,
            Anchor::Middle => -w / 2.0,
            Anchor::End => -w,
        };
        let (above, below) = (ASCENT * self.size, DESCENT * self.size);
        if self.vertical {
            // Along the line is upwards; above the baseline is to the left.
            (
                self.x - above,
                self.y - (start + w),
                self.x + below,
                self.y - start,
            )
        } else {
            (
                self.x + start,
                self.y - above,
                self.x + start + w,
                self.y + below,
            )
        }
    }
}

/// A mark of a figure; `tip` is the tooltip a browser shows over it (SVG only).
#[derive(Debug, Clone, PartialEq)]
pub enum Mark {
    Rect {
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        fill: Colour,
        /// Outline colour and width.
        stroke: Option<(Colour, f64)>,
        tip: Option<String>,
    },
    Line {
        from: (f64, f64),
        to: (f64, f64),
        colour: Colour,
        width: f64,
        tip: Option<String>,
    },
    Circle {
        x: f64,
        y: f64,
        r: f64,
        fill: Colour,
        stroke: Option<(Colour, f64)>,
        tip: Option<String>,
    },
    Text(Text),
}

/// A whole figure: its size in points, what it shows (for screen readers and the PDF's
/// title) and its marks in drawing order.
#[derive(Debug, Clone, PartialEq)]
pub struct Drawing {
    pub width: f64,
    pub height: f64,
    pub description: String,
    pub marks: Vec<Mark>,
}

/// Numbers as SVG and PDF write them: at most two decimals, no trailing zeros.
pub fn number(v: f64) -> String {
    let s = format!("{:.2}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

impl Drawing {
    pub fn new(width: f64, description: &str) -> Drawing {
        Drawing {
            width,
            height: 0.0,
            description: description.to_string(),
            marks: Vec::new(),
        }
    }

    pub fn texts(&self) -> impl Iterator<Item = &Text> {
        self.marks.iter().filter_map(|m| match m {
            Mark::Text(t) => Some(t),
            _ => None,
        })
    }

    /// The figure as an SVG document, `width`×`height` points, one user unit a point.
    pub fn svg(&self) -> String {
        let (w, h) = (number(self.width), number(self.height));
        let mut svg = format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}pt" height="{h}pt" role="img" aria-label="{}" font-family="Helvetica, Arial, 'Liberation Sans', 'Nimbus Sans', sans-serif">"#,
            escape(&self.description)
        );
        let tip = |svg: &mut String, tip: &Option<String>| {
            if let Some(t) = tip {
                let _ = write!(svg, "<title>{}</title>", escape(t));
            }
        };
        let stroke = |s: &Option<(Colour, f64)>| {
            s.map_or(String::new(), |(c, w)| {
                format!(r#" stroke="{}" stroke-width="{}""#, c.css(), number(w))
            })
        };
        for mark in &self.marks {
            match mark {
                Mark::Rect {
                    x,
                    y,
                    w,
                    h,
                    fill,
                    stroke: s,
                    tip: t,
                } => {
                    let _ = write!(
                        svg,
                        r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{}"{}>"#,
                        number(*x),
                        number(*y),
                        number(*w),
                        number(*h),
                        fill.css(),
                        stroke(s)
                    );
                    tip(&mut svg, t);
                    svg.push_str("</rect>");
                }
                Mark::Line {
                    from,
                    to,
                    colour,
                    width,
                    tip: t,
                } => {
                    let _ = write!(
                        svg,
                        r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="{}">"#,
                        number(from.0),
                        number(from.1),
                        number(to.0),
                        number(to.1),
                        colour.css(),
                        number(*width)
                    );
                    tip(&mut svg, t);
                    svg.push_str("</line>");
                }
                Mark::Circle {
                    x,
                    y,
                    r,
                    fill,
                    stroke: s,
                    tip: t,
                } => {
                    let _ = write!(
                        svg,
                        r#"<circle cx="{}" cy="{}" r="{}" fill="{}"{}>"#,
                        number(*x),
                        number(*y),
                        number(*r),
                        fill.css(),
                        stroke(s)
                    );
                    tip(&mut svg, t);
                    svg.push_str("</circle>");
                }
                Mark::Text(t) => {
                    let (x, y) = (number(t.x), number(t.y));
                    let _ = write!(
                        svg,
                        r#"<text x="{x}" y="{y}" font-size="{}""#,
                        number(t.size)
                    );
                    if t.bold {
                        svg.push_str(r#" font-weight="bold""#);
                    }
                    match t.anchor {
                        Anchor::Start => {}
                        Anchor::Middle => svg.push_str(r#" text-anchor="middle""#),
                        Anchor::End => svg.push_str(r#" text-anchor="end""#),
                    }
                    if t.vertical {
                        let _ = write!(svg, r#" transform="rotate(-90 {x} {y})""#);
                    }
                    if t.colour != Colour::BLACK {
                        let _ = write!(svg, r#" fill="{}""#, t.colour.css());
                    }
                    let _ = write!(svg, ">{}</text>", escape(&t.text));
                }
            }
        }
        svg.push_str("</svg>");
        svg
    }
}

/// Where text may break: after a space, `_`, `-` or `/`, and around a character of a script
/// written without spaces (Han, kana, Hangul).
fn pieces(text: &str) -> Vec<&str> {
    let wide = |c: char| matches!(u32::from(c), 0x2E80..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF | 0x20000..=0x3FFFF);
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|&(j, n)| (j, n));
        let end = i + c.len_utf8();
        let breaks_after =
            matches!(c, ' ' | '_' | '-' | '/') || wide(c) || next.is_some_and(|(_, n)| wide(n));
        if breaks_after && end < text.len() {
            out.push(&text[start..end]);
            start = end;
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// `text` shortened to fit `width` points, ending in an ellipsis when shortened (at least the
/// ellipsis: a width too small for it is the caller's to avoid).
pub fn abbreviate(text: &str, width: f64, size: f64, bold: bool) -> String {
    let text = text.trim_end();
    if text_width(text, size, bold) <= width {
        return text.to_string();
    }
    cut(text, width, size, bold)
}

/// As much of `text` as fits `width` points with an ellipsis after it.
fn cut(text: &str, width: f64, size: f64, bold: bool) -> String {
    let room = width - text_width("…", size, bold);
    let mut kept = String::new();
    let mut used = 0.0;
    for c in text.chars() {
        let w = text_width(c.encode_utf8(&mut [0; 4]), size, bold);
        if used + w > room {
            break;
        }
        used += w;
        kept.push(c);
    }
    let mut kept = kept.trim_end().to_string();
    kept.push('…');
    kept
}

/// `text` in lines of at most `width` points, broken where [`pieces`] allows (a piece wider
/// than a line is broken between characters), at most `max_lines` of them: the last ends in
/// an ellipsis when the text did not fit. Never an empty list.
pub fn wrap(text: &str, width: f64, size: f64, bold: bool, max_lines: usize) -> Vec<String> {
    let text = text.trim();
    let fits = |a: usize, b: usize| text_width(text[a..b].trim_end(), size, bold) <= width;
    // Where each line starts, as byte offsets into `text`.
    let mut starts = vec![0usize];
    let mut offset = 0;
    for piece in pieces(text) {
        let (a, b) = (offset, offset + piece.len());
        offset = b;
        let line = starts[starts.len() - 1];
        if fits(line, b) {
            continue;
        }
        if a > line {
            starts.push(a);
            if fits(a, b) {
                continue;
            }
        }
        // A piece longer than a line on its own: broken between characters.
        let mut line = a;
        for (i, c) in piece.char_indices() {
            let (at, end) = (a + i, a + i + c.len_utf8());
            if at > line && !fits(line, end) {
                starts.push(at);
                line = at;
            }
        }
    }
    let max_lines = max_lines.max(1);
    let mut lines: Vec<String> = starts
        .iter()
        .zip(starts.iter().skip(1).chain([&text.len()]))
        .take(max_lines)
        .map(|(&a, &b)| text[a..b].trim().to_string())
        .collect();
    if starts.len() > max_lines {
        // The last line holds what is left, shortened with an ellipsis.
        let rest = text[starts[max_lines - 1]..].trim();
        lines[max_lines - 1] = cut(rest, width, size, bold);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_lines_fit_and_keep_every_word_or_say_they_did_not() {
        let text = "First-in-Command strategy of the municipal governments";
        for width in [30.0, 60.0, 120.0, 400.0] {
            let lines = wrap(text, width, 8.0, false, 10);
            for line in &lines {
                assert!(text_width(line, 8.0, false) <= width, "{line:?} at {width}");
            }
            assert_eq!(
                lines.concat().replace(' ', ""),
                text.replace(' ', ""),
                "{width}"
            );
        }
        let two = wrap(text, 60.0, 8.0, false, 2);
        assert_eq!(two.len(), 2);
        assert!(two[1].ends_with('…'), "{two:?}");
        assert!(text_width(&two[1], 8.0, false) <= 60.0);
        assert_eq!(wrap("", 50.0, 8.0, false, 2), vec![String::new()]);
    }

    #[test]
    fn ids_break_at_underscores_and_han_between_characters() {
        assert_eq!(
            wrap("algorithmic_coordination_rules", 60.0, 8.0, false, 5),
            vec!["algorithmic_", "coordination_", "rules"]
        );
        let han = wrap("外国模式的本土化实践", 40.0, 8.0, false, 5);
        assert_eq!(han, vec!["外国模式的", "本土化实践"]);
    }

    #[test]
    fn abbreviations_end_in_an_ellipsis_and_fit() {
        assert_eq!(abbreviate("trust", 100.0, 8.0, false), "trust");
        let short = abbreviate("algorithmic_coordination", 50.0, 8.0, false);
        assert!(short.ends_with('…') && text_width(&short, 8.0, false) <= 50.0);
        assert!(short.starts_with("algorithmic"), "{short}");
    }

    #[test]
    fn a_vertical_text_box_runs_upwards_from_its_anchor() {
        let t = Text {
            x: 50.0,
            y: 100.0,
            size: 10.0,
            bold: false,
            anchor: Anchor::Start,
            vertical: true,
            colour: Colour::BLACK,
            text: "Trust".into(),
        };
        let (l, top, r, bottom) = t.bounds();
        assert!((top - (100.0 - 22.78)).abs() < 1e-9 && bottom == 100.0);
        assert!((l - 40.3).abs() < 1e-9 && (r - 52.3).abs() < 1e-9);
        let level = Text {
            vertical: false,
            anchor: Anchor::End,
            ..t
        };
        let (l, top, r, _) = level.bounds();
        assert!((l - (50.0 - 22.78)).abs() < 1e-9 && r == 50.0 && (top - 90.3).abs() < 1e-9);
    }

    #[test]
    fn colours_blend_over_white_and_numbers_are_short() {
        assert_eq!(
            Colour::hex("#0072B2").over_white(1.0),
            Colour(0, 0x72, 0xb2)
        );
        assert_eq!(
            Colour::hex("#000000").over_white(0.5),
            Colour(128, 128, 128)
        );
        assert_eq!(Colour::hex("nope"), Colour::BLACK);
        assert_eq!(number(12.0), "12");
        assert_eq!(number(12.345), "12.35");
        assert_eq!(number(-0.001), "0");
    }
}
