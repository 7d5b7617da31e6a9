//! A thread-local tap on ReLU outputs: while [`watch`] runs a closure, every ReLU the compiler
//! applies on this thread hands its output to a visitor, so a proxy can read the binary
//! activation codes (`x > 0`) of each input without hooks in the network code and without
//! keeping every activation alive.

use std::cell::RefCell;
use tch::Tensor;

/// What a [`watch`] does with each ReLU output.
type Visitor = Box<dyn FnMut(&Tensor)>;

thread_local! {
    static VISITOR: RefCell<Option<Visitor>> = const { RefCell::new(None) };
}

/// Called by the compiled ReLU with its output; hands it to the running watch, if any.
pub fn observe(relu_output: &Tensor) {
    VISITOR.with(|v| {
        if let Some(visit) = v.borrow_mut().as_mut() {
            visit(relu_output);
        }
    });
}

/// Runs `body` while handing every ReLU output on this thread, in order, to `visit` (which
/// keeps its state behind an `Rc` the caller also holds). Returns `body`'s result; an
/// enclosing watch is suspended for the duration, and restored even if `body` panics.
pub fn watch<T>(visit: impl FnMut(&Tensor) + 'static, body: impl FnOnce() -> T) -> T {
    struct Restore(Option<Visitor>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            VISITOR.with(|v| *v.borrow_mut() = previous);
        }
    }
    let previous = VISITOR.with(|v| v.borrow_mut().replace(Box::new(visit)));
    let _restore = Restore(previous);
    body()
}

/// The binary activation code of one ReLU output for each input of the batch: `[N, units]`,
/// 1.0 where the unit is active.
pub fn code(relu_output: &Tensor) -> Tensor {
    let batch = relu_output.size().first().copied().unwrap_or(1);
    relu_output
        .gt(0.0)
        .to_kind(tch::Kind::Float)
        .reshape([batch, -1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visits_only_inside_a_watch() {
        observe(&Tensor::from_slice(&[1.0f32]));
        let seen = std::rc::Rc::new(RefCell::new(Vec::new()));
        let sink = seen.clone();
        let answer = watch(
            move |t| sink.borrow_mut().push(code(t)),
            || {
                observe(&Tensor::from_slice(&[1.0f32, -2.0]).view([1, 2]));
                observe(&Tensor::from_slice(&[0.0f32, 3.0, 4.0]).view([1, 3]));
                42
            },
        );
        assert_eq!(answer, 42);
        assert_eq!(seen.borrow().len(), 2);
        let codes = Tensor::cat(&seen.borrow(), 1);
        let row: Vec<f64> = (0..5).map(|i| codes.double_value(&[0, i])).collect();
        assert_eq!(row, [1.0, 0.0, 0.0, 1.0, 1.0]);
        observe(&Tensor::from_slice(&[1.0f32]));
        assert_eq!(seen.borrow().len(), 2);
    }
}
