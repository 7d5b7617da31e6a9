//! The training driver on tiny seeded image problems: it learns, repeats exactly with the same
//! seed, turns failures into values (and the process goes on), keeps to a step budget and a
//! fractional fidelity, and checkpoints round-trip.

use nas::compile::catalog::{build_arch, NetworkSize};
use nas::compile::{BoxLayer, OpSpec};
use nas::train::augment::Augment;
use nas::train::checkpoint;
use nas::train::device::Runtime;
use nas::train::generator;
use nas::train::image_task::{evaluate, ImageTask};
use nas::train::optim::Optim;
use nas::train::settings::TrainSettings;
use nas::train::trainer::{run_length, Split, Trainer, TrialFailure};
use nas::train::ImageSet;
use tch::{nn, Device, Kind, Tensor};

/// 96 images of 1×8×8: class k has a bright k-th horizontal band, plus noise.
fn bands() -> ImageSet {
    tch::manual_seed(42);
    let n = 96;
    let labels = Tensor::arange(n, (Kind::Int64, Device::Cpu)).remainder(3);
    let noise = Tensor::randint(60, [n, 1, 8, 8], (Kind::Int64, Device::Cpu));
    let rows = Tensor::arange(8, (Kind::Int64, Device::Cpu)).view([1, 1, 8, 1]);
    let band = rows
        .divide_scalar_mode(3, "floor")
        .eq_tensor(&labels.view([n, 1, 1, 1]))
        .to_kind(Kind::Int64)
        * 180;
    ImageSet {
        pixels: (noise + band).clamp(0, 255).to_kind(Kind::Uint8),
        labels,
        classes: 3,
        mean: vec![0.3],
        std: vec![0.3],
    }
}

/// The NAS-Bench-201 network with `op` on every edge: 4 channels, one cell per stage, 3
/// classes, grey images.
fn net(vs: &nn::VarStore, op: &str) -> BoxLayer {
    let space = nas::space::load_space("nb201").unwrap();
    let arch = space
        .decode(&format!("|{op}~0|+|{op}~0|{op}~1|+|{op}~0|{op}~1|{op}~2|"))
        .unwrap();
    let size = NetworkSize {
        channels: Some(4),
        cells: Some(1),
        classes: Some(3),
        in_channels: Some(1),
    };
    build_arch(&vs.root(), &space, &arch, size).unwrap()
}

fn config(lr: f64) -> TrainSettings {
    TrainSettings {
        epochs: 4,
        batch: 16,
        lr,
        warmup_epochs: 0.5,
        clip_grad_norm: Some(5.0),
        label_smoothing: 0.1,
        augment: Augment {
            crop_padding: 1,
            flip: true,
        },
        ..TrainSettings::default()
    }
}

/// The run's seed.
const SEED: u64 = 3;

/// Trains a fresh network; returns the epoch losses and the final accuracy.
fn run(lr: f64) -> Result<(Vec<f64>, f64), TrialFailure> {
    let data = bands();
    tch::manual_seed(7);
    let vs = nn::VarStore::new(Device::Cpu);
    let model = net(&vs, "nor_conv_3x3");
    let settings = config(lr);
    let task = ImageTask::new(
        model.as_ref(),
        (&data, None, None),
        &settings,
        Runtime::cpu(),
    );
    let mut trainer = Trainer::new(task, &vs, &settings, (Runtime::cpu(), SEED), None)?;
    let logs = trainer.fit(false, |_| {})?;
    let (_, acc) = evaluate(model.as_ref(), &data, 32, Runtime::cpu())?;
    Ok((logs.iter().map(|l| l.train_loss).collect(), acc))
}

#[test]
fn learns_a_tiny_problem_and_repeats_exactly_with_the_same_seed() {
    let _generator = generator::hold();
    let (losses, acc) = run(0.05).unwrap();
    assert!(losses[3] < losses[0], "{losses:?}");
    assert!(acc > 0.6, "accuracy {acc} (chance is 1/3)");
    let (again, acc_again) = run(0.05).unwrap();
    assert_eq!(losses, again);
    assert_eq!(acc, acc_again);
}

#[test]
fn a_diverging_trial_fails_with_its_reason_and_the_next_trial_runs() {
    let _generator = generator::hold();
    let mut cfg = config(1e12);
    cfg.clip_grad_norm = None;
    cfg.warmup_epochs = 0.0;
    let data = bands();
    let vs = nn::VarStore::new(Device::Cpu);
    let model = net(&vs, "nor_conv_3x3");
    let task = ImageTask::new(model.as_ref(), (&data, None, None), &cfg, Runtime::cpu());
    let mut trainer = Trainer::new(task, &vs, &cfg, (Runtime::cpu(), SEED), None).unwrap();
    match trainer.fit(false, |_| {}) {
        Err(TrialFailure::NonFiniteLoss { value, .. }) => assert!(!value.is_finite()),
        other => panic!("expected a non-finite loss, got {other:?}"),
    }
    assert!(run(0.05).is_ok());
}

