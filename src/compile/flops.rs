//! Counting multiply–accumulate operations (MACs) of a forward pass.
//!
//! Convolutions and linear layers report their MACs to a per-thread meter while one is open; a
//! count is taken by running one forward pass on a single example inside [`count_macs`]. The
//! convention is NAS-Bench-201's "FLOPs": `k·k·(C_in/groups)·C_out·H_out·W_out` per convolution
//! (plus one per output for a bias), `in·out` per linear layer (plus `out` for a bias); other ops
//! count nothing. Counts are checked ([`crate::wiring::size`]): one that overflows is an error.

use crate::wiring::size::{self, SizeError};
use std::cell::Cell;

/// The open meter's count so far (or why it could not be counted).
type Count = Result<i64, SizeError>;

thread_local! {
    static METER: Cell<Option<Count>> = const { Cell::new(None) };
}

/// Adds `macs` to the open meter of this thread, if any (a no-op outside [`count_macs`]).
pub fn record(macs: impl FnOnce() -> Count) {
    METER.with(|m| {
        if let Some(total) = m.get() {
            m.set(Some(total.and_then(|t| size::add(t, macs()?))));
        }
    });
}

/// The MACs of `outputs` outputs of `per_output` each, plus one each for a bias.
pub fn macs(outputs: i64, per_output: i64, bias: bool) -> Count {
    size::add(
        size::mul(outputs, per_output)?,
        if bias { outputs } else { 0 },
    )
}

/// Runs `f` with a fresh meter open and returns its result with the MACs recorded meanwhile.
pub fn count_macs<T>(f: impl FnOnce() -> T) -> (T, Count) {
    let previous = METER.with(|m| m.replace(Some(Ok(0))));
    let out = f();
    let counted = METER.with(|m| m.replace(previous)).unwrap_or(Ok(0));
    (out, counted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_only_inside_a_meter_and_restores_the_outer_one() {
        record(|| Ok(5));
        let ((), outer) = count_macs(|| {
            record(|| Ok(2));
            let ((), inner) = count_macs(|| record(|| Ok(7)));
            assert_eq!(inner, Ok(7));
            record(|| Ok(1));
        });
        assert_eq!(outer, Ok(3));
    }

    #[test]
    fn an_overflowing_count_is_an_error_not_a_wrap() {
        // 2^62 twice: each fits, their sum does not.
        let ((), counted) = count_macs(|| {
            record(|| macs(1 << 42, 1 << 20, false));
            record(|| macs(1 << 42, 1 << 20, false));
        });
        assert!(counted.is_err());
        assert!(macs(1 << 40, 1 << 30, false).is_err());
        assert_eq!(macs(6, 4, true), Ok(30));
    }
}
