//! Counting multiply–accumulate operations (MACs) of a forward pass.
//!
//! Convolutions and linear layers report their MACs to a per-thread meter while one is open; a
//! count is taken by running one forward pass on a single example inside [`count_macs`]. The
//! convention is NAS-Bench-201's "FLOPs": `k·k·(C_in/groups)·C_out·H_out·W_out` per convolution
//! (plus one per output for a bias), `in·out` per linear layer (plus `out` for a bias); other ops
//! count nothing.

use std::cell::Cell;

thread_local! {
    static METER: Cell<Option<u64>> = const { Cell::new(None) };
}

/// Adds `macs` to the open meter of this thread, if any (a no-op outside [`count_macs`]).
pub fn record(macs: impl FnOnce() -> u64) {
    METER.with(|m| {
        if let Some(total) = m.get() {
            m.set(Some(total + macs()));
        }
    });
}

/// Runs `f` with a fresh meter open and returns its result with the MACs recorded meanwhile.
pub fn count_macs<T>(f: impl FnOnce() -> T) -> (T, u64) {
    let previous = METER.with(|m| m.replace(Some(0)));
    let out = f();
    let counted = METER.with(|m| m.replace(previous)).unwrap_or(0);
    (out, counted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_only_inside_a_meter_and_restores_the_outer_one() {
        record(|| 5);
        let ((), outer) = count_macs(|| {
            record(|| 2);
            let ((), inner) = count_macs(|| record(|| 7));
            assert_eq!(inner, 7);
            record(|| 1);
        });
        assert_eq!(outer, 3);
    }
}
