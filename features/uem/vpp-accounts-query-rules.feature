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
