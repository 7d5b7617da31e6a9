//! The proxies on tiny networks whose scores can be worked out by hand.

use super::*;
use crate::compile::Layer;
use tch::{nn, Device, Kind, TchError, Tensor};

/// `x ↦ W2 · relu(W1 · x + b1)` with the ReLU reporting to the tap; no bias on the output.
#[derive(Debug)]
struct Mlp {
    w1: Tensor,
    b1: Tensor,
    w2: Tensor,
}

impl Mlp {
    fn new(vs: &nn::VarStore, w1: &[f32], b1: &[f32], w2: &[f32], inputs: i64) -> Self {
        let root = vs.root();
        let hidden = b1.len() as i64;
        let var = |name: &str, data: &[f32], shape: &[i64]| {
            let (layer, param) = name.split_once('.').unwrap();
            let t = (&root / layer).zeros(param, shape);
            tch::no_grad(|| {
                t.shallow_clone()
                    .copy_(&Tensor::from_slice(data).view(shape))
            });
            t
        };
        Mlp {
            w1: var("fc1.weight", w1, &[hidden, inputs]),
            b1: var("fc1.bias", b1, &[hidden]),
            w2: var("fc2.weight", w2, &[w2.len() as i64 / hidden, hidden]),
        }
    }
}

impl Layer for Mlp {
    fn forward(&self, xs: &Tensor, _train: bool) -> Result<Tensor, TchError> {
        let kind = self.w1.kind();
        let h = xs
            .f_to_kind(kind)?
            .f_matmul(&self.w1.f_tr()?)?
            .f_add(&self.b1)?
            .f_relu()?;
        relu_tap::observe(&h);
        h.f_matmul(&self.w2.f_tr()?)
    }

    fn describe(&self) -> crate::compile::describe::Module {
        use crate::compile::describe::Module;
        let w1 = self.w1.size();
        let (hidden, inputs) = (w1[0], w1[1]);
        Module::Seq(vec![
            (
                "fc1".into(),
                Module::Linear {
                    d_in: inputs,
                    d_out: hidden,
                    bias: true,
                },
            ),
            (
                "act".into(),
                Module::Act(crate::compile::activation::Activation::Relu),
            ),
            (
                "fc2".into(),
                Module::Linear {
                    d_in: hidden,
                    d_out: self.w2.size()[0],
                    bias: false,
                },
            ),
        ])
    }
}

fn column(values: &[f32]) -> Tensor {
    Tensor::from_slice(values).view([values.len() as i64, 1])
}

#[test]
fn linear_regions_of_a_staircase() {
    let _generator = crate::test_generator();
    // Units relu(x), relu(x-1), relu(x-2): regions x<0, 0<x<1, 1<x<2, x>2.
    let vs = nn::VarStore::new(Device::Cpu);
    let net = Mlp::new(
        &vs,
        &[1.0, 1.0, 1.0],
        &[0.0, -1.0, -2.0],
        &[1.0, 1.0, 1.0],
        1,
    );
    let all = column(&[-1.0, -0.5, 0.5, 0.7, 1.5, 2.5, 3.0]);
    assert_eq!(linear_regions::linear_regions(&net, &all).unwrap(), 4);
    let left = column(&[-1.0, -0.5, 0.5]);
    assert_eq!(linear_regions::linear_regions(&net, &left).unwrap(), 2);
}

