//! Detection quality metrics against ground truth: ROC-AUC and average precision (ties
//! handled as scikit-learn does), and the confusion matrix at a threshold.

use serde::Serialize;

/// Area under the ROC curve: the probability that a random malicious item scores above a
/// random benign one, counting ties as one half. `None` unless both classes are present.
pub fn roc_auc(scores: &[f64], malicious: &[bool]) -> Option<f64> {
    assert_eq!(scores.len(), malicious.len(), "one label per score");
    let positives = malicious.iter().filter(|&&m| m).count();
    let negatives = malicious.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    let order = sorted_order(scores);
    // Sum of the (tie-averaged, 1-based) ranks of the positives.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        let avg_rank = (i + j) as f64 / 2.0 + 1.0;
        let pos_in_group = order[i..=j].iter().filter(|&&k| malicious[k]).count();
        rank_sum += avg_rank * pos_in_group as f64;
        i = j + 1;
    }
    let p = positives as f64;
    let u = rank_sum - p * (p + 1.0) / 2.0;
    Some(u / (p * negatives as f64))
}

/// Average precision: the precision at each distinct threshold, weighted by the recall gained
/// there (scikit-learn's definition, no interpolation). `None` without malicious items.
pub fn average_precision(scores: &[f64], malicious: &[bool]) -> Option<f64> {
    assert_eq!(scores.len(), malicious.len(), "one label per score");
    let positives = malicious.iter().filter(|&&m| m).count();
    if positives == 0 {
        return None;
    }
    let (mut ap, mut last_recall) = (0.0, 0.0);
    for (tp, fp) in descending_groups(scores, malicious) {
        let recall = tp as f64 / positives as f64;
        let precision = tp as f64 / (tp + fp) as f64;
        ap += (recall - last_recall) * precision;
        last_recall = recall;
    }
    Some(ap)
}

/// The false-positive rate at the highest threshold whose recall reaches `recall`: how many
/// benign items a detector must flag to catch that share of the malicious ones (tied scores
/// are flagged together). `None` unless both classes are present.
pub fn fpr_at_recall(scores: &[f64], malicious: &[bool], recall: f64) -> Option<f64> {
    assert_eq!(scores.len(), malicious.len(), "one label per score");
    let positives = malicious.iter().filter(|&&m| m).count();
    let negatives = malicious.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    let reached = descending_groups(scores, malicious)
        .into_iter()
        .find(|&(tp, _)| tp as f64 >= recall * positives as f64);
    Some(reached.map_or(1.0, |(_, fp)| fp as f64 / negatives as f64))
}

/// The ROC curve as (false-positive rate, true-positive rate) points from (0, 0) to (1, 1), one
/// per distinct score (tied scores form one diagonal step, as in scikit-learn). At most
/// `max_points` are kept, evenly spaced over the curve, ends included. Empty unless both
/// classes are present.
pub fn roc_curve(scores: &[f64], malicious: &[bool], max_points: usize) -> Vec<[f64; 2]> {
    assert_eq!(scores.len(), malicious.len(), "one label per score");
    let positives = malicious.iter().filter(|&&m| m).count();
    let negatives = malicious.len() - positives;
    if positives == 0 || negatives == 0 {
        return Vec::new();
    }
    let mut curve = vec![[0.0, 0.0]];
    curve.extend(
        descending_groups(scores, malicious)
            .into_iter()
            .map(|(tp, fp)| [fp as f64 / negatives as f64, tp as f64 / positives as f64]),
    );
    let keep = max_points.max(2);
    if curve.len() > keep {
        let last = curve.len() - 1;
        curve = (0..keep).map(|k| curve[k * last / (keep - 1)]).collect();
    }
    curve
}

/// Going down the scores, the malicious and benign items flagged so far after each group of
/// tied scores: the thresholds' true and false positives.
fn descending_groups(scores: &[f64], malicious: &[bool]) -> Vec<(usize, usize)> {
    let mut order = sorted_order(scores);
    order.reverse();
    let (mut tp, mut fp) = (0usize, 0usize);
    let mut out = Vec::new();
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        let pos = order[i..=j].iter().filter(|&&k| malicious[k]).count();
        tp += pos;
        fp += j + 1 - i - pos;
        out.push((tp, fp));
        i = j + 1;
    }
    out
}

/// Indices of `scores` in ascending score order (NaN last).
fn sorted_order(scores: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    order
}

/// Counts of a binary verdict against ground truth.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Confusion {
    /// Malicious and flagged.
    pub tp: u64,
    /// Benign but flagged.
    pub fp: u64,
    /// Benign and not flagged.
    pub tn: u64,
    /// Malicious but not flagged.
    pub fn_: u64,
}

impl Confusion {
    /// Tallies `flagged` against `malicious`.
    pub fn tally(flagged: &[bool], malicious: &[bool]) -> Confusion {
        assert_eq!(flagged.len(), malicious.len(), "one label per verdict");
        let mut c = Confusion::default();
        for (&f, &m) in flagged.iter().zip(malicious) {
            match (f, m) {
                (true, true) => c.tp += 1,
                (true, false) => c.fp += 1,
                (false, false) => c.tn += 1,
                (false, true) => c.fn_ += 1,
            }
        }
        c
    }

    fn ratio(num: u64, den: u64) -> f64 {
        if den == 0 {
            0.0
        } else {
            num as f64 / den as f64
        }
    }

    /// Share of flagged items that are malicious (0 when nothing is flagged).
    pub fn precision(&self) -> f64 {
        Self::ratio(self.tp, self.tp + self.fp)
    }

