//! DBSCAN (Ester et al., 1996) as an anomaly detector: clusters a bounded, evenly spread sample
//! of the level's items as scikit-learn's `DBSCAN` does (a core point has `MIN_SAMPLES` items,
//! itself included, within `eps`), then scores every item by its Euclidean distance to the
//! nearest core point: members of dense regions score near 0, noise far from every cluster
//! high. `eps` is read off the sample's k-distance curve, at its knee (the point farthest from
//! the chord joining the curve's ends), as the seeds do by eye. The silhouette of the sample's
//! clusters says how well separated they are. Exact, no randomness: the core points and scores
//! match scikit-learn's on the same sample and `eps` (tests/references.rs).

use rayon::prelude::*;

use std::sync::atomic::AtomicBool;

use super::detectors::FamilyModel;
use crate::features::{euclidean, FeatureMatrix};

/// Items clustered at most; the others are scored against the sample's core points.
pub const SAMPLE: usize = 1024;
/// scikit-learn's default `min_samples`.
pub const MIN_SAMPLES: usize = 5;
/// `eps` sits this far above the knee's k-distance, so that no distance in the sample lies on
/// the boundary, where rounding alone would decide.
const EPS_MARGIN: f64 = 1e-6;

/// The clustering of a sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Clustering {
    /// The sample's rows of the level, ascending.
    pub sample: Vec<usize>,
    /// The radius.
    pub eps: f64,
    /// Positions in `sample` of the core points, ascending.
    pub core: Vec<usize>,
    /// A cluster per sample position, `None` for noise (scikit-learn's -1).
    pub labels: Vec<Option<usize>>,
}

/// The rows of an evenly spread sample of `rows` items: all of them up to [`SAMPLE`].
pub fn sample_rows(rows: usize) -> Vec<usize> {
    if rows <= SAMPLE {
        return (0..rows).collect();
    }
    (0..SAMPLE).map(|i| i * rows / SAMPLE).collect()
}

fn row_of(m: &FeatureMatrix, r: usize) -> Vec<f64> {
    m.columns.iter().map(|c| c.get(r)).collect()
}

/// The knee of an ascending curve: both axes scaled to [0, 1], the point farthest below the
/// chord joining the curve's ends (Kneedle's difference curve at its maximum).
fn knee(curve: &[f64]) -> f64 {
    let n = curve.len();
    let span = curve.last().copied().unwrap_or(0.0) - curve.first().copied().unwrap_or(0.0);
    if n < 3 || span <= 0.0 {
        return curve.last().copied().unwrap_or(0.0);
    }
    let below = |i: usize| i as f64 / (n - 1) as f64 - (curve[i] - curve[0]) / span;
    let at = (0..n)
        .max_by(|&a, &b| below(a).total_cmp(&below(b)))
        .unwrap_or(n - 1);
    curve[at]
}

/// Clusters the sample of `m`, with `eps` when given, else the knee of the k-distance curve.
pub fn cluster(m: &FeatureMatrix, eps: Option<f64>) -> Clustering {
    let sample = sample_rows(m.rows());
    let points: Vec<Vec<f64>> = sample.iter().map(|&r| row_of(m, r)).collect();
    let n = points.len();
    let dist: Vec<Vec<f64>> = points
        .par_iter()
        .map(|p| points.iter().map(|q| euclidean(p, q)).collect())
        .collect();
    let eps = eps.unwrap_or_else(|| {
        // The distance to the MIN_SAMPLES-th nearest item, the item itself counted first.
        let mut kdist: Vec<f64> = dist
            .iter()
            .map(|d| {
                let mut d = d.clone();
                let k = (MIN_SAMPLES - 1).min(d.len().saturating_sub(1));
                *d.select_nth_unstable_by(k, f64::total_cmp).1
            })
            .collect();
        kdist.sort_by(f64::total_cmp);
        let k = knee(&kdist);
        if k > 0.0 {
            k * (1.0 + EPS_MARGIN)
        } else {
            EPS_MARGIN
        }
    });
    let neighbours: Vec<Vec<usize>> = dist
        .iter()
        .map(|d| (0..n).filter(|&j| d[j] <= eps).collect())
        .collect();
    let core: Vec<usize> = (0..n)
        .filter(|&i| neighbours[i].len() >= MIN_SAMPLES)
        .collect();
    let is_core = {
        let mut v = vec![false; n];
        core.iter().for_each(|&i| v[i] = true);
        v
    };
    // Clusters grow from core points in sample order, as scikit-learn's dbscan_inner does.
    let mut labels: Vec<Option<usize>> = vec![None; n];
    let mut next = 0;
    for &start in &core {
        if labels[start].is_some() {
            continue;
        }
        let mut stack = vec![start];
        labels[start] = Some(next);
        while let Some(i) = stack.pop() {
            if !is_core[i] {
                continue;
            }
            for &j in &neighbours[i] {
                if labels[j].is_none() {
                    labels[j] = Some(next);
                    stack.push(j);
                }
            }
        }
        next += 1;
    }
    Clustering {
        sample,
        eps,
        core,
        labels,
    }
}

