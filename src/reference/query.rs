//! The reference's reading of the documented query language:
//! `<field><op><value>` criteria separated by commas, all of which must hold; `\,` and `\\`
//! escape a comma and a backslash in a value; ops are `=` (case-insensitive exact match) and, for
//! dates, `>` `>=` `<` `<=`. Deliberately written apart from anything in `checks`.

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Name,
    TokenExpiryDate,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Instant(DateTime<Utc>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Criterion {
    pub field: Field,
    pub op: Op,
    pub value: Value,
}

/// Splits on commas not preceded by an escaping backslash; escapes stay in the pieces.
fn split_unescaped(raw: &str) -> Vec<String> {
    let mut pieces = vec![String::new()];
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let last = pieces.last_mut().expect("never empty");
                last.push('\\');
                if let Some(next) = chars.next() {
                    last.push(next);
                }
            }
            ',' => pieces.push(String::new()),
            c => pieces.last_mut().expect("never empty").push(c),
        }
    }
    pieces
}

fn unescape(value: &str) -> String {
    let mut out = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Parses a query. With `honour_escapes` false (a seeded defect) it splits on every comma and
/// keeps backslashes, as a naive server would.
pub fn parse(raw: &str, honour_escapes: bool) -> Result<Vec<Criterion>, String> {
    let pieces: Vec<String> =
        if honour_escapes { split_unescaped(raw) } else { raw.split(',').map(str::to_owned).collect() };
    pieces.iter().map(|p| parse_criterion(p, honour_escapes)).collect()
}

fn parse_criterion(piece: &str, honour_escapes: bool) -> Result<Criterion, String> {
    let field_len = piece.chars().take_while(|c| c.is_ascii_alphabetic()).count();
    let (field_name, rest) = piece.split_at(field_len);
    let field = if field_name.eq_ignore_ascii_case("name") {
        Field::Name
    } else if field_name.eq_ignore_ascii_case("tokenExpiryDate") {
        Field::TokenExpiryDate
    } else {
        return Err(format!("unknown query field {field_name:?} in {piece:?}"));
    };
    let (op, value) = [(">=", Op::Ge), ("<=", Op::Le), (">", Op::Gt), ("<", Op::Lt), ("=", Op::Eq)]
        .iter()
        .find_map(|(text, op)| rest.strip_prefix(text).map(|v| (*op, v)))
        .ok_or_else(|| format!("no operator after {field_name:?} in {piece:?}"))?;
    let value = if honour_escapes { unescape(value) } else { value.to_owned() };
    if value.is_empty() {
        return Err(format!("empty value in {piece:?}: querying for empty values is not supported"));
    }
    let value = match field {
        Field::Name if op != Op::Eq => return Err(format!("name takes only = in {piece:?}")),
        Field::Name => Value::Text(value),
        Field::TokenExpiryDate => Value::Instant(
            DateTime::parse_from_rfc3339(&value)
                .map_err(|e| format!("{value:?} is not an ISO 8601 instant: {e}"))?
                .with_timezone(&Utc),
        ),
    };
    Ok(Criterion { field, op, value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_split_and_unescape() {
        let c = parse(r"name=Acme\, Retail\\East,tokenExpiryDate>=2026-01-01T00:00:00.000Z", true).unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].value, Value::Text(r"Acme, Retail\East".into()));
        assert_eq!(c[1].op, Op::Ge);
    }

    #[test]
    fn rejects_malformed() {
        assert!(parse("colour=red", true).is_err());
        assert!(parse("name=", true).is_err());
        assert!(parse("tokenExpiryDate<=tomorrow", true).is_err());
    }
}
