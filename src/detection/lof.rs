//! Local Outlier Factor (Breunig et al., 2000) as scikit-learn's `LocalOutlierFactor(n_neighbors=20,
//! novelty=True)` computes it: fitted on a bounded, evenly spread sample of the level's distinct
//! rows (repeated rows, common in logs, would give a k-distance of 0 and an infinite density),
//! then every item scored by how much sparser its neighbourhood is than its neighbours' own:
//! the mean local reachability density of its 20 nearest sample points over its own. About 1 is
//! ordinary, well above 1 an outlier. Exact and deterministic: scores match scikit-learn's to
//! rounding (tests/references.rs), except where two sample points lie exactly as far from an
//! item at its 20th neighbour, where which one counts is the implementation's choice; such
//! items have their alternatives ([`tie_alternatives`]).

use rayon::prelude::*;

use std::sync::atomic::AtomicBool;

use super::detectors::FamilyModel;
use crate::features::{euclidean, FeatureMatrix};

/// Neighbours: scikit-learn's default `n_neighbors`.
pub const K: usize = 20;
/// Distinct rows the model is fitted on at most.
pub const SAMPLE: usize = 1024;
/// scikit-learn adds this to the mean reachability distance before inverting it.
const DENSITY_FLOOR: f64 = 1e-10;
/// Two distances within this share of each other are a tie at the neighbourhood's edge.
const TIE: f64 = 1e-9;

/// A fitted model.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// The sample's rows of the level, ascending.
    pub sample: Vec<usize>,
    /// The sample's points, row after row.
    points: Vec<f64>,
    dims: usize,
    /// Neighbours used: `K`, or one fewer than the sample's size.
    k: usize,
    /// Each sample point's distance to its k-th nearest other sample point.
    kdist: Vec<f64>,
    /// Each sample point's local reachability density.
    lrd: Vec<f64>,
}

/// The rows of the sample: every distinct row (first appearance) up to [`SAMPLE`], else an
/// even spread of them.
pub fn sample_rows(m: &FeatureMatrix) -> Vec<usize> {
    let first = m.distinct_rows().first;
    if first.len() <= SAMPLE {
        return first.into_iter().map(|r| r as usize).collect();
    }
    (0..SAMPLE)
        .map(|i| first[i * first.len() / SAMPLE] as usize)
        .collect()
}

/// The `k` smallest of `(distance, index)` pairs, ascending, the lower index first among
/// equal distances.
fn nearest(mut d: Vec<(f64, usize)>, k: usize) -> Vec<(f64, usize)> {
    let by = |a: &(f64, usize), b: &(f64, usize)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
    if d.len() > k {
        d.select_nth_unstable_by(k, by);
        d.truncate(k);
    }
    d.sort_by(by);
    d
}

impl Model {
    /// Fits the model on the sample of `m`'s rows; `None` with fewer than two distinct rows.
    pub fn fit(m: &FeatureMatrix) -> Option<Model> {
        Self::fit_on(m, sample_rows(m))
    }

    /// Fits the model on the given rows of `m`.
    pub fn fit_on(m: &FeatureMatrix, sample: Vec<usize>) -> Option<Model> {
        let n = sample.len();
        if n < 2 || m.dims() == 0 {
            return None;
        }
        let dims = m.dims();
        let mut points = vec![0.0; n * dims];
        for (p, &r) in points.chunks_exact_mut(dims).zip(&sample) {
            m.row_into(r, p);
        }
        let k = K.min(n - 1);
        let neighbours: Vec<Vec<(f64, usize)>> = (0..n)
            .into_par_iter()
            .map(|i| {
                let p = &points[i * dims..(i + 1) * dims];
                let d = (0..n)
                    .filter(|&j| j != i)
                    .map(|j| (euclidean(p, &points[j * dims..(j + 1) * dims]), j))
                    .collect();
                nearest(d, k)
            })
            .collect();
        let kdist: Vec<f64> = neighbours.iter().map(|nb| nb[k - 1].0).collect();
        let lrd = neighbours
            .iter()
            .map(|nb| density(nb.iter().map(|&(d, j)| d.max(kdist[j]))))
            .collect();
        Some(Model {
            sample,
            points,
            dims,
            k,
            kdist,
            lrd,
        })
    }

    fn point(&self, j: usize) -> &[f64] {
        &self.points[j * self.dims..(j + 1) * self.dims]
    }

    /// Distances from `p` to every sample point.
    fn distances(&self, p: &[f64]) -> Vec<(f64, usize)> {
        (0..self.sample.len())
            .map(|j| (euclidean(p, self.point(j)), j))
            .collect()
    }

