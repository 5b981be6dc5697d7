@uem @tenants @opt-in
Feature: Apple VPP accounts: a second tenant sees nothing of the first
  Every documented request names its tenant in the path (/{tenantGuid}/api/v1/vppAccounts). These
  scenarios ask for the first tenant's accounts (--tenant, holding the canonical data set) under
  another tenant the target holds, named with --second-tenant GUID, and expect none of them back,
  whatever the status. Most targets under test hold one tenant, and the documentation says nothing
  of a tenant it does not know, so they run only when asked for (--tags @tenants), and are not
  run without --second-tenant. Source: UEM REST API, Apple VPP Account Resource
  (shared/seeds/003_be36be0e2e6b9e62.txt).

  @UEM-TEN-001 @rule @must
  Scenario: A second tenant's list holds none of the first tenant's accounts
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts (the tenant in the path)

    When a client of the second tenant sends GET /SRP00000/api/v1/vppAccounts?query=tokenExpiryDate>2000-01-01T00:00:00.000Z
    Then the response gives away none of the tenant's accounts

  @UEM-TEN-002 @rule @must
  Scenario: A second tenant cannot read the first tenant's account by its GUID
    Documentation: Apple VPP Account Resource › GET /{tenantGuid}/api/v1/vppAccounts/{vppAccountGuid} (the tenant in the path)

    When a client of the second tenant sends GET /SRP00000/api/v1/vppAccounts/6359d1fc-6b8b-4920-ae0e-9c8405cb08b5
    Then the response gives away none of the tenant's accounts
