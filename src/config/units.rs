//! Sizes and rates as the options and the config file give them.

use crate::http::RateLimit;
use std::time::Duration;

/// Parses a `--max-body-size` value: a number of bytes, or with a unit (`KB`/`KiB`, `MB`/`MiB`,
/// `GB`/`GiB`; the decimal units are taken as their binary neighbours, as people mean them).
pub fn parse_size(text: &str) -> Result<usize, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let number: usize = digits.parse().map_err(|_| format!("{text:?} is not a size (for example 64MiB)"))?;
    let factor: usize = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        other => return Err(format!("{text:?}: unknown unit {other:?} (use KiB, MiB or GiB)")),
    };
    match number.checked_mul(factor) {
        Some(0) => Err(format!("{text:?}: a body cap must be above 0")),
        Some(n) if n <= 1 << 32 => Ok(n),
        _ => Err(format!("{text:?}: at most 4GiB")),
    }
}

/// `15/s`, `600/m`, `2/min`, or a bare number of requests per second.
pub fn parse_rate(text: &str) -> Result<RateLimit, String> {
    let t = text.trim();
    let (n, unit) = t.split_once('/').unwrap_or((t, "s"));
    let requests: u32 = n
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a rate (give requests per second or minute, as 15/s or 600/m)"))?;
    if requests == 0 {
        return Err(format!("{text:?}: a rate must be above 0"));
    }
    let per = match unit.trim().to_ascii_lowercase().as_str() {
        "s" | "sec" | "second" => Duration::from_secs(1),
        "m" | "min" | "minute" => Duration::from_secs(60),
        other => return Err(format!("{text:?}: unknown unit {other:?} (use /s or /m)")),
    };
    Ok(RateLimit { requests, per })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::{MAX_BODY_BYTES, human_size};

    #[test]
    fn sizes_take_units_and_refuse_nonsense() {
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size("64mb"), Ok(64 << 20));
        assert_eq!(parse_size("512 KiB"), Ok(512 << 10));
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert_eq!(parse_size("1g"), Ok(1 << 30));
        for bad in ["", "MiB", "0", "12 parsecs", "-1MiB", "5GiB"] {
            assert!(parse_size(bad).is_err(), "{bad:?} was taken");
        }
        assert_eq!(parse_size(&human_size(MAX_BODY_BYTES)), Ok(MAX_BODY_BYTES));
    }

    #[test]
    fn rates_take_a_unit_and_refuse_nonsense() {
        assert_eq!(parse_rate("15/s").unwrap().per_second(), 15.0);
        assert_eq!(parse_rate("600/m").unwrap().per_second(), 10.0);
        assert_eq!(parse_rate("2/min").unwrap().to_string(), "2/m");
        assert_eq!(parse_rate("15").unwrap().to_string(), "15/s");
        for bad in ["", "0/s", "x/s", "5/h"] {
            assert!(parse_rate(bad).is_err(), "{bad:?} was taken");
        }
    }
}
