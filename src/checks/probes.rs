//! Queries derived from whatever accounts a target lists, for certifying a target that does not
//! hold the canonical data set (`@any-data`). Every family of probes aims at one documented rule;
//! the expected answer of each comes from [`query_oracle`].
//!
//! Sampling is seeded, reproducible and cheap whatever the tenant's size: each family's candidate
//! queries form a space numbered `0..len` (for date ranges, every ordered pair of listed instants:
//! billions for a large tenant) that is never built. Numbers are drawn from it without repetition
//! by a lazy Fisher-Yates shuffle driven by the seed, each number is turned into its query, and
//! the oracle answers only the queries that will be sent. Time and memory are
//! O(accounts · log accounts) to prepare and O(budget × accounts) to answer.

use super::query_oracle::{
    self, Criterion, DateForm, DateOp, Listed, Oracle, Reading, millisecond, plain_case, plain_name,
};
use crate::catalog;
use chrono::{DateTime, SubsecRound, Utc};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// A family of probes: one documented rule each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Each listed name, exactly and in other letter cases; first, for each letter whose case is
    /// not plain (`İ`, `ß`, `ſ`…), a name holding it, asked as it is.
    Names,
    /// Each listed name that holds a cased letter beyond ASCII whose case is plain (`É`, `Å`,
    /// `Ø`…), in other letter cases, by Unicode's case mapping (a SHOULD); first, for each such
    /// letter, a name holding it with every letter's case swapped.
    NamesBeyondAscii,
    /// Each listed name with a character removed, added or replaced: no prefix or substring
    /// match, and none of what back ends take for the same name (a space around it, `+` for a
    /// space, `ß` for `s`, a full-width or an invisible character, a letter in square brackets).
    NameVariants,
    /// Names holding a comma or a backslash, escaped.
    EscapedNames,
    /// `>` `>=` `<` `<=` on listed instants and one millisecond either side; and on each instant
    /// written in other forms (its whole second without a fraction, offsets from UTC).
    DateBounds,
    /// Two date criteria on the same field.
    DateRanges,
    /// A name and a date together (comma = AND).
    NameAndDate,
    /// Queries no listed account meets: 200 with an empty list.
    Unmeetable,
}

impl Family {
    pub const ALL: [Family; 8] = [
        Family::Names,
        Family::NamesBeyondAscii,
        Family::NameVariants,
        Family::EscapedNames,
        Family::DateBounds,
        Family::DateRanges,
        Family::NameAndDate,
        Family::Unmeetable,
    ];

    /// The words a feature file uses for the family.
    pub fn from_words(words: &str) -> Option<Family> {
        Some(match words {
            "name" => Family::Names,
            "non-ASCII letter case" => Family::NamesBeyondAscii,
            "altered name" => Family::NameVariants,
            "escaped name" => Family::EscapedNames,
            "date bound" => Family::DateBounds,
            "date range" => Family::DateRanges,
            "name and date" => Family::NameAndDate,
            "unmeetable" => Family::Unmeetable,
            _ => return None,
        })
    }

    pub fn rule(self) -> &'static str {
        match self {
            Family::Names => "case-insensitive exact match",
            Family::NamesBeyondAscii => {
                "case-insensitive beyond ASCII where Unicode's case foldings agree (É/é, Å/å, Ø/ø…)"
            }
            Family::NameVariants => "exact match: a character removed, added or replaced makes another name",
            Family::EscapedNames => "comma and backslash escaped with a backslash",
            Family::DateBounds => "> >= < <= to the millisecond",
            Family::DateRanges => "a minimum and a maximum date together",
            Family::NameAndDate => "comma means AND",
            Family::Unmeetable => "an empty result is 200 with an empty list",
        }
    }

    /// The reading of "case-insensitive" the family's answers are computed by.
    pub fn reading(self) -> Reading {
        match self {
            Family::NamesBeyondAscii => Reading::Unicode,
            _ => Reading::Every,
        }
    }

    /// What the coverage says when the listed accounts give the family nothing to ask (`words`:
    /// the feature's).
    pub fn nothing_to_ask(self, words: &str) -> String {
        match self {
            Family::NamesBeyondAscii => "no listed name holds a cased letter beyond ASCII whose case is plain \
                                         (É/é, Å/å, Ø/ø…): letter case beyond ASCII could not be probed (nothing checked)"
                .to_owned(),
            _ => format!("the listed accounts give no {words} query to ask (nothing checked)"),
        }
    }
}

/// One query to ask, with the accounts it must return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    pub query: String,
    /// What the query asks, and by which reading of "case-insensitive": the accounts it must and
    /// may find are worked out when its answer is judged ([`Probe::expected`]), so that a
    /// scenario's probes hold a few criteria each, not a list of thousands of accounts.
    pub criteria: Vec<Criterion>,
    pub reading: query_oracle::Reading,
    /// The same query with its dates written as the documentation writes them, when this one
    /// writes them otherwise: a 400 is then allowed, and a wrong list is not.
    pub documented: Option<String>,
}

impl Probe {
    /// The accounts the query must and may find among those `oracle` lists.
    pub fn expected(&self, oracle: &Oracle) -> query_oracle::Expected {
        oracle.expected_by(&self.criteria, self.reading)
    }
}

