//! Calibrated busy work, standing in for the VM time of a real transaction.
//!
//! A mock transaction carries a number of *work units*; executing it runs that many rounds of
//! a mixing function whose result feeds its output, so the optimiser cannot drop it and every
//! incarnation does the same work. [`units_for_micros`] converts a wall-clock target into
//! units once per process (a measured calibration), so blocks are identical for both executors
//! while their cost tracks the requested microseconds on the machine at hand.

use std::sync::OnceLock;
use std::time::Instant;

use crate::rng::mix64;

/// Runs `units` rounds of mixing starting from `seed`; returns the result.
pub fn spin(seed: u64, units: u32) -> u64 {
    let mut acc = seed;
    for i in 0..units {
        acc = mix64(acc ^ u64::from(i));
    }
    std::hint::black_box(acc)
}

/// Work units per microsecond on this machine (measured once, then cached).
pub fn units_per_micro() -> f64 {
    static CALIBRATION: OnceLock<f64> = OnceLock::new();
    *CALIBRATION.get_or_init(|| {
        const ROUNDS: u32 = 2_000_000;
        // Warm up, then keep the fastest of a few runs (the least disturbed by other load).
        spin(1, ROUNDS / 10);
        let best = (0..3)
            .map(|i| {
                let started = Instant::now();
                spin(i, ROUNDS);
                started.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min);
        f64::from(ROUNDS) / (best * 1e6).max(1e-9)
    })
}

/// The work units that take about `micros` microseconds here.
pub fn units_for_micros(micros: f64) -> u32 {
    (micros.max(0.0) * units_per_micro())
        .round()
        .min(f64::from(u32::MAX)) as u32
}
