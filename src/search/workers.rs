//! Workers that run evaluations: simulated ones (a table lookup happens at once; its cost
//! advances a simulated clock per worker), or threads that run real evaluations in parallel.

use super::evaluator::{Evaluator, Outcome};
use crate::space::Architecture;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Instant;

/// One evaluation to run.
#[derive(Debug, Clone)]
pub struct Job {
    /// The trial's id within its run.
    pub id: u64,
    /// The architecture's canonical string.
    pub key: String,
    /// The architecture.
    pub arch: Architecture,
    /// The fidelity asked for.
    pub fidelity: Option<f64>,
    /// The seed of the run it belongs to.
    pub run: u64,
    /// The trial whose training this one continues (`None`: it trains from scratch).
    pub continues: Option<u64>,
    /// The fidelities of the earlier trials whose training it continues, oldest first.
    pub from: Vec<Option<f64>>,
}

/// A job that finished.
#[derive(Debug, Clone)]
pub struct Finished {
    /// The job.
    pub job: Job,
    /// What the evaluator returned.
    pub outcome: Result<Outcome, String>,
    /// Seconds it cost.
    pub cost: f64,
    /// The clock when it finished (simulated, or wall seconds since the pool started).
    pub clock: f64,
    /// Which worker ran it.
    pub worker: usize,
}

/// `n` simulated workers: a job starts when its worker is free (never before `now`) and
/// finishes `cost` seconds later; jobs come back in order of finishing time.
#[derive(Debug, Clone)]
pub struct SimWorkers {
    free_at: Vec<f64>,
    pending: Vec<Finished>,
}

impl SimWorkers {
    /// `n` idle workers (at least one).
    pub fn new(n: usize) -> SimWorkers {
        SimWorkers {
            free_at: vec![0.0; n.max(1)],
            pending: Vec::new(),
        }
    }

    /// Schedules a job whose outcome is already known, at simulated time `now`.
    pub fn submit(&mut self, job: Job, outcome: Result<Outcome, String>, now: f64) {
        let cost = outcome.as_ref().map_or(0.0, |o| o.cost);
        let worker = (0..self.free_at.len())
            .min_by(|&a, &b| self.free_at[a].total_cmp(&self.free_at[b]))
            .unwrap_or(0);
        let finish = now.max(self.free_at[worker]) + cost;
        self.free_at[worker] = finish;
        self.pending.push(Finished {
            job,
            outcome,
            cost,
            clock: finish,
            worker,
        });
    }

    /// The job that finishes first (ties: the earlier submission), if any is pending.
    pub fn next_finished(&mut self) -> Option<Finished> {
        let i = (0..self.pending.len()).min_by(|&a, &b| {
            let (x, y) = (&self.pending[a], &self.pending[b]);
            x.clock.total_cmp(&y.clock).then(x.job.id.cmp(&y.job.id))
        })?;
        Some(self.pending.swap_remove(i))
    }

    /// How many jobs are pending.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }
}

thread_local! {
    static WORKER: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
}

/// The index of the worker thread running the caller (`None` outside worker threads), so
/// that an evaluator can give each worker its own GPU.
pub fn current_worker() -> Option<usize> {
    WORKER.with(std::cell::Cell::get)
}

/// `n` threads sharing one evaluator; jobs queue until a thread is free.
pub struct ThreadWorkers {
    jobs: Option<Sender<Job>>,
    results: Receiver<Finished>,
    threads: Vec<JoinHandle<()>>,
    pending: usize,
}

impl ThreadWorkers {
    /// Starts `n` worker threads (at least one); `clock_base` is added to their wall clock
    /// (the time a resumed run had already used).
    pub fn new(n: usize, evaluator: Arc<dyn Evaluator>, clock_base: f64) -> ThreadWorkers {
        let (job_tx, job_rx) = channel::<Job>();
        let (done_tx, done_rx) = channel::<Finished>();
        let job_rx = Arc::new(Mutex::new(job_rx));
        let started = Instant::now();
        let threads = (0..n.max(1))
            .map(|worker| {
                let (jobs, done, evaluator) =
                    (Arc::clone(&job_rx), done_tx.clone(), Arc::clone(&evaluator));
                std::thread::spawn(move || {
                    WORKER.with(|w| w.set(Some(worker)));
                    worker_loop(
                        worker,
                        &jobs,
                        &done,
                        evaluator.as_ref(),
                        clock_base,
                        started,
                    );
                })
            })
            .collect();
        ThreadWorkers {
            jobs: Some(job_tx),
            results: done_rx,
            threads,
            pending: 0,
        }
    }