/// Names the documentation's query syntax can carry unambiguously: not blank (empty values are
/// not supported, and a server may take a blank one for empty), no control characters. Blanks
/// around a name are part of it: the exact match keeps them (docs/errata.md › Spaces, `+` and
/// invisible characters).
fn queryable(name: &str) -> bool {
    !name.trim().is_empty() && !name.chars().any(char::is_control)
}

/// A change of letter case.
#[derive(Clone, Copy)]
enum Recase {
    Upper,
    Lower,
    /// Upper and lower case by turns.
    Alternate,
    /// Each letter's case swapped: every cased letter changes.
    Swap,
}

/// The name with its letter case changed, when every character maps to one character both ways.
fn recase(name: &str, how: Recase) -> Option<String> {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        let upper = match how {
            Recase::Upper => true,
            Recase::Lower => false,
            Recase::Alternate => i % 2 == 0,
            Recase::Swap => !c.is_uppercase(),
        };
        let mapped: Vec<char> = if upper { c.to_uppercase().collect() } else { c.to_lowercase().collect() };
        match mapped.as_slice() {
            [m] => out.push(*m),
            _ => return None,
        }
    }
    Some(out)
}

/// Whether a character is a cased letter beyond ASCII whose case is plain (`É`, `å`, `Ø`): the
/// letters on which folding only ASCII departs from Unicode's case mapping, unambiguously.
fn cased_beyond_ascii(c: char) -> bool {
    !c.is_ascii() && plain_case(c) && c.to_lowercase().ne(c.to_uppercase())
}

/// The letters of a name whose case is not plain, each once; a sigma that ends a word counts as
/// `ς` (ICU lower-cases it so, and the C library as `σ`).
fn uneven_letters(name: &str) -> BTreeSet<char> {
    let mut chars = name.chars().peekable();
    let mut letters = BTreeSet::new();
    while let Some(c) = chars.next() {
        if !plain_case(c) {
            let ends_a_word = !chars.peek().is_some_and(|next| next.is_alphabetic());
            letters.insert(if matches!(c, 'Σ' | 'σ') && ends_a_word { 'ς' } else { c });
        }
    }
    letters
}

/// The cased letters beyond ASCII of a name whose case is plain, each once, in lower case.
fn plain_letters_beyond_ascii(name: &str) -> BTreeSet<char> {
    name.chars().filter(|c| cased_beyond_ascii(*c)).filter_map(|c| c.to_lowercase().next()).collect()
}

/// For each letter that `letters` finds in the names, one name holding it, chosen by the seed
/// among those that do (reservoir sampling: one pass, whatever the tenant's size): the names'
/// positions, one per letter, in the letters' order.
fn one_name_per_letter(names: &[&str], letters: fn(&str) -> BTreeSet<char>, seed: u64, stream: &str) -> Vec<usize> {
    let mut rng = SplitMix64::new(seed, stream);
    let mut chosen: BTreeMap<char, (u64, usize)> = BTreeMap::new();
    for (i, name) in names.iter().enumerate() {
        for letter in letters(name) {
            let (seen, pick) = chosen.entry(letter).or_insert((0, i));
            *seen += 1;
            if rng.below(*seen) == 0 {
                *pick = i;
            }
        }
    }
    chosen.into_values().map(|(_, pick)| pick).collect()
}

/// The characters with the first one that `which` picks replaced by `by`, if there is one.
fn replace_first(chars: &[char], which: impl Fn(&char) -> bool, by: impl Fn(char) -> Option<char>) -> Option<String> {
    let k = chars.iter().position(which)?;
    let with = by(chars[k])?;
    Some(chars.iter().enumerate().map(|(j, c)| if j == k { with } else { *c }).collect())
}

/// The letter without its accents (`É` → `E`), when it has some and is one letter without them.
fn without_accent(c: char) -> Option<char> {
    let mut buffer = [0; 4];
    let decomposed = icu_normalizer::DecomposingNormalizerBorrowed::new_nfd().normalize(c.encode_utf8(&mut buffer));
    let mut base = decomposed.chars().filter(|d| !('\u{300}'..='\u{36F}').contains(d));
    match (base.next(), base.next()) {
        (Some(b), None) if b != c => Some(b),
        _ => None,
    }
}

/// A seeded generator: SplitMix64, written out so that `--seed N` picks the same probes whatever
/// the version of any crate.
struct SplitMix64(u64);

impl SplitMix64 {
    fn new(seed: u64, stream: &str) -> Self {
        let digest = Sha256::new().chain_update(seed.to_le_bytes()).chain_update(stream.as_bytes()).finalize();
        Self(u64::from_le_bytes(digest[..8].try_into().expect("8 bytes")))
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }
}

/// The numbers `0..len` in a seeded random order, drawn one at a time: a Fisher-Yates shuffle
/// that remembers only the positions it has swapped, so drawing `k` numbers costs O(k) whatever
/// `len` is, and every number comes at most once.
pub struct Shuffled {
    len: u64,
    next: u64,
    swapped: HashMap<u64, u64>,
    rng: SplitMix64,
}

