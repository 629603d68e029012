//! An autoencoder: a dense network squeezes each item's features through a narrow hidden
//! layer and rebuilds them; trained on an evenly spread sample to rebuild ordinary items
//! well, it scores every item by its mean squared reconstruction error. Built and trained as
//! scikit-learn's `MLPRegressor(hidden_layer_sizes=(8,), max_iter=1000, tol=1e-6,
//! n_iter_no_change=50)` fitted on X → X: ReLU hidden layer, identity output, Glorot-uniform
//! start, Adam (learning rate 1e-3) on shuffled batches of 200 with an L2 penalty of 1e-4,
//! stopping when the epoch's loss has not improved by the tolerance for 50 epochs. Its
//! randomness (start and shuffles) comes from a fixed seed, so a run is repeatable; against
//! scikit-learn, whose random numbers differ, the ROC-AUCs are compared (tests/references.rs).

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use std::sync::atomic::{AtomicBool, Ordering};

use super::detectors::FamilyModel;
use crate::features::FeatureMatrix;

/// Items the network is trained on at most.
pub const SAMPLE: usize = 2048;
/// Units of the hidden layer.
pub const HIDDEN: usize = 8;
/// Epochs at most.
pub const MAX_EPOCHS: usize = 1000;
const BATCH: usize = 200;
const LEARNING_RATE: f64 = 1e-3;
const L2: f64 = 1e-4;
const TOLERANCE: f64 = 1e-6;
const PATIENCE: usize = 50;
const BETA1: f64 = 0.9;
const BETA2: f64 = 0.999;
const ADAM_EPS: f64 = 1e-8;
/// The seed of the start and the shuffles.
pub const SEED: u64 = 0x6e65_7473;

/// The network's weights: `d → HIDDEN → d`, row-major by input.
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    dims: usize,
    /// Input-to-hidden weights, `dims × HIDDEN`, then the hidden biases, then
    /// hidden-to-output weights `HIDDEN × dims`, then the output biases.
    params: Vec<f64>,
    /// Epochs trained.
    pub epochs: usize,
    /// Items it was trained on.
    pub trained_on: usize,
    /// The last epoch's training loss.
    pub loss: f64,
}

/// Offsets of the four blocks of [`Network::params`].
fn layout(dims: usize) -> [usize; 5] {
    let w1 = 0;
    let b1 = w1 + dims * HIDDEN;
    let w2 = b1 + HIDDEN;
    let b2 = w2 + HIDDEN * dims;
    [w1, b1, w2, b2, b2 + dims]
}

/// The rows of an evenly spread sample of `rows` items: all of them up to [`SAMPLE`].
pub fn sample_rows(rows: usize) -> Vec<usize> {
    if rows <= SAMPLE {
        return (0..rows).collect();
    }
    (0..SAMPLE).map(|i| i * rows / SAMPLE).collect()
}

impl Network {
    /// Hidden activations and the reconstruction of `x`.
    fn forward(&self, x: &[f64], hidden: &mut [f64; HIDDEN], out: &mut [f64]) {
        let [w1, b1, w2, b2, _] = layout(self.dims);
        let p = &self.params;
        hidden.copy_from_slice(&p[b1..b1 + HIDDEN]);
        for (i, &xi) in x.iter().enumerate() {
            let row = &p[w1 + i * HIDDEN..w1 + (i + 1) * HIDDEN];
            for (h, w) in hidden.iter_mut().zip(row) {
                *h += xi * w;
            }
        }
        for h in hidden.iter_mut() {
            *h = h.max(0.0);
        }
        out.copy_from_slice(&p[b2..b2 + self.dims]);
        for (j, &hj) in hidden.iter().enumerate() {
            if hj == 0.0 {
                continue;
            }
            let row = &p[w2 + j * self.dims..w2 + (j + 1) * self.dims];
            for (o, w) in out.iter_mut().zip(row) {
                *o += hj * w;
            }
        }
    }

    /// The mean squared reconstruction error of `x`.
    pub fn error(&self, x: &[f64]) -> f64 {
        let mut hidden = [0.0; HIDDEN];
        let mut out = vec![0.0; self.dims];
        self.forward(x, &mut hidden, &mut out);
        out.iter()
            .zip(x)
            .map(|(o, v)| (o - v) * (o - v))
            .sum::<f64>()
            / self.dims as f64
    }

