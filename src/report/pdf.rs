//! A [`Drawing`] in, a one-page PDF out (`qualcode plot … --out FIG.pdf`): vector marks and
//! text in the standard fonts Helvetica and Helvetica-Bold, which every PDF viewer and printer
//! has, so the file needs no font from this machine and embeds none. The page is the figure's
//! size in points. Written by hand (about 200 lines, no dependency): objects, one content
//! stream, a cross-reference table.
//!
//! The standard fonts draw the characters of WinAnsiEncoding (Western European languages);
//! a figure with text in any other script is refused with the text named, not drawn with
//! holes ([`NotDrawable`]). The file is deterministic: no dates, no identifiers.

use super::draw::{number, Anchor, Colour, Drawing, Mark, Text};
use std::fmt::Write;

/// A text the standard fonts cannot draw.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("PDF figures are drawn in the standard PDF fonts, which have no {character:?} (U+{code:04X}) of {text:?}: write the figure as .svg, or name what it shows in Western European characters")]
pub struct NotDrawable {
    pub text: String,
    pub character: char,
    pub code: u32,
}

/// The byte WinAnsiEncoding gives `c`, if any.
fn win_ansi(c: char) -> Option<u8> {
    let code = u32::from(c);
    match code {
        0x20..=0x7E | 0xA0..=0xFF => Some(code as u8),
        _ => {
            // The 0x80–0x9F block of Windows-1252.
            const HIGH: [(char, u8); 27] = [
                ('€', 0x80),
                ('‚', 0x82),
                ('ƒ', 0x83),
                ('„', 0x84),
                ('…', 0x85),
                ('†', 0x86),
                ('‡', 0x87),
                ('ˆ', 0x88),
                ('‰', 0x89),
                ('Š', 0x8A),
                ('‹', 0x8B),
                ('Œ', 0x8C),
                ('Ž', 0x8E),
                ('‘', 0x91),
                ('’', 0x92),
                ('“', 0x93),
                ('”', 0x94),
                ('•', 0x95),
                ('–', 0x96),
                ('—', 0x97),
                ('˜', 0x98),
                ('™', 0x99),
                ('š', 0x9A),
                ('›', 0x9B),
                ('œ', 0x9C),
                ('ž', 0x9E),
                ('Ÿ', 0x9F),
            ];
            HIGH.iter().find(|(h, _)| *h == c).map(|(_, b)| *b)
        }
    }
}

/// `text` as a PDF string literal in WinAnsiEncoding.
fn literal(text: &str) -> Result<String, NotDrawable> {
    let mut out = String::from("(");
    for c in text.chars() {
        let byte = win_ansi(c).ok_or_else(|| NotDrawable {
            text: text.to_string(),
            character: c,
            code: u32::from(c),
        })?;
        match byte {
            b'(' | b')' | b'\\' => {
                out.push('\\');
                out.push(char::from(byte));
            }
            0x20..=0x7E => out.push(char::from(byte)),
            _ => {
                let _ = write!(out, "\\{byte:03o}");
            }
        }
    }
    out.push(')');
    Ok(out)
}

/// `text` as a PDF text string for the document's title: UTF-16BE with its byte order mark.
fn utf16(text: &str) -> String {
    let mut out = String::from("<FEFF");
    for unit in text.encode_utf16() {
        let _ = write!(out, "{unit:04X}");
    }
    out.push('>');
    out
}

fn colour(c: Colour) -> String {
    let part = |v: u8| number(f64::from(v) / 255.0);
    format!("{} {} {}", part(c.0), part(c.1), part(c.2))
}

/// The page's content stream: PDF's y runs upwards from the bottom, the drawing's downwards.
fn content(drawing: &Drawing) -> Result<String, NotDrawable> {
    let h = drawing.height;
    let y = |v: f64| number(h - v);
    let mut s = String::new();
    for mark in &drawing.marks {
        match mark {
            Mark::Rect {
                x,
                y: top,
                w,
                h: rh,
                fill,
                stroke,
                ..
            } => {
                let _ = write!(
                    s,
                    "{} rg {} {} {} {} re ",
                    colour(*fill),
                    number(*x),
                    y(top + rh),
                    number(*w),
                    number(*rh)
                );
                match stroke {
                    Some((c, width)) => {
                        let _ = writeln!(s, "{} RG {} w B", colour(*c), number(*width));
                    }
                    None => s.push_str("f\n"),
                }
            }
            Mark::Line {
                from,
                to,
                colour: c,
                width,
                ..
            } => {
                let _ = writeln!(
                    s,
                    "{} RG {} w {} {} m {} {} l S",
                    colour(*c),
                    number(*width),
                    number(from.0),
                    y(from.1),
                    number(to.0),
                    y(to.1)
                );
            }
            Mark::Circle {
                x,
                y: cy,
                r,
                fill,
                stroke,
                ..
            } => {
                // Four Bézier quarters, the control points at 0.5523 r.
                let (cx, cy, k) = (*x, h - cy, 0.5523 * r);
                let p = |a: f64, b: f64| format!("{} {}", number(a), number(b));
                let _ = write!(
                    s,
                    "{} rg {} m {} {} {} c {} {} {} c {} {} {} c {} {} {} c ",
                    colour(*fill),
                    p(cx + r, cy),
                    p(cx + r, cy + k),
                    p(cx + k, cy + r),
                    p(cx, cy + r),
                    p(cx - k, cy + r),
                    p(cx - r, cy + k),
                    p(cx - r, cy),
                    p(cx - r, cy - k),
                    p(cx - k, cy - r),
                    p(cx, cy - r),
                    p(cx + k, cy - r),
                    p(cx + r, cy - k),
                    p(cx + r, cy),
                );
                match stroke {
                    Some((c, width)) => {
                        let _ = writeln!(s, "{} RG {} w b", colour(*c), number(*width));
                    }
                    None => s.push_str("f\n"),
                }
            }
            Mark::Text(t) => text(&mut s, t, h)?,
        }
    }
    Ok(s)
}

