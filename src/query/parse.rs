//! From query text to a [`Query`]: winnow parsers for the tokens (words, quoted text,
//! operators, durations), recursive descent for `or` over `and` over `not`, values typed by
//! their field, and every error pointing at the column it is about.

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use ipnet::IpNet;
use regex::Regex;
use winnow::ascii::{digit1, multispace0};
use winnow::combinator::alt;
use winnow::error::ParserError;
use winnow::token::{literal, take_while};
use winnow::Parser;

use super::field::{FieldRef, Kind};
use super::{Atoms, Bound, Comparison, Expr, Order, Query, QueryError, Test, TextPattern};

/// Parses `text` into a query over the schema's fields and the detail's keyed parts.
pub fn parse(text: &str) -> Result<Query, QueryError> {
    parse_with_extras(text, &[])
}

/// Parses `text`, also accepting the names of a table's extra numeric columns as fields.
pub fn parse_with_extras(text: &str, extras: &[&str]) -> Result<Query, QueryError> {
    let p = Descent { text, extras };
    let mut input = text;
    p.query(&mut input)
        .map(|expr| Query { expr })
        .map_err(|f| QueryError {
            column: p.column(f.rest),
            message: f
                .message
                .unwrap_or_else(|| "the query cannot be read here".into()),
        })
}

/// A parse failure: where (the bytes of input left) and, once known, what.
#[derive(Debug)]
struct Fail {
    rest: usize,
    message: Option<String>,
}

impl<'a> ParserError<&'a str> for Fail {
    type Inner = Self;

    fn from_input(input: &&'a str) -> Self {
        Fail {
            rest: input.len(),
            message: None,
        }
    }

    fn or(self, other: Self) -> Self {
        if self.message.is_some() {
            self
        } else {
            other
        }
    }

    /// A failure with a message is final: no other reading of the text is tried.
    fn is_backtrack(&self) -> bool {
        self.message.is_none()
    }

    fn into_inner(self) -> Result<Self, Self> {
        Ok(self)
    }
}

impl<'a, E> winnow::error::FromExternalError<&'a str, E> for Fail {
    fn from_external_error(input: &&'a str, _e: E) -> Self {
        Fail::from_input(input)
    }
}

type Res<T> = Result<T, Fail>;

/// The operators between a field and its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Match,
    NotMatch,
}

/// Characters that end a bare word.
fn is_word_char(c: char) -> bool {
    !c.is_whitespace() && !matches!(c, '(' | ')' | '"' | '=' | '!' | '<' | '>' | '~')
}

/// Characters that end a bare value.
fn is_value_char(c: char) -> bool {
    !c.is_whitespace() && !matches!(c, '(' | ')' | '"' | ',')
}

fn ws(i: &mut &str) {
    let _: Res<&str> = multispace0.parse_next(i);
}

fn word<'a>(i: &mut &'a str) -> Res<&'a str> {
    take_while(1.., is_word_char).parse_next(i)
}

fn operator(i: &mut &str) -> Res<(Op, &'static str)> {
    alt((
        literal("!=").value((Op::Ne, "!=")),
        literal("!~").value((Op::NotMatch, "!~")),
        literal("<=").value((Op::Le, "<=")),
        literal(">=").value((Op::Ge, ">=")),
        literal("==").value((Op::Eq, "==")),
        literal("=").value((Op::Eq, "=")),
        literal("<").value((Op::Lt, "<")),
        literal(">").value((Op::Gt, ">")),
        literal("~").value((Op::Match, "~")),
    ))
    .parse_next(i)
}

/// Microseconds in `2h`, `30m`, `90s`, `7d`, `1w`.
fn duration(i: &mut &str) -> Res<i64> {
    let n: i64 = digit1.try_map(str::parse::<i64>).parse_next(i)?;
    let unit: i64 = alt((
        literal("min").value(60),
        literal("s").value(1),
        literal("m").value(60),
        literal("h").value(3_600),
        literal("d").value(86_400),
        literal("w").value(604_800),
    ))
    .parse_next(i)?;
    if i.starts_with(is_word_char) {
        return Err(Fail::from_input(i));
    }
    n.checked_mul(unit)
        .and_then(|s| s.checked_mul(1_000_000))
        .ok_or_else(|| Fail::from_input(i))
}

