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
    /// The instant, and the value as the query writes it.
    Instant(DateTime<Utc>, String),
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

/// The value with its escapes resolved. "Special characters (comma, backslash) in query values must
/// be escaped with a backslash": a backslash escapes one of those two, and nothing else
/// (`docs/errata.md` › A query outside the grammar).
fn unescape(value: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(next @ (',' | '\\')) => out.push(next),
                Some(other) => return Err(format!("a backslash escapes a comma or a backslash, not {other:?}")),
                None => return Err("a value ends in a lone backslash".to_owned()),
            }
        } else {
            out.push(c);
        }
    }
    Ok(out)
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
    // The field names as the documentation writes them: the match it makes case-insensitive is
    // the value's.
    let field = if field_name == "name" {
        Field::Name
    } else if field_name == "tokenExpiryDate" {
        Field::TokenExpiryDate
    } else {
        return Err(format!("unknown query field {field_name:?} in {piece:?}"));
    };
    let (op, value) = [(">=", Op::Ge), ("<=", Op::Le), (">", Op::Gt), ("<", Op::Lt), ("=", Op::Eq)]
        .iter()
        .find_map(|(text, op)| rest.strip_prefix(text).map(|v| (*op, v)))
        .ok_or_else(|| format!("no operator after {field_name:?} in {piece:?}"))?;
    let value = if honour_escapes { unescape(value)? } else { value.to_owned() };
    if value.is_empty() {
        return Err(format!("empty value in {piece:?}: querying for empty values is not supported"));
    }
    let value = match field {
        Field::Name if op != Op::Eq => return Err(format!("name takes only = in {piece:?}")),
        Field::Name => Value::Text(value),
        Field::TokenExpiryDate => Value::Instant(parse_instant(&value)?, value),
    };
    Ok(Criterion { field, op, value })
}

/// An instant as the documentation writes one: `2027-01-01T00:00:00.000Z`, that is
/// `YYYY-MM-DDTHH:MM:SS`, an optional fraction of 1 to 9 digits, and `Z` or an offset `±HH:MM`;
/// a day the calendar has (no 31 November, 29 February in leap years only). Nothing looser (no
/// lower-case `t` or `z`, no space for `T`, no leap second), so what is refused here is exactly
/// what the OpenAPI description's pattern refuses.
fn parse_instant(value: &str) -> Result<DateTime<Utc>, String> {
    let refuse =
        |why: &str| Err(format!("{value:?} is not an instant written YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM): {why}"));
    let b = value.as_bytes();
    let digits = |range: std::ops::Range<usize>| b.get(range.clone()).filter(|d| d.iter().all(u8::is_ascii_digit));
    let number =
        |range: std::ops::Range<usize>| digits(range).map(|d| d.iter().fold(0u32, |n, c| n * 10 + u32::from(c - b'0')));
    let shape = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if digits(0..4).is_none() || shape.iter().any(|&(i, c)| b.get(i) != Some(&c)) {
        return refuse("not of that form");
    }
    let fields = [(5..7, 1, 12), (8..10, 1, 31), (11..13, 0, 23), (14..16, 0, 59), (17..19, 0, 59)];
    if fields.iter().any(|(r, lo, hi)| number(r.clone()).is_none_or(|n| n < *lo || n > *hi)) {
        return refuse("a month, day, hour, minute or second out of range");
    }
    let mut rest = &value[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let n = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if !(1..=9).contains(&n) {
            return refuse("a fraction of a second has 1 to 9 digits");
        }
        rest = &fraction[n..];
    }
    let offset_ok = rest == "Z"
        || (rest.len() == 6 && matches!(rest.as_bytes()[0], b'+' | b'-') && rest.as_bytes()[3] == b':' && {
            let o = rest.as_bytes();
            let two = |i: usize| {
                (o[i].is_ascii_digit() && o[i + 1].is_ascii_digit())
                    .then(|| u32::from(o[i] - b'0') * 10 + u32::from(o[i + 1] - b'0'))
            };
            two(1).is_some_and(|h| h <= 23) && two(4).is_some_and(|m| m <= 59)
        });
    if !offset_ok {
        return refuse("the offset is `Z` or ±HH:MM");
    }
    DateTime::parse_from_rfc3339(value)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| format!("{value:?} is not a day of the calendar: {e}"))
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
        assert!(parse("NAME=a", true).is_err(), "field names are written as documented");
        assert!(parse(r"name=a\b", true).is_err(), "a backslash escapes only a comma or a backslash");
        assert!(parse(r"name=a\", true).is_err(), "a lone backslash at the end");
    }

    #[test]
    fn instants_are_real_days_written_as_documented() {
        for good in [
            "2027-01-01T00:00:00.000Z",
            "2026-04-20T06:04:00+02:00",
            "2024-02-29T00:00:00Z",
            "2000-02-29T00:00:00.123456789-23:59",
            "0000-02-29T00:00:00Z",
        ] {
            assert!(parse_instant(good).is_ok(), "{good}");
        }
        for bad in [
            "4783-11-31T15:42:24.32-22:50",
            "1900-02-29T00:00:00Z",
            "2025-02-29T00:00:00Z",
            "2026-04-20t04:04:00.000Z",
            "2026-04-20T04:04:00.000z",
            "2026-04-20 04:04:00.000Z",
            "2026-04-20T04:04:60Z",
            "2026-04-20T04:04:00.Z",
            "2026-04-20T04:04:00.0000000000Z",
            "2026-04-20T04:04:00+24:00",
            "2026-04-20T04:04:00+0200",
            "2026-04-20T04:04:00",
            "2026-04-20T04:04:00.000Z\n",
            "+2026-04-20T04:04:00Z",
        ] {
            assert!(parse_instant(bad).is_err(), "{bad:?}");
        }
    }
}
