//! Connecting to the database: the URL read as libpq reads it (with what
//! [`super::credentials`] completes it with, and [`super::tls`]'s `sslmode`s), and [`Conn`],
//! a connection that is made again when the server goes away and comes back, so that a
//! driver or a worker waits out a database restart instead of failing.

use super::credentials;
use super::tls::{SslMode, TlsSettings};
use crate::search::store::redact::redact;
use postgres::config::Host;
use postgres::{Client, Config, NoTls};
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// Where messages about a connection go.
pub type Log = Arc<dyn Fn(&str) + Send + Sync>;

/// How long to wait between tries while the database is away.
const RETRY: Duration = Duration::from_millis(500);

/// The URL's settings that nas reads itself rather than the client crate.
const OWN: [&str; 5] = ["service", "sslmode", "sslrootcert", "sslcert", "sslkey"];

/// A database to connect to: the client's configuration (password included) and TLS.
pub struct Target {
    config: Config,
    tls: TlsSettings,
    /// The URL with its password hidden, for messages.
    pub shown: String,
}

impl Target {
    /// Reads `url`, completing it from its service, `PGPASSWORD` or the password file.
    pub fn parse(url: &str) -> Result<Target, String> {
        let shown = redact(url);
        let bad = |e: String| format!("{shown} is not a PostgreSQL URL: {e}");
        let (rest, own) = split_own(url);
        let mut config = Config::from_str(&rest).map_err(|e| bad(redact(&e.to_string())))?;
        let mut tls = TlsSettings::default();
        let set = |key: &str, value: &str, tls: &mut TlsSettings| -> Result<(), String> {
            match key {
                "sslmode" => tls.mode = SslMode::parse(value)?,
                "sslrootcert" => tls.root = Some(PathBuf::from(value)),
                "sslcert" => tls.cert = Some(PathBuf::from(value)),
                "sslkey" => tls.key = Some(PathBuf::from(value)),
                _ => {}
            }
            Ok(())
        };
        for (k, v) in &own {
            set(k, v, &mut tls).map_err(&bad)?;
        }
        let service = own
            .iter()
            .find(|(k, _)| k == "service")
            .map(|(_, v)| v.clone())
            .or_else(|| std::env::var("PGSERVICE").ok().filter(|s| !s.is_empty()));
        if let Some(name) = service {
            let (file, settings) = credentials::service(&name).ok_or_else(|| {
                format!("{shown}: no service file has a section [{name}] (PGSERVICEFILE, ~/.pg_service.conf, PGSYSCONFDIR/pg_service.conf)")
            })?;
            for (k, v) in settings {
                let given = own.iter().any(|(o, _)| *o == k);
                let unknown = || {
                    format!(
                        "service `{name}` in {} sets `{k}`, which nas does not read",
                        file.display()
                    )
                };
                match k.as_str() {
                    "host" if config.get_hosts().is_empty() => {
                        config.host(&v);
                    }
                    "port" if config.get_ports().is_empty() => {
                        config.port(v.parse().map_err(|_| unknown())?);
                    }
                    "dbname" if config.get_dbname().is_none() => {
                        config.dbname(&v);
                    }
                    "user" if config.get_user().is_none() => {
                        config.user(&v);
                    }
                    "password" if config.get_password().is_none() => {
                        config.password(&v);
                    }
                    "connect_timeout" if config.get_connect_timeout().is_none() => {
                        let secs: u64 = v.parse().map_err(|_| unknown())?;
                        config.connect_timeout(Duration::from_secs(secs));
                    }
                    "sslmode" | "sslrootcert" | "sslcert" | "sslkey" if !given => {
                        set(&k, &v, &mut tls)?
                    }
                    "host" | "port" | "dbname" | "user" | "password" | "connect_timeout"
                    | "sslmode" | "sslrootcert" | "sslcert" | "sslkey" => {}
                    _ => return Err(unknown()),
                }
            }
        }
        if config.get_hosts().is_empty() {
            return Err(format!(
                "{shown} names no host; write postgres://USER@HOST:PORT/DB"
            ));
        }
        if config.get_user().is_none() {
            if let Some(user) = ["PGUSER", "USER"]
                .iter()
                .find_map(|v| std::env::var(v).ok().filter(|u| !u.is_empty()))
            {
                config.user(&user);
            }
        }
        if config.get_password().is_none() {
            let host = match &config.get_hosts()[0] {
                Host::Tcp(h) => h.clone(),
                Host::Unix(_) => "localhost".to_string(),
            };
            let port = config.get_ports().first().copied().unwrap_or(5432);
            let user = config.get_user().unwrap_or_default().to_string();
            let dbname = config.get_dbname().unwrap_or(user.as_str()).to_string();
            if let Some(p) = credentials::password(&host, port, &dbname, &user)? {
                config.password(&p);
            }
        }
        config.ssl_mode(match tls.mode {
            SslMode::Disable => postgres::config::SslMode::Disable,
            SslMode::Prefer => postgres::config::SslMode::Prefer,
            _ => postgres::config::SslMode::Require,
        });
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        Ok(Target { config, tls, shown })
    }

