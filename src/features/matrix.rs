//! A column-major numeric feature matrix and the transforms detection needs: imputation,
//! constant-column removal, robust standardisation and column selection.

use rayon::prelude::*;

/// Named numeric features, column-major, with no missing values once built.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeatureMatrix {
    /// One name per column.
    pub names: Vec<String>,
    /// The columns; all have the same length.
    pub columns: Vec<Vec<f64>>,
    /// Input columns left out for being too many (see
    /// [`MAX_EXTRA_FEATURES`](super::MAX_EXTRA_FEATURES)).
    pub left_out: Vec<String>,
}

/// Median of `v` (which must not hold NaN); 0 for an empty slice.
pub fn median(v: &[f64]) -> f64 {
    quantile(v, 0.5)
}

/// The `q`-quantile of `v` by linear interpolation (NumPy's default); 0 for an empty slice.
pub fn quantile(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    quantile_mut(&mut v.to_vec(), q)
}

/// [`quantile`], reordering `s` in place instead of copying it.
fn quantile_mut(s: &mut [f64], q: f64) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    let pos = q.clamp(0.0, 1.0) * (s.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let (_, &mut low, above) = s.select_nth_unstable_by(lo, f64::total_cmp);
    if pos == lo as f64 {
        return low;
    }
    let high = above.iter().copied().min_by(f64::total_cmp).unwrap_or(low);
    low + (high - low) * (pos - lo as f64)
}

/// [`quantile`] of an already sorted slice.
pub fn quantile_sorted(s: &[f64], q: f64) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    let pos = q.clamp(0.0, 1.0) * (s.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    s[lo] + (s[hi] - s[lo]) * (pos - lo as f64)
}

/// Replaces the NaNs (missing values) of a column by its median. `None` when the column has
/// no value or only one distinct value, so it carries no information.
pub fn impute(mut values: Vec<f64>) -> Option<Vec<f64>> {
    let first = values.iter().copied().find(|v| !v.is_nan())?;
    if values.iter().all(|&v| v == first || v.is_nan()) {
        return None;
    }
    if values.iter().any(|v| v.is_nan()) {
        let present: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
        let fill = median(&present);
        for v in &mut values {
            if v.is_nan() {
                *v = fill;
            }
        }
    }
    Some(values)
}

impl FeatureMatrix {
    /// A copy holding only `columns`, in that order.
    pub fn select(&self, columns: &[usize]) -> FeatureMatrix {
        FeatureMatrix {
            names: columns.iter().map(|&c| self.names[c].clone()).collect(),
            columns: columns.iter().map(|&c| self.columns[c].clone()).collect(),
            left_out: Vec::new(),
        }
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, Vec::len)
    }

    /// Number of columns.
    pub fn dims(&self) -> usize {
        self.columns.len()
    }

    /// Adds a column whose missing values are NaN (see [`impute`]). Returns whether it was
    /// added.
    pub fn push_imputed(&mut self, name: &str, values: Vec<f64>) -> bool {
        let Some(values) = impute(values) else {
            return false;
        };
        self.names.push(name.to_string());
        self.columns.push(values);
        true
    }

    /// Copies row `r` into `out` (length [`Self::dims`]).
    pub fn row_into(&self, r: usize, out: &mut [f64]) {
        for (o, c) in out.iter_mut().zip(&self.columns) {
            *o = c[r];
        }
    }

    /// Centres each column on its median and scales it by its MAD (times 1.4826, so a normal
    /// column gets unit scale); columns with zero MAD are scaled by their standard deviation.
    /// Returns the (centre, scale) used per column.
    pub fn standardise_robust(&mut self) -> Vec<(f64, f64)> {
        self.columns
            .par_iter_mut()
            .map(|c| {
                let (centre, scale) = robust_scale(c);
                for v in c.iter_mut() {
                    *v = (*v - centre) / scale;
                }
                (centre, scale)
            })
            .collect()
    }
}

/// Median and robust scale: MAD × 1.4826 (a normal column's standard deviation), but never
/// below half the standard deviation, so that a column where most values are equal does not
/// turn every other value into an extreme z; 1 for a constant column.
pub fn robust_scale(c: &[f64]) -> (f64, f64) {
    // One working copy: the median reorders it, then it becomes the deviations.
    let mut work = c.to_vec();
    let centre = quantile_mut(&mut work, 0.5);
    for v in &mut work {
        *v = (*v - centre).abs();
    }
    let mad = quantile_mut(&mut work, 0.5) * 1.4826;
    drop(work);
    let n = c.len().max(1) as f64;
    let mean = c.iter().sum::<f64>() / n;
    let sd = (c.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    let scale = mad.max(0.5 * sd);
    (centre, if scale > 1e-12 { scale } else { 1.0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_like_numpy() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(median(&v), 2.5);
        assert!((quantile(&v, 0.95) - 3.85).abs() < 1e-12);
        assert_eq!(quantile(&[], 0.5), 0.0);
    }

    #[test]
    fn imputes_and_drops_constants() {
        let mut m = FeatureMatrix::default();
        assert!(m.push_imputed("a", vec![1.0, f64::NAN, 3.0, 5.0]));
        assert!(!m.push_imputed("b", vec![2.0, 2.0, f64::NAN, 2.0]));
        assert!(!m.push_imputed("c", vec![f64::NAN; 4]));
        assert_eq!(m.columns[0], vec![1.0, 3.0, 3.0, 5.0]);
        assert_eq!(m.names, vec!["a".to_string()]);
    }

    #[test]
    fn robust_standardisation() {
        let mut m = FeatureMatrix::default();
        m.push_imputed("a", vec![1.0, 2.0, 3.0, 4.0, 100.0]);
        let scales = m.standardise_robust();
        // median 3, MAD = median(|-2,-1,0,1,97|) = 1, but the standard deviation (about
        // 39.0) floors the scale at half of it.
        let sd = (10030.0f64 / 5.0 - 22.0f64.powi(2)).sqrt();
        assert_eq!(scales[0].0, 3.0);
        assert!((scales[0].1 - 0.5 * sd).abs() < 1e-9, "{:?}", scales[0]);
        let mut m = FeatureMatrix::default();
        m.push_imputed("b", vec![1.0, 2.0, 3.0, 4.0, 5.0]);
        // A well-spread column keeps its MAD scale: MAD 1 -> 1.4826 > sd/2.
        assert_eq!(m.standardise_robust()[0], (3.0, 1.4826));
    }
}
