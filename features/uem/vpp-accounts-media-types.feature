@uem
Feature: Apple VPP accounts: media types
  The documented response media types: application/vnd.blackberry.vppaccounts-v1+json for a list,
  application/vnd.blackberry.vppaccount-v1+json for one account. Parameters such as charset and
  the letter case of the type are not fixed by the documentation and never fail these checks.
  Source: UEM REST API, Apple VPP Account Resource (shared/seeds/003_be36be0e2e6b9e62.txt).

  @UEM-MT-001 @rule @must
  Scenario: A list is served as application/vnd.blackberry.vppaccounts-v1+json
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Response Body (Media type)

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=name=VPP-token-version-3
    Then the response status is 200
    And the response media type is "application/vnd.blackberry.vppaccounts-v1+json"

  @UEM-MT-002 @rule @must
  Scenario: An empty list is served as application/vnd.blackberry.vppaccounts-v1+json
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts › Response Body (Media type); Sample 4

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=tokenExpiryDate<=2015-01-01T00:00:00.000Z
    Then the response status is 200
    And the response media type is "application/vnd.blackberry.vppaccounts-v1+json"

  @UEM-MT-003 @sample @must
  Scenario: One account is served as application/vnd.blackberry.vppaccount-v1+json
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts/{vppAccountGuid} › Response Body (Media type)

    When the client sends GET /SRP00000/api/v1/vppAccounts/6359d1fc-6b8b-4920-ae0e-9c8405cb08b5
    Then the response status is 200
    And the response media type is "application/vnd.blackberry.vppaccount-v1+json"
