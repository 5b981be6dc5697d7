//! The binary carries its contract: every file of `features/`, `schemas/`, `fixtures/` and
//! `snapshots/` must be embedded, and the shipped fixtures must be the shared ones, unchanged.

use std::collections::BTreeSet;
use std::path::Path;
use vpp_conformance::catalog;

fn files_under(dir: &str) -> BTreeSet<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = BTreeSet::new();
    let mut stack = vec![root.join(dir)];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if !path.to_string_lossy().ends_with(".snap.new") {
                out.insert(path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out
}

#[test]
fn every_contract_file_is_embedded() {
    let embedded: BTreeSet<String> = catalog::all().map(|e| e.path.to_owned()).collect();
    let on_disk: BTreeSet<String> =
        ["features", "schemas", "fixtures", "snapshots"].iter().flat_map(|d| files_under(d)).collect();
    assert_eq!(embedded, on_disk);
}

#[test]
fn every_scenario_has_a_unique_id_a_section_and_an_api_tag() {
    let scenarios = catalog::scenarios();
    assert!(scenarios.len() >= 30, "{}", scenarios.len());
    let mut ids = BTreeSet::new();
    for s in &scenarios {
        assert!(catalog::is_id_tag(&s.id), "{:?} has no ID tag", s.name);
        assert!(ids.insert(s.id.clone()), "{} is used twice", s.id);
        assert!(!s.section.is_empty(), "{} names no documentation section", s.id);
        let api = s.tags.iter().filter(|t| *t == "apple-vpp" || *t == "uem").count();
        assert_eq!(api, 1, "{} needs exactly one of @apple-vpp, @uem", s.id);
        let need = s.tags.iter().filter(|t| ["sample", "rule", "any-data", "opt-in"].contains(&t.as_str())).count();
        assert!(need >= 1, "{} says nothing of the data it needs", s.id);
    }
}

/// Tables in the features name accounts by GUID and name; a name that disagrees with the fixture
/// would mislead the reader of the feature.
#[test]
fn account_tables_agree_with_the_canonical_data_set() {
    let mut rows = 0;
    for f in catalog::features() {
        let all = f.scenarios.iter().chain(f.rules.iter().flat_map(|r| &r.scenarios));
        for step in all.flat_map(|s| &s.steps) {
            let Some(table) = &step.table else { continue };
            if table.rows[0].first().map(String::as_str) != Some("guid") {
                continue;
            }
            for row in &table.rows[1..] {
                let account = vpp_conformance::checks::accounts::canonical_account(&row[0])
                    .unwrap_or_else(|| panic!("{} is not a canonical account", row[0]));
                assert_eq!(account["name"].as_str().unwrap(), row[1], "name of {}", row[0]);
                rows += 1;
            }
        }
    }
    assert!(rows > 20, "{rows}");
}

#[test]
fn shipped_fixtures_are_the_shared_ones() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures");
    if !shared.exists() {
        return; // a clone outside the workspace has only its own copy
    }
    for e in catalog::FIXTURES {
        let name = Path::new(e.path).file_name().unwrap();
        assert_eq!(std::fs::read_to_string(shared.join(name)).unwrap(), e.text, "{}", e.path);
    }
}