fn text(s: &mut String, t: &Text, height: f64) -> Result<(), NotDrawable> {
    let along = match t.anchor {
        Anchor::Start => 0.0,
        Anchor::Middle => t.width() / 2.0,
        Anchor::End => t.width(),
    };
    let (x, y) = (t.x, height - t.y);
    // Level text starts `along` to the left of x; vertical text reads upwards, starting
    // `along` below y.
    let matrix = if t.vertical {
        format!("0 1 -1 0 {} {}", number(x), number(y - along))
    } else {
        format!("1 0 0 1 {} {}", number(x - along), number(y))
    };
    let _ = writeln!(
        s,
        "BT /{} {} Tf {} rg {matrix} Tm {} Tj ET",
        if t.bold { "F2" } else { "F1" },
        number(t.size),
        colour(t.colour),
        literal(&t.text)?
    );
    Ok(())
}

/// The drawing as a one-page PDF file.
pub fn pdf(drawing: &Drawing) -> Result<Vec<u8>, NotDrawable> {
    let stream = content(drawing)?;
    let (w, h) = (number(drawing.width), number(drawing.height));
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {w} {h}] /Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>"),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_string(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"
            .to_string(),
        format!(
            "<< /Length {} >>\nstream\n{stream}endstream",
            stream.len()
        ),
        format!(
            "<< /Title {} /Producer (qualcode {}) >>",
            utf16(&drawing.description),
            env!("CARGO_PKG_VERSION")
        ),
    ];
    // A binary comment on the second line tells transfer programs the file is binary.
    let mut out: Vec<u8> = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    let mut table = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for offset in offsets {
        let _ = writeln!(table, "{offset:010} 00000 n ");
    }
    let _ = write!(
        table,
        "trailer\n<< /Size {} /Root 1 0 R /Info {} 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1,
        objects.len()
    );
    out.extend_from_slice(table.as_bytes());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drawing(text: &str) -> Drawing {
        let mut d = Drawing::new(200.0, "A figure: (test) é");
        d.height = 100.0;
        d.marks.push(Mark::Rect {
            x: 10.0,
            y: 20.0,
            w: 30.0,
            h: 5.0,
            fill: Colour(255, 0, 0),
            stroke: None,
            tip: Some("ignored".into()),
        });
        d.marks.push(Mark::Text(Text {
            x: 100.0,
            y: 50.0,
            size: 8.0,
            bold: true,
            anchor: Anchor::End,
            vertical: false,
            colour: Colour::BLACK,
            text: text.into(),
        }));
        d
    }

    #[test]
    fn a_page_of_the_figures_size_with_its_marks_and_a_valid_cross_reference_table() {
        let bytes = pdf(&drawing("Trust (a) \\ café… 50%")).expect("drawable");
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.starts_with("%PDF-1.4\n"));
        assert!(text.contains("/MediaBox [0 0 200 100]"));
        // The rectangle from y 20 to 25 down the drawing: 75 up from the page's bottom.
        assert!(text.contains("1 0 0 rg 10 75 30 5 re f"), "{text}");
        // Bold, right-aligned on x = 100: it starts its width to the left.
        let width = crate::report::metrics::text_width("Trust (a) \\ café… 50%", 8.0, true);
        assert!(text.contains(&format!(
            "BT /F2 8 Tf 0 0 0 rg 1 0 0 1 {} 50 Tm (Trust \\(a\\) \\\\ caf\\351\\205 50%) Tj ET",
            number(100.0 - width)
        )));
        // Every object is where the table says (offsets in bytes).
        let tail = &text[text.rfind("startxref\n").expect("startxref")..];
        let start: usize = tail
            .lines()
            .nth(1)
            .and_then(|n| n.parse().ok())
            .expect("offset");
        assert!(bytes[start..].starts_with(b"xref\n0 8\n"));
        let table = String::from_utf8_lossy(&bytes[start..]).to_string();
        for (i, line) in table.lines().skip(3).take(7).enumerate() {
            let offset: usize = line[..10].parse().expect("offset");
            assert!(
                bytes[offset..].starts_with(format!("{} 0 obj", i + 1).as_bytes()),
                "object {}",
                i + 1
            );
        }
        assert!(text.contains("/Title <FEFF0041"));
        assert!(text.ends_with("%%EOF\n"));
    }

    #[test]
    fn text_outside_the_standard_fonts_is_refused_by_name() {
        let err = pdf(&drawing("互信")).expect_err("no Han in Helvetica");
        assert_eq!(err.character, '互');
        assert!(err.to_string().contains("U+4E92"), "{err}");
        assert_eq!(win_ansi('€'), Some(0x80));
        assert_eq!(win_ansi('\u{81}'), None);
    }
}
