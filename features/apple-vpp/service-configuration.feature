@apple-vpp
Feature: Apple VPP Service Configuration (VPPServiceConfigSrv)
  Apple's legacy VPP web service endpoint that "provides the full list of web service URLs and
  a list of possible error numbers". Source: Apple Developer Documentation, Device Management ›
  Service Configuration (shared/seeds/000_d9bd8072b83a0dbf.txt).

  The hosts of the service URLs are not part of the contract: "the URLs may change", which is
  why the endpoint exists. Their presence and form are checked (MUST), and which service each
  names and the invitation URL's parameters (SHOULD); never their hosts. Redirects are not part of
  the contract: a followed one is reported as a warning, and one that changes the method or the
  path of the documented request fails.

  Background:
    Given the client sends POST /mdm/VPPServiceConfigSrv with the body {}

  @APL-CFG-001 @any-data @must
  Scenario: The documented request is answered 200 with application/json
    Documentation: Service Configuration › Response Codes (200 OK, Content-Type: application/json)

    Then the response status is 200
    And the response media type is "application/json"

  @APL-CFG-002 @any-data @must
  Scenario: The response is a VppServiceConfigResponse
    Documentation: Service Configuration › Topics › Response › VppServiceConfigResponse

    Then the response body is valid against the schema "service-config"

  @APL-CFG-003 @any-data @must
  Scenario: The status is 0
    Documentation: Service Configuration › Example Response ("status": 0)

    Then the response field "status" is 0

  @APL-CFG-004 @any-data @must
  Scenario: Every documented service URL is present and absolute
    Documentation: Service Configuration › Example Response; Discussion (service URLs may change)

    Then each of these response fields holds an absolute http(s) URL:
      | field                           |
      | clientConfigSrvUrl              |
      | contentMetadataLookupUrl        |
      | editUserSrvUrl                  |
      | getLicensesSrvUrl               |
      | getUserSrvUrl                   |
      | getUsersSrvUrl                  |
      | getVPPAssetsSrvUrl              |
      | invitationEmailUrl              |
      | manageVPPLicensesByAdamIdSrvUrl |
      | registerUserSrvUrl              |
      | retireUserSrvUrl                |
      | vppWebsiteUrl                   |

  @APL-CFG-005 @any-data @must
  Scenario: The invitation URL keeps its invite-code placeholder
    Documentation: Service Configuration › Example Response (invitationEmailUrl … inviteCode=%25inviteCode%25)

    Then the response field "invitationEmailUrl" has the query parameter "inviteCode" equal to "%inviteCode%"

  @APL-CFG-009 @any-data @should
  Scenario: Each service URL names its own service, wherever it is hosted
    Documentation: Service Configuration › Example Response (the service URLs); Discussion (service URLs may change)
    SHOULD: the example pairs each key with its service (getUserSrvUrl with …/getVPPUserSrv) and the
    Discussion lets the URLs change without saying which part; a URL that ends in another service's
    name (getUserSrvUrl ↔ getUsersSrvUrl swapped), or two keys with one URL, send a client to the
    wrong service. Hosts and what precedes the name in the path may differ.

    Then each of these service URLs names its own service:
      | field                           | service                        |
      | clientConfigSrvUrl              | VPPClientConfigSrv             |
      | contentMetadataLookupUrl        | lookup                         |
      | editUserSrvUrl                  | editVPPUserSrv                 |
      | getLicensesSrvUrl               | getVPPLicensesSrv              |
      | getUserSrvUrl                   | getVPPUserSrv                  |
      | getUsersSrvUrl                  | getVPPUsersSrv                 |
      | getVPPAssetsSrvUrl              | getVPPAssetsSrv                |
      | invitationEmailUrl              | associateVPPUserWithITSAccount |
      | manageVPPLicensesByAdamIdSrvUrl | manageVPPLicensesByAdamIdSrv   |
      | registerUserSrvUrl              | registerVPPUserSrv             |
      | retireUserSrvUrl                | retireVPPUserSrv               |

  @APL-CFG-010 @any-data @should
  Scenario: The invitation URL keeps its documented query parameters
    Documentation: Service Configuration › Example Response (invitationEmailUrl …?cc=us&inviteCode=%25inviteCode%25&mt=8)
    SHOULD, as the other URL values: the parameters must be there; a value other than the
    documented one is a warning (cc names a storefront's country). The inviteCode placeholder is
    APL-CFG-005's (MUST).

    Then the response field "invitationEmailUrl" keeps these query parameters:
      | parameter | documented value |
      | cc        | us               |
      | mt        | 8                |

  @APL-CFG-011 @any-data @must
  Scenario: The documented request is answered as sent, not redirected to another method or path
    Documentation: Service Configuration › URL (POST https://vpp.itunes.apple.com/mdm/VPPServiceConfigSrv); Response Codes (200 OK)

    Then the documented request is answered without a redirect that changes its method or its path

  @APL-CFG-006 @sample @must
  Scenario: Both license batch limits are 10
    Documentation: Service Configuration › Example Response (maxBatchAssociateLicenseCount, maxBatchDisassociateLicenseCount)

    Then the response field "maxBatchAssociateLicenseCount" is 10
    And the response field "maxBatchDisassociateLicenseCount" is 10

  @APL-CFG-007 @any-data @must
  Scenario: The error list holds every documented error number with its exact message
    Documentation: Service Configuration › Example Response (errorCodes: 43 errors, 9600 to 9646)

    Then the response lists exactly these errors, each once:
      | errorNumber | errorMessage                                                                                                                                                           |
      | 9600        | Missing required argument                                                                                                                                              |
      | 9601        | Login required                                                                                                                                                         |
      | 9602        | Invalid argument                                                                                                                                                       |
      | 9603        | Internal error                                                                                                                                                         |
      | 9604        | Result not found                                                                                                                                                       |
      | 9605        | Account storefront incorrect                                                                                                                                           |
      | 9606        | Error constructing token                                                                                                                                               |
      | 9607        | License is irrevocable                                                                                                                                                 |
      | 9608        | Empty response from SharedData service                                                                                                                                 |
      | 9609        | Registered user not found                                                                                                                                              |
      | 9610        | License not found                                                                                                                                                      |
      | 9611        | Admin user not found                                                                                                                                                   |
      | 9612        | Failed to create claim job                                                                                                                                             |
      | 9613        | Failed to create unclaim job                                                                                                                                           |
      | 9614        | Invalid date format                                                                                                                                                    |
      | 9615        | OrgCountry not found                                                                                                                                                   |
      | 9616        | License already assigned                                                                                                                                               |
      | 9617        | The URL has been moved. Please call VPPServiceConfigSrv to find the new URL.                                                                                           |
      | 9618        | The user has already been retired.                                                                                                                                     |
      | 9619        | License not associated                                                                                                                                                 |
      | 9620        | The user has already been deleted.                                                                                                                                     |
      | 9621        | The token has expired. You need to generate a new token online using your organization's account at https://vpp.itunes.apple.com.                                      |
      | 9622        | Invalid authentication token                                                                                                                                           |
      | 9623        | Invalid APN token                                                                                                                                                      |
      | 9624        | License was refunded and is no longer valid.                                                                                                                           |
      | 9625        | The sToken has been revoked                                                                                                                                            |
      | 9626        | License already assigned to other user                                                                                                                                 |
      | 9627        | License disassociation fail due to frequent reassociation                                                                                                              |
      | 9628        | License not eligible for device assignment.                                                                                                                            |
      | 9629        | The sToken is inapplicable to batchToken                                                                                                                               |
      | 9630        | Too many recent identical calls were made to assign a license that failed due to license being already assigned to the user or device                                  |
      | 9631        | Too many recent identical calls were made to assign a license that failed due to no license being being available.                                                     |
      | 9632        | Too many recent calls to manage licenses with identical requests                                                                                                       |
      | 9633        | No batch data recovered for token.                                                                                                                                     |
      | 9634        | Service removed.                                                                                                                                                       |
      | 9635        | Apple ID can't be associated with registered user.                                                                                                                     |
      | 9636        | No registered user found.                                                                                                                                              |
      | 9637        | Facilitator operation not allowed.                                                                                                                                     |
      | 9641        | Apple ID already associated to registered user.                                                                                                                        |
      | 9642        | Apple ID passed cannot be used at this time because it's a VPP manager and the iTunes Store account not yet created and such creation requires user to agree to Terms. |
      | 9643        | The license is currently locked for a pending transfer. Please try again.                                                                                              |
      | 9644        | Volume Purchase Program is currently in maintenance mode. Please try again later.                                                                                      |
      | 9646        | Too many recent requests. Please try again momentarily                                                                                                                 |

  @APL-CFG-008 @sample @must
  Scenario: The whole response matches the documented example
    Documentation: Service Configuration › Example Response

    Then the normalized service configuration matches the snapshot "apple-vpp-service-config"
