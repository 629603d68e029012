//! ECOD, empirical-cumulative-distribution outlier detection (Li et al., 2022), as PyOD's
//! `ECOD` computes it: for every feature the left and right tail probabilities of each value
//! under the feature's empirical distribution, the tail the feature's skewness points to, and
//! the sum over features of the larger negative log tail probability. Parameter-free and
//! deterministic: its scores match PyOD's to rounding (tests/references.rs).

use crate::features::FeatureMatrix;

/// NumPy's `finfo(float64).resolution`: SciPy's skewness is NaN (taken as 0) for a column
/// whose variance is within this of its mean squared, nearly constant.
const RESOLUTION: f64 = 1e-15;

/// The ECDF of one column as PyOD's `column_ecdf` builds it: the i-th smallest value gets
/// `linspace(1/n, 1, n)[i]`, and equal values all get the probability of the last of them.
fn ecdf(values: &[f64]) -> Vec<f64> {
    let n = values.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let start = 1.0 / n as f64;
    let step = if n > 1 {
        (1.0 - start) / (n - 1) as f64
    } else {
        0.0
    };
    let mut p: Vec<f64> = (0..n).map(|k| k as f64 * step + start).collect();
    if let Some(last) = p.last_mut() {
        *last = 1.0;
    }
    for k in (0..n.saturating_sub(1)).rev() {
        if values[order[k]] == values[order[k + 1]] {
            p[k] = p[k + 1];
        }
    }
    let mut out = vec![0.0; n];
    for (k, &i) in order.iter().enumerate() {
        out[i] = p[k];
    }
    out
}

/// The sign of SciPy's (biased) skewness of a column: 0 when the column is nearly constant.
fn skew_sign(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let m2 = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    if m2 <= (RESOLUTION * mean).powi(2) {
        return 0.0;
    }
    let m3 = values.iter().map(|v| (v - mean).powi(3)).sum::<f64>() / n;
    if m3 > 0.0 {
        1.0
    } else if m3 < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// ECOD's outlier score of every row of `m` (PyOD's `decision_scores_` after fitting on
/// `m`): higher is more anomalous.
pub fn scores(m: &FeatureMatrix) -> Vec<f64> {
    let rows = m.rows();
    let mut out = vec![0.0; rows];
    for column in &m.columns {
        let values: Vec<f64> = column.iter().collect();
        let negated: Vec<f64> = values.iter().map(|v| -v).collect();
        let (left, right) = (ecdf(&values), ecdf(&negated));
        let s = skew_sign(&values);
        for (i, o) in out.iter_mut().enumerate() {
            let (l, r) = (-left[i].ln(), -right[i].ln());
            // PyOD: U_skew = U_l * -sign(s - 1) + U_r * sign(s + 1).
            let skewed = l * -sign(s - 1.0) + r * sign(s + 1.0);
            *o += l.max(r).max(skewed);
        }
    }
    out
}

/// NumPy's `sign`: -1, 0 or 1.
fn sign(v: f64) -> f64 {
    if v == 0.0 {
        0.0
    } else {
        v.signum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_take_the_last_probability_and_tails_follow_skew() {
        let p = ecdf(&[2.0, 1.0, 2.0, 3.0]);
        assert_eq!(p, [0.75, 0.25, 0.75, 1.0]);
        assert_eq!(skew_sign(&[1.0, 1.0, 1.0, 10.0]), 1.0);
        assert_eq!(skew_sign(&[5.0, 5.0, 5.0]), 0.0);
    }
}