#[test]
fn naswot_rewards_inputs_told_apart() {
    let _generator = crate::test_generator();
    let vs = nn::VarStore::new(Device::Cpu);
    let net = Mlp::new(
        &vs,
        &[1.0, 1.0, 1.0],
        &[0.0, -1.0, -2.0],
        &[1.0, 1.0, 1.0],
        1,
    );
    // Inputs in different regions: codes 000, 100, 110, 111 → K = 3 - Hamming distances.
    let spread = naswot::naswot(&net, &column(&[-1.0, 0.5, 1.5, 2.5])).unwrap();
    let expected = {
        let k = Tensor::from_slice(&[
            3.0f64, 2.0, 1.0, 0.0, 2.0, 3.0, 2.0, 1.0, 1.0, 2.0, 3.0, 2.0, 0.0, 1.0, 2.0, 3.0,
        ])
        .view([4, 4]);
        k.slogdet().1.double_value(&[])
    };
    assert!((spread - expected).abs() < 1e-9, "{spread} vs {expected}");
    // Two inputs in the same region make the kernel singular.
    let same = naswot::naswot(&net, &column(&[0.2, 0.3, 1.5])).unwrap();
    assert_eq!(same, f64::NEG_INFINITY);
}

#[test]
fn synflow_of_a_positive_two_layer_net_is_twice_its_output() {
    let _generator = crate::test_generator();
    // With |θ| and a ones input, each layer's Σ θ·∂R/∂θ equals R (synaptic flow is conserved
    // through a ReLU net whose biases are zero), so the score is 2R:
    // h = |W1|·1 = [2+1, 4+3] = [3, 7], R = |W2|·h = 1·3 + 2·7 = 17.
    let mut vs = nn::VarStore::new(Device::Cpu);
    let net = Mlp::new(&vs, &[2.0, -1.0, 4.0, 3.0], &[0.0, 0.0], &[1.0, -2.0], 2);
    let score = synflow::synflow(&net, &mut vs, &[2]).unwrap();
    assert!((score - 34.0).abs() < 1e-9, "{score}");
    // Signs are restored afterwards.
    assert_eq!(net.w1.double_value(&[0, 1]), -1.0);
    assert_eq!(net.w1.kind(), Kind::Double);
}

#[test]
fn snip_and_grad_norm_match_the_analytic_gradient() {
    let _generator = crate::test_generator();
    // One input x=1, one hidden unit relu(w1·x) = 2, logits [w2a·2, w2b·2] = [1, -1].
    let vs = nn::VarStore::new(Device::Cpu);
    let net = Mlp::new(&vs, &[2.0], &[0.0], &[0.5, -0.5], 1);
    let x = column(&[1.0]);
    let label = Tensor::from_slice(&[0i64]);
    let p0 = 1.0 / (1.0 + (-2.0f64).exp());
    // dL/dlogits = [p0-1, 1-p0]; dL/dw2 = dlogits·h = [2(p0-1), 2(1-p0)];
    // dL/dh = (p0-1)·0.5 + (1-p0)·(-0.5) = p0-1; dL/dw1 = (p0-1)·x; dL/db1 = p0-1.
    let g = 1.0 - p0;
    let expected_snip = 2.0 * g * 0.5 * 2.0 + 2.0 * g; // |w2|·|dw2| summed + |w1·dw1|
    let expected_norm = (2.0 * g * 2.0f64.sqrt()) + g + g;
    let s = saliency::snip(&net, &vs, &x, &label).unwrap();
    let n = saliency::grad_norm(&net, &vs, &x, &label).unwrap();
    assert!((s - expected_snip).abs() < 1e-6, "{s} vs {expected_snip}");
    assert!((n - expected_norm).abs() < 1e-6, "{n} vs {expected_norm}");
}

#[test]
fn ntk_of_a_linear_readout_is_the_gram_matrix_of_its_features() {
    let _generator = crate::test_generator();
    // W1 = I, W2 = [1, 1]: for x = (2, 0), h = (2, 0) and only unit 0 is active, so the
    // Jacobian row is ∂f/∂W1 = [2, 0, 0, 0], ∂f/∂W2 = [2, 0]; for x = (0, 1) it is
    // [0, 0, 0, 1], [0, 1]. Biases are not weights. NTK = diag(8, 2).
    let vs = nn::VarStore::new(Device::Cpu);
    let net = Mlp::new(&vs, &[1.0, 0.0, 0.0, 1.0], &[0.0, 0.0], &[1.0, 1.0], 2);
    let x = Tensor::from_slice(&[2.0f32, 0.0, 0.0, 1.0]).view([2, 2]);
    let cond = ntk::ntk_condition_number(&net, &vs, &x).unwrap();
    assert!((cond - 4.0).abs() < 1e-9, "{cond}");
}