    /// The outlier factor of `p` over the neighbours `nb`.
    fn factor(&self, nb: &[(f64, usize)]) -> f64 {
        let own = density(nb.iter().map(|&(d, j)| d.max(self.kdist[j])));
        nb.iter().map(|&(_, j)| self.lrd[j] / own).sum::<f64>() / nb.len() as f64
    }

    /// The outlier factor of a point: scikit-learn's `-score_samples`.
    pub fn score_point(&self, p: &[f64]) -> f64 {
        self.factor(&nearest(self.distances(p), self.k))
    }

    /// The outlier factor of every row of `m`, each distinct row computed once.
    pub fn scores(&self, m: &FeatureMatrix) -> Vec<f64> {
        m.per_distinct_row(|p| self.score_point(p))
    }

    /// When the sample points at row `r`'s neighbourhood edge are tied (equally far, within
    /// rounding), the outlier factor under every choice among them (at most 64), else `None`.
    pub fn tie_alternatives(&self, m: &FeatureMatrix, r: usize) -> Option<Vec<f64>> {
        let mut p = vec![0.0; self.dims];
        m.row_into(r, &mut p);
        let all = nearest(self.distances(&p), self.sample.len());
        let k = self.k;
        let edge = all[k - 1].0;
        let near = |d: f64| (d - edge).abs() <= TIE * edge.max(f64::MIN_POSITIVE);
        if all.get(k).is_none_or(|&(d, _)| !near(d)) {
            return None;
        }
        let sure: Vec<(f64, usize)> = all
            .iter()
            .copied()
            .filter(|&(d, _)| d < edge && !near(d))
            .collect();
        let tied: Vec<(f64, usize)> = all.iter().copied().filter(|&(d, _)| near(d)).collect();
        let choose = k - sure.len();
        let mut out = Vec::new();
        for mask in 0u64..(1u64 << tied.len().min(20)) {
            if mask.count_ones() as usize != choose {
                continue;
            }
            let mut nb = sure.clone();
            nb.extend(
                (0..tied.len())
                    .filter(|b| mask >> b & 1 == 1)
                    .map(|b| tied[b]),
            );
            out.push(self.factor(&nb));
            if out.len() == 64 {
                break;
            }
        }
        Some(out)
    }
}

/// The local reachability density of a point from its reachability distances.
fn density(reach: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = reach.fold((0.0, 0usize), |(s, n), d| (s + d, n + 1));
    1.0 / (sum / n as f64 + DENSITY_FLOOR)
}

impl FamilyModel for Model {
    fn scores(&self, m: &FeatureMatrix) -> Vec<f64> {
        Model::scores(self, m)
    }
}

/// The model of the level's sample: the family's; `None` with fewer than two distinct rows.
pub fn train(m: &FeatureMatrix, _cancel: &AtomicBool) -> Option<Box<dyn FamilyModel>> {
    Model::fit(m).map(|model| Box::new(model) as Box<dyn FamilyModel>)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::FeatureColumn;

    fn matrix(xs: &[f64], ys: &[f64]) -> FeatureMatrix {
        let mut m = FeatureMatrix::default();
        m.push("x", FeatureColumn::Dense(xs.to_vec()));
        m.push("y", FeatureColumn::Dense(ys.to_vec()));
        m
    }

    #[test]
    fn a_point_far_from_a_grid_stands_out_and_repeats_are_fitted_once() {
        let mut xs = Vec::new();
        let mut ys = Vec::new();
        for i in 0..8 {
            for j in 0..8 {
                xs.push(i as f64);
                ys.push(j as f64);
            }
        }
        // A repeat of a grid point and a far point.
        xs.extend([3.0, 30.0]);
        ys.extend([3.0, 30.0]);
        let m = matrix(&xs, &ys);
        let model = Model::fit(&m).unwrap();
        assert_eq!(model.sample.len(), 65);
        let s = model.scores(&m);
        assert_eq!(s[27], s[64]);
        assert!(s[65] > 5.0, "{}", s[65]);
        assert!(s[..64].iter().all(|&v| v < 1.6), "{s:?}");
    }

    #[test]
    fn ties_at_the_edge_have_alternatives() {
        // On a line, the point at 0 has neighbours at ±1, ±2, ...: its 20th is tied; the end
        // point's are not.
        let xs: Vec<f64> = (-15..=15).map(f64::from).collect();
        let m = matrix(&xs, &vec![0.0; xs.len()]);
        let model = Model::fit(&m).unwrap();
        assert!(model.tie_alternatives(&m, 0).is_none());
        let alternatives = model.tie_alternatives(&m, 15).unwrap();
        assert!(!alternatives.is_empty());
    }
}
