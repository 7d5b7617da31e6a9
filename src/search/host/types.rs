//! The values a strategy script handles: architectures, trials, the space, the generator and
//! the context. Each is a cheap, clonable handle registered as a Rhai custom type.

use super::super::rng::SearchRng;
use super::super::session::{Session, Stop};
use super::super::trial::Trial;
use super::doc::host_type;
use crate::space::{Architecture, Space};
use rhai::{Dynamic, Map};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

host_type!(
    ArchHandle,
    "Arch",
    "an architecture of the run's space, with its canonical string"
);
host_type!(
    TrialHandle,
    "Trial",
    "a finished evaluation: its architecture, reward, cost and metrics"
);
host_type!(
    RngHandle,
    "Rng",
    "the run's seeded generator (`ctx.rng`), shared with the space's random operations"
);
host_type!(
    SpaceHandle,
    "Space",
    "the space being searched (`ctx.space`): sampling, moves, encodings, counting"
);
host_type!(Ctx, "Ctx", "the strategy's view of its run (`ctx`, the argument of `fn search(ctx)`): evaluation, history, budget, parameters");

/// An architecture of the run's space with its canonical string (Rhai type `Arch`).
#[derive(Debug, Clone)]
pub struct ArchHandle(pub Rc<ArchData>);

/// What an [`ArchHandle`] holds.
#[derive(Debug)]
pub struct ArchData {
    /// The space IR's architecture.
    pub arch: Architecture,
    /// Its canonical string.
    pub key: String,
}

impl ArchHandle {
    /// Wraps `arch`, computing its canonical string in `space`.
    pub fn new(space: &Space, arch: Architecture) -> ArchHandle {
        let key = space.encode(&arch);
        ArchHandle(Rc::new(ArchData { arch, key }))
    }

    /// The canonical string.
    pub fn key(&self) -> &str {
        &self.0.key
    }

    /// The architecture.
    pub fn arch(&self) -> &Architecture {
        &self.0.arch
    }
}

/// A finished trial as the script sees it (Rhai type `Trial`).
#[derive(Debug, Clone)]
pub struct TrialHandle {
    /// The record.
    pub trial: Rc<Trial>,
    /// Its architecture.
    pub arch: ArchHandle,
    /// The reward to maximise (negated when the objective minimises; -inf when it failed).
    pub reward: f64,
    /// Every objective to maximise, the reward first (see `Session::oriented_objectives`).
    pub objectives: Vec<f64>,
}

/// The run's seeded generator, shared by the script and the space operations (Rhai type `Rng`).
#[derive(Debug, Clone)]
pub struct RngHandle(pub Rc<RefCell<SearchRng>>);

/// The run's space (Rhai type `Space`).
#[derive(Debug, Clone)]
pub struct SpaceHandle {
    /// The space IR.
    pub space: Arc<Space>,
    /// The generator its random operations draw from.
    pub rng: RngHandle,
}

/// Everything `ctx` reaches (Rhai type `Ctx`).
#[derive(Clone)]
pub struct Ctx(pub Rc<CtxState>);

/// The state behind a [`Ctx`].
pub struct CtxState {
    /// The run.
    pub session: RefCell<Session>,
    /// The space.
    pub space: SpaceHandle,
    /// The architecture of every submitted trial, by id.
    pub archs: RefCell<Vec<ArchHandle>>,
    /// Every parameter the script declares: the experiment's value or the default.
    pub params: Map,
    /// The number of workers.
    pub workers: usize,
    /// Why the host stopped the script, when it did.
    pub stop: RefCell<Option<Stop>>,
    /// Time spent waiting for evaluations, excluded from the script's time limit.
    pub host_time: Rc<Cell<Duration>>,
    /// Where the run's one-shot searches keep their checkpoints (`None`: a run without a
    /// trial store keeps none).
    pub checkpoints: Option<super::checkpoints::Checkpoints>,
    /// The experiment's `data` entry, which one-shot searches train on.
    pub data: Option<crate::search::load_eval::SearchData>,
}

impl Ctx {
    /// A handle for `trial`; `None` if its id was never submitted in this run.
    pub fn handle(&self, trial: Trial) -> Option<TrialHandle> {
        let (reward, objectives) = {
            let session = self.0.session.borrow();
            (
                session.oriented(&trial),
                session.oriented_objectives(&trial),
            )
        };
        let arch = self.0.archs.borrow().get(trial.id as usize).cloned()?;
        Some(TrialHandle {
            trial: Rc::new(trial),
            arch,
            reward,
            objectives,
        })
    }

    /// Records why the host stops the script and returns the error that ends it.
    pub fn stop(&self, why: Stop) -> Box<rhai::EvalAltResult> {
        let message = why.to_string();
        *self.0.stop.borrow_mut() = Some(why);
        Box::new(rhai::EvalAltResult::ErrorTerminated(
            Dynamic::from(message),
            rhai::Position::NONE,
        ))
    }
}