/// A time value as the span it names: a whole day, minute or second, or an instant.
fn time_span(v: &str) -> Option<(i64, i64)> {
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        let us = t.timestamp_micros();
        return Some((us, us + 1));
    }
    let v = v.trim_end_matches('Z').replacen(' ', "T", 1);
    let at = |t: NaiveDateTime, width: i64| {
        let us = t.and_utc().timestamp_micros();
        Some((us, us + width))
    };
    if let Ok(t) = NaiveDateTime::parse_from_str(&v, "%Y-%m-%dT%H:%M:%S%.f") {
        return at(t, if v.contains('.') { 1 } else { 1_000_000 });
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(&v, "%Y-%m-%dT%H:%M") {
        return at(t, 60_000_000);
    }
    NaiveDate::parse_from_str(&v, "%Y-%m-%d")
        .ok()
        .and_then(|d| at(d.and_hms_opt(0, 0, 0)?, 86_400_000_000))
}

/// `*` and `?` wildcards (anchored) or free text (unanchored, case-insensitive) as a regex;
/// in free text a wildcard stays within one part of the detail.
fn wildcard_regex(pattern: &str, free_text: bool) -> Regex {
    let (any, one) = if free_text {
        ("[^\u{1f}]*", "[^\u{1f}]")
    } else {
        (".*", ".")
    };
    let mut re = String::from(if free_text { "(?i)" } else { "(?s)^" });
    for c in pattern.chars() {
        match c {
            '*' => re.push_str(any),
            '?' => re.push_str(one),
            c => re.push_str(&regex::escape(c.encode_utf8(&mut [0; 4]))),
        }
    }
    if !free_text {
        re.push('$');
    }
    Regex::new(&re).expect("escaped text is a valid regular expression")
}

/// The recursive-descent parser over one query's text.
struct Descent<'a> {
    text: &'a str,
    extras: &'a [&'a str],
}

impl<'a> Descent<'a> {
    /// The 1-based character column of the place with `rest` bytes left.
    fn column(&self, rest: usize) -> usize {
        self.text[..self.text.len() - rest.min(self.text.len())]
            .chars()
            .count()
            + 1
    }

    fn fail(&self, at: &str, message: impl Into<String>) -> Fail {
        Fail {
            rest: at.len(),
            message: Some(message.into()),
        }
    }

    /// Consumes the word `kw` (any case) when it comes next.
    fn keyword(&self, i: &mut &'a str, kw: &str) -> bool {
        let start = *i;
        match word(i) {
            Ok(w) if w.eq_ignore_ascii_case(kw) => true,
            _ => {
                *i = start;
                false
            }
        }
    }

    fn query(&self, i: &mut &'a str) -> Res<Expr> {
        ws(i);
        if i.is_empty() {
            return Err(self.fail(i, "the query is empty"));
        }
        let e = self.or_expr(i)?;
        ws(i);
        match i.chars().next() {
            None => Ok(e),
            Some(')') => Err(self.fail(i, "')' has no matching '('")),
            Some(c) => Err(self.fail(i, format!("unexpected '{c}'"))),
        }
    }

    /// Whether the sub-expression has ended: at the end or before a closing parenthesis.
    fn at_end(i: &str) -> bool {
        i.is_empty() || i.starts_with(')')
    }

    fn or_expr(&self, i: &mut &'a str) -> Res<Expr> {
        let mut e = self.and_expr(i)?;
        loop {
            ws(i);
            if !self.keyword(i, "or") {
                return Ok(e);
            }
            ws(i);
            if Self::at_end(i) {
                return Err(self.fail(i, "expected a condition after 'or'"));
            }
            e = Expr::Or(Box::new(e), Box::new(self.and_expr(i)?));
        }
    }

    /// Conditions joined by `and`, or simply written one after the other.
    fn and_expr(&self, i: &mut &'a str) -> Res<Expr> {
        let mut e = self.not_expr(i)?;
        loop {
            ws(i);
            if Self::at_end(i) {
                return Ok(e);
            }
            let before = *i;
            if self.keyword(i, "or") {
                *i = before;
                return Ok(e);
            }
            if self.keyword(i, "and") {
                ws(i);
                if Self::at_end(i) {
                    return Err(self.fail(i, "expected a condition after 'and'"));
                }
            }
            e = Expr::And(Box::new(e), Box::new(self.not_expr(i)?));
        }
    }

