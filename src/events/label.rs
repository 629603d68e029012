//! Ground-truth labels carried by research datasets.

use super::Symbol;

/// The normalised ground-truth class of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Verdict {
    /// Normal traffic.
    Benign = 0,
    /// Attack traffic of any kind.
    Malicious = 1,
}

/// A ground-truth label: the normalised verdict plus the original class name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Label {
    /// Benign or malicious.
    pub verdict: Verdict,
    /// The class name exactly as the file spells it (minus KDD's trailing dot).
    pub class: Symbol,
}

/// Class names that mean "not an attack" in the datasets we read.
const BENIGN_NAMES: &[&str] = &["benign", "normal", "0", "false", "legitimate", "background"];

impl Verdict {
    /// Normalises a class name or 0/1 flag: known benign spellings are benign, anything else
    /// non-empty is malicious. Returns `None` for an empty or `-` value.
    pub fn from_class(name: &str) -> Option<Verdict> {
        let name = name.trim().trim_end_matches('.');
        if name.is_empty() || name == "-" {
            return None;
        }
        if BENIGN_NAMES.iter().any(|b| b.eq_ignore_ascii_case(name)) {
            Some(Verdict::Benign)
        } else {
            Some(Verdict::Malicious)
        }
    }

    /// Lower-case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Benign => "benign",
            Verdict::Malicious => "malicious",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_dataset_spellings() {
        assert_eq!(Verdict::from_class("BENIGN"), Some(Verdict::Benign));
        assert_eq!(Verdict::from_class("normal."), Some(Verdict::Benign));
        assert_eq!(Verdict::from_class("benign"), Some(Verdict::Benign));
        assert_eq!(Verdict::from_class("0"), Some(Verdict::Benign));
        assert_eq!(Verdict::from_class("smurf."), Some(Verdict::Malicious));
        assert_eq!(Verdict::from_class("1"), Some(Verdict::Malicious));
        assert_eq!(Verdict::from_class("Malicious"), Some(Verdict::Malicious));
        assert_eq!(Verdict::from_class(" "), None);
        assert_eq!(Verdict::from_class("-"), None);
    }
}