    /// Trains a network on `points` (row after row, `dims` each) from the seed; `None` when
    /// `cancel` is raised.
    pub fn train(points: &[f64], dims: usize, seed: u64, cancel: &AtomicBool) -> Option<Network> {
        let n = points.len() / dims;
        let mut rng = StdRng::seed_from_u64(seed);
        let [w1, b1, w2, b2, len] = layout(dims);
        let mut params = vec![0.0; len];
        // Glorot-uniform, weights then biases of each layer, as scikit-learn draws them.
        let bound = (6.0 / (dims + HIDDEN) as f64).sqrt();
        for v in &mut params[w1..w2] {
            *v = rng.gen_range(-bound..bound);
        }
        for v in &mut params[w2..len] {
            *v = rng.gen_range(-bound..bound);
        }
        let mut net = Network {
            dims,
            params,
            epochs: 0,
            trained_on: n,
            loss: f64::NAN,
        };
        let batch = BATCH.min(n).max(1);
        let mut order: Vec<usize> = (0..n).collect();
        let mut grad = vec![0.0; len];
        let (mut m1, mut m2) = (vec![0.0; len], vec![0.0; len]);
        let mut step = 0i32;
        let mut best = f64::INFINITY;
        let mut stale = 0;
        let mut hidden = [0.0; HIDDEN];
        let mut out = vec![0.0; dims];
        let mut delta = vec![0.0; dims];
        for epoch in 0..MAX_EPOCHS {
            if cancel.load(Ordering::Relaxed) {
                return None;
            }
            order.shuffle(&mut rng);
            let mut epoch_loss = 0.0;
            for chunk in order.chunks(batch) {
                grad.iter_mut().for_each(|g| *g = 0.0);
                let mut loss = 0.0;
                for &r in chunk {
                    let x = &points[r * dims..(r + 1) * dims];
                    net.forward(x, &mut hidden, &mut out);
                    for ((d, o), v) in delta.iter_mut().zip(&out).zip(x) {
                        *d = o - v;
                        loss += *d * *d;
                    }
                    let p = &net.params;
                    for (j, &hj) in hidden.iter().enumerate() {
                        let w = &p[w2 + j * dims..w2 + (j + 1) * dims];
                        let back: f64 = w.iter().zip(&delta).map(|(a, b)| a * b).sum();
                        if hj > 0.0 {
                            let g = &mut grad[w2 + j * dims..w2 + (j + 1) * dims];
                            for (g, d) in g.iter_mut().zip(&delta) {
                                *g += hj * d;
                            }
                            grad[b1 + j] += back;
                            for (i, &xi) in x.iter().enumerate() {
                                grad[w1 + i * HIDDEN + j] += xi * back;
                            }
                        }
                    }
                    for (g, d) in grad[b2..len].iter_mut().zip(&delta) {
                        *g += d;
                    }
                }
                let size = chunk.len() as f64;
                let weights: f64 = net.params[w1..b1]
                    .iter()
                    .chain(&net.params[w2..b2])
                    .map(|w| w * w)
                    .sum();
                // scikit-learn's squared error: half the mean over items and outputs, plus
                // half the L2 penalty per item.
                loss = loss / (size * dims as f64) / 2.0 + 0.5 * L2 * weights / size;
                epoch_loss += loss * size;
                for (k, g) in grad.iter_mut().enumerate() {
                    let is_weight = k < b1 || (w2..b2).contains(&k);
                    *g = (*g + if is_weight { L2 * net.params[k] } else { 0.0 }) / size;
                }
                step += 1;
                let rate =
                    LEARNING_RATE * (1.0 - BETA2.powi(step)).sqrt() / (1.0 - BETA1.powi(step));
                for k in 0..len {
                    m1[k] = BETA1 * m1[k] + (1.0 - BETA1) * grad[k];
                    m2[k] = BETA2 * m2[k] + (1.0 - BETA2) * grad[k] * grad[k];
                    net.params[k] -= rate * m1[k] / (m2[k].sqrt() + ADAM_EPS);
                }
            }
            net.epochs = epoch + 1;
            let epoch_loss = epoch_loss / n as f64;
            net.loss = epoch_loss;
            if epoch_loss > best - TOLERANCE {
                stale += 1;
            } else {
                stale = 0;
            }
            best = best.min(epoch_loss);
            if stale > PATIENCE {
                break;
            }
        }
        Some(net)
    }
}

/// Trains on the sample of `m` (from [`SEED`]); `None` without rows or features, or when
/// `cancel` is raised.
pub fn fit(m: &FeatureMatrix, cancel: &AtomicBool) -> Option<Network> {
    fit_on(m, &sample_rows(m.rows()), cancel)
}

/// Trains on the given rows of `m`.
pub fn fit_on(m: &FeatureMatrix, sample: &[usize], cancel: &AtomicBool) -> Option<Network> {
    let dims = m.dims();
    if sample.is_empty() || dims == 0 {
        return None;
    }
    let mut points = vec![0.0; sample.len() * dims];
    for (p, &r) in points.chunks_exact_mut(dims).zip(sample) {
        m.row_into(r, p);
    }
    Network::train(&points, dims, SEED, cancel)
}

/// Every row's mean squared reconstruction error, each distinct row computed once.
pub fn scores(net: &Network, m: &FeatureMatrix) -> Vec<f64> {
    m.per_distinct_row(|p| net.error(p))
}

impl FamilyModel for Network {
    fn scores(&self, m: &FeatureMatrix) -> Vec<f64> {
        scores(self, m)
    }

    fn describe(&self, _m: &FeatureMatrix) -> Option<String> {
        Some(format!(
            "{} → {HIDDEN} → {} units, {} epochs on a {}-item sample, final loss {:.4}",
            self.dims, self.dims, self.epochs, self.trained_on, self.loss
        ))
    }
}

/// The network trained on the level's sample: the family's model; `None` when cancelled.
pub fn train(m: &FeatureMatrix, cancel: &AtomicBool) -> Option<Box<dyn FamilyModel>> {
    fit(m, cancel).map(|net| Box::new(net) as Box<dyn FamilyModel>)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::FeatureColumn;

    #[test]
    fn an_item_off_the_learned_line_rebuilds_worst_and_training_repeats() {
        // Points on the line y = 2x, and one off it.
        let mut xs: Vec<f64> = (0..300).map(|i| (i as f64 / 50.0) - 3.0).collect();
        let mut ys: Vec<f64> = xs.iter().map(|x| 2.0 * x).collect();
        xs.push(0.5);
        ys.push(-2.0);
        let mut m = FeatureMatrix::default();
        m.push("x", FeatureColumn::Dense(xs));
        m.push("y", FeatureColumn::Dense(ys));
        let go = AtomicBool::new(false);
        let net = fit(&m, &go).unwrap();
        let s = scores(&net, &m);
        let top = (0..s.len()).max_by(|&a, &b| s[a].total_cmp(&s[b])).unwrap();
        assert_eq!(top, 300, "{s:?}");
        assert_eq!(fit(&m, &go).unwrap(), net);
        assert!(fit(&m, &AtomicBool::new(true)).is_none());
    }
}
