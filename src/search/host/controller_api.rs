//! The autoregressive LSTM controller as a host object: `ctx.controller(options)` makes a
//! `Controller` over the space's decisions ([`crate::search::controller`]) that scripts ask to
//! `sample` choices and `update` with a result's reward (REINFORCE with a moving baseline and
//! an entropy bonus), `greedy` for its likeliest choices, and `state`/`restore` to keep it in
//! a one-shot search's checkpoint. `reinforce` and `enas` use it with `controller: "lstm"`.

use super::doc::{host_type, Api};
use super::space_api::script_error;
use super::types::Ctx;
use super::RhaiResult;
use crate::search::controller::{ControllerSettings, ControllerState, LstmController};
use rhai::{Array, Dynamic, Engine, Map, FLOAT, INT};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};

/// The most values one decision may have for the controller (its head has one output each).
pub const MAX_VALUES: u128 = 4096;

/// An LSTM controller of the run's space (Rhai type `Controller`). Its steps count as host
/// time, as a predictor's fits do.
#[derive(Debug, Clone)]
pub struct ControllerHandle {
    model: Rc<RefCell<LstmController>>,
    host_time: Rc<Cell<Duration>>,
}

impl ControllerHandle {
    /// Runs `f` on the controller, adding its time to the run's host time.
    fn timed<T>(&self, f: impl FnOnce(&mut LstmController) -> T) -> T {
        let t0 = Instant::now();
        let out = f(&mut self.model.borrow_mut());
        self.host_time.set(self.host_time.get() + t0.elapsed());
        out
    }
}

host_type!(
    ControllerHandle,
    "Controller",
    "an autoregressive LSTM policy over the space's decisions (`ctx.controller(options)`): `sample`, then `update` with the reward"
);

/// A number option of `options`, or `default`.
fn number(options: &Map, name: &str, default: f64) -> RhaiResult<f64> {
    match options.get(name) {
        None => Ok(default),
        Some(v) => v
            .as_float()
            .or_else(|_| v.as_int().map(|i| i as f64))
            .map_err(|t| {
                script_error(format!(
                    "ctx.controller: option `{name}` is a {t}, not a number"
                ))
            }),
    }
}

fn new(c: &mut Ctx, options: Map) -> RhaiResult<ControllerHandle> {
    const KNOWN: [&str; 7] = [
        "hidden",
        "layers",
        "lr",
        "entropy_weight",
        "baseline_decay",
        "temperature",
        "tanh_c",
    ];
    if let Some(unknown) = options.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(script_error(format!(
            "ctx.controller: there is no option `{unknown}` (the options are {})",
            KNOWN.join(", ")
        )));
    }
    let d = ControllerSettings::default();
    let settings = ControllerSettings {
        hidden: number(&options, "hidden", d.hidden as f64)? as i64,
        layers: number(&options, "layers", d.layers as f64)? as i64,
        lr: number(&options, "lr", d.lr)?,
        entropy_weight: number(&options, "entropy_weight", d.entropy_weight)?,
        baseline_decay: number(&options, "baseline_decay", d.baseline_decay)?,
        temperature: number(&options, "temperature", d.temperature)?,
        tanh_c: number(&options, "tanh_c", d.tanh_c)?,
    };
    let mut sizes = Vec::new();
    for decision in c.0.space.space.decisions() {
        let n = decision.domain.size();
        if n > MAX_VALUES {
            return Err(script_error(format!(
                "ctx.controller: decision `{}` has {n} values, more than the {MAX_VALUES} a controller's head takes",
                decision.name
            )));
        }
        sizes.push(n as usize);
    }
    let seed = c.0.space.rng.0.borrow_mut().below(0, i64::MAX) as u64;
    let host_time = c.0.host_time.clone();
    let t0 = Instant::now();
    let model = LstmController::new(&sizes, settings, seed)
        .map_err(|e| script_error(format!("ctx.controller: {e}")))?;
    host_time.set(host_time.get() + t0.elapsed());
    Ok(ControllerHandle {
        model: Rc::new(RefCell::new(model)),
        host_time,
    })
}

