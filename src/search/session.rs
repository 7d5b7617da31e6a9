//! The state of one run (one seed) behind a strategy's `ctx`: budget, workers, the history
//! of finished trials, and replay of a stored run so that a resumed search repeats no trial.

use super::arch_metrics::{Measuring, Objectives};
use super::budget::{Budget, Spent};
use super::evaluator::{Evaluator, Outcome};
use super::store::{Returned, TrialQueue};
use super::trial::{Status, Trial};
use super::workers::{Finished, Job, SimWorkers, ThreadWorkers};
use crate::space::Architecture;
use crate::train::checkpoint::Snapshot;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Why a host call could not go on; the runner turns each into an end of the run.
#[derive(Debug, Clone, PartialEq)]
pub enum Stop {
    /// A budget limit was reached: the normal end of a search.
    Budget(Spent),
    /// `next_result` was called with nothing submitted.
    NothingPending,
    /// On resume, the strategy asked for a different trial than the store holds.
    Diverged(String),
    /// The trial store could not be written, or the workers died.
    Io(String),
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stop::Budget(spent) => write!(f, "{spent}"),
            Stop::NothingPending => f.write_str("next_result() was called with no trial submitted"),
            Stop::Diverged(m) | Stop::Io(m) => f.write_str(m),
        }
    }
}

/// Receives every trial as it finishes (the trial store, the progress bar), with the trained
/// weights its evaluator handed back, if any.
pub type Sink = Box<dyn FnMut(&Trial, Option<&Snapshot>) -> Result<(), String>>;

enum Workers {
    Simulated(SimWorkers),
    Threads(ThreadWorkers),
    /// Workers in other processes, through the trial store's queue; the jobs they run.
    Remote(Box<dyn TrialQueue>, HashMap<u64, Job>),
}

/// One run of a strategy against an evaluator.
pub struct Session {
    seed: u64,
    evaluator: Arc<dyn Evaluator>,
    budget: Budget,
    sign: f64,
    workers: Workers,
    /// Stored trials not yet replayed, by id.
    replay: HashMap<u64, Trial>,
    /// Replayed results waiting to be handed out (thread workers), in stored finishing order.
    replayed: Vec<Trial>,
    /// Stored trials resubmitted to the simulated workers, by id, until they come back.
    replaying: HashMap<u64, Trial>,
    ready: VecDeque<Trial>,
    history: Vec<Trial>,
    submitted: u64,
    done: u64,
    clock: f64,
    started: Instant,
    wall_offset: f64,
    host_time: Duration,
    sink: Option<Sink>,
    objectives: Option<Arc<Objectives>>,
}

impl Session {
    /// A run with seed `seed`: `workers` parallel evaluations, `maximize` the first
    /// objective's direction, `objectives` the objectives after it (measured for every
    /// finished trial), and `stored` the trials a previous attempt of this run finished
    /// (replayed instead of evaluated again).
    pub fn new(
        seed: u64,
        evaluator: Arc<dyn Evaluator>,
        budget: Budget,
        (workers, maximize): (usize, bool),
        objectives: Option<Arc<Objectives>>,
        stored: Vec<Trial>,
    ) -> Session {
        let wall_offset = if evaluator.simulated() {
            0.0
        } else {
            stored.iter().map(|t| t.clock).fold(0.0, f64::max)
        };
        let pool = if evaluator.simulated() {
            Workers::Simulated(SimWorkers::new(workers))
        } else {
            let threaded: Arc<dyn Evaluator> = match &objectives {
                Some(o) => Arc::new(Measuring {
                    inner: Arc::clone(&evaluator),
                    objectives: Arc::clone(o),
                }),
                None => Arc::clone(&evaluator),
            };
            Workers::Threads(ThreadWorkers::new(workers, threaded, wall_offset))
        };
        Session {
            seed,
            evaluator,
            budget,
            sign: if maximize { 1.0 } else { -1.0 },
            workers: pool,
            replay: stored.into_iter().map(|t| (t.id, t)).collect(),
            replayed: Vec::new(),
            replaying: HashMap::new(),
            ready: VecDeque::new(),
            history: Vec::new(),
            submitted: 0,
            done: 0,
            clock: 0.0,
            started: Instant::now(),
            wall_offset,
            host_time: Duration::ZERO,
            sink: None,
            objectives,
        }
    }

    /// Hands evaluations to workers in other processes through `queue` instead of running
    /// them here.
    pub fn with_queue(mut self, queue: Box<dyn TrialQueue>) -> Session {
        self.workers = Workers::Remote(queue, HashMap::new());
        self
    }

    /// Sets the receiver of newly finished trials (replayed ones are not sent again).
    pub fn set_sink(&mut self, sink: Sink) {
        self.sink = Some(sink);
    }

