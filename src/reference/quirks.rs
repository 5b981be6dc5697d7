//! Every way the reference target can be made to behave otherwise, in one place: seeded defects
//! (`Bad…`) that the suite must fail and benign variations (`Ok…`) it must pass, for each API,
//! and the server's own conditions (latency, workers). Data only: the modules that serve the APIs
//! read it.

/// A change to the reference's behaviour: a seeded defect or a benign variation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Quirk {
    Apple(AppleQuirk),
    Uem(UemQuirk),
    /// Every response waits this long before it starts (a slow network).
    Latency(std::time::Duration),
    /// A server of limited capacity: `workers` requests are served at once, each taking
    /// `service` of a worker's time; the others queue, first come first served (a small staging
    /// host, a debug build). A conformant target that the suite must not fail for its load.
    Workers {
        workers: usize,
        service: std::time::Duration,
    },
    /// Requests whose path holds `path_holds` wait `delay` more before their answer starts: a
    /// target slow on one request, and only that one.
    SlowOn {
        path_holds: String,
        delay: std::time::Duration,
    },
}

/// Seeded defects (`Bad…`) and benign variations (`Ok…`) of the service configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppleQuirk {
    BadHttpStatus,
    BadMediaType,
    BadStatusField,
    BadMissingKey(String),
    BadRelativeUrl(String),
    BadPlaceholderFilled,
    BadAssociateLimit,
    BadDisassociateLimit,
    BadErrorMessage(i64),
    BadErrorMissing(i64),
    BadErrorDuplicated(i64),
    BadBrokenJson,
    /// `getUserSrvUrl` and `getUsersSrvUrl` hold each other's URL.
    BadSwappedServiceUrls,
    /// The invitation URL keeps `inviteCode` and loses its other parameters (`cc`, `mt`).
    BadInvitationParamsStripped,
    /// The documented `POST` is answered `303 See Other` to [`MOVED_PATH`], which `GET` serves.
    BadRedirectToGet,
    /// The first N answers to the documented `POST` are HTTP 500, the rest as documented: a
    /// flaky target, for `expect = "flaky"` waivers.
    BadFirstAnswers(usize),
    /// Hosts moved (the reason the endpoint exists).
    OkOtherHosts,
    OkCharsetParameter,
    OkShuffledErrors,
    OkExtraErrorAndField,
    /// The documented `POST` to `127.0.0.1` is answered `307 Temporary Redirect` to the same path
    /// at `localhost` (same method, same path, another host: the URLs may move).
    OkRedirectToOtherHost,
}

