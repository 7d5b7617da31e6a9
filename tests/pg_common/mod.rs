//! A throwaway PostgreSQL server for tests: Debian's `postgresql` binaries
//! (`/usr/lib/postgresql/*/bin`), a cluster made by `initdb` in a temporary folder and run on
//! a free local port, stopped (and removed) when the value is dropped. `initdb` refuses to
//! run as root, so as root the cluster belongs to the `postgres` user (which Debian's package
//! creates), else `nobody`, and the server runs as that user through `runuser`. A machine
//! without PostgreSQL fails the test with how to install it; it never skips.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A running throwaway server.
pub struct Pg {
    bin: PathBuf,
    dir: tempfile::TempDir,
    user: Option<String>,
    /// Whether the server syncs its writes to disk (off for tests, on for benchmarks).
    pub fsync: bool,
    /// The server's port on 127.0.0.1.
    pub port: u16,
    /// A URL of the server's `postgres` database, as role `nas` (no password: `trust`).
    pub url: String,
}

/// The folder of the newest installed PostgreSQL's binaries.
fn bin_dir() -> PathBuf {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    found.sort();
    match found.pop() {
        Some((_, bin)) => bin,
        None => panic!(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): install it with `apt-get install postgresql` (`make test` does), then run the test again"
        ),
    }
}

fn is_root() -> bool {
    // SAFETY: `geteuid` only reads the process's credentials.
    unsafe { libc::geteuid() == 0 }
}

/// Runs `program ARGS` as `user` (when set, through `runuser`), panicking with its output
/// when it fails.
fn run_as(user: Option<&str>, program: &Path, args: &[&str]) -> String {
    let mut cmd = match user {
        Some(u) => {
            let mut c = Command::new("runuser");
            c.args(["-u", u, "--"]).arg(program);
            c
        }
        None => Command::new(program),
    };
    let out = cmd.args(args).output().expect("starts");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "{} {args:?} failed:\n{text}",
        program.display()
    );
    text
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Pg {
    /// Makes a cluster and starts its server.
    pub fn start() -> Pg {
        Pg::start_with(|_| {})
    }

    /// Makes a cluster, lets `configure` change it (its data folder given: append to
    /// `postgresql.conf`, put lines before `pg_hba.conf`'s), and starts its server.
    pub fn start_with(configure: impl FnOnce(&Path)) -> Pg {
        let bin = bin_dir();
        let dir = tempfile::tempdir().expect("temp dir");
        let user = is_root().then(|| {
            let has_postgres = Command::new("id")
                .arg("postgres")
                .output()
                .is_ok_and(|o| o.status.success());
            if has_postgres { "postgres" } else { "nobody" }.to_string()
        });
        if let Some(u) = &user {
            let chown = Command::new("chown")
                .arg(format!("{u}:"))
                .arg(dir.path())
                .status()
                .expect("chown runs");
            assert!(
                chown.success(),
                "cannot give {} to {u}",
                dir.path().display()
            );
        }
        let data = dir.path().join("data");
        let data_s = data.to_string_lossy().into_owned();
        run_as(
            user.as_deref(),
            &bin.join("initdb"),
            &[
                "-D",
                &data_s,
                "-A",
                "trust",
                "-U",
                "nas",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        configure(&data);
        if let Some(u) = &user {
            let chown = Command::new("chown")
                .args(["-R", &format!("{u}:")])
                .arg(&data)
                .status()
                .expect("chown runs");
            assert!(chown.success(), "cannot give {} to {u}", data.display());
        }
        let port = free_port();
        let pg = Pg {
            url: format!("postgres://nas@127.0.0.1:{port}/postgres"),
            bin,
            dir,
            user,
            fsync: false,
            port,
        };
        pg.up();
        pg
    }

    /// Makes a cluster and starts its server with PostgreSQL's durable defaults (every
    /// commit synced to disk), as a benchmark should measure it.
    pub fn start_durable() -> Pg {
        let mut pg = Pg::start();
        pg.stop();
        pg.fsync = true;
        pg.up();
        pg
    }

    /// Starts the server (again, after [`Pg::stop`]), waiting until it accepts connections.
    pub fn up(&self) {
        let data = self.dir.path().join("data").to_string_lossy().into_owned();
        let log = self.dir.path().join("log").to_string_lossy().into_owned();
        let socket = self.dir.path().to_string_lossy().into_owned();
        // fsync off: the tests stop the server, never the machine, so what is written
        // survives; commits stay synchronous, so a committed row is never lost to a stop.
        let fsync = if self.fsync { "on" } else { "off" };
        let options = format!("-p {} -k {socket} -h 127.0.0.1 -c fsync={fsync}", self.port);
        run_as(
            self.user.as_deref(),
            &self.bin.join("pg_ctl"),
            &["-D", &data, "-o", &options, "-l", &log, "-w", "start"],
        );
    }

    /// The cluster's data folder.
    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// A client connected as the cluster's superuser (`nas`).
    pub fn admin(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, postgres::NoTls).expect("connect as nas")
    }

    /// Stops the server at once (`immediate`: as a crash would).
    pub fn stop(&self) {
        let data = self.dir.path().join("data").to_string_lossy().into_owned();
        run_as(
            self.user.as_deref(),
            &self.bin.join("pg_ctl"),
            &["-D", &data, "-m", "immediate", "-w", "stop"],
        );
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        if data.join("postmaster.pid").exists() {
            let _ = Command::new(match &self.user {
                Some(_) => PathBuf::from("runuser"),
                None => self.bin.join("pg_ctl"),
            })
            .args(match &self.user {
                Some(u) => vec![
                    "-u".to_string(),
                    u.clone(),
                    "--".to_string(),
                    self.bin.join("pg_ctl").to_string_lossy().into_owned(),
                ],
                None => Vec::new(),
            })
            .arg("-D")
            .arg(&data)
            .args(["-m", "immediate", "-w", "stop"])
            .output();
        }
    }
}
