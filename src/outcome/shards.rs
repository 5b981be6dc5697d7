//! Which scenarios each part of a selection holds: `--shard I/N` deals the selection round-robin
//! in the catalogue's order. The runner deals a run's part from it, and `merge` checks that each
//! part it is given holds exactly what it was dealt, reading only the run's facts.

use super::run::{Part, Selection};

impl Part {
    /// The scenarios of this part, dealt round-robin over `selected` (in the catalogue's order,
    /// the same in every run of a version): every selected scenario is in exactly one part, and
    /// parts differ in size by one at most.
    pub fn deal(self, selected: &[String]) -> Vec<String> {
        selected
            .iter()
            .enumerate()
            .filter(|(i, _)| i % self.total == self.index - 1)
            .map(|(_, id)| id.clone())
            .collect()
    }
}

impl Selection {
    /// The scenarios a run of this selection holds: those of its part, or all of them.
    pub fn dealt_to(&self, part: Option<Part>) -> Vec<String> {
        match part {
            Some(part) => part.deal(&self.scenarios),
            None => self.scenarios.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_selection() {
        let ids: Vec<String> = (0..10).map(|i| format!("X-{i}")).collect();
        let part = |index| Part { index, total: 3 };
        let mut all: Vec<String> = (1..=3).flat_map(|index| part(index).deal(&ids)).collect();
        assert_eq!(part(1).deal(&ids).len(), 4);
        all.sort();
        let mut expected = ids.clone();
        expected.sort();
        assert_eq!(all, expected, "every scenario in exactly one part");
        assert!(Part { index: 2, total: 2 }.deal(&ids[..1]).is_empty(), "a part may be empty");
        let selection = Selection { scenarios: ids.clone(), ..Selection::default() };
        assert_eq!(selection.dealt_to(None), ids, "an unsharded run holds the whole selection");
        assert_eq!(selection.dealt_to(Some(part(2))), part(2).deal(&ids));
    }
}
