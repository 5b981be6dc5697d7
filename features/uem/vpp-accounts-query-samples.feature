@uem
Feature: Apple VPP accounts: the documented query samples
  GET /{tenantGuid}/api/v1/vppAccounts?query=… "Get details of Apple VPP accounts from a query."
  Source: UEM REST API, Apple VPP Account Resource (shared/seeds/003_be36be0e2e6b9e62.txt).

  Each request is the documented one; the documented tenant SRP00000 stands for the tenant under
  test (--tenant). The expected accounts are the documented ones, with the values the canonical
  data set gives them where the samples disagree (docs/errata.md). Accounts may come in any order.

  @UEM-SMP-001 @sample @must
  Scenario: Sample 1: accounts with the name VPP-token-version-3
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Sample 1

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=name=VPP-token-version-3
    Then the response status is 200
    And the response body is valid against the schema "vpp-account-list"
    And the response lists exactly these accounts:
      | guid                                 | name                |
      | 17c24f36-b724-4591-9624-e76bb197b466 | VPP-token-version-3 |
      | 2cdb56be-ef5a-4755-8db5-feb97ec0dcc5 | VPP-token-version-3 |
    And the normalized account response matches the snapshot "uem-sample-1"

  @UEM-SMP-002 @sample @must
  Scenario: Sample 2: accounts expiring on or before Jan 1, 2027 00:00:00
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Sample 2

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=tokenExpiryDate<=2027-01-01T00:00:00.000Z
    Then the response status is 200
    And the response body is valid against the schema "vpp-account-list"
    And the response lists exactly these accounts:
      | guid                                 | name                |
      | 2cdb56be-ef5a-4755-8db5-feb97ec0dcc5 | VPP-token-version-3 |
      | 6359d1fc-6b8b-4920-ae0e-9c8405cb08b5 | Beta 6 Test         |
    And the normalized account response matches the snapshot "uem-sample-2"

  @UEM-SMP-003 @sample @must
  Scenario: Sample 3: a name and an expiry between Jan 1, 2026 and Jan 1, 2027
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Sample 3

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=name=VPP-token-version-3,tokenExpiryDate<2027-01-01T00:00:00.000Z,tokenExpiryDate>=2026-01-01T00:00:00.000Z
    Then the response status is 200
    And the response body is valid against the schema "vpp-account-list"
    And the response lists exactly these accounts:
      | guid                                 | name                |
      | 2cdb56be-ef5a-4755-8db5-feb97ec0dcc5 | VPP-token-version-3 |
    And the normalized account response matches the snapshot "uem-sample-3"

  @UEM-SMP-004 @sample @must
  Scenario: Sample 4: no account expires on or before Jan 1, 2015
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Sample 4

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=tokenExpiryDate<=2015-01-01T00:00:00.000Z
    Then the response status is 200
    And the response body is valid against the schema "vpp-account-list"
    And the response lists no accounts
    And the normalized account response matches the snapshot "uem-sample-4"