impl Shuffled {
    pub fn new(len: u64, seed: u64, stream: &str) -> Self {
        Self { len, next: 0, swapped: HashMap::new(), rng: SplitMix64::new(seed, stream) }
    }
}

impl Iterator for Shuffled {
    type Item = u64;

    fn next(&mut self) -> Option<u64> {
        if self.next >= self.len {
            return None;
        }
        let t = self.next;
        let r = t + self.rng.below(self.len - t);
        let at_r = self.swapped.get(&r).copied().unwrap_or(r);
        let at_t = self.swapped.remove(&t).unwrap_or(t);
        if r != t {
            self.swapped.insert(r, at_t);
        }
        self.next += 1;
        Some(at_r)
    }
}

/// Up to `budget` distinct positions in `0..len`, chosen by the seed (the GET-by-GUID sample).
pub fn sample_positions(len: usize, budget: usize, seed: u64, stream: &str) -> Vec<usize> {
    Shuffled::new(len as u64, seed, stream).take(budget).map(|i| i as usize).collect()
}

/// What one family can ask of the listed accounts, numbered `0..len` and built one at a time.
struct Space<'a> {
    family: Family,
    seed: u64,
    /// Distinct queryable names, sorted.
    names: Vec<&'a str>,
    /// Distinct instants exact to the millisecond, sorted.
    instants: Vec<DateTime<Utc>>,
    /// Names holding a comma or a backslash.
    escaped: Vec<&'a str>,
    /// Each account's queryable name with its expiry.
    name_dates: Vec<(&'a str, DateTime<Utc>)>,
    /// Candidates asked before the seeded sample, in a seeded order: for a family of names, one
    /// name for each letter that decides whether a back end gets the rule right.
    first: Vec<u64>,
}

/// A query by one name.
fn by_name(name: String) -> Option<Vec<Criterion>> {
    Some(vec![Criterion::Name(name)])
}

/// Name variants asked per name, per family.
const CASE_VARIANTS: u64 = 4;
const ALTERATIONS: u64 = 15;
/// Date-range shapes per ordered pair of instants.
const RANGE_SHAPES: u64 = 6;
/// Bounds per listed instant, each with the four operators: a millisecond before it, the instant
/// and a millisecond after it, written as the documentation writes dates; then its whole second
/// without a fraction, and the instant at an offset east and west of UTC.
const BOUNDS: u64 = 6;
const OTHER_FORMS: [DateForm; 3] = [DateForm::WholeSecond, DateForm::Offset(5 * 60 + 30), DateForm::Offset(-8 * 60)];

impl<'a> Space<'a> {
    fn new(family: Family, accounts: &'a [Listed], seed: u64) -> Self {
        let mut names: BTreeSet<&str> =
            accounts.iter().filter_map(|a| a.name.as_deref()).filter(|n| queryable(n)).collect();
        if family == Family::NamesBeyondAscii {
            names.retain(|n| plain_name(n) && n.chars().any(cased_beyond_ascii));
        }
        let instants: BTreeSet<DateTime<Utc>> =
            accounts.iter().filter_map(|a| a.expiry).filter(query_oracle::is_millisecond_exact).collect();
        let escaped = names.iter().copied().filter(|n| n.contains(',') || n.contains('\\')).collect();
        let name_dates =
            accounts.iter().filter_map(|a| Some((a.name.as_deref().filter(|n| queryable(n))?, a.expiry?))).collect();
        let mut space = Self {
            family,
            seed,
            names: names.into_iter().collect(),
            instants: instants.into_iter().collect(),
            escaped,
            name_dates,
            first: Vec::new(),
        };
        space.first = space.first_candidates();
        space
    }

    /// What is asked before the seeded sample. Names: for each letter whose case is not plain, a
    /// name holding it as it is (a back end that folds the stored name and the value by two
    /// rules does not find it). Names beyond ASCII: for each cased letter beyond ASCII (`é` for
    /// `É` and `é`), a name holding it with every letter's case swapped (folding only ASCII does
    /// not find it).
    fn first_candidates(&self) -> Vec<u64> {
        let stream = format!("first: {}", self.family.rule());
        let letters = match self.family {
            Family::Names => uneven_letters,
            Family::NamesBeyondAscii => plain_letters_beyond_ascii,
            _ => return Vec::new(),
        };
        let picked = one_name_per_letter(&self.names, letters, self.seed, &stream);
        let picked: Vec<u64> = picked.into_iter().map(|i| i as u64 * CASE_VARIANTS).collect();
        Shuffled::new(picked.len() as u64, self.seed, &stream).map(|k| picked[k as usize]).collect()
    }

    fn len(&self) -> u64 {
        let (names, instants) = (self.names.len() as u64, self.instants.len() as u64);
        match self.family {
            Family::Names | Family::NamesBeyondAscii => names * CASE_VARIANTS,
            Family::NameVariants => names * ALTERATIONS,
            Family::EscapedNames => self.escaped.len() as u64 * 2,
            Family::DateBounds => instants * BOUNDS * 4,
            // One closed range per instant, then every ordered pair (a, b) of instants (half of
            // them skipped: a < b is asked) in each shape.
            Family::DateRanges => instants + instants * instants * RANGE_SHAPES,
            Family::NameAndDate => names.saturating_sub(1) * 2 + self.name_dates.len() as u64 * 4,
            Family::Unmeetable => 3,
        }
    }