/// Every proxy on two small NAS-Bench-201 networks: finite scores, and the orderings that
/// must hold whatever the initialisation.
#[test]
fn every_proxy_scores_small_nb201_networks() {
    let _generator = crate::test_generator();
    use crate::compile::catalog::NetworkSize;
    use builders::CatalogBuilder;
    use proxy::{score, Proxy, ProxyData};
    let size = NetworkSize {
        channels: Some(4),
        cells: Some(1),
        classes: Some(10),
        in_channels: Some(3),
    };
    let cell = |op: &str| format!("|{op}~0|+|{op}~0|{op}~1|+|{op}~0|{op}~1|{op}~2|");
    let builder = |op: &str| CatalogBuilder {
        space: "nb201".into(),
        arch: cell(op),
        size,
    };
    let (conv, pool) = (builder("nor_conv_3x3"), builder("avg_pool_3x3"));
    tch::manual_seed(0);
    let data = ProxyData {
        images: Tensor::randn([8, 3, 8, 8], (Kind::Float, Device::Cpu)),
        labels: Tensor::from_slice(&[0i64, 1, 2, 3, 4, 5, 6, 7]),
        ntk_batch: 4,
        region_inputs: Tensor::randn([50, 1, 3, 3], (Kind::Float, Device::Cpu)),
        region_inits: 2,
    };
    let mut scores = std::collections::HashMap::new();
    for p in Proxy::ALL {
        for (name, b) in [("conv", &conv), ("pool", &pool)] {
            let s = score(p, b, &data, 1).unwrap_or_else(|e| panic!("{}: {e}", p.name()));
            assert!(!s.is_nan(), "{} {name}", p.name());
            scores.insert((p.name(), name), s);
        }
    }
    // Convolutions add parameters and work that pooling does not.
    assert!(scores[&("params", "conv")] > scores[&("params", "pool")]);
    assert!(scores[&("flops", "conv")] > scores[&("flops", "pool")]);
    assert!(scores[&("synflow", "conv")] > 0.0);
    assert!(scores[&("naswot", "conv")].is_finite());
    assert!(scores[&("linear_regions", "conv")] > 1.0);
    assert_eq!(Proxy::from_name("grad_norm"), Some(Proxy::GradNorm));
}

/// A cell whose output reads only `none` edges leaves the convolution before it unused:
/// gradient proxies must treat its gradient as zero instead of failing.
#[test]
fn gradient_proxies_survive_parameters_cut_off_by_none_edges() {
    let _generator = crate::test_generator();
    use crate::compile::catalog::NetworkSize;
    use builders::CatalogBuilder;
    use proxy::{score, Proxy, ProxyData};
    let dead = CatalogBuilder {
        space: "nb201".into(),
        arch: "|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|".into(),
        size: NetworkSize {
            channels: Some(4),
            cells: Some(1),
            classes: Some(10),
            in_channels: Some(3),
        },
    };
    tch::manual_seed(0);
    let data = ProxyData {
        images: Tensor::randn([4, 3, 8, 8], (Kind::Float, Device::Cpu)),
        labels: Tensor::from_slice(&[0i64, 1, 2, 3]),
        ntk_batch: 4,
        region_inputs: Tensor::randn([10, 1, 3, 3], (Kind::Float, Device::Cpu)),
        region_inits: 1,
    };
    for p in [Proxy::Synflow, Proxy::Snip, Proxy::GradNorm, Proxy::Ntk] {
        let s = score(p, &dead, &data, 0);
        assert!(s.is_ok(), "{}: {s:?}", p.name());
    }
}
