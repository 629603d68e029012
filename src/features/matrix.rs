//! A column-major numeric feature matrix and the transforms detection needs: imputation,
//! constant-column removal, robust standardisation and column selection.

use rayon::prelude::*;

/// Most distinct values a [`FeatureColumn::Coded`] column holds: one byte per row.
const MAX_CODES: usize = 256;

/// One feature column. Flags, hours and other columns of at most 256 distinct values (a third
/// to a half of the event features of most files) are kept as one byte per row indexing their
/// values, an eighth of the memory; both forms read back exactly the same numbers.
#[derive(Debug, Clone, PartialEq)]
pub enum FeatureColumn {
    /// One value per row.
    Dense(Vec<f64>),
    /// One code per row into `values`.
    Coded {
        /// The code of each row.
        codes: Vec<u8>,
        /// The values, in order of first appearance.
        values: Vec<f64>,
    },
}

impl FeatureColumn {
    /// The column of `values`, coded when it has at most 256 distinct values (by bit pattern,
    /// so that 0 and -0 stay apart).
    pub fn of(values: Vec<f64>) -> FeatureColumn {
        let mut index: rustc_hash::FxHashMap<u64, u8> = Default::default();
        let mut table: Vec<f64> = Vec::new();
        let mut codes = Vec::with_capacity(values.len());
        for &v in &values {
            let code = match index.get(&v.to_bits()) {
                Some(&k) => k,
                None if table.len() == MAX_CODES => return FeatureColumn::Dense(values),
                None => {
                    let k = table.len() as u8;
                    index.insert(v.to_bits(), k);
                    table.push(v);
                    k
                }
            };
            codes.push(code);
        }
        FeatureColumn::Coded {
            codes,
            values: table,
        }
    }

    /// The value of row `r`.
    #[inline]
    pub fn get(&self, r: usize) -> f64 {
        match self {
            FeatureColumn::Dense(v) => v[r],
            FeatureColumn::Coded { codes, values } => values[usize::from(codes[r])],
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            FeatureColumn::Dense(v) => v.len(),
            FeatureColumn::Coded { codes, .. } => codes.len(),
        }
    }

    /// Whether it has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The values in row order.
    pub fn iter(&self) -> impl Iterator<Item = f64> + Clone + '_ {
        (0..self.len()).map(|r| self.get(r))
    }

    /// Replaces every value `v` by `f(v)`.
    fn map(&mut self, f: impl Fn(f64) -> f64) {
        let values = match self {
            FeatureColumn::Dense(v) => v,
            FeatureColumn::Coded { values, .. } => values,
        };
        for v in values.iter_mut() {
            *v = f(*v);
        }
    }

    /// [`robust_scale`] of the column; a coded column's medians are read from its value
    /// counts, its sums taken in row order, so that both forms give the same bits.
    fn robust_scale(&self) -> (f64, f64) {
        let (codes, values) = match self {
            FeatureColumn::Dense(v) => return robust_scale(v),
            FeatureColumn::Coded { codes, values } => (codes, values),
        };
        let mut counts = vec![0usize; values.len()];
        for &c in codes {
            counts[usize::from(c)] += 1;
        }
        let centre = counted_median(values.iter().copied().zip(counts.iter().copied()).collect());
        let deviations = values
            .iter()
            .zip(&counts)
            .map(|(v, &k)| ((v - centre).abs(), k))
            .collect();
        let mad = counted_median(deviations) * 1.4826;
        scale_of(centre, mad, self.len(), self.iter())
    }
}

/// The median of a multiset given as (value, count) pairs, exactly as [`quantile_mut`] finds
/// it over the expanded values.
pub(super) fn counted_median(mut pairs: Vec<(f64, usize)>) -> f64 {
    let n: usize = pairs.iter().map(|p| p.1).sum();
    if n == 0 {
        return 0.0;
    }
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let pos = 0.5 * (n - 1) as f64;
    let lo = pos.floor() as usize;
    // The values at sorted positions `lo` and `lo + 1`.
    let at = |i: usize| {
        let mut seen = 0;
        for &(v, k) in &pairs {
            seen += k;
            if i < seen {
                return v;
            }
        }
        pairs[pairs.len() - 1].0
    };
    let low = at(lo);
    if pos == lo as f64 {
        return low;
    }
    low + (at(lo + 1) - low) * (pos - lo as f64)
}

/// Named numeric features, column-major, with no missing values once built.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeatureMatrix {
    /// One name per column.
    pub names: Vec<String>,
    /// The columns; all have the same length.
    pub columns: Vec<FeatureColumn>,
    /// Input columns left out for being too many (see
    /// [`MAX_EXTRA_FEATURES`](super::MAX_EXTRA_FEATURES)).
    pub left_out: Vec<String>,
    /// Extra columns whose values were log-transformed (the built-in ones say so by their
    /// `log_` prefix).
    pub log_transformed: Vec<String>,
}

/// The Euclidean distance between two points.
pub fn euclidean(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt()
}

