//! Sizes and durations in the words the options use.

use std::time::Duration;

/// A size as `--max-body-size` takes it: `4MiB`, `512KiB`, or bytes.
pub fn human_size(bytes: usize) -> String {
    const MIB: usize = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{}MiB", bytes / MIB)
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{}KiB", bytes / 1024)
    } else {
        format!("{bytes}")
    }
}

/// A cap that holds `bytes`, rounded up to a whole number of MiB with room to grow.
pub(super) fn suggested_cap(bytes: usize) -> usize {
    const MIB: usize = 1024 * 1024;
    (bytes.saturating_mul(2) / MIB + 1).max(8).next_power_of_two() * MIB
}

pub fn human_duration(d: Duration) -> String {
    if d.as_millis().is_multiple_of(1000) { format!("{}s", d.as_secs()) } else { format!("{}ms", d.as_millis()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_suggested_cap_holds_what_was_announced() {
        for len in [5 << 20, 13 << 20, 100 << 20] {
            assert!(suggested_cap(len) >= len, "{len}");
        }
    }

    #[test]
    fn sizes_and_durations_read_as_the_options_take_them() {
        assert_eq!(human_size(4 * 1024 * 1024), "4MiB");
        assert_eq!(human_size(512 * 1024), "512KiB");
        assert_eq!(human_size(1000), "1000");
        assert_eq!(human_duration(Duration::from_secs(2)), "2s");
        assert_eq!(human_duration(Duration::from_millis(600)), "600ms");
    }
}