    /// Share of malicious items that are flagged.
    pub fn recall(&self) -> f64 {
        Self::ratio(self.tp, self.tp + self.fn_)
    }

    /// Harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        Self::ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn_)
    }

    /// Share of benign items that are flagged.
    pub fn fpr(&self) -> f64 {
        Self::ratio(self.fp, self.fp + self.tn)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fpr_at_recall_flags_down_to_the_share_asked() {
        let scores = [0.9, 0.8, 0.7, 0.1];
        let malicious = [true, false, true, false];
        assert_eq!(super::fpr_at_recall(&scores, &malicious, 0.9), Some(0.5));
        assert_eq!(super::fpr_at_recall(&scores, &malicious, 0.5), Some(0.0));
        assert_eq!(super::fpr_at_recall(&scores, &[true; 4], 0.9), None);
    }

    use super::*;

    /// Area under a piecewise-linear curve.
    fn trapezoids(curve: &[[f64; 2]]) -> f64 {
        curve
            .windows(2)
            .map(|w| (w[1][0] - w[0][0]) * (w[0][1] + w[1][1]) / 2.0)
            .sum()
    }

    #[test]
    fn roc_curve_by_hand_and_its_area_is_the_auc() {
        // Thresholds 0.9, 0.8 (a tie of one malicious and one benign), 0.1.
        let scores = [0.9, 0.8, 0.8, 0.1];
        let malicious = [true, false, true, false];
        let curve = roc_curve(&scores, &malicious, 100);
        assert_eq!(curve, [[0.0, 0.0], [0.0, 0.5], [0.5, 1.0], [1.0, 1.0]]);
        assert_eq!(trapezoids(&curve), 0.875);
        assert_eq!(roc_auc(&scores, &malicious), Some(0.875));
        assert!(roc_curve(&[0.1, 0.2], &[true, true], 100).is_empty());

        // On many tied and untied scores the full curve's area is the rank-based AUC, and a
        // thinned curve keeps both ends and stays close.
        let scores: Vec<f64> = (0..5000)
            .map(|i| f64::from((i * 7919) % 613) / 613.0)
            .collect();
        let malicious: Vec<bool> = (0..5000).map(|i| (i * 31) % 97 < 20 + i % 7).collect();
        let full = roc_curve(&scores, &malicious, usize::MAX);
        let auc = roc_auc(&scores, &malicious).unwrap();
        assert!((trapezoids(&full) - auc).abs() < 1e-12);
        let thin = roc_curve(&scores, &malicious, 50);
        assert_eq!(thin.len(), 50);
        assert_eq!((thin[0], thin[49]), ([0.0, 0.0], [1.0, 1.0]));
        assert!((trapezoids(&thin) - auc).abs() < 0.01);
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn auc_hand_worked() {
        // Positives at 0.8 and 0.4; negatives at 0.6, 0.2. Pairs: (0.8>0.6), (0.8>0.2),
        // (0.4<0.6), (0.4>0.2): 3 of 4.
        let s = [0.8, 0.6, 0.4, 0.2];
        let m = [true, false, true, false];
        assert!(close(roc_auc(&s, &m).unwrap(), 0.75));
        // Perfect and inverted rankings.
        assert!(close(roc_auc(&[0.9, 0.1], &[true, false]).unwrap(), 1.0));
        assert!(close(roc_auc(&[0.1, 0.9], &[true, false]).unwrap(), 0.0));
        assert_eq!(roc_auc(&[0.1, 0.9], &[true, true]), None);
    }

    #[test]
    fn auc_counts_ties_as_half() {
        // One positive tied with one negative at 0.5, one negative below: (0.5 vs 0.5) = 1/2,
        // (0.5 > 0.1) = 1, so 1.5 / 2.
        let s = [0.5, 0.5, 0.1];
        let m = [true, false, false];
        assert!(close(roc_auc(&s, &m).unwrap(), 0.75));
        // All tied: 0.5.
        assert!(close(
            roc_auc(&[1.0; 4], &[true, false, true, false]).unwrap(),
            0.5
        ));
    }

    #[test]
    fn average_precision_hand_worked() {
        // Ranked: 0.9 P, 0.8 N, 0.7 P, 0.1 N. Recall steps at rank 1 (P=1) and 3 (P=2/3):
        // AP = 0.5 * 1 + 0.5 * 2/3.
        let s = [0.9, 0.8, 0.7, 0.1];
        let m = [true, false, true, false];
        assert!(close(average_precision(&s, &m).unwrap(), 0.5 + 1.0 / 3.0));
        // A tie between a positive and a negative at the top counts as one threshold: P = 1/2.
        let ap = average_precision(&[0.5, 0.5], &[true, false]).unwrap();
        assert!(close(ap, 0.5));
        assert_eq!(average_precision(&[0.5], &[false]), None);
    }

    #[test]
    fn confusion_rates() {
        let c = Confusion::tally(
            &[true, true, false, false, true],
            &[true, false, false, true, true],
        );
        assert_eq!(
            c,
            Confusion {
                tp: 2,
                fp: 1,
                tn: 1,
                fn_: 1
            }
        );
        assert!(close(c.precision(), 2.0 / 3.0));
        assert!(close(c.recall(), 2.0 / 3.0));
        assert!(close(c.f1(), 2.0 / 3.0));
        assert!(close(c.fpr(), 0.5));
        assert_eq!(Confusion::default().precision(), 0.0);
    }
}
