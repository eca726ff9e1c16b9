//! The page around the report's sections: escaping, the inline style sheet and the little
//! inline script (sorting tables). Nothing is loaded from elsewhere: the file works offline.

/// Text made safe for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A whole page: `title`, the navigation links `(anchor, name)` and the body's sections.
pub fn page(title: &str, nav: &[(&str, &str)], body: &str) -> String {
    let links: String = nav
        .iter()
        .map(|(anchor, name)| format!(r##"<a href="#{anchor}">{}</a>"##, escape(name)))
        .collect::<Vec<_>>()
        .join(" · ");
    format!(
        r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="qualcode report">
<title>{title}</title>
<style>{STYLE}</style>
</head>
<body>
<a class="skip" href="#main">Skip to the report</a>
<header><h1>{title}</h1><nav aria-label="Sections">{links}</nav></header>
<main id="main">
{body}
</main>
<script>{SCRIPT}</script>
</body>
</html>
"##,
        title = escape(title),
    )
}

const STYLE: &str = r#"
body{font-family:Georgia,"Times New Roman",serif;margin:0 auto;max-width:74rem;padding:0 1.2rem 3rem;line-height:1.45;color:#111;background:#fff}
header{border-bottom:1px solid #999;margin-bottom:1rem}
h1{font-size:1.6rem;margin:.8rem 0 .3rem}h2{font-size:1.3rem;margin-top:2.2rem;border-bottom:1px solid #ccc}h3{font-size:1.08rem;margin:1.4rem 0 .4rem}
nav{font-family:Helvetica,Arial,sans-serif;font-size:.9rem;padding:.3rem 0 .6rem}
a{color:#0b4f8a}a:focus,button:focus{outline:3px solid #E69F00;outline-offset:1px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.3rem}
table{border-collapse:collapse;font-family:Helvetica,Arial,sans-serif;font-size:.85rem;margin:.4rem 0}
th,td{border:1px solid #ccc;padding:.15rem .4rem;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
th button{font:inherit;font-weight:bold;background:none;border:0;padding:0;cursor:pointer;color:inherit;text-align:inherit}
th button::after{content:" \2195";color:#888}
.scroll{overflow-x:auto;max-width:100%}
.note{font-family:Helvetica,Arial,sans-serif;font-size:.85rem;color:#444}
.chip{display:inline-block;font-family:Helvetica,Arial,sans-serif;font-size:.72rem;padding:0 .35rem;margin:0 .2rem .1rem 0;border-radius:.2rem;color:#fff;border-left:.35rem solid rgba(0,0,0,.35)}
.chip.light{color:#000}
mark{background:#fde68a;padding:0 .05em;border-bottom:2px solid #b45309}
mark.negated{background:#e5e7eb;border-bottom:2px dashed #6b7280;text-decoration:line-through}
mark.below{background:#fef3c7;border-bottom:1px dotted #b45309}
.unit{margin:.5rem 0 .9rem;padding-left:.6rem;border-left:3px solid #ddd}
.where{font-family:Helvetica,Arial,sans-serif;font-size:.78rem;color:#555}
.doc .seg{display:grid;grid-template-columns:11rem 1fr;gap:.6rem;margin:.25rem 0}
.doc .margin{text-align:right}
.doc .seg.boilerplate,.doc .seg.footnote{color:#777;font-size:.9rem}
.doc .seg.heading .text{font-weight:bold}
.kind{font-family:Helvetica,Arial,sans-serif;font-size:.7rem;color:#888}
.pair{display:grid;grid-template-columns:1fr 9rem;gap:.6rem;border-top:1px solid #eee;padding:.3rem 0}
svg{max-width:100%;height:auto}
.figure svg{width:100%}
@media print{nav,.skip{display:none}body{max-width:none}h2{break-before:auto}.unit,.pair,.seg{break-inside:avoid}*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"#;

/// Sorts a table by a column when its header button is pressed (numbers by value, text
/// alphabetically; a second press reverses), and marks the page ready for the browser test.
const SCRIPT: &str = r#"
(function(){
  function key(cell){var v=cell.getAttribute('data-v');if(v!==null)return parseFloat(v);return cell.textContent.trim().toLowerCase();}
  document.querySelectorAll('table.sortable').forEach(function(table){
    table.querySelectorAll('thead th').forEach(function(th,col){
      var b=th.querySelector('button');if(!b)return;
      b.addEventListener('click',function(){
        var body=table.tBodies[0],rows=Array.prototype.slice.call(body.rows);
        var dir=th.getAttribute('aria-sort')==='ascending'?-1:1;
        table.querySelectorAll('thead th').forEach(function(o){o.removeAttribute('aria-sort');});
        th.setAttribute('aria-sort',dir===1?'ascending':'descending');
        rows.sort(function(a,b){var x=key(a.cells[col]),y=key(b.cells[col]);return (x<y?-1:x>y?1:0)*dir;});
        rows.forEach(function(r){body.appendChild(r);});
      });
    });
  });
  document.documentElement.setAttribute('data-ready','1');
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">Tom's & co</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom&#39;s &amp; co&lt;/a&gt;"
        );
    }

    #[test]
    fn the_page_loads_nothing_from_elsewhere() {
        let html = page("t", &[("a", "A")], "<p>x</p>");
        assert!(!html.contains("<link") && !html.contains(" src="));
        assert!(html.contains(r##"<a href="#a">A</a>"##));
    }
}
