//! The query language: `field op value` conditions, free text, `and`/`or`/`not` and
//! parentheses, time ranges and `last 2h`, parsed once ([`parse`]) and evaluated column by
//! column over an [`EventTable`](crate::events::EventTable) ([`matching`]). The GUI's query
//! bar and `netsleuth inspect --query` share this one implementation.

mod eval;
mod field;
mod parse;

pub use eval::{latest_time, matching, matching_at, matching_bits, matching_bits_placed};
pub use field::{field_names, profile_name, FieldRef};
pub use parse::{parse, parse_with_extras};

use ipnet::IpNet;
use regex::Regex;

/// A parsed query, ready to evaluate against any table.
#[derive(Debug, Clone)]
pub struct Query {
    expr: Expr,
}

/// Why a query could not be parsed: a message an analyst understands and the 1-based
/// character column it points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    /// 1-based column (in characters) of the place the message is about.
    pub column: usize,
    /// What is wrong, e.g. `expected a value after '='`.
    pub message: String,
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at column {}", self.message, self.column)
    }
}

impl std::error::Error for QueryError {}

impl QueryError {
    /// The query with a caret line under the column, for a terminal.
    pub fn pointed(&self, query: &str) -> String {
        format!(
            "  {query}\n  {}^",
            " ".repeat(self.column.saturating_sub(1))
        )
    }
}

/// A query's expression tree.
#[derive(Debug, Clone)]
enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    /// A condition on one field.
    Cmp(Comparison),
    /// Case-insensitive text anywhere in a row's text fields and addresses.
    FreeText(Regex),
    /// Events within this many microseconds before "now".
    Last(i64),
}

/// `field op value`: true only for rows that hold the field; `negate` (`!=`, `!~`, `not in`)
/// inverts the test on those rows.
#[derive(Debug, Clone)]
struct Comparison {
    field: FieldRef,
    negate: bool,
    test: Test,
}

/// What a field's value is tested against.
#[derive(Debug, Clone)]
enum Test {
    /// Equal to one of these (`=`, `in`).
    AnyOf(Atoms),
    /// Ordered against a bound (`<`, `<=`, `>`, `>=`).
    Order(Order, Bound),
    /// Matched by a regular expression (`~`).
    Regex(Regex),
}

/// The values of an `=` or `in`, typed by the field.
#[derive(Debug, Clone)]
enum Atoms {
    Numbers(Vec<f64>),
    Nets(Vec<IpNet>),
    /// Time spans `[start, end)` in microseconds: a value's precision (a day, a minute...).
    Times(Vec<(i64, i64)>),
    Texts(Vec<TextPattern>),
}

/// A text value: exact, or with `*` and `?` wildcards.
#[derive(Debug, Clone)]
enum TextPattern {
    Exact(String),
    Wildcard(Regex),
}

impl TextPattern {
    fn matches(&self, s: &str) -> bool {
        match self {
            TextPattern::Exact(v) => v == s,
            TextPattern::Wildcard(re) => re.is_match(s),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    Lt,
    Le,
    Gt,
    Ge,
}

/// The right side of an ordering.
#[derive(Debug, Clone, Copy)]
enum Bound {
    Number(f64),
    /// A time span `[start, end)`: `<` is before its start, `<=` before its end, `>` from
    /// its end on, `>=` from its start on.
    Time(i64, i64),
}

impl Order {
    fn number(self, v: f64, bound: f64) -> bool {
        match self {
            Order::Lt => v < bound,
            Order::Le => v <= bound,
            Order::Gt => v > bound,
            Order::Ge => v >= bound,
        }
    }

    fn time(self, t: i64, (start, end): (i64, i64)) -> bool {
        match self {
            Order::Lt => t < start,
            Order::Le => t < end,
            Order::Gt => t >= end,
            Order::Ge => t >= start,
        }
    }
}