    fn not_expr(&self, i: &mut &'a str) -> Res<Expr> {
        ws(i);
        if self.keyword(i, "not") {
            ws(i);
            if Self::at_end(i) {
                return Err(self.fail(i, "expected a condition after 'not'"));
            }
            return Ok(Expr::Not(Box::new(self.not_expr(i)?)));
        }
        self.primary(i)
    }

    fn primary(&self, i: &mut &'a str) -> Res<Expr> {
        ws(i);
        let at = *i;
        match at.chars().next() {
            None => return Err(self.fail(i, "expected a condition")),
            Some('(') => {
                *i = &i[1..];
                ws(i);
                if i.starts_with(')') {
                    return Err(self.fail(i, "expected a condition inside the parentheses"));
                }
                let e = self.or_expr(i)?;
                ws(i);
                if !i.starts_with(')') {
                    return Err(self.fail(
                        i,
                        format!(
                            "expected ')' to close the '(' at column {}",
                            self.column(at.len())
                        ),
                    ));
                }
                *i = &i[1..];
                return Ok(e);
            }
            Some(')') => return Err(self.fail(i, "')' has no matching '('")),
            Some('"') => {
                let text = self.quoted(i)?;
                return Ok(Expr::FreeText(wildcard_regex(&text, true)));
            }
            Some(',') => return Err(self.fail(i, "unexpected ','")),
            Some(_) => {}
        }
        let Ok(w) = word(i) else {
            let mut probe = at;
            let op = operator(&mut probe).map_or("this", |(_, s)| s);
            return Err(self.fail(at, format!("expected a field or text before '{op}'")));
        };
        if w.eq_ignore_ascii_case("last") {
            return self.last(i);
        }
        if w.eq_ignore_ascii_case("and") || w.eq_ignore_ascii_case("or") {
            return Err(self.fail(at, format!("expected a condition before '{w}'")));
        }
        let after_word = *i;
        ws(i);
        let op_at = *i;
        if let Ok((op, op_text)) = operator(i) {
            let field = self.field(w, at)?;
            return self.comparison(i, field, op, op_text, op_at);
        }
        if self.keyword(i, "in") {
            let field = self.field(w, at)?;
            return self.in_list(i, field, false, "in");
        }
        if self.keyword(i, "not") {
            ws(i);
            if self.keyword(i, "in") {
                let field = self.field(w, at)?;
                return self.in_list(i, field, true, "not in");
            }
        }
        *i = after_word;
        Ok(Expr::FreeText(wildcard_regex(w, true)))
    }

    fn field(&self, name: &str, at: &str) -> Res<FieldRef> {
        FieldRef::resolve(name, self.extras).map_err(|m| self.fail(at, m))
    }

    /// `last DURATION`, after the word `last`.
    fn last(&self, i: &mut &'a str) -> Res<Expr> {
        ws(i);
        let at = *i;
        duration(i)
            .map(Expr::Last)
            .map_err(|_| self.fail(at, "expected a duration after 'last', e.g. 2h, 30m or 7d"))
    }

    /// A quoted string; `\"` and `\\` stand for `"` and `\`, other backslashes stay.
    fn quoted(&self, i: &mut &'a str) -> Res<String> {
        let open = *i;
        let mut out = String::new();
        let mut chars = i.char_indices().skip(1);
        while let Some((k, c)) = chars.next() {
            match c {
                '"' => {
                    *i = &i[k + 1..];
                    return Ok(out);
                }
                '\\' => match chars.next() {
                    Some((_, e @ ('"' | '\\'))) => out.push(e),
                    Some((_, e)) => {
                        out.push('\\');
                        out.push(e);
                    }
                    None => out.push('\\'),
                },
                c => out.push(c),
            }
        }
        Err(self.fail(
            open,
            format!(
                "the quote at column {} is never closed",
                self.column(open.len())
            ),
        ))
    }