#[test]
fn a_network_that_does_not_fit_the_data_fails_as_a_value() {
    let _generator = generator::hold();
    let data = bands();
    let vs = nn::VarStore::new(Device::Cpu);
    // A classifier expecting 5 features after pooling a 1-channel image.
    let spec = OpSpec::Seq(vec![
        OpSpec::GlobalAvgPool,
        OpSpec::Linear {
            d_out: 3,
            bias: true,
        },
    ]);
    let (model, _) = spec.build(&vs.root(), 5).unwrap();
    let settings = config(0.1);
    let task = ImageTask::new(
        model.as_ref(),
        (&data, None, None),
        &settings,
        Runtime::cpu(),
    );
    let mut trainer = Trainer::new(task, &vs, &settings, (Runtime::cpu(), SEED), None).unwrap();
    let err = trainer.fit(false, |_| {}).unwrap_err();
    assert!(matches!(err, TrialFailure::Torch(_)), "{err:?}");
    let bad = OpSpec::Pool {
        kind: nas::compile::pool::PoolKind::Max,
        kernel: 2,
        stride: 1,
        c_out: None,
    };
    let built = bad.build(&vs.root(), 1).map(|_| ());
    assert!(matches!(
        built.map_err(TrialFailure::from),
        Err(TrialFailure::Build(_))
    ));
}

#[test]
fn a_validation_split_and_a_checkpoint_round_trip() {
    let _generator = generator::hold();
    let data = bands();
    let (train, valid) = data.split(0.25, 11).unwrap();
    assert_eq!((train.len(), valid.len()), (72, 24));
    tch::manual_seed(1);
    let vs = nn::VarStore::new(Device::Cpu);
    let model = net(&vs, "nor_conv_1x1");
    let mut cfg = config(0.05);
    cfg.epochs = 1;
    cfg.optim = Optim::AdamW {
        beta1: 0.9,
        beta2: 0.999,
        weight_decay: 0.01,
    };
    let task = ImageTask::new(
        model.as_ref(),
        (&train, Some(&valid), None),
        &cfg,
        Runtime::cpu(),
    );
    let mut trainer = Trainer::new(task, &vs, &cfg, (Runtime::cpu(), SEED), None).unwrap();
    let logs = trainer.fit(true, |_| {}).unwrap();
    assert!(logs[0].valid.is_some_and(|v| v.acc.is_some()));
    assert!(matches!(
        trainer.measure(Split::Test),
        Err(TrialFailure::NoSplit("test"))
    ));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tiny.safetensors");
    checkpoint::save(&vs, &file).unwrap();
    let mut restored = nn::VarStore::new(Device::Cpu);
    let copy = net(&restored, "nor_conv_1x1");
    checkpoint::load(&mut restored, &file).unwrap();
    let x = valid
        .batch(&Tensor::arange(4, (Kind::Int64, Device::Cpu)))
        .unwrap()
        .0;
    let a = model.forward(&x, false).unwrap();
    let b = copy.forward(&x, false).unwrap();
    assert!(a.allclose(&b, 1e-6, 1e-6, false));
}

#[test]
fn a_step_budget_and_a_fidelity_cut_the_run() {
    let _generator = generator::hold();
    // 96 images in batches of 16: 6 steps an epoch.
    let settings = config(0.05);
    assert_eq!(run_length(&settings, 6, None), (4, 24));
    assert_eq!(run_length(&settings, 6, Some(1.5)), (2, 9));
    let capped = TrainSettings {
        max_steps: Some(7),
        ..settings
    };
    assert_eq!(run_length(&capped, 6, None), (4, 7));
    let data = bands();
    tch::manual_seed(7);
    let vs = nn::VarStore::new(Device::Cpu);
    let model = net(&vs, "nor_conv_1x1");
    let task = ImageTask::new(model.as_ref(), (&data, None, None), &capped, Runtime::cpu());
    let mut trainer = Trainer::new(task, &vs, &capped, (Runtime::cpu(), SEED), Some(1.5)).unwrap();
    let logs = trainer.fit(false, |_| {}).unwrap();
    assert_eq!(logs.iter().map(|l| l.steps).collect::<Vec<_>>(), [6, 1]);
    assert_eq!(trainer.steps(), 7);
}
