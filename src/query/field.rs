//! The fields a query names: the schema's, the detail's keyed parts and extra columns, with
//! the spellings users see and a suggestion for a misspelt name.

use crate::events::Field;

/// A field a query condition is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldRef {
    /// A field of the unified schema.
    Schema(Field),
    /// A keyed part of the detail, `detail.KEY`.
    DetailKey(String),
    /// An extra numeric column, by its name.
    Extra(String),
}

/// How a field's values are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Number,
    Ip,
    Time,
    Text,
}

/// Other spellings accepted for schema fields.
const ALIASES: [(&str, Field); 10] = [
    ("time", Field::EventTime),
    ("src_ip", Field::SourceIp),
    ("dst_ip", Field::DestinationIp),
    ("src_port", Field::SourcePort),
    ("dst_port", Field::DestinationPort),
    ("duration", Field::DurationS),
    ("protocol", Field::AppProtocol),
    ("country", Field::CountryCode),
    // What an access log and Cowrie call their outcome.
    ("status", Field::Outcome),
    ("eventid", Field::Outcome),
];

/// Every field name a query may use, schema names first, then the other spellings: what a
/// query bar offers to complete.
pub fn field_names() -> Vec<&'static str> {
    Field::ALL
        .iter()
        .map(|f| f.name())
        .chain(ALIASES.iter().map(|(a, _)| *a))
        .collect()
}

/// The name the field profile gives the field a query names (`status` is `outcome`,
/// `src_ip` is `source_ip`), if the query language knows it.
pub fn profile_name(name: &str, extras: &[&str]) -> Option<String> {
    Some(match FieldRef::resolve(name, extras).ok()? {
        FieldRef::Schema(f) => f.name().to_owned(),
        FieldRef::DetailKey(k) => format!("detail.{k}"),
        FieldRef::Extra(e) => e,
    })
}

impl FieldRef {
    /// Resolves `name` (case-insensitive for schema names) against the schema, its aliases,
    /// `detail.KEY` and `extras`; on failure, the message to show.
    pub(super) fn resolve(name: &str, extras: &[&str]) -> Result<FieldRef, String> {
        let lower = name.to_ascii_lowercase();
        if let Some(f) = Field::from_name(&lower) {
            return Ok(FieldRef::Schema(f));
        }
        if let Some((_, f)) = ALIASES.iter().find(|(a, _)| *a == lower) {
            return Ok(FieldRef::Schema(*f));
        }
        if let Some(key) = name.strip_prefix("detail.") {
            if !key.is_empty() {
                return Ok(FieldRef::DetailKey(key.to_string()));
            }
        }
        if let Some(e) = extras.iter().find(|e| **e == name) {
            return Ok(FieldRef::Extra(e.to_string()));
        }
        let known = Field::ALL
            .iter()
            .map(|f| f.name())
            .chain(ALIASES.iter().map(|(a, _)| *a))
            .chain(extras.iter().copied());
        let best = known
            .map(|k| (edit_distance(&lower, &k.to_ascii_lowercase()), k))
            .min_by_key(|(d, _)| *d);
        Err(match best {
            Some((d, k)) if d <= 2 + name.chars().count() / 4 => {
                format!("unknown field '{name}'; did you mean {k}?")
            }
            _ => format!(
                "unknown field '{name}'; fields are {}, detail.KEY",
                Field::ALL.map(Field::name).join(", ")
            ),
        })
    }

    /// How its values compare.
    pub(super) fn kind(&self) -> Kind {
        match self {
            FieldRef::Schema(f) => match f {
                Field::EventTime => Kind::Time,
                Field::SourceIp | Field::DestinationIp => Kind::Ip,
                Field::DurationS
                | Field::SourcePort
                | Field::DestinationPort
                | Field::BytesSent
                | Field::BytesReceived
                | Field::PacketsSent
                | Field::PacketsReceived => Kind::Number,
                Field::Transport
                | Field::AppProtocol
                | Field::Direction
                | Field::TcpFlags
                | Field::Outcome
                | Field::CountryCode
                | Field::Detail
                | Field::Label => Kind::Text,
            },
            FieldRef::DetailKey(_) => Kind::Text,
            FieldRef::Extra(_) => Kind::Number,
        }
    }

    /// The name to show in messages.
    pub(super) fn name(&self) -> String {
        match self {
            FieldRef::Schema(f) => f.name().to_string(),
            FieldRef::DetailKey(k) => format!("detail.{k}"),
            FieldRef::Extra(e) => e.clone(),
        }
    }
}

/// Levenshtein distance in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_aliases_detail_keys_and_suggestions() {
        assert_eq!(
            FieldRef::resolve("Source_IP", &[]),
            Ok(FieldRef::Schema(Field::SourceIp))
        );
        assert_eq!(
            FieldRef::resolve("time", &[]),
            Ok(FieldRef::Schema(Field::EventTime))
        );
        assert_eq!(
            FieldRef::resolve("detail.username", &[]),
            Ok(FieldRef::DetailKey("username".into()))
        );
        assert_eq!(
            FieldRef::resolve("count", &["count"]),
            Ok(FieldRef::Extra("count".into()))
        );
        assert_eq!(
            FieldRef::resolve("sorce_ip", &[]).unwrap_err(),
            "unknown field 'sorce_ip'; did you mean source_ip?"
        );
        assert!(FieldRef::resolve("zzzzzzzzzzzz", &[])
            .unwrap_err()
            .starts_with("unknown field 'zzzzzzzzzzzz'; fields are event_time,"));
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
