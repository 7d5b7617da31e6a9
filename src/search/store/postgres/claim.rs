//! The workers' side of the database's queue: claiming one trial at a time under a lease
//! (`FOR UPDATE SKIP LOCKED`, so that two workers never take the same row), keeping leases
//! alive, and committing a result only while the lease is still the committer's. Errors are
//! the client's, for [`super::conn::Conn`] to tell an outage from a refusal.

use postgres::{Client, Error};
use std::time::Duration;

/// How many times a trial is claimed before it is given up (each claim after the first is a
/// retry after a worker stopped answering). A failed trial is final at once, not retried.
pub const RETRY_CAP: i32 = 3;

/// A trial a worker holds the lease of.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    /// The run's seed.
    pub seed: i64,
    /// The trial's id.
    pub id: i64,
    /// The architecture's canonical string.
    pub arch: String,
    /// The fidelity asked for.
    pub fidelity: Option<f64>,
    /// Which attempt this is, from 1.
    pub attempt: i32,
    /// The lease's token (unique to this claim).
    pub token: String,
}

/// Claims the first queued trial of `experiment` (or one whose lease ran out, below the
/// retry cap) for `lease`, with the lease token `token`.
pub fn claim(
    client: &mut Client,
    experiment: &str,
    token: &str,
    lease: Duration,
) -> Result<Option<Claim>, Error> {
    let row = client.query_opt(
        "UPDATE nas_trials
             SET state = 'running', attempts = attempts + 1, lease = $2,
                 lease_until = now() + $3::float8 * interval '1 second'
             WHERE (experiment, seed, id) = (
                 SELECT experiment, seed, id FROM nas_trials
                 WHERE experiment = $1 AND attempts < $4
                   AND (state = 'queued' OR (state = 'running' AND lease_until < now()))
                 ORDER BY seed, id
                 LIMIT 1
                 FOR UPDATE SKIP LOCKED)
             RETURNING seed, id, arch, fidelity, attempts",
        &[&experiment, &token, &lease.as_secs_f64(), &RETRY_CAP],
    )?;
    Ok(row.map(|r| Claim {
        seed: r.get(0),
        id: r.get(1),
        arch: r.get(2),
        fidelity: r.get(3),
        attempt: r.get(4),
        token: token.to_string(),
    }))
}

/// Commits `result` (encoded) for trial `id` of `seed` run under the lease `token`, as
/// `worker`; `false` when the lease is no longer the token's (it ran out and the trial went
/// to another worker, or was given up): the result is then dropped. A finished trial keeps
/// the token of the lease that committed it, so that a commit tried again after its answer
/// was lost (the database went away) is known for done, not dropped.
pub fn commit(
    client: &mut Client,
    experiment: &str,
    (seed, id, token): (i64, i64, &str),
    worker: &str,
    result: &str,
) -> Result<bool, Error> {
    let n = client.execute(
        "UPDATE nas_trials
         SET state = 'finished', result = $5, worker = $6, lease_until = NULL,
             finished_at = clock_timestamp()
         WHERE experiment = $1 AND seed = $2 AND id = $3 AND state = 'running' AND lease = $4",
        &[&experiment, &seed, &id, &token, &result, &worker],
    )?;
    if n == 1 {
        return Ok(true);
    }
    let row = client.query_opt(
        "SELECT state = 'finished' AND lease = $4 FROM nas_trials
         WHERE experiment = $1 AND seed = $2 AND id = $3",
        &[&experiment, &seed, &id, &token],
    )?;
    Ok(row.is_some_and(|r| r.get::<_, Option<bool>>(0) == Some(true)))
}

/// Extends the leases `tokens` by `lease` from now; returns how many are still held.
pub fn heartbeat(client: &mut Client, tokens: &[String], lease: Duration) -> Result<u64, Error> {
    if tokens.is_empty() {
        return Ok(0);
    }
    client.execute(
        "UPDATE nas_trials SET lease_until = now() + $2::float8 * interval '1 second'
         WHERE lease = ANY($1) AND state = 'running'",
        &[&tokens, &lease.as_secs_f64()],
    )
}

/// What a worker needs to know of an experiment before claiming its trials.
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentRow {
    /// Its name.
    pub name: String,
    /// The store's header (JSON).
    pub header: String,
    /// The nas version of its driver.
    pub nas_version: String,
    /// The recipe (JSON), if the driver left one.
    pub recipe: Option<String>,
    /// Whether its driver finished.
    pub finished: bool,
}

/// The row of experiment `name`, if there is one.
pub fn experiment(client: &mut Client, name: &str) -> Result<Option<ExperimentRow>, Error> {
    let row = client.query_opt(
        "SELECT name, header, nas_version, recipe, finished FROM nas_experiments
         WHERE name = $1",
        &[&name],
    )?;
    Ok(row.map(|r| ExperimentRow {
        name: r.get(0),
        header: r.get(1),
        nas_version: r.get(2),
        recipe: r.get(3),
        finished: r.get(4),
    }))
}