/// Every item's distance to the nearest core point of `c` (the largest finite distance any
/// item has when there is no core point at all: every item equally far).
pub fn scores(m: &FeatureMatrix, c: &Clustering) -> Vec<f64> {
    let cores: Vec<Vec<f64>> = c.core.iter().map(|&i| row_of(m, c.sample[i])).collect();
    if cores.is_empty() {
        return vec![0.0; m.rows()];
    }
    (0..m.rows())
        .into_par_iter()
        .map(|r| {
            let p = row_of(m, r);
            cores
                .iter()
                .map(|q| euclidean(&p, q))
                .fold(f64::INFINITY, f64::min)
        })
        .collect()
}

/// The mean silhouette of the sample's clustered points (noise left out, as a cluster of its
/// own would blur it), `None` with fewer than two clusters.
pub fn silhouette(m: &FeatureMatrix, c: &Clustering) -> Option<f64> {
    let clusters = c.labels.iter().flatten().max().map_or(0, |&k| k + 1);
    if clusters < 2 {
        return None;
    }
    let members: Vec<usize> = (0..c.sample.len())
        .filter(|&i| c.labels[i].is_some())
        .collect();
    let points: Vec<Vec<f64>> = members.iter().map(|&i| row_of(m, c.sample[i])).collect();
    let label: Vec<usize> = members.iter().map(|&i| c.labels[i].unwrap()).collect();
    let size: Vec<usize> = (0..clusters)
        .map(|k| label.iter().filter(|&&l| l == k).count())
        .collect();
    let s: Vec<f64> = (0..points.len())
        .into_par_iter()
        .map(|i| {
            let mut sum = vec![0.0; clusters];
            for (j, q) in points.iter().enumerate() {
                if i != j {
                    sum[label[j]] += euclidean(&points[i], q);
                }
            }
            let own = label[i];
            if size[own] <= 1 {
                return 0.0;
            }
            let a = sum[own] / (size[own] - 1) as f64;
            let b = (0..clusters)
                .filter(|&k| k != own && size[k] > 0)
                .map(|k| sum[k] / size[k] as f64)
                .fold(f64::INFINITY, f64::min);
            (b - a) / a.max(b)
        })
        .collect();
    Some(s.iter().sum::<f64>() / s.len() as f64)
}

impl FamilyModel for Clustering {
    fn scores(&self, m: &FeatureMatrix) -> Vec<f64> {
        scores(m, self)
    }

    /// `eps`, the clusters, core points and the silhouette, as the seeds report them.
    fn describe(&self, m: &FeatureMatrix) -> Option<String> {
        let clusters = self.labels.iter().flatten().max().map_or(0, |&k| k + 1);
        let noise = self.labels.iter().filter(|l| l.is_none()).count();
        let silhouette = silhouette(m, self).map_or_else(
            || "no silhouette (fewer than two clusters)".to_string(),
            |s| format!("silhouette {s:.3}"),
        );
        Some(format!(
            "eps {:.3}; {clusters} clusters, {} core points and {noise} noise of a {}-item sample; {silhouette}",
            self.eps,
            self.core.len(),
            self.sample.len()
        ))
    }
}

/// Clusters the level's sample, `eps` at the knee: the family's model.
pub fn train(m: &FeatureMatrix, _cancel: &AtomicBool) -> Option<Box<dyn FamilyModel>> {
    Some(Box::new(cluster(m, None)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_knee_is_where_the_curve_turns_up() {
        let curve = [0.1, 0.1, 0.2, 0.2, 0.3, 0.3, 0.4, 5.0, 9.0];
        assert_eq!(knee(&curve), 0.4);
        assert_eq!(sample_rows(3), [0, 1, 2]);
        assert_eq!(sample_rows(4096)[1], 4);
    }
}