    /// Connects as `role` (shown to the server as the connection's application name).
    /// `Err((transient, message))`: whether trying again later may succeed.
    pub fn connect(&self, role: &str) -> Result<Client, (bool, String)> {
        let mut config = self.config.clone();
        config.application_name(&format!(
            "{role} (pid {} on {})",
            std::process::id(),
            super::host_name()
        ));
        let connected = match self.tls.connector().map_err(|e| (false, e))? {
            Some(tls) => config.connect(tls),
            None => config.connect(NoTls),
        };
        connected.map_err(|e| {
            let transient = match e.code() {
                Some(code) => transient_code(code.code()),
                None => !e.to_string().contains("TLS"),
            };
            (
                transient,
                format!("cannot connect to {}: {}", self.shown, super::db_error(&e)),
            )
        })
    }
}

/// Connects to the database at `url` as `role`; errors name the URL with its password
/// hidden.
pub fn connect(url: &str, role: &str) -> Result<Client, String> {
    Target::parse(url)?.connect(role).map_err(|(_, e)| e)
}

/// `url` without the settings nas reads itself, and those settings (decoded).
fn split_own(url: &str) -> (String, Vec<(String, String)>) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_string(), Vec::new());
    };
    let mut kept = Vec::new();
    let mut own = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        if OWN.contains(&k) {
            own.push((k.to_string(), percent_decode(v)));
        } else {
            kept.push(pair);
        }
    }
    let rest = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    (rest, own)
}

/// `text` with its `%XX` escapes decoded.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether an error of SQLSTATE `code` may pass (the connection lost, the server shutting
/// down or starting, too many connections, a serialization conflict).
fn transient_code(code: &str) -> bool {
    ["08", "57", "53"].iter().any(|c| code.starts_with(c)) || code == "40001" || code == "40P01"
}

/// Whether `e` may pass when tried again on a new connection.
pub fn transient(e: &postgres::Error) -> bool {
    match e.code() {
        Some(code) => transient_code(code.code()),
        None => {
            e.is_closed()
                || std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>())
                || e.to_string().contains("timeout")
        }
    }
}

/// What is done on each new connection before it is used (a driver takes its lock again);
/// `Ok(Err(message))` refuses to go on.
pub type Setup = Box<dyn FnMut(&mut Client) -> Result<Result<(), String>, postgres::Error> + Send>;

/// A connection made again whenever it breaks: operations wait (saying so once) while the
/// database is away and go on when it is back. An error that waiting cannot mend (a refused
/// password, a query the server rejects) is returned.
pub struct Conn {
    target: Target,
    role: String,
    client: Option<Client>,
    setup: Option<Setup>,
    log: Log,
    away: bool,
}

