//! The tables of the PostgreSQL store, created on first use, and the experiment rows.
//!
//! - `nas_experiments`: one row per experiment (its name is the key): the store's header,
//!   the nas version that wrote it, the recipe workers rebuild its evaluator from, and
//!   whether its driver finished.
//! - `nas_trials`: one row per trial: queued by the driver, claimed by a worker under a
//!   lease (`lease`, `lease_until`, `attempts`), finished with the worker's `result`, and
//!   recorded by the driver as the strategy saw it (`seen`, the order; `trial`, the record).
//! - `nas_ends`: the seeds whose run ended, why, and the wall and CPU seconds the run took.

use super::super::{Header, Recipe};
use super::{db_error, NAS_VERSION};
use postgres::Client;

const TABLES: &str = "
CREATE TABLE IF NOT EXISTS nas_experiments (
    name        text PRIMARY KEY,
    header      text NOT NULL,
    nas_version text NOT NULL,
    recipe      text,
    finished    boolean NOT NULL DEFAULT false,
    created     timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS nas_trials (
    experiment  text NOT NULL REFERENCES nas_experiments (name) ON DELETE CASCADE,
    seed        bigint NOT NULL,
    id          bigint NOT NULL,
    arch        text NOT NULL,
    fidelity    double precision,
    state       text NOT NULL DEFAULT 'queued',
    attempts    integer NOT NULL DEFAULT 0,
    lease       text,
    lease_until timestamptz,
    worker      text,
    result      text,
    finished_at timestamptz,
    seen        bigint,
    trial       text,
    PRIMARY KEY (experiment, seed, id)
);
CREATE INDEX IF NOT EXISTS nas_trials_open ON nas_trials (experiment, state)
    WHERE state <> 'finished';
CREATE TABLE IF NOT EXISTS nas_ends (
    experiment text NOT NULL REFERENCES nas_experiments (name) ON DELETE CASCADE,
    seed       bigint NOT NULL,
    reason     text NOT NULL,
    wall       double precision,
    cpu        double precision,
    PRIMARY KEY (experiment, seed)
);
";

/// Creates the tables when the database has none (one process at a time, under a
/// transaction-scoped advisory lock, so that concurrent first uses do not collide).
pub fn ensure(client: &mut Client) -> Result<(), String> {
    let mut tx = client.transaction().map_err(|e| db_error(&e))?;
    tx.execute("SELECT pg_advisory_xact_lock(7365821)", &[])
        .map_err(|e| db_error(&e))?;
    tx.batch_execute(TABLES).map_err(|e| db_error(&e))?;
    tx.commit().map_err(|e| db_error(&e))
}

/// The header of experiment `name`, if the database has it.
pub fn header(client: &mut Client, name: &str) -> Result<Option<Header>, String> {
    let row = client
        .query_opt(
            "SELECT header FROM nas_experiments WHERE name = $1",
            &[&name],
        )
        .map_err(|e| db_error(&e))?;
    row.map(|r| {
        let text: String = r.get(0);
        serde_json::from_str(&text)
            .map_err(|e| format!("experiment `{name}` has a header nas cannot read: {e}"))
    })
    .transpose()
}

/// Creates experiment `header.experiment` anew (an old one of that name, with its trials,
/// is removed).
pub fn create(client: &mut Client, header: &Header, recipe: Option<&Recipe>) -> Result<(), String> {
    let text = serde_json::to_string(header).map_err(|e| e.to_string())?;
    let recipe = recipe
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| e.to_string())?;
    let mut tx = client.transaction().map_err(|e| db_error(&e))?;
    tx.execute(
        "DELETE FROM nas_experiments WHERE name = $1",
        &[&header.experiment],
    )
    .map_err(|e| db_error(&e))?;
    tx.execute(
        "INSERT INTO nas_experiments (name, header, nas_version, recipe) VALUES ($1, $2, $3, $4)",
        &[&header.experiment, &text, &NAS_VERSION, &recipe],
    )
    .map_err(|e| db_error(&e))?;
    tx.commit().map_err(|e| db_error(&e))
}

/// Marks experiment `name` running again (a resumed driver), with the recipe it runs with.
pub fn reopen(client: &mut Client, name: &str, recipe: Option<&Recipe>) -> Result<(), String> {
    let recipe = recipe
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| e.to_string())?;
    client
        .execute(
            "UPDATE nas_experiments SET finished = false, nas_version = $2,
                 recipe = COALESCE($3, recipe)
             WHERE name = $1",
            &[&name, &NAS_VERSION, &recipe],
        )
        .map(|_| ())
        .map_err(|e| db_error(&e))
}

/// The experiment `wanted` names, or the database's only one.
pub fn pick(client: &mut Client, wanted: Option<&str>) -> Result<String, String> {
    let rows = client
        .query("SELECT name FROM nas_experiments ORDER BY created", &[])
        .map_err(|e| db_error(&e))?;
    let names: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    match wanted {
        Some(w) if names.iter().any(|n| n == w) => Ok(w.to_string()),
        Some(w) => Err(format!("no experiment `{w}` (it holds {})", list(&names))),
        None => match names.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err("it holds no experiment yet".to_string()),
            _ => Err(format!(
                "it holds several experiments ({}); name one with --experiment",
                list(&names)
            )),
        },
    }
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_string()
    } else {
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Who holds the advisory lock `key` (the connection's application name), if anyone.
pub fn lock_holder(client: &mut Client, key: i64) -> Option<String> {
    client
        .query_opt(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
             WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0
               AND l.objid = $1::bigint::oid AND l.objsubid = 1
             LIMIT 1",
            &[&key],
        )
        .ok()
        .flatten()
        .map(|r| r.get::<_, String>(0))
        .filter(|s| !s.is_empty())
}