/// The choice indices of an array (an error names the first that is not one).
fn indices(xs: &Array, what: &str) -> RhaiResult<Vec<usize>> {
    xs.iter()
        .enumerate()
        .map(|(i, x)| {
            x.as_int()
                .ok()
                .and_then(|v| usize::try_from(v).ok())
                .ok_or_else(|| {
                    script_error(format!(
                        "{what}: element {i} is not a choice index (a non-negative int)"
                    ))
                })
        })
        .collect()
}

/// Registers `Controller`.
pub fn register(engine: &mut Engine) {
    Api(engine)
        .ty::<ControllerHandle>()
        .fun(
            "controller",
            ["ctx"],
            "an LSTM controller over the space's decisions with ENAS' settings (100 units, 1 layer, Adam lr 0.00035, entropy weight 0.0001, baseline decay 0.99, temperature 5, tanh constant 2.5)",
            |c: &mut Ctx| new(c, Map::new()),
        )
        .fun(
            "controller",
            ["ctx", "options"],
            "the same with options: `hidden`, `layers`, `lr`, `entropy_weight`, `baseline_decay`, `temperature` (1: off), `tanh_c` (0: off)",
            new,
        )
        .fun(
            "sample",
            ["controller"],
            "one choice index per decision of the space, each drawn given the earlier ones (`ctx.space.from_choices` makes the architecture)",
            |c: &mut ControllerHandle| -> Array {
                c.timed(|m| m.sample())
                    .into_iter()
                    .map(|i| Dynamic::from_int(i as INT))
                    .collect()
            },
        )
        .fun(
            "update",
            ["controller", "choices", "reward"],
            "one REINFORCE step for the choices `sample` gave and their reward; returns the advantage over the moving baseline",
            |c: &mut ControllerHandle, choices: Array, reward: FLOAT| -> RhaiResult<FLOAT> {
                let choices = indices(&choices, "update")?;
                c.timed(|m| m.update(&choices, reward))
                    .map_err(|e| script_error(format!("controller.update: {e}")))
            },
        )
        .fun(
            "log_prob",
            ["controller", "choices"],
            "the log-probability of the choices under the current policy",
            |c: &mut ControllerHandle, choices: Array| -> RhaiResult<FLOAT> {
                let choices = indices(&choices, "log_prob")?;
                c.timed(|m| m.log_prob(&choices))
                    .map_err(|e| script_error(format!("controller.log_prob: {e}")))
            },
        )
        .fun(
            "greedy",
            ["controller"],
            "the likeliest choices: each decision's most probable value given the earlier ones",
            |c: &mut ControllerHandle| -> Array {
                c.timed(|m| m.greedy())
                    .into_iter()
                    .map(|i| Dynamic::from_int(i as INT))
                    .collect()
            },
        )
        .fun(
            "state",
            ["controller"],
            "the controller's whole state (weights, Adam's moments, baseline, generator) as a text to keep, e.g. with `net.end_epoch(#{ controller: policy.state() })`",
            |c: &mut ControllerHandle| -> RhaiResult<String> {
                let state = c.timed(|m| m.state());
                serde_json::to_string(&state)
                    .map_err(|e| script_error(format!("controller.state: {e}")))
            },
        )
        .fun(
            "restore",
            ["controller", "state"],
            "puts the controller back where `state()` found one with the same decisions and settings",
            |c: &mut ControllerHandle, state: &str| -> RhaiResult<()> {
                let state: ControllerState = serde_json::from_str(state).map_err(|e| {
                    script_error(format!(
                        "controller.restore: not a controller's state ({e})"
                    ))
                })?;
                c.timed(|m| m.restore(&state))
                    .map_err(|e| script_error(format!("controller.restore: {e}")))
            },
        )
        .get(
            "baseline",
            "the moving baseline of the rewards (() before the first update)",
            |c: &mut ControllerHandle| -> Dynamic {
                c.model
                    .borrow()
                    .baseline()
                    .map_or(Dynamic::UNIT, Dynamic::from_float)
            },
        );
}
