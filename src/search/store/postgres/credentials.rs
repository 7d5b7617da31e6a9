//! What completes a database URL as libpq would: a connection service file's section
//! (`?service=NAME` or `PGSERVICE`; `PGSERVICEFILE` or `~/.pg_service.conf`, then
//! `PGSYSCONFDIR/pg_service.conf`, Debian's `/etc/postgresql-common` by default) and, for a
//! connection with no password yet, `PGPASSWORD`, then the password file (`PGPASSFILE` or
//! `~/.pgpass`, which must not be readable by group or others). The password is handed to
//! the client's configuration only; nothing here prints it.

use std::path::{Path, PathBuf};

/// A service file's path and the `key=value` settings of one of its sections.
pub type Service = (PathBuf, Vec<(String, String)>);

/// The settings of section `name` of the first service file that has it, with the file's
/// path; `None` when no service file names it.
pub fn service(name: &str) -> Option<Service> {
    for file in service_files() {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        if let Some(settings) = service_section(&text, name) {
            return Some((file, settings));
        }
    }
    None
}

/// Where service files are looked for, in order.
fn service_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    match std::env::var_os("PGSERVICEFILE") {
        Some(f) => files.push(PathBuf::from(f)),
        None => {
            if let Some(home) = std::env::var_os("HOME") {
                files.push(PathBuf::from(home).join(".pg_service.conf"));
            }
        }
    }
    let sysconf = std::env::var_os("PGSYSCONFDIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/etc/postgresql-common"));
    files.push(sysconf.join("pg_service.conf"));
    files
}

/// The `key=value` lines of section `[name]` of a service file's `text`.
fn service_section(text: &str, name: &str) -> Option<Vec<(String, String)>> {
    let mut inside = false;
    let mut found = false;
    let mut settings = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            if found {
                break;
            }
            inside = section.trim() == name;
            found = inside;
            continue;
        }
        if inside {
            if let Some((k, v)) = line.split_once('=') {
                settings.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
    }
    found.then_some(settings)
}

/// The password for `user` at `host:port/dbname`: `PGPASSWORD`, else the password file's
/// first matching line. A password file that group or others may read is refused, as libpq
/// refuses it.
pub fn password(host: &str, port: u16, dbname: &str, user: &str) -> Result<Option<String>, String> {
    if let Some(p) = std::env::var_os("PGPASSWORD").filter(|p| !p.is_empty()) {
        return Ok(Some(p.to_string_lossy().into_owned()));
    }
    let file = match std::env::var_os("PGPASSFILE") {
        Some(f) => PathBuf::from(f),
        None => match std::env::var_os("HOME") {
            Some(home) => PathBuf::from(home).join(".pgpass"),
            None => return Ok(None),
        },
    };
    let Ok(text) = std::fs::read_to_string(&file) else {
        return Ok(None);
    };
    check_private(&file)?;
    Ok(pgpass_lookup(&text, host, &port.to_string(), dbname, user))
}

/// Refuses a password file that group or others may read.
fn check_private(file: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(file)
        .map(|m| m.permissions().mode())
        .unwrap_or(0);
    if mode & 0o077 != 0 {
        return Err(format!(
            "the password file {} may be read by group or others; make it private with `chmod 600 {}`",
            file.display(),
            file.display()
        ));
    }
    Ok(())
}

/// The password of the first line of a password file's `text` matching the connection
/// (`host:port:database:user:password`, `*` matching anything, `\` escaping `:` and `\`).
fn pgpass_lookup(text: &str, host: &str, port: &str, dbname: &str, user: &str) -> Option<String> {
    for line in text.lines() {
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields = split_escaped(line);
        let [h, p, d, u, password] = fields.as_slice() else {
            continue;
        };
        let matches = |pattern: &str, value: &str| pattern == "*" || pattern == value;
        if matches(h, host) && matches(p, port) && matches(d, dbname) && matches(u, user) {
            return Some(password.clone());
        }
    }
    None
}

/// A password file's line split at its unescaped colons, escapes removed.
fn split_escaped(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let (Some(next), Some(field)) = (chars.next(), fields.last_mut()) {
                    field.push(next);
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            _ => {
                if let Some(field) = fields.last_mut() {
                    field.push(c);
                }
            }
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::{pgpass_lookup, service_section};

    #[test]
    fn password_file_lines_match_with_wildcards_and_escapes() {
        let text = "# comment\ndb:5432:nas:ann:first\n*:*:*:bob:a\\:b\\\\c\nother:*:*:*:x\n";
        assert_eq!(
            pgpass_lookup(text, "db", "5432", "nas", "ann").as_deref(),
            Some("first")
        );
        assert_eq!(
            pgpass_lookup(text, "h", "1", "d", "bob").as_deref(),
            Some("a:b\\c")
        );
        assert_eq!(pgpass_lookup(text, "db", "5433", "nas", "ann"), None);
        assert_eq!(
            pgpass_lookup(text, "other", "1", "d", "zed").as_deref(),
            Some("x")
        );
    }

    #[test]
    fn a_service_section_is_read_up_to_the_next() {
        let text = "[a]\nhost=one\n\n[nas]\n# c\nhost = db\nport=5433\n[b]\nhost=two\n";
        assert_eq!(
            service_section(text, "nas"),
            Some(vec![
                ("host".to_string(), "db".to_string()),
                ("port".to_string(), "5433".to_string())
            ])
        );
        assert_eq!(service_section(text, "zzz"), None);
    }
}
