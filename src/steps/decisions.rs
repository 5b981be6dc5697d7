//! Where the expectation of a scenario rests on a decision rather than on the documentation's
//! words alone (a level chosen, a sample reconciled), its failure says where that decision is
//! written down: a section of `docs/errata.md`.

/// The page that records the decisions.
pub const ERRATA: &str = "docs/errata.md";

/// Scenario ID → the heading of its decision in [`ERRATA`].
pub const DECISIONS: &[(&str, &str)] = &[
    ("UEM-SMP-001", RECONCILED),
    ("UEM-GET-001", RECONCILED),
    ("UEM-QRY-002", CASE_AND_ACCENTS),
    ("UEM-QRY-019", CASE_AND_ACCENTS),
    ("UEM-QRY-030", CASE_AND_ACCENTS),
    ("UEM-QRY-031", CASE_AND_ACCENTS),
    ("UEM-QRY-034", CASE_AND_ACCENTS),
    ("UEM-ANY-002", CASE_AND_ACCENTS),
    ("UEM-ANY-013", CASE_AND_ACCENTS),
    ("UEM-QRY-027", CHARACTERS),
    ("UEM-QRY-028", CHARACTERS),
    ("UEM-QRY-029", CHARACTERS),
    ("UEM-QRY-032", CHARACTERS),
    ("UEM-QRY-033", NORMALISATION),
    ("UEM-ANY-012", FIELDS),
    ("UEM-QRY-017", WILDCARDS),
    ("UEM-QRY-018", WILDCARDS),
    ("UEM-QRY-035", WILDCARDS),
    ("UEM-QRY-020", SAME_FIELD_TWICE),
    ("UEM-QRY-021", SAME_FIELD_TWICE),
    ("UEM-QRY-022", SAME_FIELD_TWICE),
    ("UEM-QRY-016", UNDEFINED_QUERY),
    ("UEM-QRY-023", NO_QUERY),
    ("UEM-QRY-024", DATE_EXACT),
    ("UEM-QRY-025", DATE_EXACT),
    ("UEM-QRY-026", NAME_ONLY),
    ("UEM-GET-004", MALFORMED_GUID),
    ("UEM-ANY-010", MALFORMED_GUID),
    ("UEM-GET-005", NOT_FOUND_BODY),
    ("UEM-ANY-011", DATE_FORM),
    ("UEM-QRY-036", DATES_WRITTEN_OTHERWISE),
    ("UEM-QRY-037", DATES_WRITTEN_OTHERWISE),
    ("UEM-QRY-038", DATES_WRITTEN_OTHERWISE),
    ("UEM-AUTH-001", AUTHENTICATION),
    ("UEM-AUTH-002", AUTHENTICATION),
    ("UEM-AUTH-003", AUTHENTICATION),
    ("UEM-TEN-001", TENANTS),
    ("UEM-TEN-002", TENANTS),
    ("APL-CFG-009", SERVICE_URLS),
    ("APL-CFG-010", SERVICE_URLS),
    ("APL-CFG-011", REDIRECTS),
];

const RECONCILED: &str = "The three documented accounts, reconciled by majority";
const CASE_AND_ACCENTS: &str = "Letter case beyond ASCII, and accents";
const CHARACTERS: &str = "Spaces, `+` and invisible characters are characters of the name";
const NORMALISATION: &str = "Composed and decomposed names";
const FIELDS: &str = "Every listed account carries every documented field";
const WILDCARDS: &str = "`_`, `%` and `[` are plain characters";
const SAME_FIELD_TWICE: &str = "The same field twice";
const UNDEFINED_QUERY: &str = "A query the documentation does not define";
const NO_QUERY: &str = "A request without `query`";
const DATE_EXACT: &str = "`tokenExpiryDate=`: the default exact match on a date";
const NAME_ONLY: &str = "`name=` looks at the name only";
const MALFORMED_GUID: &str = "A malformed GUID: 400 or 404";
const NOT_FOUND_BODY: &str = "A 404 carries no account";
const DATE_FORM: &str = "Dates are written to the millisecond, in UTC";
const DATES_WRITTEN_OTHERWISE: &str = "Dates written otherwise than the documentation writes them";
const AUTHENTICATION: &str = "Authentication";
const TENANTS: &str = "A second tenant sees nothing of the first";
const SERVICE_URLS: &str = "Service URLs: which service, not where";
const REDIRECTS: &str = "Redirects on a documented request";

/// The errata heading behind this scenario's expectation, if there is one.
pub fn decision_for(scenario: &str) -> Option<&'static str> {
    DECISIONS.iter().find(|(id, _)| *id == scenario).map(|(_, section)| *section)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_decision_is_a_heading_of_the_errata_and_names_a_scenario() {
        let errata = include_str!("../../docs/errata.md");
        let headings: Vec<&str> =
            errata.lines().filter_map(|l| l.strip_prefix("## ").or_else(|| l.strip_prefix("### "))).collect();
        let scenarios: Vec<String> = crate::catalog::scenarios().into_iter().map(|s| s.id).collect();
        for (id, section) in DECISIONS {
            assert!(headings.contains(section), "{id}: docs/errata.md has no heading {section:?}");
            assert!(scenarios.contains(&(*id).to_owned()), "{id} is no scenario");
        }
    }
}