    /// The run's seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// +1 when maximising, -1 when minimising: a trial's raw reward times this is what
    /// strategies maximise.
    pub fn sign(&self) -> f64 {
        self.sign
    }

    /// The evaluator's supported fidelities.
    pub fn fidelities(&self) -> Vec<f64> {
        self.evaluator.fidelities()
    }

    /// Finished trials, in finishing order.
    pub fn history(&self) -> &[Trial] {
        &self.history
    }

    /// Trials submitted so far.
    pub fn submitted(&self) -> u64 {
        self.submitted
    }

    /// Trials submitted but not yet handed to the strategy.
    pub fn pending(&self) -> usize {
        let running = match &self.workers {
            Workers::Simulated(w) => w.pending(),
            Workers::Threads(w) => w.pending(),
            Workers::Remote(q, _) => q.pending(),
        };
        running + self.replayed.len() + self.ready.len()
    }

    /// The simulated clock (wall seconds for real evaluators).
    pub fn clock(&self) -> f64 {
        self.clock
    }

    /// Wall seconds this run has used, across resumes.
    pub fn wall(&self) -> f64 {
        self.wall_offset + self.started.elapsed().as_secs_f64()
    }

    /// Time spent inside host calls that wait for evaluations (not script time).
    pub fn host_time(&self) -> Duration {
        self.host_time
    }

    /// The budget.
    pub fn budget(&self) -> &Budget {
        &self.budget
    }

    /// Whether another trial may be submitted.
    pub fn check_budget(&self) -> Result<(), Spent> {
        self.budget.check(self.submitted, self.wall(), self.clock)
    }

    /// The best finished trial: the highest oriented reward among those at the highest
    /// fidelity any finished trial used (full fidelity counts as the highest).
    pub fn best(&self) -> Option<&Trial> {
        let level = |t: &Trial| t.fidelity.unwrap_or(f64::INFINITY);
        let top = self
            .history
            .iter()
            .filter(|t| t.is_ok())
            .map(level)
            .fold(f64::NEG_INFINITY, f64::max);
        self.history
            .iter()
            .filter(|t| t.is_ok() && level(t) == top)
            .max_by(|a, b| {
                self.oriented(a)
                    .total_cmp(&self.oriented(b))
                    .then(b.id.cmp(&a.id))
            })
    }

    /// A trial's reward as strategies see it (negated when minimising); -inf when it failed.
    pub fn oriented(&self, t: &Trial) -> f64 {
        t.reward.map_or(f64::NEG_INFINITY, |r| r * self.sign)
    }

    /// Every objective of a trial as strategies see it, each to maximise (negated where
    /// minimised): the reward first, then the objectives after it in the experiment's order;
    /// -inf throughout when the trial failed.
    pub fn oriented_objectives(&self, t: &Trial) -> Vec<f64> {
        let mut values = vec![self.oriented(t)];
        for o in self.objectives.iter().flat_map(|o| o.wanted()) {
            let sign = if o.maximize { 1.0 } else { -1.0 };
            let value = t.metrics.get(o.metric.name()).filter(|_| t.is_ok());
            values.push(value.map_or(f64::NEG_INFINITY, |v| v * sign));
        }
        values
    }

    /// Whether trials can continue earlier trials' training (the evaluator can, and it runs
    /// in this process).
    pub fn continues(&self) -> bool {
        self.evaluator.continues() && !matches!(self.workers, Workers::Remote(..))
    }

    /// The fidelities of the stages a trial of `key` at `fidelity` that continues finished
    /// trial `from` goes on from (oldest first, `from`'s own last), or why it cannot: the
    /// evaluator cannot continue, `from` is not a finished successful trial of the same
    /// architecture, or `fidelity` is not above its fidelity (full fidelity is the highest).
    pub fn continuation(
        &self,
        key: &str,
        fidelity: Option<f64>,
        from: u64,
    ) -> Result<Vec<Option<f64>>, String> {
        if !self.continues() {
            return Err(format!(
                "the `{}` evaluator{} cannot continue an earlier trial's training \
                 (`ctx.continues()` says whether it can)",
                self.evaluator.name(),
                if matches!(self.workers, Workers::Remote(..)) {
                    " of a database run"
                } else {
                    ""
                }
            ));
        }
        let find = |id: u64| self.history.iter().find(|t| t.id == id);
        let earlier = find(from).ok_or_else(|| {
            format!("trial {from} has not finished, so no trial can continue its training yet")
        })?;
        if earlier.arch != key {
            return Err(format!(
                "trial {from} trained `{}`, not `{key}`: a trial continues the training of its \
                 own architecture",
                earlier.arch
            ));
        }
        if !earlier.is_ok() {
            return Err(format!(
                "trial {from} failed, so there is no training to continue"
            ));
        }
        let level = |f: Option<f64>| f.unwrap_or(f64::INFINITY);
        if level(fidelity) <= level(earlier.fidelity) {
            return Err(format!(
                "a trial continuing trial {from} (fidelity {}) must ask for a higher fidelity, \
                 not {}",
                fidelity_text(earlier.fidelity),
                fidelity_text(fidelity)
            ));
        }
        let mut stages = vec![earlier.fidelity];
        let mut at = earlier;
        while let Some(before) = at.continued_from {
            at = find(before).ok_or_else(|| format!("internal: trial {before} is not recorded"))?;
            stages.push(at.fidelity);
        }
        stages.reverse();
        Ok(stages)
    }

