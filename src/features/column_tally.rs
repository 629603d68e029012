//! Exact medians and MADs of a column seen in parts and never held whole (a streaming run's
//! shards), as [`super::robust_scale`] computes them over the column in memory.
//!
//! While a column has at most [`COUNTED`] distinct values they are counted. Past that, values
//! are counted per bucket of their order-preserving bit pattern (4,096 buckets per power of
//! two), and a second sweep gathers the values of the few buckets that can hold the ranks
//! sought: the median's, and those whose distance to any point of the median's bucket can be
//! the MAD's. Both come out exact, bit for bit those of the column sorted in memory.

use rustc_hash::FxHashMap;

use super::matrix::counted_median;

/// Distinct values counted one by one before a column is counted per bucket.
pub const COUNTED: usize = 1 << 16;

/// Bits of a value's order key dropped to make its bucket.
const BUCKET_SHIFT: u32 = 40;

/// A key that orders like `f64::total_cmp`.
fn order_key(v: f64) -> u64 {
    let b = v.to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | 1 << 63
    }
}

fn from_key(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

/// The smallest and largest values of bucket `b`.
fn bucket_range(b: u32) -> (f64, f64) {
    let lo = u64::from(b) << BUCKET_SHIFT;
    (from_key(lo), from_key(lo | ((1 << BUCKET_SHIFT) - 1)))
}

/// What the second sweep gathers.
#[derive(Debug, Default)]
struct Refinement {
    log: bool,
    /// Present values of lower buckets than the median's first.
    below_median: u64,
    median_buckets: Vec<u32>,
    median_values: Vec<f64>,
    /// The MAD's ranks that fall below every gathered deviation.
    below_mad: u64,
    mad_buckets: Vec<u32>,
    mad_values: Vec<f64>,
    /// Whether the missing values (at deviation 0) are among the gathered.
    missing_gathered: bool,
}

/// One column's values, tallied for its median and MAD.
#[derive(Debug)]
pub struct ColumnTally {
    counted: Option<FxHashMap<u64, u64>>,
    buckets: FxHashMap<u32, u64>,
    present: u64,
    refinement: Option<Refinement>,
}

impl Default for ColumnTally {
    fn default() -> Self {
        ColumnTally {
            counted: Some(FxHashMap::default()),
            buckets: FxHashMap::default(),
            present: 0,
            refinement: None,
        }
    }
}

/// The ranks a median of `n` values interpolates between.
fn median_ranks(n: u64) -> (u64, u64) {
    let pos = 0.5 * n.saturating_sub(1) as f64;
    let lo = pos.floor() as u64;
    (lo, if pos == lo as f64 { lo } else { lo + 1 })
}

/// The median from the values of ranks `lo` and `hi` (equal when there is no interpolation).
fn interpolate(low: f64, high: f64, n: u64) -> f64 {
    let pos = 0.5 * n.saturating_sub(1) as f64;
    let lo = pos.floor();
    if pos == lo {
        low
    } else {
        low + (high - low) * (pos - lo)
    }
}

impl ColumnTally {
    /// Counts a present (not NaN) value.
    pub fn add(&mut self, v: f64) {
        self.present += 1;
        match &mut self.counted {
            Some(counts) => {
                *counts.entry(v.to_bits()).or_default() += 1;
                if counts.len() > COUNTED {
                    for (bits, c) in counts.drain() {
                        let b = (order_key(f64::from_bits(bits)) >> BUCKET_SHIFT) as u32;
                        *self.buckets.entry(b).or_default() += c;
                    }
                    self.counted = None;
                }
            }
            None => {
                *self
                    .buckets
                    .entry((order_key(v) >> BUCKET_SHIFT) as u32)
                    .or_default() += 1;
            }
        }
    }

    /// Whether the values are counted one by one (no second sweep needed).
    pub fn counted(&self) -> bool {
        self.counted.is_some()
    }

    /// After the first sweep: chooses the buckets the second sweep gathers, for a column
    /// with `missing` values (imputed with the median) whose values are mapped by `ln_1p`
    /// when `log`.
    pub fn plan(&mut self, missing: u64, log: bool) {
        if self.counted() || self.present == 0 {
            return;
        }
        let map = |v: f64| if log { v.ln_1p() } else { v };
        let mut buckets: Vec<(u32, u64)> = self.buckets.iter().map(|(&b, &c)| (b, c)).collect();
        buckets.sort_unstable();
        let (r_lo, r_hi) = median_ranks(self.present);
        let mut seen = 0;
        let mut below_median = 0;
        let mut median_buckets = Vec::new();
        for &(b, c) in &buckets {
            let next = seen + c;
            if next <= r_lo {
                below_median = next;
            } else if seen <= r_hi {
                median_buckets.push(b);
            }
            seen = next;
        }
        // The centre lies in the median's buckets; each bucket's distance to it, bounded.
        let c_min = map(bucket_range(median_buckets[0]).0);
        let c_max = map(bucket_range(*median_buckets.last().unwrap_or(&median_buckets[0])).1);
        let bounds: Vec<(f64, f64, u64, Option<u32>)> = buckets
            .iter()
            .map(|&(b, c)| {
                let (lo, hi) = bucket_range(b);
                let (x, y) = (map(lo), map(hi));
                let lower = (x - c_max).max(c_min - y).max(0.0);
                let upper = (c_max - x).max(y - c_min);
                (lower, upper, c, Some(b))
            })
            .chain((missing > 0).then_some((0.0, 0.0, missing, None)))
            .collect();
        let (k_lo, k_hi) = median_ranks(self.present + missing);
        let kth = |mut values: Vec<(f64, u64)>, k: u64| {
            values.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut seen = 0;
            for (v, c) in values {
                seen += c;
                if k < seen {
                    return v;
                }
            }
            f64::INFINITY
        };
        let a = kth(bounds.iter().map(|b| (b.0, b.2)).collect(), k_lo);
        let z = kth(bounds.iter().map(|b| (b.1, b.2)).collect(), k_hi);
        let mut refinement = Refinement {
            log,
            below_median,
            median_buckets,
            ..Refinement::default()
        };
        for (lower, upper, c, b) in bounds {
            if upper < a {
                refinement.below_mad += c;
            } else if lower <= z {
                match b {
                    Some(b) => refinement.mad_buckets.push(b),
                    None => refinement.missing_gathered = true,
                }
            }
        }
        refinement.median_buckets.sort_unstable();
        refinement.mad_buckets.sort_unstable();
        self.refinement = Some(refinement);
    }

    /// Gathers a present value in the second sweep, when [`Self::plan`] asked for one.
    pub fn gather(&mut self, v: f64) {
        let Some(r) = &mut self.refinement else {
            return;
        };
        let b = (order_key(v) >> BUCKET_SHIFT) as u32;
        if r.median_buckets.binary_search(&b).is_ok() {
            r.median_values.push(v);
        }
        if r.mad_buckets.binary_search(&b).is_ok() {
            r.mad_values.push(v);
        }
    }

    /// The median of the present values (which fills the missing ones) and the MAD, times
    /// 1.4826, of the column once filled; values mapped by `ln_1p` when `log` (as planned).
    pub fn finish(self, missing: u64, log: bool) -> (f64, f64) {
        let map = |v: f64| if log { v.ln_1p() } else { v };
        if let Some(counts) = self.counted {
            let present: Vec<(f64, usize)> = counts
                .into_iter()
                .map(|(b, n)| (map(f64::from_bits(b)), n as usize))
                .collect();
            let fill = counted_median(present.clone());
            let mut all = present;
            if missing > 0 {
                all.push((fill, missing as usize));
            }
            let centre = counted_median(all.clone());
            let deviations = all.iter().map(|&(v, c)| ((v - centre).abs(), c)).collect();
            return (fill, counted_median(deviations) * 1.4826);
        }
        let Some(mut r) = self.refinement else {
            return (0.0, 0.0);
        };
        // Ranks of the present values, interpolated as the in-memory median does.
        r.median_values.sort_by(|a, b| a.total_cmp(b));
        let (lo, hi) = median_ranks(self.present);
        let value = |rank: u64| {
            let i = (rank - r.below_median) as usize;
            map(r.median_values[i.min(r.median_values.len() - 1)])
        };
        let fill = interpolate(value(lo), value(hi), self.present);
        // With the missing values at the median, the median of the whole column is the fill.
        let centre = fill;
        let mut deviations: Vec<f64> = r
            .mad_values
            .iter()
            .map(|&v| (map(v) - centre).abs())
            .collect();
        if r.missing_gathered {
            deviations.extend(std::iter::repeat_n(0.0, missing as usize));
        }
        deviations.sort_by(|a, b| a.total_cmp(b));
        let total = self.present + missing;
        let (k_lo, k_hi) = median_ranks(total);
        let dev = |rank: u64| {
            let i = rank.saturating_sub(r.below_mad) as usize;
            deviations[i.min(deviations.len().saturating_sub(1))]
        };
        let mad = interpolate(dev(k_lo), dev(k_hi), total);
        debug_assert!(r.log == log);
        (centre, mad * 1.4826)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The in-memory median and MAD of a column with NaN for missing values.
    fn in_memory(values: &[f64]) -> (f64, f64) {
        let present: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
        let fill = super::super::median(&present);
        let filled: Vec<f64> = values
            .iter()
            .map(|&v| if v.is_nan() { fill } else { v })
            .collect();
        let centre = super::super::median(&filled);
        let dev: Vec<f64> = filled.iter().map(|v| (v - centre).abs()).collect();
        (fill, super::super::median(&dev) * 1.4826)
    }

    fn tallied(parts: &[&[f64]]) -> (f64, f64) {
        let mut t = ColumnTally::default();
        let missing = parts
            .iter()
            .flat_map(|p| p.iter())
            .filter(|v| v.is_nan())
            .count() as u64;
        for v in parts.iter().flat_map(|p| p.iter()).filter(|v| !v.is_nan()) {
            t.add(*v);
        }
        t.plan(missing, false);
        for v in parts
            .iter()
            .rev()
            .flat_map(|p| p.iter())
            .filter(|v| !v.is_nan())
        {
            t.gather(*v);
        }
        t.finish(missing, false)
    }

    #[test]
    fn order_keys_order_like_total_cmp() {
        let v = [-1e300, -2.5, -0.0, 0.0, 1e-300, 0.5, 3.0, 1e300];
        for w in v.windows(2) {
            assert!(order_key(w[0]) < order_key(w[1]), "{w:?}");
            assert_eq!(from_key(order_key(w[0])).to_bits(), w[0].to_bits());
        }
    }

    #[test]
    fn medians_and_mads_are_exact_past_the_counted_values() {
        // A generated column (a named generator, not data): 200,003 distinct log-normal-ish
        // values, some missing, split in uneven parts.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut values = Vec::new();
        for i in 0..200_003u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let u = (x >> 11) as f64 / (1u64 << 53) as f64;
            values.push(if i % 17 == 0 {
                f64::NAN
            } else {
                (8.0 * u).exp()
            });
        }
        let (a, b) = values.split_at(77_777);
        assert_eq!(tallied(&[a, b]), in_memory(&values));
        let even = &values[..100_000];
        assert_eq!(tallied(&[even]), in_memory(even));
        // Few distinct values: counted.
        let few: Vec<f64> = (0..1000).map(|i| f64::from(i % 7)).collect();
        assert_eq!(tallied(&[&few]), in_memory(&few));
    }
}