/// The distinct rows of a matrix: the first row of each, ascending, and for every row the
/// index of its own among them.
#[derive(Debug, Clone, PartialEq)]
pub struct DistinctRows {
    /// The first row of each distinct row.
    pub first: Vec<u32>,
    /// For every row, the index in `first` of its own.
    pub of_row: Vec<u32>,
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
            log_transformed: Vec::new(),
        }
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, FeatureColumn::len)
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
        self.push(name, FeatureColumn::of(values));
        true
    }

    /// Adds a column already imputed.
    pub fn push(&mut self, name: &str, column: FeatureColumn) {
        self.names.push(name.to_string());
        self.columns.push(column);
    }

    /// Copies row `r` into `out` (length [`Self::dims`]).
    pub fn row_into(&self, r: usize, out: &mut [f64]) {
        for (o, c) in out.iter_mut().zip(&self.columns) {
            *o = c.get(r);
        }
    }

    /// A hash of row `r`'s values, bit for bit.
    pub fn row_hash(&self, r: usize, buf: &mut Vec<u8>) -> u64 {
        buf.clear();
        for c in &self.columns {
            buf.extend_from_slice(&c.get(r).to_bits().to_le_bytes());
        }
        xxhash_rust::xxh3::xxh3_64(buf)
    }

    /// `f` of every row's values, each distinct row computed once, in parallel: for scores
    /// that cost far more than finding a row's twin (logs repeat rows).
    pub fn per_distinct_row(&self, f: impl Fn(&[f64]) -> f64 + Sync) -> Vec<f64> {
        let distinct = self.distinct_rows();
        let per: Vec<f64> = distinct
            .first
            .par_iter()
            .map_init(
                || vec![0.0; self.dims()],
                |p, &r| {
                    self.row_into(r as usize, p);
                    f(p)
                },
            )
            .collect();
        distinct.of_row.iter().map(|&d| per[d as usize]).collect()
    }

    /// The distinct rows (equal bit for bit), in order of first appearance.
    pub fn distinct_rows(&self) -> DistinctRows {
        let n = self.rows();
        let hashes: Vec<u64> = (0..n)
            .into_par_iter()
            .map_init(Vec::new, |buf, r| self.row_hash(r, buf))
            .collect();
        let same = |a: usize, b: usize| {
            self.columns
                .iter()
                .all(|c| c.get(a).to_bits() == c.get(b).to_bits())
        };
        let mut first_of_hash: rustc_hash::FxHashMap<u64, u32> = Default::default();
        let mut first: Vec<u32> = Vec::new();
        let of_row = hashes
            .iter()
            .enumerate()
            .map(|(r, &h)| {
                let k = *first_of_hash.entry(h).or_insert(first.len() as u32);
                if (k as usize) < first.len() && same(first[k as usize] as usize, r) {
                    return k;
                }
                // A new row, or one whose hash another row has (kept apart).
                first.push(r as u32);
                first.len() as u32 - 1
            })
            .collect();
        DistinctRows { first, of_row }
    }

    /// Centres each column on its median and scales it by its MAD (times 1.4826, so a normal
    /// column gets unit scale); columns with zero MAD are scaled by their standard deviation.
    /// Returns the (centre, scale) used per column.
    pub fn standardise_robust(&mut self) -> Vec<(f64, f64)> {
        self.columns
            .par_iter_mut()
            .map(|c| {
                let (centre, scale) = c.robust_scale();
                c.map(|v| (v - centre) / scale);
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
    scale_of(centre, mad, c.len(), c.iter().copied())
}

/// The (centre, scale) of [`robust_scale`] from the centre, the scaled MAD and the values.
fn scale_of(
    centre: f64,
    mad: f64,
    n: usize,
    values: impl Iterator<Item = f64> + Clone,
) -> (f64, f64) {
    let n = n.max(1) as f64;
    let mean = values.clone().sum::<f64>() / n;
    let sd = (values.map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    scale_from(centre, mad, sd)
}

/// The (centre, scale) of [`robust_scale`] from the centre, the scaled MAD and the standard
/// deviation: the MAD, but never below half the deviation; 1 for a constant column.
pub fn scale_from(centre: f64, mad: f64, sd: f64) -> (f64, f64) {
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
        assert_eq!(
            m.columns[0].iter().collect::<Vec<_>>(),
            vec![1.0, 3.0, 3.0, 5.0]
        );
        assert_eq!(m.names, vec!["a".to_string()]);
    }

    #[test]
    fn coded_columns_read_and_scale_exactly_as_dense_ones() {
        // Hours of day with an even count (the median interpolates), a flag column whose MAD
        // is zero (the standard deviation sets the scale), and 0 beside -0.
        let hours: Vec<f64> = (0..1000)
            .map(|i| f64::from((i * 7 + i / 13) % 24))
            .collect();
        let flags: Vec<f64> = (0..999).map(|i| f64::from(u8::from(i % 10 == 0))).collect();
        let zeros = vec![0.0, -0.0, 0.3, 0.0, 0.1, -0.0];
        for values in [hours, flags, zeros] {
            let coded = FeatureColumn::of(values.clone());
            assert!(matches!(coded, FeatureColumn::Coded { .. }));
            let read: Vec<u64> = coded.iter().map(f64::to_bits).collect();
            let want: Vec<u64> = values.iter().map(|v| v.to_bits()).collect();
            assert_eq!(read, want);
            let (c, s) = coded.robust_scale();
            let (dc, ds) = robust_scale(&values);
            assert_eq!((c.to_bits(), s.to_bits()), (dc.to_bits(), ds.to_bits()));
        }
        // More than 256 distinct values stay dense.
        let wide: Vec<f64> = (0..257).map(f64::from).collect();
        assert!(matches!(FeatureColumn::of(wide), FeatureColumn::Dense(_)));
        let narrow: Vec<f64> = (0..256).map(f64::from).collect();
        assert!(matches!(
            FeatureColumn::of(narrow),
            FeatureColumn::Coded { .. }
        ));
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