/// Seeded defects (`Bad…`) and benign variations (`Ok…`) of the account resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UemQuirk {
    BadCaseSensitive,
    /// Folds only ASCII letters, so `ÉCOLE` ≠ `École`.
    BadAsciiCaseFold,
    BadSubstringMatch,
    BadPrefixMatch,
    BadOrInsteadOfAnd,
    BadEscapesIgnored,
    BadGtInclusive,
    BadGeExclusive,
    BadLtInclusive,
    BadLeExclusive,
    BadSecondPrecision,
    BadQueryIgnored,
    BadEmptyAs404,
    BadEmptyAsNull,
    BadUnknownGuidFound,
    BadListMediaType,
    BadAccountMediaType,
    /// GET by GUID serves another holder than the list does.
    BadGetDisagrees,
    /// One field is served with a wrong value everywhere.
    BadFieldValue(String),
    BadFieldMissing(String),
    BadBareArray,
    /// SQL `LIKE`/`ILIKE` without escaping: `_` and `%` are wildcards, and `\` escapes the next
    /// character (PostgreSQL's and MySQL's default), so a name holding a backslash is not found.
    BadLikeWildcards,
    /// SQL Server's `LIKE` with the value as the pattern: `_` and `%` are wildcards, `[…]` is one
    /// character of a set, and nothing escapes them, so `[BV]eta 6 Test` finds `Beta 6 Test`.
    BadLikeBrackets,
    /// An accent-insensitive collation: `Ecole` matches `École`.
    BadAccentInsensitive,
    /// One slot per field and bound (name; minimum; maximum): a later criterion replaces an earlier one.
    BadLastCriterionWins,
    /// GET by GUID matches any account whose GUID starts with the given text.
    BadGuidPrefix,
    /// A 404 carries another account's full record, token included.
    BadNotFoundLeaksAccount,
    /// Expiry dates on a whole second are written without milliseconds (`2026-04-20T04:04:00Z`).
    BadDatesWithoutMillis,
    /// A `name=` criterion also matches `accountHolderInfo`.
    BadNameMatchesHolder,
    /// `tokenExpiryDate` is kept as text and compared as text (dates held as `TEXT` in SQLite, a
    /// `VARCHAR` column): the stored date with the bound as the query writes it, so
    /// `2027-01-01T00:00:00Z` sorts after `2027-01-01T00:00:00.001Z` (`.` before `Z`), and a bound
    /// with an offset compares its local time. Every bound written as the documentation writes
    /// dates compares right.
    BadDatesComparedAsText,
    /// `tokenExpiryDate=` (the documented default, exact match) is refused with 400: only the
    /// range operators are supported.
    BadDateExactMatchRefused,
    /// The tenant in the path is not looked at: every tenant sees this data set.
    BadTenantIgnored,
    /// Trailing spaces are ignored by `=`, as MySQL's and MariaDB's PAD SPACE collations
    /// (`utf8mb4_general_ci`, `utf8mb4_unicode_ci`) and SQL Server compare: `VPP-token-version-3 `
    /// finds `VPP-token-version-3`.
    BadTrailingSpacesIgnored,
    /// The query value is trimmed before it is compared (Java's `String.trim()`, a framework's
    /// trimming binder): ` Beta 6 Test` finds `Beta 6 Test`.
    BadValuesTrimmed,
    /// The query value is decoded once more after the framework decoded it (`URLDecoder.decode`
    /// on a parameter): `+` becomes a space, so `Beta+6+Test` finds `Beta 6 Test`.
    BadPlusAsSpace,
    /// The query value is lower-cased in a Turkish locale (Java's `toLowerCase()` in a JVM whose
    /// default locale is `tr_TR`) and compared with the name lower-cased by the database:
    /// `I` becomes `ı`, so `SCHOOL DISTRICT 42` does not find `School District 42`.
    BadTurkishLowerCase,
    /// Compatibility normalisation (NFKC, as Elasticsearch's `icu_normalizer` or a Unicode
    /// collation's primary level compares): a full-width `６` finds `6`.
    BadCompatibilityFolded,
    /// Ignorable characters are ignored (the soft hyphen, zero-width joiners), as linguistic
    /// comparisons do (.NET `InvariantCultureIgnoreCase`, MySQL's Unicode collations).
    BadIgnorableCharacters,
    /// `ß` compares equal to `s`, as MySQL's and MariaDB's `utf8mb4_general_ci` does.
    BadSharpSAsS,
    /// The stored name and the query value are lower-cased by two different rules: the name by
    /// ICU's full mapping (`İ` → `i̇`, a final `Σ` → `ς`), the value one character for one, as
    /// the C library does (`İ` → `i`, `Σ` → `σ`), as PostgreSQL does for `lower(name) =
    /// lower($1)` with the column under an ICU collation and the parameter under the database's
    /// libc locale. A name holding `İ` is not found by itself, sent byte for byte.
    BadTwoFoldingRules,
    /// Names compared code point by code point, without normalisation, as most SQL collations
    /// do: a name written decomposed (NFD) does not find the same name written composed (NFC).
    /// The documentation does not say (`UEM-QRY-033`, INFO).
    OkNoNormalization,
    /// Unicode simple case folding, character by character (Go's `strings.EqualFold`, .NET's
    /// `OrdinalIgnoreCase`): the Kelvin sign `K` is `k`, `ß` is not `SS`.
    OkSimpleCaseFolding,
    /// Unicode full case folding (ICU, Python's `casefold()`): `ß` is `SS`, `ﬁ` is `FI`.
    OkFullCaseFolding,
    /// A date in a query written otherwise than the documentation writes dates (no fraction of a
    /// second, an offset from UTC) is refused with 400: only `2027-01-01T00:00:00.000Z` is read.
    OkDateFormsRefused,
    /// A GUID that is not of the GUID form is refused with 400 rather than not found (404).
    OkMalformedGuid400,
    OkReversedOrder,
    OkExtraFields,
    OkCharsetParameter,
    OkUppercaseMediaType,
    OkDatesWithOffset,
    OkUppercaseGuids,
    /// Refuses a list without `query` (400): the documentation does not say a query is optional.
    OkQueryRequired,
    /// With credentials configured, a request without `Authorization` (absent or blank) is served
    /// anyway; a wrong value is still refused.
    BadAuthNotRequired,
    /// With credentials configured, any non-blank `Authorization` value is accepted; a missing one
    /// is still refused (401).
    BadAnyAuthorizationAccepted,
}