    /// The candidate numbered `i`, or `None` where that number asks nothing.
    fn candidate(&self, i: u64) -> Option<Vec<Criterion>> {
        match self.family {
            Family::Names => self.name_case(i),
            Family::NamesBeyondAscii => self.name_case_beyond_ascii(i),
            Family::NameVariants => self.name_variant(i),
            Family::EscapedNames => {
                let n = self.escaped[(i / 2) as usize];
                if i.is_multiple_of(2) { by_name(n.to_owned()) } else { by_name(recase(n, Recase::Upper)?) }
            }
            Family::DateBounds => {
                let t = self.instants[(i / (BOUNDS * 4)) as usize];
                let bound = match i % (BOUNDS * 4) / 4 {
                    0 => t - millisecond(),
                    2 => t + millisecond(),
                    3 => t.trunc_subsecs(0),
                    _ => t,
                };
                Some(vec![Criterion::Date(DateOp::ALL[(i % 4) as usize], bound)])
            }
            Family::DateRanges => self.date_range(i),
            Family::NameAndDate => self.name_and_date(i),
            Family::Unmeetable => match i {
                0 => by_name(format!("vpp-conformance no such account {:x}", self.seed)),
                1 => Some(vec![Criterion::Date(DateOp::Lt, *self.instants.first()?)]),
                _ => Some(vec![Criterion::Date(DateOp::Gt, *self.instants.last()?)]),
            },
        }
    }

    /// How the candidate numbered `i` writes its dates.
    fn form(&self, i: u64) -> DateForm {
        match (self.family, i % (BOUNDS * 4) / 4) {
            (Family::DateBounds, k @ 3..) => OTHER_FORMS[(k - 3) as usize],
            _ => DateForm::Documented,
        }
    }

    /// A listed name as it is, upper-cased, lower-cased, or in alternating case.
    fn name_case(&self, i: u64) -> Option<Vec<Criterion>> {
        let n = self.names[(i / CASE_VARIANTS) as usize];
        match i % CASE_VARIANTS {
            0 => by_name(n.to_owned()),
            1 => by_name(recase(n, Recase::Upper)?),
            2 => by_name(recase(n, Recase::Lower)?),
            _ => by_name(recase(n, Recase::Alternate)?),
        }
    }

    /// A listed name with a cased letter beyond ASCII, its case swapped, upper-cased, lower-cased
    /// or alternating, where that changes the case of a letter beyond ASCII.
    fn name_case_beyond_ascii(&self, i: u64) -> Option<Vec<Criterion>> {
        let n = self.names[(i / CASE_VARIANTS) as usize];
        let how = [Recase::Swap, Recase::Upper, Recase::Lower, Recase::Alternate][(i % CASE_VARIANTS) as usize];
        let variant = recase(n, how)?;
        let changed = n.chars().zip(variant.chars()).any(|(a, b)| a != b && cased_beyond_ascii(a));
        changed.then(|| vec![Criterion::Name(variant)])
    }

    /// A listed name altered so that it names no account: a character fewer or more, a wildcard,
    /// and what back ends take for the same name.
    fn name_variant(&self, i: u64) -> Option<Vec<Criterion>> {
        let n = self.names[(i / ALTERATIONS) as usize];
        let chars: Vec<char> = n.chars().collect();
        let without = |k: usize| chars.iter().enumerate().filter(|(j, _)| *j != k).map(|(_, c)| c).collect::<String>();
        let mid = chars.len() / 2;
        let variant = match i % ALTERATIONS {
            0 => without(0),
            1 => without(chars.len() - 1),
            2 => without(mid),
            3 => format!("{n}x"),
            4 => format!("x{n}"),
            // `_` in place of a character and a lone `%` catch SQL LIKE wildcards.
            5 => chars.iter().enumerate().map(|(k, c)| if k == mid { '_' } else { *c }).collect(),
            6 => "%".into(),
            // What back ends take for the same name (docs/errata.md › How back ends
            // implement «case-insensitive exact match»): a space after it (PAD SPACE
            // collations, trimmed values) or before it (trimmed values),
            7 => format!("{n} "),
            8 => format!(" {n}"),
            // a soft hyphen inside it (comparisons that ignore ignorable characters),
            9 => chars[..mid].iter().chain(['\u{AD}'].iter()).chain(&chars[mid..]).collect(),
            // `+` for its spaces (a value decoded twice),
            10 => n.contains(' ').then(|| n.replace(' ', "+"))?,
            // its first ASCII character full-width (compatibility normalisation, NFKC),
            11 => replace_first(&chars, |c| c.is_ascii_graphic(), |c| char::from_u32(c as u32 + 0xFEE0))?,
            // `ß` for its first `s` (MySQL's `utf8mb4_general_ci`),
            12 => replace_first(&chars, |c| c.eq_ignore_ascii_case(&'s'), |_| Some('ß'))?,
            // its first accented letter without the accent (accent-insensitive collations),
            13 => replace_first(&chars, |c| without_accent(*c).is_some(), without_accent)?,
            // and its first letter or digit as a set of one, `[c]` (SQL Server's `LIKE`).
            _ => {
                let k = chars.iter().position(|c| c.is_alphanumeric())?;
                format!(
                    "{}[{}]{}",
                    chars[..k].iter().collect::<String>(),
                    chars[k],
                    chars[k + 1..].iter().collect::<String>()
                )
            }
        };
        (queryable(&variant) && variant != n).then(|| vec![Criterion::Name(variant)])
    }