    /// Submits `arch` (canonical string `key`) for evaluation at `fidelity`, continuing the
    /// training of finished trial `from` when given ([`Session::continuation`] says whether
    /// it can; the caller asks first); returns its id.
    pub fn submit(
        &mut self,
        arch: &Architecture,
        key: &str,
        fidelity: Option<f64>,
        from: Option<u64>,
    ) -> Result<u64, Stop> {
        self.poll()?;
        let stages = match from {
            Some(from) => self.continuation(key, fidelity, from).map_err(Stop::Io)?,
            None => Vec::new(),
        };
        self.check_budget().map_err(Stop::Budget)?;
        let id = self.submitted;
        self.submitted += 1;
        let job = Job {
            id,
            key: key.to_string(),
            arch: arch.clone(),
            fidelity,
            run: self.seed,
            continues: from,
            from: stages,
        };
        if let Some(stored) = self.replay.remove(&id) {
            if stored.arch != key || stored.fidelity != fidelity || stored.continued_from != from {
                return Err(Stop::Diverged(format!(
                    "resume diverged at trial {id}: the store holds `{}` (fidelity {:?}, continuing {:?}) but the strategy asked for `{key}` (fidelity {fidelity:?}, continuing {from:?})",
                    stored.arch, stored.fidelity, stored.continued_from
                )));
            }
            match &mut self.workers {
                Workers::Simulated(w) => {
                    w.submit(job, outcome_of(&stored), self.clock);
                    self.replaying.insert(id, stored);
                }
                Workers::Threads(_) | Workers::Remote(..) => self.replayed.push(stored),
            }
            return Ok(id);
        }
        let t0 = Instant::now();
        let result = match &mut self.workers {
            Workers::Simulated(w) => {
                let outcome = self
                    .evaluator
                    .evaluate_from(self.seed, key, arch, fidelity, &job.from);
                w.submit(job, outcome, self.clock);
                Ok(())
            }
            Workers::Threads(w) => w.submit(job).map_err(Stop::Io),
            Workers::Remote(q, jobs) => {
                let queued = q.submit(id, key, fidelity);
                jobs.insert(id, job);
                queued.map_err(|e| {
                    if e.starts_with("resume diverged") {
                        Stop::Diverged(e)
                    } else {
                        Stop::Io(e)
                    }
                })
            }
        };
        self.host_time += t0.elapsed();
        result.map(|()| id)
    }

    /// The next finished trial (in finishing order); waits for a running one if needed.
    pub fn next_result(&mut self) -> Result<Trial, Stop> {
        self.poll()?;
        if let Some(t) = self.ready.pop_front() {
            return Ok(t);
        }
        self.pull()?;
        self.ready.pop_front().ok_or(Stop::NothingPending)
    }

    /// Submits `arch` (continuing trial `from`'s training when given) and waits for its
    /// result; results of other trials that finish first are kept for `next_result`.
    pub fn evaluate(
        &mut self,
        arch: &Architecture,
        key: &str,
        fidelity: Option<f64>,
        from: Option<u64>,
    ) -> Result<Trial, Stop> {
        let id = self.submit(arch, key, fidelity, from)?;
        loop {
            if let Some(i) = self.ready.iter().position(|t| t.id == id) {
                return self.ready.remove(i).ok_or(Stop::NothingPending);
            }
            self.pull()?;
        }
    }

    /// Waits for every submitted trial and records it (the end of a run).
    pub fn drain(&mut self) -> Result<(), Stop> {
        while self.pending() > self.ready.len() {
            self.pull()?;
        }
        Ok(())
    }

    /// Moves thread results that already arrived into the ready queue (recording them).
    fn poll(&mut self) -> Result<(), Stop> {
        let mut arrived = Vec::new();
        match &mut self.workers {
            Workers::Threads(w) => {
                while let Some(f) = w.try_next() {
                    arrived.push(f);
                }
            }
            Workers::Remote(q, jobs) => {
                while let Some(r) = q.next_finished(false).map_err(Stop::Io)? {
                    arrived.push(returned(r, jobs, self.wall_offset, self.started)?);
                }
            }
            Workers::Simulated(_) => {}
        }
        for f in arrived {
            self.finish_live(f)?;
        }
        Ok(())
    }

