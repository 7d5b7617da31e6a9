//! Hiding credentials in text that nas prints or writes: a password in a URL's user part
//! (`postgres://user:secret@host/db`) or given as `password=…` (a URL's query or a
//! key-value connection string) becomes `***`.

/// `text` with every password it holds replaced by `***`.
pub fn redact(text: &str) -> String {
    redact_parameters(&redact_userinfo(text))
}

/// Replaces the password of each `scheme://user:password@` in `text`.
fn redact_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (head, tail) = rest.split_at(at + 3);
        out.push_str(head);
        let authority_end = tail
            .find(|c: char| c == '/' || c == '?' || c == '#' || c.is_whitespace())
            .unwrap_or(tail.len());
        let authority = &tail[..authority_end];
        match authority.rfind('@') {
            Some(user_end) => {
                let userinfo = &authority[..user_end];
                match userinfo.find(':') {
                    Some(colon) => {
                        out.push_str(&userinfo[..colon]);
                        out.push_str(":***");
                    }
                    None => out.push_str(userinfo),
                }
                out.push_str(&authority[user_end..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[authority_end..];
    }
    out.push_str(rest);
    out
}

/// Replaces the value of each `password=…` in `text` (up to `&`, a space or a quote).
fn redact_parameters(text: &str) -> String {
    const KEY: &str = "password=";
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    while let Some(i) = lower[from..].find(KEY) {
        let value = from + i + KEY.len();
        out.push_str(&text[from..value]);
        let end = text[value..]
            .find(|c: char| c == '&' || c == '\'' || c == '"' || c.is_whitespace())
            .map_or(text.len(), |e| value + e);
        if end > value {
            out.push_str("***");
        }
        from = end;
    }
    out.push_str(&text[from..]);
    out
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_in_urls_and_parameters_are_hidden() {
        assert_eq!(
            redact("nas worker --store postgres://ann:s3cr%40t@db:5432/nas?sslmode=require"),
            "nas worker --store postgres://ann:***@db:5432/nas?sslmode=require"
        );
        assert_eq!(
            redact("postgres://db/nas?user=ann&password=hunter2&sslmode=require"),
            "postgres://db/nas?user=ann&password=***&sslmode=require"
        );
        assert_eq!(
            redact("host=db user=ann PASSWORD=x dbname=nas"),
            "host=db user=ann PASSWORD=*** dbname=nas"
        );
        assert_eq!(redact("postgres://ann@db/nas"), "postgres://ann@db/nas");
        assert_eq!(redact("runs/t.jsonl"), "runs/t.jsonl");
    }
}
