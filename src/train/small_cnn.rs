//! A small convolutional classifier for 1×28×28 images and its training loop: the end-to-end
//! proof that the libtorch path (tensors, autograd, optimiser) works, used by `nas demo`.

use super::image_set::ImageSet;
use tch::nn::{self, ModuleT, OptimizerConfig};
use tch::{Device, Kind, Tensor};

/// Two conv–batchnorm–ReLU–pool stages and a two-layer classifier head.
#[derive(Debug)]
pub struct SmallCnn {
    body: nn::SequentialT,
}

impl SmallCnn {
    /// Builds the network's parameters under `vs`, for `classes` output classes.
    pub fn new(vs: &nn::Path, classes: i64) -> Self {
        let conv = |c_in, c_out, name: &str| {
            nn::conv2d(
                vs / name,
                c_in,
                c_out,
                3,
                nn::ConvConfig {
                    padding: 1,
                    bias: false,
                    ..Default::default()
                },
            )
        };
        let body = nn::seq_t()
            .add(conv(1, 32, "conv1"))
            .add(nn::batch_norm2d(vs / "bn1", 32, Default::default()))
            .add_fn(|x| x.relu().max_pool2d_default(2))
            .add(conv(32, 64, "conv2"))
            .add(nn::batch_norm2d(vs / "bn2", 64, Default::default()))
            .add_fn(|x| x.relu().max_pool2d_default(2).flatten(1, -1))
            .add(nn::linear(vs / "fc1", 64 * 7 * 7, 128, Default::default()))
            .add_fn(|x| x.relu())
            .add(nn::linear(vs / "fc2", 128, classes, Default::default()));
        SmallCnn { body }
    }
}

impl ModuleT for SmallCnn {
    fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        self.body.forward_t(xs, train)
    }
}

/// Progress of one training step, for a progress display.
#[derive(Debug, Clone, Copy)]
pub struct StepProgress {
    /// Examples seen so far in this epoch.
    pub seen: i64,
    /// The step's mean loss.
    pub loss: f64,
}

/// Trains `model` for one epoch over `data` with Adam, shuffling with libtorch's seeded RNG.
/// Returns the mean training loss, or an error when the loss stops being finite.
pub fn train_epoch(
    model: &SmallCnn,
    vs: &nn::VarStore,
    data: &ImageSet,
    batch: i64,
    lr: f64,
    mut on_step: impl FnMut(StepProgress),
) -> Result<f64, String> {
    let mut opt = nn::Adam::default()
        .build(vs, lr)
        .map_err(|e| format!("cannot build the optimiser: {e}"))?;
    let device = vs.device();
    let n = data.len();
    let order = Tensor::randperm(n, (Kind::Int64, Device::Cpu));
    let (mut total, mut seen) = (0.0, 0i64);
    for start in (0..n).step_by(batch as usize) {
        let len = batch.min(n - start);
        let idx = order.narrow(0, start, len);
        let (xs, ys) = data
            .batch(&idx)
            .map_err(|e| format!("cannot prepare a batch: {e}"))?;
        let (xs, ys) = (xs.to_device(device), ys.to_device(device));
        let loss = model.forward_t(&xs, true).cross_entropy_for_logits(&ys);
        opt.backward_step(&loss);
        let loss = loss.double_value(&[]);
        if !loss.is_finite() {
            return Err(format!("the loss became {loss} after {seen} examples"));
        }
        total += loss * len as f64;
        seen += len;
        on_step(StepProgress { seen, loss });
    }
    Ok(total / seen.max(1) as f64)
}

/// The accuracy (0..1) of `model` on `data`, evaluated in batches without gradients.
pub fn accuracy(
    model: &SmallCnn,
    data: &ImageSet,
    batch: i64,
    device: Device,
) -> Result<f64, String> {
    let _guard = tch::no_grad_guard();
    let n = data.len();
    let mut correct = 0i64;
    for start in (0..n).step_by(batch as usize) {
        let len = batch.min(n - start);
        let idx = Tensor::arange_start(start, start + len, (Kind::Int64, Device::Cpu));
        let (xs, ys) = data
            .batch(&idx)
            .map_err(|e| format!("cannot prepare a batch: {e}"))?;
        let (xs, ys) = (xs.to_device(device), ys.to_device(device));
        let predicted = model.forward_t(&xs, false).argmax(-1, false);
        correct += predicted.eq_tensor(&ys).sum(Kind::Int64).int64_value(&[]);
    }
    Ok(correct as f64 / n.max(1) as f64)
}
