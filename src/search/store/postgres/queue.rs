//! The driver's side of the database's queue: it inserts the strategy's trials as queued rows
//! and waits for workers to finish them. A trial whose worker stopped answering past its
//! retry cap is given up here, as a failed trial saying so.

use super::super::{Returned, TrialQueue};
use super::claim::RETRY_CAP;
use super::conn::Conn;
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;
use std::time::Duration;

/// How long the driver waits between looks at the database while its trials run.
const POLL: Duration = Duration::from_millis(20);

/// One seed's trials in the database, as its driver sees them.
pub struct PgQueue {
    conn: Rc<RefCell<Conn>>,
    experiment: String,
    seed: i64,
    pending: BTreeSet<i64>,
    workers: Rc<RefCell<HashMap<String, usize>>>,
}

impl PgQueue {
    /// The queue of seed `seed` of `experiment`, over the driver's connection.
    pub fn new(
        conn: Rc<RefCell<Conn>>,
        experiment: String,
        seed: u64,
        workers: Rc<RefCell<HashMap<String, usize>>>,
    ) -> PgQueue {
        PgQueue {
            conn,
            experiment,
            seed: seed as i64,
            pending: BTreeSet::new(),
            workers,
        }
    }

    /// Gives up trials whose lease ran out after the last attempt the cap allows.
    fn give_up_lost(&self) -> Result<(), String> {
        let result = serde_json::json!({
            "error": format!("its worker stopped answering {RETRY_CAP} times (lease expired)")
        })
        .to_string();
        self.conn.borrow_mut().run("give up lost trials", |c| {
            c.execute(
                "UPDATE nas_trials SET state = 'finished', result = $3, lease = NULL,
                     lease_until = NULL, finished_at = clock_timestamp()
                 WHERE experiment = $1 AND seed = $2 AND state = 'running'
                   AND lease_until < now() AND attempts >= $4",
                &[&self.experiment, &self.seed, &result, &RETRY_CAP],
            )
            .map(|_| ())
        })
    }

    /// The number the worker named `name` has in this run's trials.
    fn worker_number(&self, name: &str) -> usize {
        let mut workers = self.workers.borrow_mut();
        let next = workers.len();
        *workers.entry(name.to_string()).or_insert(next)
    }
}

impl TrialQueue for PgQueue {
    fn submit(&mut self, id: u64, key: &str, fidelity: Option<f64>) -> Result<(), String> {
        let id = id as i64;
        // Queued now, or by an earlier attempt of this run (a driver restarted, or a write
        // whose answer the database's outage lost): the same trial, or a divergence.
        let (arch, stored): (String, Option<f64>) =
            self.conn.borrow_mut().run("queue a trial", |c| {
                let row = c.query_one(
                    "WITH queued AS (
                         INSERT INTO nas_trials (experiment, seed, id, arch, fidelity)
                         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (experiment, seed, id) DO NOTHING
                         RETURNING arch, fidelity)
                     SELECT arch, fidelity FROM queued
                     UNION ALL
                     SELECT arch, fidelity FROM nas_trials
                     WHERE experiment = $1 AND seed = $2 AND id = $3
                       AND NOT EXISTS (SELECT 1 FROM queued)",
                    &[&self.experiment, &self.seed, &id, &key, &fidelity],
                )?;
                Ok((row.get(0), row.get(1)))
            })?;
        if arch != key || stored != fidelity {
            return Err(format!(
                "resume diverged at trial {id}: the database holds `{arch}` (fidelity {stored:?}) but the strategy asked for `{key}` (fidelity {fidelity:?})"
            ));
        }
        self.pending.insert(id);
        Ok(())
    }

    fn next_finished(&mut self, wait: bool) -> Result<Option<Returned>, String> {
        loop {
            if self.pending.is_empty() {
                return Ok(None);
            }
            self.give_up_lost()?;
            let ids: Vec<i64> = self.pending.iter().copied().collect();
            let row = self.conn.borrow_mut().run("read finished trials", |c| {
                c.query_opt(
                    "SELECT id, result, worker FROM nas_trials
                     WHERE experiment = $1 AND seed = $2 AND id = ANY($3) AND state = 'finished'
                     ORDER BY finished_at, id LIMIT 1",
                    &[&self.experiment, &self.seed, &ids],
                )
            })?;
            if let Some(row) = row {
                let (id, result, worker): (i64, Option<String>, Option<String>) =
                    (row.get(0), row.get(1), row.get(2));
                self.pending.remove(&id);
                let result = decode(result.as_deref().unwrap_or("{}"));
                let worker = self.worker_number(worker.as_deref().unwrap_or("?"));
                return Ok(Some(Returned {
                    id: id as u64,
                    result,
                    worker,
                }));
            }
            if !wait {
                return Ok(None);
            }
            std::thread::sleep(POLL);
        }
    }

    fn pending(&self) -> usize {
        self.pending.len()
    }
}

/// A worker's result as the database holds it: `{"reward", "report", "cost"}` or
/// `{"error"}`.
fn decode(text: &str) -> Result<(f64, Option<f64>, f64), String> {
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("an unreadable result: {e}"))?;
    if let Some(e) = v.get("error").and_then(|e| e.as_str()) {
        return Err(e.to_string());
    }
    let reward = v
        .get("reward")
        .and_then(serde_json::Value::as_f64)
        .ok_or("a result without a reward")?;
    let report = v.get("report").and_then(serde_json::Value::as_f64);
    let cost = v
        .get("cost")
        .and_then(serde_json::Value::as_f64)
        .unwrap_or(0.0);
    Ok((reward, report, cost))
}

/// A worker's result as the database keeps it ([`decode`] reads it back).
pub fn encode(result: &Result<(f64, Option<f64>, f64), String>) -> String {
    match result {
        Ok((reward, report, cost)) => {
            serde_json::json!({ "reward": reward, "report": report, "cost": cost })
        }
        Err(e) => serde_json::json!({ "error": e }),
    }
    .to_string()
}
