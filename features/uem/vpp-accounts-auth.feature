@uem @auth @opt-in
Feature: UEM authentication: a request without valid credentials is refused
  "All authenticated REST requests are authenticated using the HTTP Authorization header. If
  authentication fails a 401 error is returned."
  Source: UEM REST API, Getting started › Authentication. The Apple VPP account resource's own page
  (shared/seeds/003_be36be0e2e6b9e62.txt) does not state it, so these scenarios run only when asked
  for (--tags @auth) and are SHOULD: a failure is a warning unless --strict.

  The run's own credentials (--header Authorization, or a login from VPP_CONFORMANCE_UEM_USERNAME and
  VPP_CONFORMANCE_UEM_PASSWORD) are left out of these requests, or replaced by a value the target
  never issued.

  @UEM-AUTH-001 @should
  Scenario: A list request without credentials is refused with 401
    Documentation: UEM REST API › Getting started › Authentication (not on the Apple VPP Account Resource page)

    When a client without credentials sends GET /SRP00000/api/v1/vppAccounts?query=name=VPP-token-version-3
    Then the response status is 401
    And the response gives away none of the tenant's accounts

  @UEM-AUTH-002 @should
  Scenario: A request for one account without credentials is refused with 401
    Documentation: UEM REST API › Getting started › Authentication (not on the Apple VPP Account Resource page)

    When a client without credentials sends GET /SRP00000/api/v1/vppAccounts/6359d1fc-6b8b-4920-ae0e-9c8405cb08b5
    Then the response status is 401
    And the response gives away none of the tenant's accounts

  @UEM-AUTH-003 @should
  Scenario: A list request with an Authorization value the target never issued is refused with 401
    Documentation: UEM REST API › Getting started › Authentication (not on the Apple VPP Account Resource page)

    When a client with an Authorization value the target never issued sends GET /SRP00000/api/v1/vppAccounts?query=name=VPP-token-version-3
    Then the response status is 401
    And the response gives away none of the tenant's accounts