    /// A closed range on one instant, then each ordered pair of instants in each shape.
    fn date_range(&self, i: u64) -> Option<Vec<Criterion>> {
        let date = Criterion::Date;
        let k = self.instants.len() as u64;
        if i < k {
            let a = self.instants[i as usize];
            return Some(vec![date(DateOp::Ge, a), date(DateOp::Le, a)]);
        }
        let (pair, shape) = ((i - k) / RANGE_SHAPES, (i - k) % RANGE_SHAPES);
        let (x, y) = (pair / k, pair % k);
        if x >= y {
            return None;
        }
        let (a, b) = (self.instants[x as usize], self.instants[y as usize]);
        Some(match shape {
            0 => vec![date(DateOp::Ge, a), date(DateOp::Lt, b)],
            1 => vec![date(DateOp::Gt, a), date(DateOp::Le, b)],
            // Two bounds of the same kind, in both orders: both hold, whichever comes last.
            2 => vec![date(DateOp::Lt, a), date(DateOp::Lt, b)],
            3 => vec![date(DateOp::Lt, b), date(DateOp::Lt, a)],
            4 => vec![date(DateOp::Gt, a), date(DateOp::Gt, b)],
            _ => vec![date(DateOp::Gt, b), date(DateOp::Gt, a)],
        })
    }

    /// Two adjacent names in both orders, then each account's name with a bound on its expiry.
    fn name_and_date(&self, i: u64) -> Option<Vec<Criterion>> {
        let adjacent = self.names.len().saturating_sub(1) as u64 * 2;
        if i < adjacent {
            let k = (i / 2) as usize;
            let (a, b) = (self.names[k], self.names[k + 1]);
            let (first, second) = if i.is_multiple_of(2) { (a, b) } else { (b, a) };
            return Some(vec![Criterion::Name(first.to_owned()), Criterion::Name(second.to_owned())]);
        }
        let (n, t) = self.name_dates[((i - adjacent) / 4) as usize];
        let op = [DateOp::Le, DateOp::Lt, DateOp::Gt, DateOp::Ge][((i - adjacent) % 4) as usize];
        Some(vec![Criterion::Name(n.to_owned()), Criterion::Date(op, t)])
    }
}

/// What choosing a family's probes cost: candidates drawn, and queries the oracle answered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SamplingCost {
    pub drawn: usize,
    pub answered: usize,
}

/// Up to `budget` probes of a family, chosen by the seed; each with its oracle answer.
pub fn probes(family: Family, oracle: &Oracle, seed: u64, budget: usize) -> Vec<Probe> {
    probes_with_cost(family, oracle, seed, budget).0
}

/// As [`probes`], with what the choice cost.
pub fn probes_with_cost(family: Family, oracle: &Oracle, seed: u64, budget: usize) -> (Vec<Probe>, SamplingCost) {
    let space = Space::new(family, oracle.accounts(), seed);
    // Numbers that ask nothing (half of the date pairs, a name whose case cannot change) or ask
    // again what was asked are skipped; the draws are bounded so a space of mostly such numbers
    // cannot spin, while a small space is always drawn whole.
    let max_draws = budget.saturating_mul(64).saturating_add(1024);
    let mut cost = SamplingCost::default();
    let mut asked = HashSet::new();
    let mut chosen = Vec::new();
    // The first candidates take at most half the budget, so the seeded sample always has its share.
    let first = space.first.iter().copied().take(budget.div_ceil(2));
    for i in first.chain(Shuffled::new(space.len(), seed, family.rule())) {
        if chosen.len() >= budget || cost.drawn >= max_draws {
            break;
        }
        cost.drawn += 1;
        let Some(criteria) = space.candidate(i) else { continue };
        let form = space.form(i);
        let Some(query) = query_oracle::render_in(&criteria, form) else { continue };
        if !asked.insert(query.clone()) {
            continue;
        }
        cost.answered += 1;
        if family == Family::Unmeetable {
            let expected = oracle.expected_by(&criteria, family.reading());
            if !(expected.must.is_empty() && expected.may.is_empty()) {
                continue;
            }
        }
        let documented = (form != DateForm::Documented).then(|| query_oracle::render(&criteria));
        chosen.push(Probe { query, criteria, reading: family.reading(), documented });
    }
    (chosen, cost)
}

