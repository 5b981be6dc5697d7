@uem
Feature: Apple VPP accounts: one account by its GUID
  GET /{tenantGuid}/api/v1/vppAccounts/{vppAccountGuid} "Get details of an Apple VPP account by GUID."
  Source: UEM REST API, Apple VPP Account Resource (shared/seeds/003_be36be0e2e6b9e62.txt).

  @UEM-GET-001 @sample @must
  Scenario: The documented request for the account 6359d1fc-6b8b-4920-ae0e-9c8405cb08b5
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts/{vppAccountGuid} › Sample request

    When the client sends GET /SRP00000/api/v1/vppAccounts/6359d1fc-6b8b-4920-ae0e-9c8405cb08b5
    Then the response status is 200
    And the response body is valid against the schema "vpp-account"
    And the response is the account 6359d1fc-6b8b-4920-ae0e-9c8405cb08b5
    And the normalized account response matches the snapshot "uem-get-by-guid-sample"

  @UEM-GET-002 @rule @must
  Scenario: A GUID one digit away from a known account is not found
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts/{vppAccountGuid} › Response Codes (404 Apple VPP account not found)

    When the client sends GET /SRP00000/api/v1/vppAccounts/6359d1fc-6b8b-4920-ae0e-9c8405cb08b6
    Then the response status is 404

  @UEM-GET-003 @any-data @must
  Scenario: A GUID no tenant holds is not found
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts/{vppAccountGuid} › Response Codes (404 Apple VPP account not found)

    When the client sends GET /SRP00000/api/v1/vppAccounts/00000000-0000-4000-8000-00000000d0c5
    Then the response status is 404

  @UEM-GET-004 @rule @must
  Scenario: A GUID cut short by one digit is refused or not found, without account data
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts/{vppAccountGuid} › Request Parameters (vppAccountGuid: GUID of the Apple VPP account); Response Codes (404)
    The documentation gives 404 for "Apple VPP account not found" and says nothing of an identifier
    that is not a GUID: 400 (a malformed identifier) and 404 both pass; an account (as a prefix
    match would serve) does not.

    When the client sends GET /SRP00000/api/v1/vppAccounts/6359d1fc-6b8b-4920-ae0e-9c8405cb08b
    Then the response status is 400 or 404
    And the response gives away none of the tenant's accounts

  @UEM-GET-005 @rule @must
  Scenario: An account that is not found is not answered with another account's data
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts/{vppAccountGuid} › Response Codes (404 Apple VPP account not found)
    A 404 says the account is not there; one that carries an account of the tenant (its GUID or
    its token) contradicts its own documented condition and gives a token away.

    When the client sends GET /SRP00000/api/v1/vppAccounts/6359d1fc-6b8b-4920-ae0e-9c8405cb08b6
    Then the response status is 404
    And the response gives away none of the tenant's accounts
