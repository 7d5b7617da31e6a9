//! The database as a network service, against a real PostgreSQL that each test starts (see
//! `tests/pg_common`): a password from the URL, `PGPASSWORD`, a password file
//! (`PGPASSFILE`) or a service file (`PGSERVICEFILE`), never shown in what nas prints,
//! stores, or puts on its local workers' command lines and environments; and TLS
//! (`sslmode=require`, `verify-ca`, `verify-full`) with a certificate the test makes with the
//! `openssl` command.

use crate::pg_common::Pg;
use crate::search_common::{nb201, synthetic_csv};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const PASSWORD: &str = "s3cret-pw-4711";

fn experiment(trials: usize) -> String {
    format!(
        r#"
import "stdlib/spaces/nb201.nas"

experiment q {{
    space     nb201
    evaluate  table(file: "table.csv", reward: "valid_200", report: "test")
    strategy  random
    budget    trials: {trials}
    objective maximize valid_200
}}
"#
    )
}

fn folder(trials: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("q.nas"), experiment(trials)).expect("write");
    std::fs::write(dir.path().join("table.csv"), synthetic_csv(&nb201())).expect("write");
    std::fs::create_dir(dir.path().join("home")).expect("home");
    dir
}

/// `nas ARGS` in `dir` with only the PostgreSQL settings `env` gives (HOME an empty folder).
fn nas(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nas"));
    cmd.args(args).current_dir(dir);
    for var in [
        "PGPASSWORD",
        "PGPASSFILE",
        "PGSERVICE",
        "PGSERVICEFILE",
        "PGSYSCONFDIR",
        "NAS_STORE",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("HOME", dir.join("home"))
        .env("PGSYSCONFDIR", dir.join("home"))
        .env("NAS_DATA", dir);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("nas runs")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Every text the database's nas tables hold.
fn database_text(pg: &Pg) -> String {
    let mut admin = pg.admin();
    ["nas_experiments", "nas_trials", "nas_ends"]
        .iter()
        .flat_map(|t| {
            admin
                .query(&format!("SELECT x::text FROM {t} x"), &[])
                .expect("read")
        })
        .map(|r| r.get::<_, String>(0))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A server where role `ann` logs in with a password over TCP.
fn password_server() -> Pg {
    let pg = Pg::start_with(|data| {
        let hba = data.join("pg_hba.conf");
        let old = std::fs::read_to_string(&hba).expect("pg_hba.conf");
        let ours = "host all ann 127.0.0.1/32 scram-sha-256\n";
        std::fs::write(&hba, format!("{ours}{old}")).expect("pg_hba.conf");
    });
    pg.admin()
        .batch_execute(&format!(
            "CREATE ROLE ann LOGIN SUPERUSER PASSWORD '{PASSWORD}'"
        ))
        .expect("role ann");
    pg
}

#[test]
fn a_password_comes_from_the_url_pgpassword_a_password_file_or_a_service_file() {
    let pg = password_server();
    let dir = folder(6);
    let d = dir.path();
    let out = nas(d, &["run", "q.nas", "--out", "a.jsonl"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    let plain = format!("postgres://ann@127.0.0.1:{}/postgres", pg.port);
    let with_password = format!("postgres://ann:{PASSWORD}@127.0.0.1:{}/postgres", pg.port);

    // No password anywhere: refused by the server, said plainly.
    let out = nas(d, &["store", "copy", "a.jsonl", &plain], &[]);
    assert!(!out.status.success());
    assert!(text(&out).contains("password"), "{}", text(&out));

    let out = nas(d, &["store", "copy", "a.jsonl", &with_password], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("postgres://ann:***@127.0.0.1"),
        "{}",
        text(&out)
    );

    let out = nas(
        d,
        &["store", "copy", &plain, "b.jsonl"],
        &[("PGPASSWORD", PASSWORD)],
    );
    assert!(out.status.success(), "{}", text(&out));

    let pgpass = d.join("pgpass");
    let line = format!("127.0.0.1:{}:postgres:ann:{PASSWORD}\n", pg.port);
    std::fs::write(&pgpass, format!("# nas\nelsewhere:*:*:*:wrong\n{line}")).expect("write");
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let file = pgpass.to_string_lossy().into_owned();
    let out = nas(
        d,
        &["store", "copy", &plain, "c.jsonl"],
        &[("PGPASSFILE", &file)],
    );
    assert!(!out.status.success());
    assert!(text(&out).contains("chmod 600"), "{}", text(&out));
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let out = nas(
        d,
        &["store", "copy", &plain, "c.jsonl"],
        &[("PGPASSFILE", &file)],
    );
    assert!(out.status.success(), "{}", text(&out));

    let services = d.join("services.conf");
    std::fs::write(
        &services,
        format!(
            "[other]\nhost=nowhere\n\n[nasdb]\nhost=127.0.0.1\nport={}\ndbname=postgres\nuser=ann\npassword={PASSWORD}\n",
            pg.port
        ),
    )
    .expect("write");
    let file = services.to_string_lossy().into_owned();
    let out = nas(
        d,
        &["store", "copy", "postgres://?service=nasdb", "e.jsonl"],
        &[("PGSERVICEFILE", &file)],
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = nas(
        d,
        &["store", "copy", "postgres://?service=missing", "f.jsonl"],
        &[("PGSERVICEFILE", &file)],
    );
    assert!(!out.status.success());
    assert!(
        text(&out).contains("no service file has a section [missing]"),
        "{}",
        text(&out)
    );

    let wrong = format!(
        "postgres://ann:not-{PASSWORD}@127.0.0.1:{}/postgres",
        pg.port
    );
    let out = nas(d, &["store", "copy", &wrong, "g.jsonl"], &[]);
    assert!(!out.status.success());
    let said = text(&out);
    assert!(said.contains("password authentication failed"), "{said}");
    assert!(
        !said.contains(PASSWORD) && !said.contains("panicked"),
        "{said}"
    );
    for copy in ["b.jsonl", "c.jsonl", "e.jsonl"] {
        let read = std::fs::read_to_string(d.join(copy)).expect("copied");
        assert_eq!(read, std::fs::read_to_string(d.join("a.jsonl")).expect("a"));
    }
}

/// The command lines and environments of the processes whose parent is `parent`.
fn children(parent: u32) -> Vec<(u32, String, String)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        let ppid = stat
            .rsplit(')')
            .next()
            .and_then(|rest| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        if ppid != Some(parent) {
            continue;
        }
        let read = |name: &str| {
            std::fs::read(entry.path().join(name))
                .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
                .unwrap_or_default()
        };
        found.push((pid, read("cmdline"), read("environ")));
    }
    found
}

#[test]
fn a_password_never_reaches_logs_the_store_or_the_workers_command_lines() {
    let pg = password_server();
    let dir = folder(60);
    let d = dir.path();
    let url = format!("postgres://ann:{PASSWORD}@127.0.0.1:{}/postgres", pg.port);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nas"));
    let driver = cmd
        .args(["run", "q.nas", "--store", &url, "--workers", "2"])
        .current_dir(d)
        .env("NAS_DATA", d)
        .env_remove("NAS_STORE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("driver starts");
    let mut seen = std::collections::BTreeMap::new();
    let started = std::time::Instant::now();
    while seen.len() < 2 && started.elapsed() < std::time::Duration::from_secs(60) {
        for (pid, cmdline, environ) in children(driver.id()) {
            if cmdline.contains(" worker ") {
                seen.insert(pid, (cmdline, environ));
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let out = driver.wait_with_output().expect("driver ends");
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("60 trials (0 failed)"), "{said}");
    assert_eq!(seen.len(), 2, "two local workers seen: {seen:?}");
    for (cmdline, environ) in seen.values() {
        assert!(cmdline.contains("--store -"), "{cmdline}");
        assert!(!cmdline.contains(PASSWORD), "{cmdline}");
        assert!(
            !environ.contains(PASSWORD),
            "the worker's environment holds the password"
        );
    }
    assert!(!said.contains(PASSWORD), "{said}");
    assert!(!database_text(&pg).contains(PASSWORD));
}

/// Runs `openssl ARGS` in `dir`.
fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "the openssl command cannot run ({e}): install it with `apt-get install openssl`"
            )
        });
    assert!(out.status.success(), "openssl {args:?}: {}", text(&out));
}

/// A certificate authority `name` in `dir` (`name.crt`, `name.key`).
fn authority(dir: &Path, name: &str) {
    let (key, crt) = (format!("{name}.key"), format!("{name}.crt"));
    openssl(
        dir,
        &[
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ]
        .iter()
        .copied()
        .chain([
            "-keyout",
            &key,
            "-out",
            &crt,
            "-subj",
            &format!("/CN={name}"),
        ])
        .collect::<Vec<_>>(),
    );
}

#[test]
fn tls_is_required_and_verified_against_a_generated_certificate() {
    let certs = tempfile::tempdir().expect("temp dir");
    let c = certs.path();
    authority(c, "ca");
    authority(c, "stranger");
    openssl(
        c,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost",
        ],
    );
    std::fs::write(c.join("san.ext"), "subjectAltName=DNS:localhost\n").expect("write");
    openssl(
        c,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "san.ext",
            "-out",
            "server.crt",
        ],
    );
    let pg = Pg::start_with(|data| {
        for f in ["server.crt", "server.key"] {
            std::fs::copy(c.join(f), data.join(f)).expect("copy");
        }
        std::fs::set_permissions(
            data.join("server.key"),
            std::fs::Permissions::from_mode(0o600),
        )
        .expect("chmod");
        let conf = data.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf).expect("conf");
        text.push_str("\nssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n");
        std::fs::write(&conf, text).expect("conf");
        let hba = data.join("pg_hba.conf");
        let old = std::fs::read_to_string(&hba).expect("pg_hba.conf");
        let ours = "hostnossl all tls all reject\nhostssl all tls all trust\n";
        std::fs::write(&hba, format!("{ours}{old}")).expect("pg_hba.conf");
    });
    pg.admin()
        .batch_execute("CREATE ROLE tls LOGIN SUPERUSER")
        .expect("role tls");
    let dir = folder(12);
    let d = dir.path();
    let at =
        |host: &str, query: &str| format!("postgres://tls@{host}:{}/postgres?{query}", pg.port);
    let root = |name: &str| format!("sslrootcert={}", c.join(format!("{name}.crt")).display());
    let full = at("localhost", &format!("sslmode=verify-full&{}", root("ca")));

    let out = nas(
        d,
        &["run", "q.nas", "--store", &full, "--workers", "2"],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("12 trials (0 failed)"),
        "{}",
        text(&out)
    );

    let copy = |url: &str, to: &str| nas(d, &["store", "copy", url, to], &[]);
    let out = copy(&at("127.0.0.1", "sslmode=disable"), "a.jsonl");
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("no encryption"), "{}", text(&out));
    for (n, ok) in [
        (at("127.0.0.1", "sslmode=require"), true),
        (
            at("127.0.0.1", &format!("sslmode=verify-ca&{}", root("ca"))),
            true,
        ),
        (
            at("127.0.0.1", &format!("sslmode=verify-full&{}", root("ca"))),
            false,
        ),
        (
            at(
                "localhost",
                &format!("sslmode=verify-full&{}", root("stranger")),
            ),
            false,
        ),
        (full.clone(), true),
    ]
    .iter()
    .enumerate()
    .map(|(i, (url, ok))| ((url.clone(), format!("{i}.jsonl")), *ok))
    {
        let out = copy(&n.0, &n.1);
        assert_eq!(out.status.success(), ok, "{}: {}", n.0, text(&out));
        if !ok {
            assert!(
                text(&out).contains("certificate verify failed"),
                "{}",
                text(&out)
            );
            assert!(!text(&out).contains("panicked"), "{}", text(&out));
        }
    }
}