    /// Queues a job.
    pub fn submit(&mut self, job: Job) -> Result<(), String> {
        let sender = self.jobs.as_ref().ok_or("the workers were stopped")?;
        sender
            .send(job)
            .map_err(|_| "every worker thread has stopped".to_string())?;
        self.pending += 1;
        Ok(())
    }

    /// A finished job if one is ready, without waiting.
    pub fn try_next(&mut self) -> Option<Finished> {
        let f = self.results.try_recv().ok()?;
        self.pending -= 1;
        Some(f)
    }

    /// Waits for the next finished job; `None` when nothing is pending or the workers died.
    pub fn next_finished(&mut self) -> Option<Finished> {
        if self.pending == 0 {
            return None;
        }
        let f = self.results.recv().ok()?;
        self.pending -= 1;
        Some(f)
    }

    /// How many jobs are queued or running.
    pub fn pending(&self) -> usize {
        self.pending
    }
}

impl Drop for ThreadWorkers {
    fn drop(&mut self) {
        self.jobs = None;
        for t in self.threads.drain(..) {
            // A worker that panicked has nothing more to give; the run already has its results.
            let _ = t.join();
        }
    }
}

/// A worker thread's loop: takes jobs until the queue closes, evaluates each and sends it back.
fn worker_loop(
    worker: usize,
    jobs: &Mutex<Receiver<Job>>,
    done: &Sender<Finished>,
    evaluator: &dyn Evaluator,
    clock_base: f64,
    started: Instant,
) {
    loop {
        let job = match jobs.lock() {
            Ok(rx) => match rx.recv() {
                Ok(job) => job,
                Err(_) => return,
            },
            Err(_) => return,
        };
        let t0 = Instant::now();
        let outcome =
            evaluator.evaluate_from(job.run, &job.key, &job.arch, job.fidelity, &job.from);
        let cost = t0.elapsed().as_secs_f64();
        let clock = clock_base + started.elapsed().as_secs_f64();
        if done
            .send(Finished {
                job,
                outcome,
                cost,
                clock,
                worker,
            })
            .is_err()
        {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(id: u64) -> Job {
        Job {
            id,
            key: format!("a{id}"),
            arch: Architecture::default(),
            fidelity: None,
            run: 0,
            continues: None,
            from: Vec::new(),
        }
    }

    fn ok(cost: f64) -> Result<Outcome, String> {
        Ok(Outcome {
            reward: 1.0,
            report: None,
            cost,
            weights: None,
        })
    }

    #[test]
    fn simulated_workers_finish_in_clock_order() {
        let mut w = SimWorkers::new(2);
        w.submit(job(0), ok(10.0), 0.0);
        w.submit(job(1), ok(3.0), 0.0);
        w.submit(job(2), ok(1.0), 0.0);
        let order: Vec<(u64, f64, usize)> = std::iter::from_fn(|| w.next_finished())
            .map(|f| (f.job.id, f.clock, f.worker))
            .collect();
        assert_eq!(order, vec![(1, 3.0, 1), (2, 4.0, 1), (0, 10.0, 0)]);
        assert_eq!(w.pending(), 0);
    }

    struct Echo;
    impl Evaluator for Echo {
        fn name(&self) -> &str {
            "echo"
        }
        fn evaluate(
            &self,
            _: u64,
            key: &str,
            _: &Architecture,
            _: Option<f64>,
        ) -> Result<Outcome, String> {
            key.strip_prefix('a')
                .and_then(|n| n.parse::<f64>().ok())
                .map(|r| Outcome {
                    reward: r,
                    report: None,
                    cost: 0.0,
                    weights: None,
                })
                .ok_or_else(|| "not a number".to_string())
        }
        fn simulated(&self) -> bool {
            false
        }
        fn fidelities(&self) -> Vec<f64> {
            Vec::new()
        }

        fn network(&self) -> Option<crate::search::store::NetworkInfo> {
            None
        }
    }

    #[test]
    fn threads_return_every_job() {
        let mut w = ThreadWorkers::new(3, Arc::new(Echo), 0.0);
        for id in 0..10 {
            w.submit(job(id)).expect("queued");
        }
        let mut rewards: Vec<f64> = std::iter::from_fn(|| w.next_finished())
            .map(|f| f.outcome.expect("ok").reward)
            .collect();
        rewards.sort_by(f64::total_cmp);
        assert_eq!(rewards, (0..10).map(f64::from).collect::<Vec<_>>());
        assert!(w.next_finished().is_none());
    }
}
