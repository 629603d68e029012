//! One-Class SVM (Schölkopf et al., 2001) as scikit-learn's `OneClassSVM(kernel="rbf",
//! gamma="scale", nu=NU)` fits it: libsvm's SMO solver (linfa's port) finds the smallest
//! region of the RBF feature space holding all but a share `nu` of a bounded, evenly spread
//! sample; every item is then scored by how far outside that region it falls, the negated
//! decision value `rho - sum_i alpha_i K(x_i, x)`. The solver stops at libsvm's tolerance, so
//! the scores are close to scikit-learn's, not equal: the test compares ROC-AUCs
//! (tests/references.rs).

use linfa::dataset::Pr;
use linfa::traits::Fit;
use linfa::DatasetBase;
use linfa_svm::Svm;
use ndarray::{Array2, ArrayView1};

use std::sync::atomic::AtomicBool;

use super::detectors::FamilyModel;
use crate::features::FeatureMatrix;

/// Items the model is fitted on at most (its kernel matrix is this squared, 32 MB).
pub const SAMPLE: usize = 2048;
/// Upper bound on the share of the sample left outside the region (and lower bound on the
/// share of support vectors): a tenth, as attacks are a minority of most traffic.
pub const NU: f64 = 0.1;
/// libsvm's (and scikit-learn's) stopping tolerance.
const TOLERANCE: f64 = 1e-3;

/// The rows of an evenly spread sample of `rows` items: all of them up to [`SAMPLE`].
pub fn sample_rows(rows: usize) -> Vec<usize> {
    if rows <= SAMPLE {
        return (0..rows).collect();
    }
    (0..SAMPLE).map(|i| i * rows / SAMPLE).collect()
}

/// scikit-learn's `gamma="scale"`: 1 / (features × the variance of every value of the
/// sample), 1 when that variance is 0.
pub fn gamma_scale(x: &Array2<f64>) -> f64 {
    let var = x.var(0.0);
    if var > 0.0 {
        1.0 / (x.ncols() as f64 * var)
    } else {
        1.0
    }
}

/// A fitted model.
pub struct Model {
    /// The sample's rows of the level, ascending.
    pub sample: Vec<usize>,
    /// The kernel's `gamma`.
    pub gamma: f64,
    svm: Svm<f64, bool>,
}

impl Model {
    /// Fits the model on the sample of `m`'s rows; `None` without rows or features.
    pub fn fit(m: &FeatureMatrix) -> Option<Model> {
        Self::fit_on(m, sample_rows(m.rows()))
    }

    /// Fits the model on the given rows of `m`.
    pub fn fit_on(m: &FeatureMatrix, sample: Vec<usize>) -> Option<Model> {
        let dims = m.dims();
        if sample.is_empty() || dims == 0 {
            return None;
        }
        let mut x = Array2::zeros((sample.len(), dims));
        for (mut row, &r) in x.rows_mut().into_iter().zip(&sample) {
            for (v, c) in row.iter_mut().zip(&m.columns) {
                *v = c.get(r);
            }
        }
        let gamma = gamma_scale(&x);
        let svm = Svm::<f64, Pr>::params()
            .nu_weight(NU)
            .eps(TOLERANCE)
            .gaussian_kernel(1.0 / gamma)
            .fit(&DatasetBase::from(x))
            .ok()?;
        Some(Model { sample, gamma, svm })
    }

    /// Support vectors of the fitted region.
    pub fn support_vectors(&self) -> usize {
        self.svm.nsupport()
    }

    /// How far outside the region each row of `m` falls (negative inside), each distinct row
    /// computed once: scikit-learn's `-decision_function`.
    pub fn scores(&self, m: &FeatureMatrix) -> Vec<f64> {
        m.per_distinct_row(|p| self.svm.rho - self.svm.weighted_sum(&ArrayView1::from(p)))
    }
}

impl FamilyModel for Model {
    fn scores(&self, m: &FeatureMatrix) -> Vec<f64> {
        Model::scores(self, m)
    }

    fn describe(&self, _m: &FeatureMatrix) -> Option<String> {
        Some(format!(
            "nu {NU}, gamma {:.4}; {} support vectors of a {}-item sample",
            self.gamma,
            self.support_vectors(),
            self.sample.len()
        ))
    }
}

/// The region fitted on the level's sample: the family's model.
pub fn train(m: &FeatureMatrix, _cancel: &AtomicBool) -> Option<Box<dyn FamilyModel>> {
    Model::fit(m).map(|model| Box::new(model) as Box<dyn FamilyModel>)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::FeatureColumn;

    #[test]
    fn a_point_outside_a_cloud_scores_highest() {
        let mut xs: Vec<f64> = (0..200).map(|i| (i as f64 * 0.37).sin()).collect();
        let mut ys: Vec<f64> = (0..200).map(|i| (i as f64 * 0.61).cos()).collect();
        xs.push(6.0);
        ys.push(-6.0);
        let mut m = FeatureMatrix::default();
        m.push("x", FeatureColumn::Dense(xs));
        m.push("y", FeatureColumn::Dense(ys));
        let model = Model::fit(&m).unwrap();
        let s = model.scores(&m);
        let top = (0..s.len()).max_by(|&a, &b| s[a].total_cmp(&s[b])).unwrap();
        assert_eq!(top, 200);
        let sv = model.support_vectors();
        assert!((20..=200).contains(&sv), "{sv} support vectors");
    }
}