impl Conn {
    /// Connects to `url` as `role`; a database unreachable now is an error.
    pub fn open(url: &str, role: &str, log: Log) -> Result<Conn, String> {
        let target = Target::parse(url)?;
        let client = target.connect(role).map_err(|(_, e)| e)?;
        Ok(Conn {
            target,
            role: role.to_string(),
            client: Some(client),
            setup: None,
            log,
            away: false,
        })
    }

    /// The URL with its password hidden.
    pub fn shown(&self) -> &str {
        &self.target.shown
    }

    /// Runs `setup` on every new connection from now on.
    pub fn on_connect(&mut self, setup: Setup) {
        self.setup = Some(setup);
    }

    /// The connection as it is (no waiting): for the first steps of a process, where a
    /// database that is not there is an error.
    pub fn now(&mut self) -> Result<&mut Client, String> {
        if self.client.as_ref().is_none_or(Client::is_closed) {
            self.client = Some(self.target.connect(&self.role).map_err(|(_, e)| e)?);
        }
        Ok(self.client.as_mut().expect("connected above"))
    }

    /// Runs `op`, waiting through outages of the database.
    pub fn run<T>(
        &mut self,
        what: &str,
        mut op: impl FnMut(&mut Client) -> Result<T, postgres::Error>,
    ) -> Result<T, String> {
        loop {
            if let Some(v) = self.once(what, &mut op)? {
                return Ok(v);
            }
            std::thread::sleep(RETRY);
        }
    }

    /// Runs `op` once: `Ok(None)` when the database is away now.
    pub fn once<T>(
        &mut self,
        what: &str,
        op: &mut impl FnMut(&mut Client) -> Result<T, postgres::Error>,
    ) -> Result<Option<T>, String> {
        if self.client.as_ref().is_none_or(Client::is_closed) {
            self.client = None;
            match self.target.connect(&self.role) {
                Ok(mut c) => {
                    if let Some(setup) = self.setup.as_mut() {
                        match setup(&mut c) {
                            Ok(Ok(())) => {}
                            Ok(Err(refused)) => return Err(refused),
                            Err(e) if transient(&e) => {
                                self.note_away(&super::db_error(&e));
                                return Ok(None);
                            }
                            Err(e) => return Err(super::db_error(&e)),
                        }
                    }
                    self.client = Some(c);
                }
                Err((true, e)) => {
                    self.note_away(&e);
                    return Ok(None);
                }
                Err((false, e)) => return Err(e),
            }
        }
        let client = self.client.as_mut().expect("connected above");
        match op(client) {
            Ok(v) => {
                if self.away {
                    self.away = false;
                    (self.log)(&format!("{}: the database is back", self.target.shown));
                }
                Ok(Some(v))
            }
            Err(e) if transient(&e) => {
                self.client = None;
                self.note_away(&super::db_error(&e));
                Ok(None)
            }
            Err(e) => Err(format!(
                "{}: cannot {what}: {}",
                self.target.shown,
                super::db_error(&e)
            )),
        }
    }

    fn note_away(&mut self, why: &str) {
        if !self.away {
            self.away = true;
            (self.log)(&format!(
                "{}: the database is away ({why}); waiting for it",
                self.target.shown
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{percent_decode, split_own};

    #[test]
    fn the_settings_nas_reads_itself_leave_the_url() {
        let (rest, own) = split_own(
            "postgres://ann@db/nas?sslmode=verify-full&connect_timeout=3&sslrootcert=%2Ftmp%2Fca.crt",
        );
        assert_eq!(rest, "postgres://ann@db/nas?connect_timeout=3");
        assert_eq!(
            own,
            vec![
                ("sslmode".to_string(), "verify-full".to_string()),
                ("sslrootcert".to_string(), "/tmp/ca.crt".to_string())
            ]
        );
        assert_eq!(percent_decode("a%20b%zz"), "a b%zz");
    }
}