    /// Brings one more finished trial into the ready queue, waiting if needed.
    fn pull(&mut self) -> Result<(), Stop> {
        if !self.replayed.is_empty() {
            let i = (0..self.replayed.len())
                .min_by_key(|&i| self.replayed[i].done)
                .unwrap_or(0);
            let t = self.replayed.swap_remove(i);
            self.clock = self.clock.max(t.clock);
            return self.accept(t, None, false);
        }
        let t0 = Instant::now();
        let next = match &mut self.workers {
            Workers::Simulated(w) => w.next_finished(),
            Workers::Threads(w) => {
                if w.pending() == 0 {
                    None
                } else {
                    Some(
                        w.next_finished()
                            .ok_or_else(|| Stop::Io("the worker threads stopped".into()))?,
                    )
                }
            }
            Workers::Remote(q, jobs) => match q.next_finished(true).map_err(Stop::Io)? {
                Some(r) => Some(returned(r, jobs, self.wall_offset, self.started)?),
                None => None,
            },
        };
        self.host_time += t0.elapsed();
        match next {
            Some(f) => self.finish_live(f),
            None => Err(Stop::NothingPending),
        }
    }

    fn finish_live(&mut self, f: Finished) -> Result<(), Stop> {
        self.clock = self.clock.max(f.clock);
        if let Some(stored) = self.replaying.remove(&f.job.id) {
            return self.accept(stored, None, false);
        }
        let mut weights = None;
        let (status, reward, report, error) = match f.outcome {
            Ok(o) if o.reward.is_finite() => {
                weights = o.weights;
                (Status::Ok, Some(o.reward), o.report, None)
            }
            Ok(o) => (
                Status::Failed,
                None,
                None,
                Some(format!("the evaluator returned reward {}", o.reward)),
            ),
            Err(e) => (Status::Failed, None, None, Some(e)),
        };
        let scored = match (&self.objectives, reward) {
            (Some(o), Some(measured)) => Some(o.score(&f.job.key, &f.job.arch, measured)),
            _ => None,
        };
        let (status, reward, report, error, metrics) = match scored {
            Some(Err(e)) => (Status::Failed, None, None, Some(e), Default::default()),
            Some(Ok((reward, m))) => (status, Some(reward), report, error, m),
            None => (status, reward, report, error, Default::default()),
        };
        let trial = Trial {
            seed: self.seed,
            id: f.job.id,
            done: self.done,
            arch: f.job.key,
            fidelity: f.job.fidelity,
            continued_from: f.job.continues,
            status,
            reward,
            report,
            cost: f.cost,
            clock: f.clock,
            worker: f.worker,
            error,
            metrics,
        };
        self.accept(trial, weights.as_ref(), true)
    }

    fn accept(
        &mut self,
        mut trial: Trial,
        weights: Option<&Snapshot>,
        fresh: bool,
    ) -> Result<(), Stop> {
        if fresh {
            trial.done = self.done;
            if let Some(sink) = self.sink.as_mut() {
                sink(&trial, weights).map_err(Stop::Io)?;
            }
        }
        self.done += 1;
        self.history.push(trial.clone());
        self.ready.push_back(trial);
        Ok(())
    }
}

/// A trial a worker in another process finished, as the workers here hand one back (its
/// clock: wall seconds of the run, across resumes).
fn returned(
    r: Returned,
    jobs: &mut HashMap<u64, Job>,
    wall_offset: f64,
    started: Instant,
) -> Result<Finished, Stop> {
    let job = jobs.remove(&r.id).ok_or_else(|| {
        Stop::Io(format!(
            "the store returned trial {}, which was not submitted",
            r.id
        ))
    })?;
    let cost = r.result.as_ref().map_or(0.0, |(_, _, cost)| *cost);
    Ok(Finished {
        job,
        outcome: r.result.map(|(reward, report, cost)| Outcome {
            reward,
            report,
            cost,
            weights: None,
        }),
        cost,
        clock: wall_offset + started.elapsed().as_secs_f64(),
        worker: r.worker,
    })
}

/// A fidelity for messages (`full` for `None`).
fn fidelity_text(f: Option<f64>) -> String {
    f.map_or_else(|| "full".to_string(), |f| f.to_string())
}

fn outcome_of(t: &Trial) -> Result<Outcome, String> {
    match (t.status, t.reward) {
        (Status::Ok, Some(reward)) => Ok(Outcome {
            reward,
            report: t.report,
            cost: t.cost,
            weights: None,
        }),
        _ => Err(t.error.clone().unwrap_or_else(|| "failed".into())),
    }
}
