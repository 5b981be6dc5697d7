@uem
Feature: Apple VPP accounts: the rules of the query language
  "By default, a case-insensitive exact match will be performed for each field in the query."
  "Multiple field-value pairs can be provided in the query with each pair separated with a comma,
  in which case only Apple VPP accounts matching all the criteria provided will be included."
  "Special characters (comma, backslash) in query values must be escaped with a backslash."
  "> or >= for the minimum date, and/or < or <= for the maximum date."
  Source: UEM REST API, Apple VPP Account Resource (shared/seeds/003_be36be0e2e6b9e62.txt).

  Each scenario is one rule a server could get wrong, placed on the canonical data set's edge
  accounts (docs/errata.md) so that breaking the rule changes the answer. Queries are written as
  the documentation writes them; the suite percent-encodes them on the wire.

  Levels: @must is what the documentation states (a failure fails the run); @should is a
  reasonable reading it does not state (a warning, a failure under --strict); @info is observed
  and reported only.

  ‹U+0020› in a query stands for the one character with that Unicode code point, written so
  because print does not show it: a space at the end of a line, a soft hyphen (U+00AD), a
  combining accent (U+0301), a full-width digit (U+FF16).

  @UEM-QRY-001 @rule @must
  Scenario: A name matches whatever its letter case
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Request Parameters (query): case-insensitive exact match

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=name=vpp-TOKEN-Version-3
    Then the response status is 200
    And the response lists exactly these accounts:
      | guid                                 | name                |
      | 17c24f36-b724-4591-9624-e76bb197b466 | VPP-token-version-3 |
      | 2cdb56be-ef5a-4755-8db5-feb97ec0dcc5 | VPP-token-version-3 |

  @UEM-QRY-002 @rule @should
  Scenario: Letter case is ignored beyond ASCII
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Request Parameters (query): case-insensitive exact match
    SHOULD: the documentation says "case-insensitive" without naming a case mapping; folding
    beyond ASCII is what a reader expects of account names, but it is not stated.

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=name=école LAVAL
    Then the response status is 200
    And the response lists exactly these accounts:
      | guid                                 | name        |
      | c79e29a1-9eb2-45f2-9ef8-98ad4e9e4137 | École Laval |

  @UEM-QRY-003 @rule @must
  Scenario: A prefix of a name does not match
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Request Parameters (query): exact match

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=name=VPP-token-version
    Then the response status is 200
    And the response lists no accounts

  @UEM-QRY-004 @rule @must
  Scenario: A part of a name does not match
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Request Parameters (query): exact match

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=name=token-version-3
    Then the response status is 200
    And the response lists no accounts

  @UEM-QRY-005 @rule @must
  Scenario: A name that extends another matches only itself
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Request Parameters (query): exact match

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=name=VPP-TOKEN-VERSION-3-ARCHIVE
    Then the response status is 200
    And the response lists exactly these accounts:
      | guid                                 | name                        |
      | 2df01348-77c0-4274-a01b-aace5575ce66 | vpp-token-version-3-archive |

  @UEM-QRY-006 @rule @must
  Scenario: A value with spaces matches
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Request Parameters (query): case-insensitive exact match

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=name=beta 6 test
    Then the response status is 200
    And the response lists exactly these accounts:
      | guid                                 | name        |
      | 6359d1fc-6b8b-4920-ae0e-9c8405cb08b5 | Beta 6 Test |

  @UEM-QRY-007 @rule @must
  Scenario: Comma means AND: two criteria that no account meets together
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Request Parameters (query): multiple field-value pairs: matching all the criteria

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=name=Beta 6 Test,tokenExpiryDate>=2026-01-01T00:00:00.000Z
    Then the response status is 200
    And the response lists no accounts

  @UEM-QRY-008 @rule @must
  Scenario: Comma means AND: a name and a date narrow each other
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Request Parameters (query): multiple field-value pairs: matching all the criteria

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=name=VPP-token-version-3,tokenExpiryDate>2027-01-01T00:00:00.000Z
    Then the response status is 200
    And the response lists exactly these accounts:
      | guid                                 | name                |
      | 17c24f36-b724-4591-9624-e76bb197b466 | VPP-token-version-3 |

  @UEM-QRY-009 @rule @must
  Scenario: An escaped comma and an escaped backslash belong to the value
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Request Parameters (query): special characters (comma, backslash) escaped with a backslash

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=name=Acme\, Retail\\East
    Then the response status is 200
    And the response lists exactly these accounts:
      | guid                                 | name               |
      | 76d6358f-acfb-4771-9e1f-22bc4446f8a8 | Acme, Retail\\East |

  @UEM-QRY-010 @rule @must
  Scenario: > excludes its boundary
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Request Parameters (query): > for the minimum date

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=tokenExpiryDate>2030-01-01T00:00:00.000Z
    Then the response status is 200
    And the response lists exactly these accounts:
      | guid                                 | name        |
      | c79e29a1-9eb2-45f2-9ef8-98ad4e9e4137 | École Laval |

  @UEM-QRY-011 @rule @must
  Scenario: >= includes its boundary
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Request Parameters (query): >= for the minimum date

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=tokenExpiryDate>=2030-01-01T00:00:00.000Z
    Then the response status is 200
    And the response lists exactly these accounts:
      | guid                                 | name               |
      | 3ca04b05-0876-410c-b266-4bbaae9fda06 | School District 42 |
      | c79e29a1-9eb2-45f2-9ef8-98ad4e9e4137 | École Laval        |

  @UEM-QRY-012 @rule @must
  Scenario: < excludes its boundary
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Request Parameters (query): < for the maximum date

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=tokenExpiryDate<2030-01-01T00:00:00.000Z
    Then the response status is 200
    And the response lists exactly these accounts:
      | guid                                 | name                        |
      | 17c24f36-b724-4591-9624-e76bb197b466 | VPP-token-version-3         |
      | 2cdb56be-ef5a-4755-8db5-feb97ec0dcc5 | VPP-token-version-3         |
      | 6359d1fc-6b8b-4920-ae0e-9c8405cb08b5 | Beta 6 Test                 |
      | 76d6358f-acfb-4771-9e1f-22bc4446f8a8 | Acme, Retail\\East          |
      | 2df01348-77c0-4274-a01b-aace5575ce66 | vpp-token-version-3-archive |

  @UEM-QRY-013 @rule @must
  Scenario: <= includes its boundary
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Request Parameters (query): <= for the maximum date

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=tokenExpiryDate<=2030-01-01T00:00:00.000Z
    Then the response status is 200
    And the response lists exactly these accounts:
      | guid                                 | name                        |
      | 17c24f36-b724-4591-9624-e76bb197b466 | VPP-token-version-3         |
      | 2cdb56be-ef5a-4755-8db5-feb97ec0dcc5 | VPP-token-version-3         |
      | 6359d1fc-6b8b-4920-ae0e-9c8405cb08b5 | Beta 6 Test                 |
      | 76d6358f-acfb-4771-9e1f-22bc4446f8a8 | Acme, Retail\\East          |
      | 2df01348-77c0-4274-a01b-aace5575ce66 | vpp-token-version-3-archive |
      | 3ca04b05-0876-410c-b266-4bbaae9fda06 | School District 42          |

  @UEM-QRY-014 @rule @must
  Scenario: Dates compare to the millisecond
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Request Parameters (query): dates written to the millisecond (2021-07-01T00:00:00.000Z)

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=tokenExpiryDate>2027-01-01T00:00:00.000Z,tokenExpiryDate<2027-01-01T00:00:00.002Z
    Then the response status is 200
    And the response lists exactly these accounts:
      | guid                                 | name                        |
      | 2df01348-77c0-4274-a01b-aace5575ce66 | vpp-token-version-3-archive |

  @UEM-QRY-015 @rule @must
  Scenario: A minimum and a maximum date together form a range
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Request Parameters (query): > or >= for the minimum date, and/or < or <= for the maximum date

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=tokenExpiryDate>=2026-01-01T00:00:00.000Z,tokenExpiryDate<2029-01-01T00:00:00.000Z
    Then the response status is 200
    And the response lists exactly these accounts:
      | guid                                 | name                        |
      | 17c24f36-b724-4591-9624-e76bb197b466 | VPP-token-version-3         |
      | 2cdb56be-ef5a-4755-8db5-feb97ec0dcc5 | VPP-token-version-3         |
      | 2df01348-77c0-4274-a01b-aace5575ce66 | vpp-token-version-3-archive |

  @UEM-QRY-017 @rule @must
  Scenario: An underscore is a plain character, not a wildcard
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Request Parameters (query): exact match

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=name=VPP_token_version_3
    Then the response status is 200
    And the response lists no accounts

  @UEM-QRY-018 @rule @must
  Scenario: A percent sign is a plain character, not a wildcard
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Request Parameters (query): exact match

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=name=%
    Then the response status is 200
    And the response lists no accounts

  @UEM-QRY-035 @rule @must
  Scenario: Square brackets are plain characters, not a set
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Request Parameters (query): exact match
    MUST: no account is named [BV]eta 6 Test. SQL Server's LIKE, given the value as its pattern,
    reads [BV] as one character among B and V and finds Beta 6 Test.

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=name=[BV]eta 6 Test
    Then the response status is 200
    And the response lists no accounts

  @UEM-QRY-019 @rule @must
  Scenario: Accents count: a name without its accent does not match
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Request Parameters (query): exact match
    MUST: the documentation relaxes "exact match" by letter case only. É and E are not a case pair
    under any case mapping, so every reading of "case-insensitive exact match" keeps them apart
    (UEM-QRY-002 is SHOULD because which pairs are case pairs beyond ASCII is not stated).

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=name=Ecole Laval
    Then the response status is 200
    And the response lists no accounts

  @UEM-QRY-020 @rule @must
  Scenario: Two names: an account would need both
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Request Parameters (query): matching all the criteria
    MUST: "multiple field-value pairs can be provided … only accounts matching all the criteria";
    the words put no limit on which fields, and Sample 3 already gives one field twice.

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=name=Beta 6 Test,name=VPP-token-version-3
    Then the response status is 200
    And the response lists no accounts

  @UEM-QRY-021 @rule @must
  Scenario: Two maximum dates: both hold
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Request Parameters (query): matching all the criteria

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=tokenExpiryDate<2027-01-01T00:00:00.000Z,tokenExpiryDate<2030-01-01T00:00:00.000Z
    Then the response status is 200
    And the response lists exactly these accounts:
      | guid                                 | name                |
      | 2cdb56be-ef5a-4755-8db5-feb97ec0dcc5 | VPP-token-version-3 |
      | 6359d1fc-6b8b-4920-ae0e-9c8405cb08b5 | Beta 6 Test         |

  @UEM-QRY-022 @rule @must
  Scenario: Two maximum dates in the other order: both still hold
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Request Parameters (query): matching all the criteria

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=tokenExpiryDate<2030-01-01T00:00:00.000Z,tokenExpiryDate<2027-01-01T00:00:00.000Z
    Then the response status is 200
    And the response lists exactly these accounts:
      | guid                                 | name                |
      | 2cdb56be-ef5a-4755-8db5-feb97ec0dcc5 | VPP-token-version-3 |
      | 6359d1fc-6b8b-4920-ae0e-9c8405cb08b5 | Beta 6 Test         |

  @UEM-QRY-024 @rule @must
  Scenario: tokenExpiryDate= is an exact match on the date
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Request Parameters (query): <field name>=<query value>; "by default, a case-insensitive exact match will be performed for each field"

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=tokenExpiryDate=2026-04-20T04:04:00.000Z
    Then the response status is 200
    And the response lists exactly these accounts:
      | guid                                 | name                |
      | 2cdb56be-ef5a-4755-8db5-feb97ec0dcc5 | VPP-token-version-3 |

  @UEM-QRY-025 @rule @must
  Scenario: tokenExpiryDate= does not match an expiry one millisecond later
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Request Parameters (query): "by default, a case-insensitive exact match will be performed for each field"

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=tokenExpiryDate=2027-01-01T00:00:00.000Z
    Then the response status is 200
    And the response lists no accounts

  @UEM-QRY-026 @rule @must
  Scenario: name= matches the name only, not the account holder
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Request Parameters (query): fields (name: the name of the Apple VPP account)

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=name=For Beta testing only
    Then the response status is 200
    And the response lists no accounts

  @UEM-QRY-027 @rule @must
  Scenario: A space after a name makes another name
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Request Parameters (query): exact match
    MUST: a space is a character of the value as much as a letter; the documentation relaxes
    "exact match" by letter case only. Collations that ignore trailing spaces (MySQL's PAD
    SPACE, SQL Server) and servers that trim values find VPP-token-version-3 here.

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=name=VPP-token-version-3‹U+0020›
    Then the response status is 200
    And the response lists no accounts

  @UEM-QRY-028 @rule @must
  Scenario: A space before a name makes another name
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Request Parameters (query): exact match
    MUST: as a space after it. A server that trims query values finds Beta 6 Test here.

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=name=‹U+0020›Beta 6 Test
    Then the response status is 200
    And the response lists no accounts

  @UEM-QRY-029 @rule @must
  Scenario: A plus sign is a plus sign, not a space
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Request Parameters (query): exact match
    MUST: no account is named Beta+6+Test. The suite sends + percent-encoded (%2B), so only a
    server that decodes the value a second time reads it as a space and finds Beta 6 Test.

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=name=Beta+6+Test
    Then the response status is 200
    And the response lists no accounts

  @UEM-QRY-030 @rule @must
  Scenario: A capital I matches i, whatever the server's language
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Request Parameters (query): case-insensitive exact match
    MUST: I and i are an ASCII case pair, as in UEM-QRY-001. A server that lower-cases the value
    in a Turkish locale turns I into a dotless ı and finds nothing.

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=name=SCHOOL DISTRICT 42
    Then the response status is 200
    And the response lists exactly these accounts:
      | guid                                 | name               |
      | 3ca04b05-0876-410c-b266-4bbaae9fda06 | School District 42 |

  @UEM-QRY-031 @rule @must
  Scenario: A full-width digit is another character
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Request Parameters (query): exact match
    MUST: ‹U+FF16› is the full-width digit six. No case mapping makes it 6, so every reading of
    "case-insensitive exact match" keeps them apart; compatibility normalisation (NFKC) does not.

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=name=Beta ‹U+FF16› Test
    Then the response status is 200
    And the response lists no accounts

  @UEM-QRY-032 @rule @must
  Scenario: An invisible character is a character
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Request Parameters (query): exact match
    MUST: ‹U+00AD› is a soft hyphen, which print does not show. The name with it is another name;
    comparisons that ignore it (linguistic ones, Unicode collations) find Beta 6 Test.

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=name=Beta‹U+00AD› 6 Test
    Then the response status is 200
    And the response lists no accounts

  @UEM-QRY-034 @rule @must
  Scenario: A sharp s is not an s
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Request Parameters (query): case-insensitive exact match
    MUST: ß is the lower case of ẞ, and its upper case is SS; it is no case of s under any case
    mapping. MySQL's utf8mb4_general_ci compares ß equal to s and finds Beta 6 Test.

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=name=Beta 6 Teßt
    Then the response status is 200
    And the response lists no accounts

  @UEM-QRY-033 @rule @info
  Scenario: A name written decomposed finds the same name written composed
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Request Parameters (query): exact match
    INFO: E followed by ‹U+0301› (a combining acute accent) is É written decomposed (NFD), the
    same text to Unicode as the É of École Laval (NFC). The documentation does not say whether a
    match compares text or code points, and most databases compare code points, so this is
    observed and reported only.

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=name=E‹U+0301›cole Laval
    Then the response status is 200
    And the response lists exactly these accounts:
      | guid                                 | name        |
      | c79e29a1-9eb2-45f2-9ef8-98ad4e9e4137 | École Laval |

  @UEM-QRY-016 @rule @info
  Scenario: A malformed query is refused with 400
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Request Parameters (query)
    INFO: the format is <field name>=<query value> and colour is no documented field, but the
    documentation names no status for a query it does not define: a 400 and an empty list are
    both defensible, so this is observed and reported only.

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=colour=red
    Then the response status is 400

  @UEM-QRY-023 @rule @info
  Scenario: A list without a query answers every account
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Request Parameters (query)
    INFO: every documented request carries a query; whether it may be left out is not stated, so
    this is observed and reported only.

    When the client sends GET /SRP00000/api/v1/vppAccounts
    Then the response status is 200
    And the response lists exactly these accounts:
      | guid                                 | name                        |
      | 17c24f36-b724-4591-9624-e76bb197b466 | VPP-token-version-3         |
      | 2cdb56be-ef5a-4755-8db5-feb97ec0dcc5 | VPP-token-version-3         |
      | 6359d1fc-6b8b-4920-ae0e-9c8405cb08b5 | Beta 6 Test                 |
      | 76d6358f-acfb-4771-9e1f-22bc4446f8a8 | Acme, Retail\\East          |
      | 3ca04b05-0876-410c-b266-4bbaae9fda06 | School District 42          |
      | 2df01348-77c0-4274-a01b-aace5575ce66 | vpp-token-version-3-archive |
      | c79e29a1-9eb2-45f2-9ef8-98ad4e9e4137 | École Laval                 |

  @UEM-QRY-036 @rule @must
  Scenario: A date without a fraction of a second is the same instant, or refused
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Request Parameters (query): < or <= for the maximum date; Sample 2
    MUST: 2027-01-01T00:00:00Z is Sample 2's bound written without its fraction. The documentation
    writes every date to the millisecond and fixes no other form, so a target may refuse this one
    with 400; if it answers, it answers Sample 2's accounts. A target that compares dates as text
    also lists the archive account: 2027-01-01T00:00:00.001Z sorts before 2027-01-01T00:00:00Z,
    since . sorts before Z (docs/errata.md › Dates written otherwise than the documentation
    writes them).

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=tokenExpiryDate<=2027-01-01T00:00:00Z
    Then the date's form is refused with 400, or the response lists exactly these accounts:
      | guid                                 | name                |
      | 2cdb56be-ef5a-4755-8db5-feb97ec0dcc5 | VPP-token-version-3 |
      | 6359d1fc-6b8b-4920-ae0e-9c8405cb08b5 | Beta 6 Test         |

  @UEM-QRY-037 @rule @must
  Scenario: A date with an offset west of UTC is the same instant, or refused
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Request Parameters (query): > for the minimum date
    MUST: 2029-12-31T19:00:00.000-05:00 is 2030-01-01T00:00:00.000Z, the expiry of School District
    42, which > excludes. A target may refuse the offset with 400; one that reads the local time as
    UTC, or compares dates as text, also lists School District 42.

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=tokenExpiryDate>2029-12-31T19:00:00.000-05:00
    Then the date's form is refused with 400, or the response lists exactly these accounts:
      | guid                                 | name        |
      | c79e29a1-9eb2-45f2-9ef8-98ad4e9e4137 | École Laval |

  @UEM-QRY-038 @rule @must
  Scenario: A date with an offset east of UTC is the same instant, or refused
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Request Parameters (query): > or >= for the minimum date, and/or < or <= for the maximum date
    MUST: 2030-01-01T01:00:00.000+01:00 is 2030-01-01T00:00:00.000Z, the expiry of School District
    42, which < excludes. A target may refuse the offset with 400; one that reads the local time as
    UTC, or compares dates as text, also lists School District 42.

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=tokenExpiryDate>2029-01-01T00:00:00.000Z,tokenExpiryDate<2030-01-01T01:00:00.000+01:00
    Then the date's form is refused with 400, or the response lists exactly these accounts:
      | guid                                 | name               |
      | 76d6358f-acfb-4771-9e1f-22bc4446f8a8 | Acme, Retail\\East |