    /// One value, quoted or bare, after `after` (named in the message when it is missing);
    /// with the input where it starts.
    fn value(&self, i: &mut &'a str, after: &str) -> Res<(String, &'a str)> {
        ws(i);
        let at = *i;
        if i.starts_with('"') {
            return Ok((self.quoted(i)?, at));
        }
        match take_while::<_, _, Fail>(1.., is_value_char).parse_next(i) {
            Ok(v) => Ok((v.to_string(), at)),
            Err(_) => Err(self.fail(at, format!("expected a value after '{after}'"))),
        }
    }

    fn comparison(
        &self,
        i: &mut &'a str,
        field: FieldRef,
        op: Op,
        op_text: &str,
        op_at: &str,
    ) -> Res<Expr> {
        let kind = field.kind();
        let name = field.name();
        let (negate, test) = match op {
            Op::Eq | Op::Ne => {
                let value = self.value(i, op_text)?;
                (op == Op::Ne, Test::AnyOf(self.atoms(&field, &[value])?))
            }
            Op::Match | Op::NotMatch => {
                if matches!(kind, Kind::Number | Kind::Time) {
                    return Err(self.fail(
                        op_at,
                        format!(
                            "'{op_text}' matches text, and {name} is not text: use = < > instead"
                        ),
                    ));
                }
                let (v, at) = self.value(i, op_text)?;
                let re = Regex::new(&v).map_err(|e| {
                    let why = e.to_string();
                    let why = why
                        .lines()
                        .rev()
                        .find(|l| !l.trim().is_empty())
                        .unwrap_or("");
                    let why = why.trim().trim_start_matches("error: ");
                    self.fail(at, format!("bad regular expression: {why}"))
                })?;
                (op == Op::NotMatch, Test::Regex(re))
            }
            Op::Lt | Op::Le | Op::Gt | Op::Ge => {
                if kind == Kind::Ip {
                    return Err(self.fail(
                        op_at,
                        format!(
                            "{name} is an address: use = or in with an address or a CIDR network"
                        ),
                    ));
                }
                let order = match op {
                    Op::Lt => Order::Lt,
                    Op::Le => Order::Le,
                    Op::Gt => Order::Gt,
                    _ => Order::Ge,
                };
                let (v, at) = self.value(i, op_text)?;
                let bound = if kind == Kind::Time {
                    let (s, e) = time_span(&v).ok_or_else(|| self.fail(at, not_a_time(&v)))?;
                    Bound::Time(s, e)
                } else {
                    Bound::Number(v.parse().map_err(|_| {
                        self.fail(
                            at,
                            format!("'{op_text}' compares numbers; '{v}' is not a number"),
                        )
                    })?)
                };
                (false, Test::Order(order, bound))
            }
        };
        Ok(Expr::Cmp(Comparison {
            field,
            negate,
            test,
        }))
    }

    /// `in (v, ...)` or `in VALUE` (a CIDR network, typically), after the `in`.
    fn in_list(&self, i: &mut &'a str, field: FieldRef, negate: bool, op: &str) -> Res<Expr> {
        ws(i);
        let open = *i;
        let values = if i.starts_with('(') {
            *i = &i[1..];
            let mut values = vec![self.value(i, "(")?];
            loop {
                ws(i);
                if let Some(rest) = i.strip_prefix(',') {
                    *i = rest;
                    values.push(self.value(i, ",")?);
                } else if let Some(rest) = i.strip_prefix(')') {
                    *i = rest;
                    break values;
                } else {
                    return Err(self.fail(
                        i,
                        format!(
                            "expected ',' or ')' in the list opened at column {}",
                            self.column(open.len())
                        ),
                    ));
                }
            }
        } else {
            vec![self.value(i, op)?]
        };
        Ok(Expr::Cmp(Comparison {
            test: Test::AnyOf(self.atoms(&field, &values)?),
            field,
            negate,
        }))
    }

