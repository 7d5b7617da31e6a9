//! A small reader for comma-separated tables with a header row (RFC 4180 quoting), enough
//! for benchmark tables; it reports the line of any malformed row.

/// A parsed table: the header's names and every row's fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Csv {
    /// Column names from the first line.
    pub header: Vec<String>,
    /// Rows, each as long as the header.
    pub rows: Vec<Vec<String>>,
}

/// Parses `text`; the error names the 1-based line of the problem.
pub fn parse(text: &str) -> Result<Csv, String> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, first)) = lines.next() else {
        return Err("the table is empty (no header line)".into());
    };
    let header = split(first).map_err(|e| format!("line 1: {e}"))?;
    let mut rows = Vec::new();
    for (i, line) in lines {
        let fields = split(line).map_err(|e| format!("line {}: {e}", i + 1))?;
        if fields.len() != header.len() {
            return Err(format!(
                "line {}: {} fields, but the header has {}",
                i + 1,
                fields.len(),
                header.len()
            ));
        }
        rows.push(fields);
    }
    Ok(Csv { header, rows })
}

fn split(line: &str) -> Result<Vec<String>, String> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    let mut out = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut was_quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() && !was_quoted => {
                quoted = true;
                was_quoted = true;
            }
            (false, ',') => {
                out.push(std::mem::take(&mut field));
                was_quoted = false;
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err("a quoted field is not closed".into());
    }
    out.push(field);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_plain_and_quoted_fields() {
        let t = parse("a,b,c\n1,\"x,y\",\"say \"\"hi\"\"\"\r\n\n2,,z\n").expect("parses");
        assert_eq!(t.header, ["a", "b", "c"]);
        assert_eq!(t.rows[0], ["1", "x,y", "say \"hi\""]);
        assert_eq!(t.rows[1], ["2", "", "z"]);
    }

    #[test]
    fn names_the_bad_line() {
        let e = parse("a,b\n1,2\n3\n").expect_err("short row");
        assert!(e.starts_with("line 3:"), "{e}");
        assert!(parse("").is_err());
        assert!(parse("a\n\"open\n")
            .expect_err("open quote")
            .contains("line 2"));
    }
}
