//! PDFs written at test time, small and exact: pages of text lines placed where a test wants
//! them, in Helvetica (Latin text, WinAnsi) or in a CID font with a `ToUnicode` map (any other
//! text, Chinese here; no glyphs are embedded, which text extraction does not need).

/// A line of text: its left edge and baseline from the top of the page, in points, its size
/// and its text.
#[derive(Debug, Clone)]
pub struct Text {
    pub x: f64,
    pub y: f64,
    pub size: f64,
    pub text: String,
}

pub fn text(x: f64, y: f64, size: f64, text: &str) -> Text {
    Text {
        x,
        y,
        size,
        text: text.to_string(),
    }
}

/// Page height (A4).
pub const HEIGHT: f64 = 842.0;

/// A PDF of A4 pages holding these lines.
pub fn pdf(pages: &[Vec<Text>]) -> Vec<u8> {
    let wide = pages.iter().flatten().any(|t| !t.text.is_ascii());
    // Each character of a wide font gets a code of its own.
    let mut chars: Vec<char> = pages
        .iter()
        .flatten()
        .flat_map(|t| t.text.chars())
        .collect();
    chars.sort_unstable();
    chars.dedup();
    let code = |c: char| chars.binary_search(&c).expect("char") + 1;
    let mut objects: Vec<Vec<u8>> = vec![Vec::new(), Vec::new()]; // catalog, pages: below
    let font = if wide {
        let mut cmap = String::from(
            "/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CIDSystemInfo << \
             /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def /CMapName /Adobe-Identity-UCS \
             def /CMapType 2 def 1 begincodespacerange <0000> <FFFF> endcodespacerange\n",
        );
        for chunk in chars.chunks(100) {
            cmap.push_str(&format!("{} beginbfchar\n", chunk.len()));
            for &c in chunk {
                let mut units = [0u16; 2];
                let hex: String = c
                    .encode_utf16(&mut units)
                    .iter()
                    .map(|u| format!("{u:04X}"))
                    .collect();
                cmap.push_str(&format!("<{:04X}> <{hex}>\n", code(c)));
            }
            cmap.push_str("endbfchar\n");
        }
        cmap.push_str("endcmap CMapName currentdict /CMap defineresource pop end end");
        objects.push(stream(cmap.as_bytes()));
        let to_unicode = objects.len();
        objects.push(
            b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Test /CIDSystemInfo << \
              /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 /FontDescriptor \
              << /Type /FontDescriptor /FontName /Test /Flags 4 /FontBBox [0 -200 1000 800] \
              /ItalicAngle 0 /Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 >> >>"
                .to_vec(),
        );
        let descendant = objects.len();
        objects.push(
            format!(
                "<< /Type /Font /Subtype /Type0 /BaseFont /Test /Encoding /Identity-H \
                 /DescendantFonts [{descendant} 0 R] /ToUnicode {to_unicode} 0 R >>"
            )
            .into_bytes(),
        );
        objects.len()
    } else {
        objects.push(
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
                .to_vec(),
        );
        objects.len()
    };
    let mut kids = Vec::new();
    for page in pages {
        let mut content = String::new();
        for t in page {
            let shown = if wide {
                let codes: String = t.text.chars().map(|c| format!("{:04X}", code(c))).collect();
                format!("<{codes}>")
            } else {
                let escaped = t
                    .text
                    .replace('\\', "\\\\")
                    .replace('(', "\\(")
                    .replace(')', "\\)");
                format!("({escaped})")
            };
            content.push_str(&format!(
                "BT /F1 {} Tf 1 0 0 1 {} {} Tm {shown} Tj ET\n",
                t.size,
                t.x,
                HEIGHT - t.y
            ));
        }
        objects.push(stream(content.as_bytes()));
        let contents = objects.len();
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 {HEIGHT}] /Resources << /Font \
                 << /F1 {font} 0 R >> >> /Contents {contents} 0 R >>"
            )
            .into_bytes(),
        );
        kids.push(format!("{} 0 R", objects.len()));
    }
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>".to_vec();
    objects[1] = format!(
        "<< /Type /Pages /Kids [{}] /Count {} >>",
        kids.join(" "),
        kids.len()
    )
    .into_bytes();
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(object);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn stream(data: &[u8]) -> Vec<u8> {
    let mut object = format!("<< /Length {} >>\nstream\n", data.len()).into_bytes();
    object.extend_from_slice(data);
    object.extend_from_slice(b"\nendstream");
    object
}