/// What a target's answer to a probe says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// 200, the documented list media type, and exactly the accounts the documentation says.
    Right,
    /// 400 to a date written otherwise than the documentation writes dates: allowed, and what the
    /// probe asked is not known (docs/errata.md › Dates written otherwise than the documentation
    /// writes them).
    Refused,
    /// What the answer got wrong (see [`Oracle::judge`]).
    Wrong(String),
}

/// What a target's answer to a probe says: right, refused (where that is allowed), or wrong.
/// `expected` is [`Probe::expected`], worked out once by the caller (who sized the request by it).
pub fn judge_answer(
    (probe, expected): (&Probe, &query_oracle::Expected),
    oracle: &Oracle,
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Answer {
    if status == 400 && probe.documented.is_some() {
        return Answer::Refused;
    }
    if status != 200 {
        return Answer::Wrong(format!("HTTP {status} instead of 200"));
    }
    let mt = super::media_type::check_media_type(content_type, catalog::LIST_MEDIA_TYPE);
    if let Some(m) = mt.failures.first() {
        return Answer::Wrong(format!("Content-Type {} instead of {}", m.actual, m.expected));
    }
    let received = match super::accounts::listed_guids(body) {
        Ok(guids) => guids,
        Err(why) => return Answer::Wrong(why),
    };
    let received: Vec<&str> = received.iter().map(|g| g.as_ref()).collect();
    oracle.judge(expected, &received).map_or(Answer::Right, Answer::Wrong)
}

/// GUIDs no listed account has: a listed one with its last hex digit changed (a server comparing
/// a few characters), and the same cut short by one digit (a server matching by prefix).
pub fn unlisted_guids(accounts: &[Listed]) -> Vec<String> {
    let near = unlisted_guid(accounts);
    let cut = near[..near.len() - 1].to_owned();
    vec![near, cut]
}

fn unlisted_guid(accounts: &[Listed]) -> String {
    let listed: BTreeSet<String> = accounts.iter().map(|a| a.guid.to_ascii_lowercase()).collect();
    let base = accounts
        .first()
        .map(|a| a.guid.to_ascii_lowercase())
        .unwrap_or_else(|| "00000000-0000-4000-8000-000000000000".into());
    (0..16u32)
        .filter_map(|d| {
            let digit = char::from_digit(d, 16)?;
            let candidate = format!("{}{digit}", &base[..base.len().saturating_sub(1)]);
            (!listed.contains(&candidate)).then_some(candidate)
        })
        .next()
        .unwrap_or_else(|| "00000000-0000-4000-8000-00000000d0c5".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    fn data() -> Vec<Listed> {
        vec![
            Listed { guid: "a".into(), name: Some("Alpha, Inc".into()), expiry: Some(at("2030-01-01T00:00:00.000Z")) },
            Listed { guid: "b".into(), name: Some("ALPHA, INC".into()), expiry: Some(at("2030-01-01T00:00:00.001Z")) },
            Listed { guid: "c".into(), name: Some(r"back\slash".into()), expiry: Some(at("2030-01-01T00:00:00.000Z")) },
        ]
    }

    #[test]
    fn sampling_is_reproducible_and_seeded() {
        let a = probes(Family::DateBounds, &Oracle::new(data()), 7, 5);
        assert_eq!(a, probes(Family::DateBounds, &Oracle::new(data()), 7, 5));
        assert_eq!(a.len(), 5);
        assert_ne!(a, probes(Family::DateBounds, &Oracle::new(data()), 8, 5));
    }

    #[test]
    fn every_family_yields_probes_with_answers() {
        // The names are all ASCII: no letter beyond it to ask (a test below gives some).
        for family in Family::ALL.into_iter().filter(|f| *f != Family::NamesBeyondAscii) {
            let list = probes(family, &Oracle::new(data()), 1, 1000);
            assert!(!list.is_empty(), "{family:?}");
        }
        let oracle = Oracle::new(data());
        let names = probes(Family::Names, &oracle, 1, 1000);
        let alpha = names.iter().find(|p| p.query == r"name=alpha\, inc").unwrap();
        assert_eq!(alpha.expected(&oracle).must.len(), 2);
        assert!(probes(Family::NameVariants, &oracle, 1, 1000).iter().all(|p| p.expected(&oracle).must.is_empty()));
    }

    #[test]
    fn name_variants_include_what_back_ends_take_for_the_same_name() {
        let accounts = vec![Listed { guid: "s".into(), name: Some("Site 42".into()), expiry: None }];
        let asked: BTreeSet<String> =
            probes(Family::NameVariants, &Oracle::new(accounts), 1, 1000).into_iter().map(|p| p.query).collect();
        for variant in [
            "Site 42 ",
            " Site 42",
            "Sit\u{AD}e 42",
            "Site+42",
            "\u{FF33}ite 42",
            "\u{DF}ite 42",
            "[S]ite 42",
            "Sit_ 42",
            "%",
        ] {
            assert!(asked.contains(&format!("name={variant}")), "{variant:?} not in {asked:?}");
        }
        let accented = Oracle::new(vec![Listed { guid: "e".into(), name: Some("Café Noël".into()), expiry: None }]);
        let asked = probes(Family::NameVariants, &accented, 1, 1000);
        assert!(
            asked.iter().any(|p| p.query == "name=Cafe Noël" && p.expected(&accented).must.is_empty()),
            "{asked:?}"
        );
        let blank = vec![Listed { guid: "b".into(), name: Some("  ".into()), expiry: None }];
        assert!(probes(Family::Names, &Oracle::new(blank), 1, 1000).is_empty(), "a blank name is no query");
        let padded = Oracle::new(vec![Listed { guid: "p".into(), name: Some(" Padded ".into()), expiry: None }]);
        let asked = probes(Family::Names, &padded, 1, 1000);
        assert!(asked.iter().any(|p| p.query == "name= Padded " && p.expected(&padded).must == [0]), "{asked:?}");
    }

    /// `n` accounts named `Site i`, and `extra` after them.
    fn sites_and(n: usize, extra: &[&str]) -> Vec<Listed> {
        let names = (0..n).map(|i| format!("Site {i}")).chain(extra.iter().map(|e| (*e).to_owned()));
        names.enumerate().map(|(i, n)| Listed { guid: format!("g{i:05}"), name: Some(n), expiry: None }).collect()
    }

    #[test]
    fn a_name_whose_case_is_not_plain_is_asked_as_it_is_first_whatever_the_tenant() {
        // İ, ß, ſ, a sigma inside a word and one ending it: five letters, five names asked first.
        let accounts = sites_and(5000, &["İzmir Okulu", "Straße Nord", "ſtar", "Straßburg", "ΣΟΦΙΑ", "ΟΔΟΣ"]);
        let oracle = Oracle::new(accounts.clone());
        for seed in [1, 2, 3] {
            let asked = probes(Family::Names, &oracle, seed, 10);
            let queries: Vec<&str> = asked.iter().map(|p| p.query.as_str()).collect();
            assert!(queries.contains(&"name=İzmir Okulu"), "seed {seed}: {queries:?}");
            assert!(queries.contains(&"name=ſtar"), "seed {seed}: {queries:?}");
            assert!(queries.iter().any(|q| q.starts_with("name=Straß")), "seed {seed}: {queries:?}");
            assert!(queries.contains(&"name=ΟΔΟΣ") && queries.contains(&"name=ΣΟΦΙΑ"), "seed {seed}: {queries:?}");
            let izmir = asked.iter().find(|p| p.query == "name=İzmir Okulu").unwrap();
            assert_eq!(izmir.expected(&oracle).must, [5000], "a name finds itself: a MUST");
            assert_eq!(asked.len(), 10, "within the budget");
        }
    }

    #[test]
    fn a_cased_letter_beyond_ascii_is_asked_in_another_case_first_by_the_unicode_reading() {
        let accounts = sites_and(5000, &["ÅLESUND SKOLE", "Straße Süd", "\u{212A}elvin"]);
        let oracle = Oracle::new(accounts.clone());
        let asked = probes(Family::NamesBeyondAscii, &oracle, 7, 3);
        // Upper case is the name itself, and lower case its case swapped: one query to ask.
        assert_eq!(asked.len(), 1, "{asked:?}");
        let swapped = asked.iter().find(|p| p.query == "name=ålesund skole").expect("its case swapped");
        let expected = swapped.expected(&oracle);
        assert_eq!((expected.must.as_slice(), expected.may.as_slice()), (&[5000][..], &[][..]));
        // Only the plain name is asked: ß and the Kelvin sign leave the others open.
        assert!(asked.iter().all(|p| p.query.to_lowercase() == "name=ålesund skole"), "{asked:?}");
        let ascii = probes(Family::NamesBeyondAscii, &Oracle::new(sites_and(10, &["Straße"])), 7, 100);
        assert!(ascii.is_empty(), "nothing to ask: {ascii:?}");
        assert!(Family::NamesBeyondAscii.nothing_to_ask("x").contains("could not be probed"));
    }

    #[test]
    fn date_bounds_write_instants_in_other_forms_too() {
        let t = at("2030-06-01T12:00:00.250Z");
        let accounts = vec![Listed { guid: "t".into(), name: None, expiry: Some(t) }];
        let oracle = Oracle::new(accounts);
        let all = probes(Family::DateBounds, &oracle, 1, 1000);
        assert_eq!(all.len(), 6 * 4);
        let other: Vec<&Probe> = all.iter().filter(|p| p.documented.is_some()).collect();
        assert_eq!(other.len(), 3 * 4);
        for (query, documented, must) in [
            ("tokenExpiryDate<2030-06-01T12:00:00Z", "tokenExpiryDate<2030-06-01T12:00:00.000Z", false),
            ("tokenExpiryDate>=2030-06-01T12:00:00Z", "tokenExpiryDate>=2030-06-01T12:00:00.000Z", true),
            ("tokenExpiryDate<2030-06-01T17:30:00.250+05:30", "tokenExpiryDate<2030-06-01T12:00:00.250Z", false),
            ("tokenExpiryDate<=2030-06-01T04:00:00.250-08:00", "tokenExpiryDate<=2030-06-01T12:00:00.250Z", true),
        ] {
            let p = other.iter().find(|p| p.query == query).unwrap_or_else(|| panic!("{query} in {other:?}"));
            assert_eq!(p.documented.as_deref(), Some(documented));
            assert_eq!(p.expected(&oracle).must.len(), usize::from(must), "{query}");
        }
        let none = query_oracle::Expected::default();
        let wrong = |status| judge_answer((other[0], &none), &Oracle::default(), status, None, b"");
        assert_eq!(wrong(400), Answer::Refused, "another form may be refused");
        assert!(
            matches!(judge_answer((&all[0], &none), &Oracle::default(), 400, None, b""), Answer::Wrong(_))
                == all[0].documented.is_none()
        );
    }

    #[test]
    fn unlisted_guid_is_near_a_listed_one() {
        let accounts = vec![Listed { guid: "6359d1fc-6b8b-4920-ae0e-9c8405cb08b5".into(), name: None, expiry: None }];
        let g = unlisted_guid(&accounts);
        assert_eq!(unlisted_guids(&accounts)[1].len(), 35);
        assert_ne!(g, accounts[0].guid);
        assert_eq!(&g[..35], &accounts[0].guid[..35]);
    }

    /// A tenant of `n` accounts with distinct names and instants, as a large vendor holds.
    fn tenant(n: usize) -> Vec<Listed> {
        let start = at("2020-01-01T00:00:00.000Z");
        (0..n)
            .map(|i| Listed {
                guid: format!("00000000-0000-4000-8000-{i:012x}"),
                name: Some(match i % 10 {
                    0 => format!("Site {i}, East\\{}", i % 7),
                    5 => format!("Église {i}"),
                    _ => format!("Site {i}"),
                }),
                expiry: Some(start + chrono::Duration::milliseconds(i as i64 * 7_919_993)),
            })
            .collect()
    }

    #[test]
    fn a_large_tenant_costs_the_budget_not_the_square_of_the_tenant() {
        let oracle = Oracle::new(tenant(10_000));
        for family in Family::ALL {
            let (chosen, cost) = probes_with_cost(family, &oracle, 42, 200);
            assert!(chosen.len() <= 200, "{family:?}: {} probes", chosen.len());
            if family != Family::Unmeetable {
                assert_eq!(chosen.len(), 200, "{family:?} has far more than 200 candidates");
            }
            // The old sampling answered every candidate: 300 million date ranges here.
            assert!(cost.answered <= 2 * 200, "{family:?}: the oracle answered {} queries", cost.answered);
            assert!(cost.drawn <= 64 * 200 + 1024, "{family:?}: {} candidates drawn", cost.drawn);
        }
    }

    #[test]
    fn a_small_space_is_asked_whole_and_in_a_seeded_order() {
        let oracle = Oracle::new(data());
        let all = probes(Family::DateBounds, &oracle, 3, 1000);
        // 2 instants a millisecond apart: 4 distinct bounds (one before, both, one after), their
        // one whole second and each of them at 2 offsets, 4 operators each.
        assert_eq!(all.len(), (4 + 1 + 2 * 2) * 4);
        let again = probes(Family::DateBounds, &oracle, 4, 1000);
        assert_ne!(
            all.iter().map(|p| &p.query).collect::<Vec<_>>(),
            again.iter().map(|p| &p.query).collect::<Vec<_>>()
        );
        let mut a: Vec<_> = all.iter().map(|p| p.query.clone()).collect();
        let mut b: Vec<_> = again.iter().map(|p| p.query.clone()).collect();
        a.sort();
        b.sort();
        assert_eq!(a, b, "another seed asks the same whole space in another order");
    }

    #[test]
    fn date_ranges_cover_pairs_in_every_shape() {
        let accounts = tenant(5);
        let oracle = Oracle::new(accounts.clone());
        let all = probes(Family::DateRanges, &oracle, 1, 10_000);
        // 5 closed ranges, then 10 pairs in 6 shapes.
        assert_eq!(all.len(), 5 + 10 * 6);
        assert!(all.iter().all(|p| p.expected(&oracle) == query_oracle::expected(&parse(&p.query), &accounts)));
    }

    #[test]
    fn shuffled_draws_each_number_once() {
        let mut drawn: Vec<u64> = Shuffled::new(1000, 9, "x").collect();
        assert_ne!(drawn, (0..1000).collect::<Vec<_>>());
        drawn.sort();
        assert_eq!(drawn, (0..1000).collect::<Vec<_>>());
        let huge: Vec<u64> = Shuffled::new(u64::MAX / 2, 9, "x").take(5).collect();
        assert_eq!(huge.iter().collect::<BTreeSet<_>>().len(), 5);
    }

    /// The criteria of a rendered date query, to recompute its answer independently.
    fn parse(query: &str) -> Vec<Criterion> {
        query
            .split(',')
            .map(|pair| {
                let rest = pair.strip_prefix("tokenExpiryDate").expect("a date query");
                let (op, value) = [(">=", DateOp::Ge), ("<=", DateOp::Le), (">", DateOp::Gt), ("<", DateOp::Lt)]
                    .into_iter()
                    .find_map(|(s, op)| rest.strip_prefix(s).map(|v| (op, v)))
                    .expect("an operator");
                Criterion::Date(op, at(value))
            })
            .collect()
    }
}