    /// Values typed by the field they are compared with.
    fn atoms(&self, field: &FieldRef, values: &[(String, &'a str)]) -> Res<Atoms> {
        let name = field.name();
        Ok(match field.kind() {
            Kind::Number => Atoms::Numbers(
                values
                    .iter()
                    .map(|(v, at)| {
                        v.parse().map_err(|_| {
                            self.fail(
                                at,
                                format!("'{v}' is not a number, and {name} holds numbers"),
                            )
                        })
                    })
                    .collect::<Res<_>>()?,
            ),
            Kind::Ip => Atoms::Nets(
                values
                    .iter()
                    .map(|(v, at)| {
                        v.parse::<IpNet>()
                            .map(|n| n.trunc())
                            .or_else(|_| v.parse::<std::net::IpAddr>().map(IpNet::from))
                            .map_err(|_| {
                                self.fail(at, format!("'{v}' is not an address or a CIDR network"))
                            })
                    })
                    .collect::<Res<_>>()?,
            ),
            Kind::Time => Atoms::Times(
                values
                    .iter()
                    .map(|(v, at)| time_span(v).ok_or_else(|| self.fail(at, not_a_time(v))))
                    .collect::<Res<_>>()?,
            ),
            Kind::Text => Atoms::Texts(
                values
                    .iter()
                    .map(|(v, _)| {
                        if v.contains(['*', '?']) {
                            TextPattern::Wildcard(wildcard_regex(v, false))
                        } else {
                            TextPattern::Exact(v.clone())
                        }
                    })
                    .collect(),
            ),
        })
    }
}

fn not_a_time(v: &str) -> String {
    format!("'{v}' is not a time; write e.g. 2018-05-19, 2018-05-19T10:00 or 2018-05-19T10:00:00Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(q: &str) -> (usize, String) {
        let e = parse(q).unwrap_err();
        (e.column, e.message)
    }

    #[test]
    fn errors_point_at_their_column() {
        assert_eq!(
            err("source_ip ="),
            (12, "expected a value after '='".into())
        );
        assert_eq!(
            err("sorce_ip = 1.2.3.4"),
            (
                1,
                "unknown field 'sorce_ip'; did you mean source_ip?".into()
            )
        );
        assert_eq!(
            err("(outcome = 404"),
            (15, "expected ')' to close the '(' at column 1".into())
        );
        assert_eq!(
            err("outcome = 404)"),
            (14, "')' has no matching '('".into())
        );
        assert_eq!(
            err("detail = \"wget"),
            (10, "the quote at column 10 is never closed".into())
        );
        assert_eq!(
            err("source_ip < 10.0.0.1").1,
            "source_ip is an address: use = or in with an address or a CIDR network"
        );
        assert_eq!(err("last two").0, 6);
        assert_eq!(err("a and"), (6, "expected a condition after 'and'".into()));
        assert_eq!(err("   "), (4, "the query is empty".into()));
        assert_eq!(
            err("= 3"),
            (1, "expected a field or text before '='".into())
        );
        assert_eq!(err("detail ~ \"(\"").0, 10);
        assert!(err("detail ~ \"(\"")
            .1
            .starts_with("bad regular expression"));
        assert_eq!(err("time > yesterday").0, 8);
        assert_eq!(
            err("destination_port in (22, 23"),
            (
                28,
                "expected ',' or ')' in the list opened at column 21".into()
            )
        );
        // Columns count characters, not bytes.
        assert_eq!(err("\"é\" and bytes_sent > x").0, 22);
    }

    #[test]
    fn values_and_operators_parse() {
        for q in [
            "source_ip in 10.0.0.0/8",
            "destination_port in (22, 23, 2323) and not transport = udp",
            "detail ~ \"wget|curl\" or detail = \"*wget*\"",
            "time > 2018-05-19T10:00 and time <= \"2018-05-19 11:00:00\"",
            "last 2h",
            "detail.username = root",
            "wget",
            "NOT (outcome != 200) OR bytes_sent >= 1e6",
            "source_ip not in (1.2.3.4, ::1)",
        ] {
            assert!(parse(q).is_ok(), "{q}: {:?}", parse(q).err());
        }
        assert_eq!(
            time_span("2018-05-19").map(|(s, e)| e - s),
            Some(86_400_000_000)
        );
        assert_eq!(
            time_span("2018-05-19T10:00").map(|(s, e)| e - s),
            Some(60_000_000)
        );
        assert_eq!(
            time_span("2018-05-19T10:00:00Z"),
            time_span("2018-05-19T12:00:00+02:00")
        );
        assert!(wildcard_regex("*wget*", false).is_match("cd /tmp; wget x"));
        assert!(!wildcard_regex("wget?", false).is_match("wget"));
        assert!(wildcard_regex("WGET", true).is_match("a wget b"));
    }
}
