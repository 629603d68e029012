//! HBOS, histogram-based outlier score (Goldstein and Dengel, 2012), as PyOD's `HBOS`
//! computes it with its defaults (10 equal-width bins per feature, `alpha` 0.1, `tol` 0.5):
//! each value's bin density, the sum over features of `-log2(density + alpha)`. Features are
//! taken as independent, which makes it the fastest family; deterministic, its scores match
//! PyOD's to rounding (tests/references.rs).
//!
//! NumPy's histogram counts a value into the bin whose left edge it reaches, PyOD looks it up
//! with `digitize(right=True)`, in the bin whose right edge it reaches: a value on an inner
//! edge is counted in one bin and scored by the one before. Both are kept as they are, so
//! that the scores are PyOD's.

use crate::features::FeatureMatrix;

/// Bins per feature (PyOD's default `n_bins`).
pub const BINS: usize = 10;
/// Added to every density before the logarithm (PyOD's default `alpha`).
pub const ALPHA: f64 = 0.1;
/// How far past the outer edges, in bin widths, a value still takes the outer bin (PyOD's
/// default `tol`).
pub const TOL: f64 = 0.5;

/// NumPy's `histogram(values, bins=BINS, density=True)`: the densities and the edges.
fn histogram(values: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let (mut first, mut last) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    if first == last {
        first -= 0.5;
        last += 0.5;
    }
    // np.linspace(first, last, BINS + 1): k * step + first, the last edge exactly `last`.
    let step = (last - first) / BINS as f64;
    let mut edges: Vec<f64> = (0..=BINS).map(|k| k as f64 * step + first).collect();
    edges[BINS] = last;
    let mut counts = [0u64; BINS];
    for &v in values {
        // [edge k, edge k+1), the last bin closed.
        let k = edges[1..BINS].partition_point(|&e| e <= v);
        counts[k] += 1;
    }
    let total = values.len() as f64;
    let density = counts
        .iter()
        .zip(edges.windows(2))
        .map(|(&c, w)| c as f64 / (w[1] - w[0]) / total)
        .collect();
    (density, edges)
}

/// HBOS's outlier score of every row of `m` (PyOD's `decision_scores_` after fitting on `m`):
/// higher is more anomalous.
pub fn scores(m: &FeatureMatrix) -> Vec<f64> {
    let mut out = vec![0.0; m.rows()];
    for column in &m.columns {
        let values: Vec<f64> = column.iter().collect();
        let (density, edges) = histogram(&values);
        let logs: Vec<f64> = density.iter().map(|d| (d + ALPHA).log2()).collect();
        let lowest = logs.iter().copied().fold(f64::INFINITY, f64::min);
        for (o, &v) in out.iter_mut().zip(&values) {
            // np.digitize(v, edges, right=True): the number of edges below v.
            let i = edges.partition_point(|&e| e < v);
            let score = if i == 0 {
                let width = edges[1] - edges[0];
                if edges[0] - v <= width * TOL {
                    logs[0]
                } else {
                    lowest
                }
            } else if i == BINS + 1 {
                let width = edges[BINS] - edges[BINS - 1];
                if v - edges[BINS] <= width * TOL {
                    logs[BINS - 1]
                } else {
                    lowest
                }
            } else {
                logs[i - 1]
            };
            *o -= score;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_constant_column_spans_one_unit_and_its_value_sits_on_an_inner_edge() {
        let (density, edges) = histogram(&[0.0, 0.0, 0.0]);
        assert_eq!((edges[0], edges[5], edges[10]), (-0.5, 0.0, 0.5));
        // Counted from the edge it reaches (bin 5), each bin 0.1 wide.
        assert!((density[5] - 10.0).abs() < 1e-9);
        assert_eq!(density.iter().filter(|d| **d > 0.0).count(), 1);
    }
}
