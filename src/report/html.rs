//! The report page: one self-contained HTML file (inline SVG, inline style and one small
//! inline script that sorts the trial table; nothing is fetched from anywhere).

use std::fmt::Write;

/// `text` with HTML's special characters escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A table: a header row and rows of cells; numeric cells sort as numbers. `sortable` tables
/// sort by a column when its header is clicked.
pub fn table(header: &[&str], rows: &[Vec<String>], sortable: bool) -> String {
    let mut out = String::new();
    let class = if sortable { " class=\"sortable\"" } else { "" };
    let _ = write!(out, "<table{class}><thead><tr>");
    for h in header {
        let _ = write!(out, "<th>{}</th>", escape(h));
    }
    out.push_str("</tr></thead><tbody>\n");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            let _ = write!(out, "<td>{}</td>", escape(cell));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table>\n");
    out
}

/// The whole page around `body`.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>{title}</title>\n<style>{STYLE}</style></head>\n<body>\n<h1>{title}</h1>\n{body}\
<script>{SCRIPT}</script>\n</body></html>\n",
        title = escape(title)
    )
}

const STYLE: &str = "body{font-family:sans-serif;margin:2em;color:#222;max-width:1100px}\
h2{margin-top:2em;border-bottom:1px solid #ccc}\
table{border-collapse:collapse;font-size:13px;margin:1em 0}\
th,td{border:1px solid #ddd;padding:3px 8px;text-align:left}\
th{background:#f3f3f3}table.sortable th{cursor:pointer}\
td{font-family:monospace;white-space:nowrap}\
.note{color:#555;font-size:14px}\
.chart svg{max-width:100%;height:auto}";

/// Sorts a `table.sortable` by the clicked column (numbers as numbers, empty cells last);
/// clicking again reverses the order.
const SCRIPT: &str = "document.querySelectorAll('table.sortable th').forEach(function(th,col){\
th.addEventListener('click',function(){\
var body=th.closest('table').tBodies[0];var rows=Array.from(body.rows);\
var asc=th.dataset.asc!=='1';th.dataset.asc=asc?'1':'0';\
function key(r){var t=r.cells[col].textContent;var n=parseFloat(t);return t===''?null:(isNaN(n)?t:n);}\
rows.sort(function(a,b){var x=key(a),y=key(b);if(x===null)return 1;if(y===null)return -1;\
var c=(typeof x==='number'&&typeof y==='number')?x-y:String(x).localeCompare(String(y));\
return asc?c:-c;});rows.forEach(function(r){body.appendChild(r);});});});";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_tables_hold_their_cells() {
        assert_eq!(escape("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
        let t = table(
            &["arch", "reward"],
            &[vec!["|x~0|".into(), "0.5".into()]],
            true,
        );
        assert!(t.starts_with("<table class=\"sortable\">"));
        assert!(t.contains("<td>|x~0|</td><td>0.5</td>"));
        let p = page("r <1>", &t);
        assert!(p.contains("<title>r &lt;1&gt;</title>") && p.contains("<script>"));
        assert!(!p.contains("http"), "a report fetches nothing");
    }
}
