@uem @any-data
Feature: Apple VPP accounts: the documented rules, on whatever data the target holds
  These scenarios need no particular data: they list the accounts the target holds, derive
  queries from them, and compute each expected answer by the documented rules. A vendor's staging
  system can be certified with `vpp-conformance run --base-url URL --tags @any-data`.

  Queries are chosen by a seed, printed in every run (`--seed N` repeats a run), and at most
  `--max-requests` are sent per scenario. Each failure names the query, the accounts expected and
  the accounts received, by GUID; a character of the query that print does not show (a space at
  the end of a value, a soft hyphen, a combining accent) is written ‹U+XXXX›. Source: UEM REST
  API, Apple VPP Account Resource (shared/seeds/003_be36be0e2e6b9e62.txt).

  Background:
    Given the client lists every account of the tenant

  @UEM-ANY-001 @must
  Scenario: Every listed account is an Apple VPP account
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Response Body (Apple VPP account (JSON))

    Then every listed account is valid against the schema "vpp-account-any-data"

  @UEM-ANY-002 @must
  Scenario: Each listed name finds its accounts, whatever its letter case
    Documentation: Apple VPP Account Resource › Request Parameters (query): case-insensitive exact match
    A name sent as it is finds its account under every reading of "case-insensitive exact match",
    whatever letters it holds, so the names holding a letter whose case mappings disagree (İ, ß,
    ſ…) are asked first, as they are; a match that needs a case mapping beyond ASCII is left open
    here (UEM-ANY-013 asks it; docs/errata.md › Letter case beyond ASCII, and accents).

    Then every name query derived from the listed accounts finds exactly the accounts the documentation says

  @UEM-ANY-003 @must
  Scenario: A listed name with a character removed, added or replaced finds no other account
    Documentation: Apple VPP Account Resource › Request Parameters (query): exact match
    Among the changes: a space before or after the name, + for its spaces, _ or ß in place of a
    letter, a letter in square brackets, a full-width or an invisible character (docs/errata.md ›
    How back ends implement «case-insensitive exact match»).

    Then every altered name query derived from the listed accounts finds exactly the accounts the documentation says

  @UEM-ANY-004 @must
  Scenario: Names holding a comma or a backslash are found with escapes
    Documentation: Apple VPP Account Resource › Request Parameters (query): special characters (comma, backslash) escaped with a backslash

    Then every escaped name query derived from the listed accounts finds exactly the accounts the documentation says

  @UEM-ANY-005 @must
  Scenario: Each date operator on listed instants and one millisecond either side
    Documentation: Apple VPP Account Resource › Request Parameters (query): > or >= for the minimum date, < or <= for the maximum date
    Some bounds are written in other ISO 8601 forms of the same instant: on a whole second without
    a fraction, with an offset east or west of UTC. A target may refuse those with 400 (the
    documentation shows only 2021-07-01T00:00:00.000Z), and must otherwise answer the same list
    (docs/errata.md › Dates written otherwise than the documentation writes them).

    Then every date bound query derived from the listed accounts finds exactly the accounts the documentation says

  @UEM-ANY-006 @must
  Scenario: Two criteria on the expiry date form a range
    Documentation: Apple VPP Account Resource › Request Parameters (query): > or >= for the minimum date, and/or < or <= for the maximum date

    Then every date range query derived from the listed accounts finds exactly the accounts the documentation says

  @UEM-ANY-007 @must
  Scenario: A name and a date together find the accounts that meet both
    Documentation: Apple VPP Account Resource › Request Parameters (query): pairs separated with a comma, matching all the criteria

    Then every name and date query derived from the listed accounts finds exactly the accounts the documentation says

  @UEM-ANY-008 @must
  Scenario: A query no listed account meets answers 200 with an empty list
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Response Codes (200 OK); Sample 4

    Then every unmeetable query derived from the listed accounts finds exactly the accounts the documentation says

  @UEM-ANY-009 @must
  Scenario: GET by each listed GUID answers the listed account
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts/{vppAccountGuid} › Response Body (Media type)

    Then GET by each listed GUID answers that account as the documented media type

  @UEM-ANY-010 @must
  Scenario: A GUID next to a listed one is not found, one cut short refused or not found, neither with account data
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts/{vppAccountGuid} › Response Codes (404 Apple VPP account not found)
    A GUID cut short is no GUID: the documentation does not say what it answers, so 400 passes as
    well as 404 (docs/errata.md).

    Then GET by a GUID next to a listed one answers 404, and by one cut short 400 or 404, neither with account data

  @UEM-ANY-011 @should
  Scenario: Every listed expiry date is written as the documentation writes dates
    Documentation: Apple VPP Account Resource › Samples (every date written 2028-04-20T04:04:00.000Z); Request Parameters (query): tokenExpiryDate>=2021-07-01T00:00:00.000Z
    SHOULD: every date the documentation shows is UTC to the millisecond, but no sentence fixes the
    form; a date written otherwise (2026-04-20T04:04:00Z, +02:00) is the same instant, which the
    MUST scenarios accept.

    Then every listed expiry date is written as the documentation writes dates

  @UEM-ANY-012 @should
  Scenario: Every listed account carries every documented field, with a value
    Documentation: Apple VPP Account Resource › Samples (every account shows guid, name, accountHolderInfo, tokenExpiryDate, autoUpdateNewAppVersions, token); Response Body (Apple VPP account (JSON))
    SHOULD: every account the documentation shows carries all six fields, each with a value, but
    no sentence says an account must; "querying for empty/null values is not supported" limits
    the query, not the data.

    Then every listed account carries every documented field, with a value

  @UEM-ANY-013 @should
  Scenario: Each listed name with a letter beyond ASCII finds its accounts in other letter cases
    Documentation: Apple VPP Account Resource › Request Parameters (query): case-insensitive exact match
    SHOULD: the documentation names no case mapping. Unicode's makes É and é, Å and å, Ø and ø
    case pairs, and its simple and full case foldings agree on them; a back end that folds only
    A to Z (lower() under a C locale, SQLite's NOCASE) does not find ÅLESUND SKOLE by ålesund
    skole. Letters whose mappings disagree (ß and SS, İ, ı, ſ, the Kelvin sign, ligatures, the
    Greek sigmas) are left open (docs/errata.md › Letter case beyond ASCII, and accents). A tenant
    with no such letter gives nothing to ask: that is coverage.

    Then every non-ASCII letter case query derived from the listed accounts finds exactly the accounts the documentation says
