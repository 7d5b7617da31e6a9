//! A thread-local tap on ReLU outputs: while a [`capture`] is running, every ReLU the compiler
//! applies on this thread reports its output, so a proxy can read the binary activation code
//! (`x > 0`) of each input without hooks in the network code.

use std::cell::RefCell;
use tch::Tensor;

thread_local! {
    static CAPTURED: RefCell<Option<Vec<Tensor>>> = const { RefCell::new(None) };
}

/// Called by the compiled ReLU with its output; records it when a capture is running.
pub fn observe(relu_output: &Tensor) {
    CAPTURED.with(|c| {
        if let Some(list) = c.borrow_mut().as_mut() {
            list.push(relu_output.detach());
        }
    });
}

/// Runs `f` while recording every ReLU output on this thread; returns `f`'s result and the
/// outputs in the order the ReLUs ran. Nested captures are not supported: an inner capture
/// takes the recordings of its own span only.
pub fn capture<T>(f: impl FnOnce() -> T) -> (T, Vec<Tensor>) {
    let previous = CAPTURED.with(|c| c.borrow_mut().replace(Vec::new()));
    let result = f();
    let recorded = CAPTURED.with(|c| std::mem::replace(&mut *c.borrow_mut(), previous));
    (result, recorded.unwrap_or_default())
}

/// The binary activation codes of a batch: one row per input, one column per ReLU unit over
/// all recorded outputs, 1.0 where the unit is active. `[N, units]`, float.
pub fn codes(outputs: &[Tensor]) -> Option<Tensor> {
    let batch = outputs.first()?.size().first().copied()?;
    let parts: Vec<Tensor> = outputs
        .iter()
        .map(|t| t.gt(0.0).to_kind(tch::Kind::Float).reshape([batch, -1]))
        .collect();
    Some(Tensor::cat(&parts, 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_only_inside_a_capture() {
        observe(&Tensor::from_slice(&[1.0f32]));
        let ((), seen) = capture(|| {
            observe(&Tensor::from_slice(&[1.0f32, -2.0]).view([1, 2]));
            observe(&Tensor::from_slice(&[0.0f32, 3.0, 4.0]).view([1, 3]));
        });
        assert_eq!(seen.len(), 2);
        let codes = codes(&seen).unwrap();
        assert_eq!(codes.size(), vec![1, 5]);
        let row: Vec<f64> = (0..5).map(|i| codes.double_value(&[0, i])).collect();
        assert_eq!(row, [1.0, 0.0, 0.0, 1.0, 1.0]);
        let ((), after) = capture(|| {});
        assert!(after.is_empty());
    }
}
