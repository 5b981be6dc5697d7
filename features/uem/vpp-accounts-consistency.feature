@uem
Feature: Apple VPP accounts: a list and GET by GUID agree
  Both operations return the same "Apple VPP account (JSON)", so every account a list returns is
  what GET by its GUID returns. Source: UEM REST API, Apple VPP Account Resource
  (shared/seeds/003_be36be0e2e6b9e62.txt).

  @UEM-CON-001 @rule @must
  Scenario: Every account of a list equals GET by its GUID
    Documentation: Apple VPP Account Resource › Response Body (both operations: Apple VPP account (JSON))

    When the client sends GET /SRP00000/api/v1/vppAccounts?query=tokenExpiryDate>2000-01-01T00:00:00.000Z
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
    And every listed account equals what GET by its GUID returns
