//! The OpenAPI 3.1 description of both APIs, built from the contract the binary carries: the
//! schemas of `schemas/` that the responses use become `components/schemas`, the documented
//! samples become examples with the canonical responses of `fixtures/`. Nothing here is written
//! twice, so the description cannot say something the suite does not check.
//!
//! The shipped copy, `openapi/vpp-conformance.openapi.json`, is [`document`] pretty-printed;
//! `tests/binary/openapi/` keeps the two equal (`UPDATE_OPENAPI=1 cargo test --test binary openapi` rewrites
//! the file) and cross-checks the description with openapi-spec-validator and Schemathesis.

use crate::catalog;
use serde_json::{Map, Value, json};

/// The shipped copy of [`document`], relative to the crate root.
pub const FILE: &str = "openapi/vpp-conformance.openapi.json";

pub const OPENAPI_VERSION: &str = "3.1.0";

/// The documented media types of the UEM resource's responses.
pub use crate::catalog::{ACCOUNT_MEDIA_TYPE, LIST_MEDIA_TYPE as ACCOUNT_LIST_MEDIA_TYPE};

pub use crate::catalog::SERVICE_CONFIG_PATH;
pub const ACCOUNT_LIST_PATH: &str = "/{tenantGuid}/api/v1/vppAccounts";
pub const ACCOUNT_PATH: &str = "/{tenantGuid}/api/v1/vppAccounts/{vppAccountGuid}";

/// One documented request of `GET /{tenantGuid}/api/v1/vppAccounts`, with the accounts the
/// canonical data set answers (`docs/errata.md` says why they are these, and in this order).
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// The example's key, shared by the request's and the response's example.
    pub key: &'static str,
    pub summary: &'static str,
    /// The value of the `query` parameter, as the documentation writes it.
    pub query: &'static str,
    pub guids: &'static [&'static str],
    /// Where the printed sample differs from the canonical data set, and why.
    pub note: Option<&'static str>,
}

/// The four documented list samples.
pub const LIST_SAMPLES: [Sample; 4] = [
    Sample {
        key: "sample-1",
        summary: "Sample 1: all Apple VPP accounts with the name of VPP-token-version-3",
        query: "name=VPP-token-version-3",
        guids: &["17c24f36-b724-4591-9624-e76bb197b466", "2cdb56be-ef5a-4755-8db5-feb97ec0dcc5"],
        note: Some(
            "The printed sample gives 2cdb56be… the holder, expiry date and token of the Beta account \
             6359d1fc…; this example gives it the values the other samples agree on (docs/errata.md).",
        ),
    },
    Sample {
        key: "sample-2",
        summary: "Sample 2: all Apple VPP accounts with an expiry date before Jan 1, 2027 00:00:00",
        query: "tokenExpiryDate<=2027-01-01T00:00:00.000Z",
        guids: &["2cdb56be-ef5a-4755-8db5-feb97ec0dcc5", "6359d1fc-6b8b-4920-ae0e-9c8405cb08b5"],
        note: None,
    },
    Sample {
        key: "sample-3",
        summary: "Sample 3: the name VPP-token-version-3 and an expiry date before Jan 1, 2027 00:00:00 and after \
                  Jan 1, 2026 00:00:00",
        query: "name=VPP-token-version-3,tokenExpiryDate<2027-01-01T00:00:00.000Z,tokenExpiryDate>=2026-01-01T00:00:00.000Z",
        guids: &["2cdb56be-ef5a-4755-8db5-feb97ec0dcc5"],
        note: None,
    },
    Sample {
        key: "sample-4",
        summary: "Sample 4: all Apple VPP accounts with an expiry date before Jan 1, 2015 00:00:00 (none)",
        query: "tokenExpiryDate<=2015-01-01T00:00:00.000Z",
        guids: &[],
        note: None,
    },
];

/// The account of the documented `GET /{tenantGuid}/api/v1/vppAccounts/{vppAccountGuid}` sample.
pub const ACCOUNT_SAMPLE_GUID: &str = "6359d1fc-6b8b-4920-ae0e-9c8405cb08b5";

/// The `components/schemas` name of an embedded schema (`vpp-account` → `VppAccount`); the
/// service configuration keeps the name Apple's documentation gives it.
pub fn component_name(short_name: &str) -> String {
    match short_name {
        "service-config" => "VppServiceConfigResponse".to_owned(),
        other => pascal_case(other),
    }
}

fn pascal_case(name: &str) -> String {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}

fn component_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// Every embedded schema as an OpenAPI 3.1 component schema ([`document`] keeps those its paths
/// use): `$schema` and `$id` dropped (the description's dialect is draft 2020-12 already), each
/// schema's `$defs` lifted to components of their own, and every `$ref` rewritten to point inside
/// the document. Panics on a `$ref` it cannot
/// place, so a new kind of reference in `schemas/` fails the tests rather than the description.
pub fn component_schemas() -> Map<String, Value> {
    let mut out = Map::new();
    let mut insert = |name: String, schema: Value| {
        let clash = out.insert(name.clone(), schema);
        assert!(clash.is_none(), "two schemas would both be components/schemas/{name}");
    };
    for embedded in catalog::SCHEMAS {
        let short = short_name(embedded.path);
        let mut schema: Value = serde_json::from_str(embedded.text).expect("embedded schema is JSON");
        let object = schema.as_object_mut().expect("a schema is an object");
        object.remove("$schema");
        object.remove("$id");
        let defs = match object.remove("$defs") {
            Some(Value::Object(defs)) => defs,
            Some(other) => panic!("{}: $defs is not an object: {other}", embedded.path),
            None => Map::new(),
        };
        let def_names: Vec<String> = defs.keys().cloned().collect();
        rewrite_refs(&mut schema, embedded.path, &def_names);
        insert(component_name(&short), schema);
        for (def, mut def_schema) in defs {
            rewrite_refs(&mut def_schema, embedded.path, &def_names);
            insert(pascal_case(&def), def_schema);
        }
    }
    out
}

/// `schemas/vpp-account.schema.json` → `vpp-account`.
fn short_name(path: &str) -> String {
    path.trim_start_matches("schemas/").trim_end_matches(".schema.json").to_owned()
}

fn rewrite_refs(value: &mut Value, file: &str, def_names: &[String]) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if key == "$ref" {
                    let target = v.as_str().unwrap_or_else(|| panic!("{file}: $ref is not a string"));
                    *v = Value::String(resolve_ref(target, file, def_names));
                } else {
                    rewrite_refs(v, file, def_names);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite_refs(v, file, def_names)),
        _ => {}
    }
}

/// Where a `$ref` of an embedded schema points in the document.
fn resolve_ref(target: &str, file: &str, def_names: &[String]) -> String {
    let (document, fragment) = target.split_once('#').unwrap_or((target, ""));
    let document = document.strip_prefix(crate::checks::schema::SCHEMA_BASE).unwrap_or(document);
    let (file, def_names) = if document.is_empty() {
        (file.to_owned(), def_names.to_vec())
    } else {
        let path = format!("schemas/{document}");
        let Some(other) = catalog::SCHEMAS.iter().find(|e| e.path == path) else {
            panic!("{file}: $ref {target:?} names no embedded schema");
        };
        let defs = serde_json::from_str::<Value>(other.text).expect("embedded schema is JSON")["$defs"]
            .as_object()
            .map(|d| d.keys().cloned().collect())
            .unwrap_or_default();
        (path, defs)
    };
    match fragment {
        "" | "/" => format!("#/components/schemas/{}", component_name(&short_name(&file))),
        f => match f.strip_prefix("/$defs/") {
            Some(def) if def_names.iter().any(|d| d == def) => format!("#/components/schemas/{}", pascal_case(def)),
            _ => panic!("{file}: $ref {target:?} points where the description cannot follow"),
        },
    }
}

fn embedded_schema(short: &str) -> Value {
    catalog::schema(short).unwrap_or_else(|| panic!("schemas/{short}.schema.json is embedded"))
}

/// The canonical account with this GUID, as the data set holds it.
fn canonical_account(guid: &str) -> Value {
    catalog::accounts_fixture()["vppAccounts"]
        .as_array()
        .and_then(|accounts| accounts.iter().find(|a| a["guid"] == guid))
        .cloned()
        .unwrap_or_else(|| panic!("account {guid} is in fixtures/uem-vpp-accounts.json"))
}

/// The tenant the documentation's samples use (`SRP00000`), from the canonical data set.
pub fn documented_tenant() -> &'static str {
    catalog::accounts_fixture()["tenantGuid"].as_str().expect("the fixture names its tenant")
}

/// A leap year of four digits: divisible by 4, and by 400 when it is by 100.
const LEAP_YEAR: &str = "([0-9]{2}(0[48]|[2468][048]|[13579][26])|([02468][048]|[13579][26])00)";

/// An instant as the documentation writes them, on a day the calendar has: Schemathesis and other
/// generators draw from this pattern, and a day such as 31 November would be a valid request that
/// any server refuses.
fn date_pattern() -> String {
    let month_day =
        "((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-8]))";
    format!(
        "([0-9]{{4}}-{month_day}|{LEAP_YEAR}-02-29)T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\
         (\\.[0-9]{{1,9}})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
    )
}

/// The documented query language as a regular expression (ECMA 262, as JSON Schema reads it):
/// criteria separated by commas; `name=` a non-empty value in which a comma or a backslash is
/// escaped with a backslash (and a backslash escapes nothing else); `tokenExpiryDate` with `=`,
/// `>`, `>=`, `<` or `<=` and an instant on a day of the calendar.
pub fn query_pattern() -> String {
    let name = "name=([^,\\\\]|\\\\[,\\\\])+";
    let date = format!("tokenExpiryDate(>=|<=|>|<|=){}", date_pattern());
    let criterion = format!("({name}|{date})");
    format!("^{criterion}(,{criterion})*$")
}

const QUERY_DESCRIPTION: &str = "\
Query parameter for filtering the results. The format is `<field name>=<query value>`, for example \
`name=VPP-token-version-3`. Multiple field-value pairs can be provided in the query with each pair separated \
with a comma, in which case only Apple VPP accounts matching all the criteria provided will be included in the \
response. Querying for empty/null values is not supported.

By default, a case-insensitive exact match will be performed for each field in the query.

Special characters (comma, backslash) in query values must be escaped with a backslash.

| Field | Type | Description |
|---|---|---|
| `name` | string | The name of the Apple VPP account. |
| `tokenExpiryDate` | string | The Apple VPP account token expiry date. `>` or `>=` for the minimum date, and/or \
`<` or `<=` for the maximum date. For example: `tokenExpiryDate>=2021-07-01T00:00:00.000Z,tokenExpiryDate<2021-07-31T00:00:00.000Z` |

How the suite reads it: letter case is ignored beyond ASCII (`école LAVAL` finds `École Laval`); an exact \
match is neither a prefix nor a part; dates compare as instants, to the millisecond; a backslash escapes a comma \
or a backslash and nothing else; field names and dates are written as the documentation writes them, on days the \
calendar has (docs/errata.md › A query outside the grammar). The `pattern` is this description's reading of the grammar, which the documentation gives in prose only. The documentation does not \
say whether `query` may be left out, nor how a server answers a query outside the grammar (an unknown field, an \
empty value, a malformed date).

Written here as the documentation writes it; on the wire it is percent-encoded \
(`name%3DVPP-token-version-3`).";

const INFO_DESCRIPTION: &str = "\
Both HTTP APIs that `vpp-conformance` checks, described from their documentation:

- Apple Developer Documentation, Device Management › **Service Configuration** (deprecated legacy VPP web \
service, `POST https://vpp.itunes.apple.com/mdm/VPPServiceConfigSrv`; shared/seeds/000_d9bd8072b83a0dbf.txt);
- BlackBerry UEM REST API, **Apple VPP Account Resource** (available since 12.18.0; \
shared/seeds/003_be36be0e2e6b9e62.txt).

In real life they are two services; `servers` is a placeholder for one base URL that serves both, as \
`vpp-conformance run --base-url` assumes (`vpp-conformance serve` runs such a server, the built-in reference \
target).

The schemas are the suite's own (`schemas/*.schema.json`, JSON Schema draft 2020-12) and the examples are the \
documented requests with the responses of the canonical data set (`fixtures/`, tenant `SRP00000`). Where the \
documented samples contradict each other, the data set follows the values most of them agree on \
(`docs/errata.md`).

What the documentation leaves open, and this description therefore allows:

- fields it does not show, in any object (no schema forbids additional properties);
- the order of arrays (`vppAccounts`, `errorCodes`) and of keys, and whitespace;
- parameters of a media type such as `charset`, and its letter case;
- the host and path of the Apple service URLs (\"the URLs may change\"), and error numbers beyond the 43 \
documented;
- the letter case of a GUID, and the offset an instant is written with (`2026-04-20T06:04:00+02:00` is \
`2026-04-20T04:04:00.000Z`);
- the body and media type of any error response, a request without `query`, and the answer to a query outside \
the documented language;
- the body of the service configuration request (the documented one is `{}`; none, or any other, is answered \
alike), and the answer for a tenant the server does not hold (404 here).

Generated from `src/openapi.rs`; do not edit by hand (`UPDATE_OPENAPI=1 cargo test --test binary openapi` rewrites it).";

fn service_config_operation() -> Value {
    json!({
        "tags": ["Apple VPP Service Configuration"],
        "operationId": "getVppServiceConfig",
        "summary": "Service Configuration",
        "description": "Provides the full list of web service URLs and a list of possible error numbers.\n\n\
            Clients should use this endpoint every 5 minutes to retrieve the list of service URLs, because the URLs \
            may change. This endpoint exists to provide a level-of-service discovery, so service URLs can be changed \
            in a transparent way.\n\n\
            Deprecated: this legacy API is in maintenance mode. Documented at \
            `POST https://vpp.itunes.apple.com/mdm/VPPServiceConfigSrv`.",
        "deprecated": true,
        "requestBody": {
            "required": false,
            "description": "The documented request is the empty object `{}`. The documentation names no field and \
                never requires a body: the answer does not depend on it, so a request without one, or with another \
                JSON value, is answered as the documented one (docs/errata.md › A request body that says nothing).",
            "content": {
                "application/json": {
                    "schema": {},
                    "examples": {
                        "documented": { "summary": "The documented request", "value": {} }
                    }
                }
            }
        },
        "responses": {
            "200": {
                "description": "OK",
                "content": {
                    "application/json": {
                        "schema": component_ref(&component_name("service-config")),
                        "examples": {
                            "documented": {
                                "summary": "The documented example response",
                                "value": catalog::service_config_fixture(),
                            }
                        }
                    }
                }
            }
        }
    })
}

fn tenant_parameter() -> Value {
    json!({
        "name": "tenantGuid",
        "in": "path",
        "required": true,
        "description": "The tenant. Every documented sample uses `SRP00000`, which stands for the tenant under test \
            (`vpp-conformance run --tenant`). The documentation does not say what a server answers for a tenant it \
            does not hold; this description gives 404 (docs/errata.md › An unknown tenant), which the suite does not \
            check.",
        "schema": { "type": "string", "minLength": 1 },
        "example": documented_tenant(),
    })
}

fn list_operation() -> Value {
    let mut query_examples = Map::new();
    let mut response_examples = Map::new();
    for sample in &LIST_SAMPLES {
        query_examples.insert(sample.key.to_owned(), json!({ "summary": sample.summary, "value": sample.query }));
        let accounts: Vec<Value> = sample.guids.iter().map(|g| canonical_account(g)).collect();
        let mut example = json!({ "summary": sample.summary, "value": { "vppAccounts": accounts } });
        if let Some(note) = sample.note {
            example["description"] = note.into();
        }
        response_examples.insert(sample.key.to_owned(), example);
    }
    json!({
        "tags": ["UEM Apple VPP accounts"],
        "operationId": "listVppAccounts",
        "summary": "Get details of Apple VPP accounts from a query.",
        "description": "Get details of Apple VPP accounts from a query. Available since 12.18.0.",
        "parameters": [
            tenant_parameter(),
            {
                "name": "query",
                "in": "query",
                "description": QUERY_DESCRIPTION,
                "schema": { "type": "string", "pattern": query_pattern() },
                "examples": query_examples,
            }
        ],
        "responses": {
            "200": {
                "description": "OK.",
                "content": {
                    ACCOUNT_LIST_MEDIA_TYPE: {
                        "schema": component_ref(&component_name("vpp-account-list")),
                        "examples": response_examples,
                    }
                }
            },
            "400": {
                "description": "Not in the documentation: a query outside the documented language (an unknown field, \
                    an empty value, a backslash that escapes neither a comma nor a backslash, a malformed date or a \
                    day the calendar does not have). The documentation does not say how a server answers one; the \
                    reference target answers 400, which the suite checks only on request (`@opt-in`). The body and \
                    its media type are not documented."
            },
            "404": {
                "description": "Not in the documentation: a tenant the server does not hold (docs/errata.md › An \
                    unknown tenant). The body and its media type are not documented."
            }
        }
    })
}

fn account_operation() -> Value {
    let guid_pattern = embedded_schema("vpp-account")["properties"]["guid"]["pattern"].clone();
    json!({
        "tags": ["UEM Apple VPP accounts"],
        "operationId": "getVppAccount",
        "summary": "Get details of an Apple VPP account by GUID.",
        "description": "Get details of an Apple VPP account by GUID. Available since 12.18.0.",
        "parameters": [
            tenant_parameter(),
            {
                "name": "vppAccountGuid",
                "in": "path",
                "required": true,
                "description": "GUID of the Apple VPP account to get. Every sample shows the 8-4-4-4-12 hexadecimal \
                    form; its letter case is not fixed.",
                "schema": { "type": "string", "pattern": guid_pattern },
                "examples": {
                    "sample": {
                        "summary": format!("The documented request: the account {ACCOUNT_SAMPLE_GUID}"),
                        "value": ACCOUNT_SAMPLE_GUID,
                    }
                }
            }
        ],
        "responses": {
            "200": {
                "description": "OK.",
                "content": {
                    ACCOUNT_MEDIA_TYPE: {
                        "schema": component_ref(&component_name("vpp-account")),
                        "examples": {
                            "sample": {
                                "summary": format!("The documented response: the account {ACCOUNT_SAMPLE_GUID}"),
                                "description": "The printed sample gives this account the name, holder, expiry date, \
                                    auto-update flag and token of 2cdb56be…; this example gives it the values the \
                                    list samples agree on (docs/errata.md).",
                                "value": canonical_account(ACCOUNT_SAMPLE_GUID),
                            }
                        }
                    }
                }
            },
            "404": {
                "description": "Apple VPP account not found; also, not in the documentation, a tenant the server does \
                    not hold (docs/errata.md › An unknown tenant). The body and its media type are not documented."
            }
        }
    })
}

/// The OpenAPI 3.1.0 description of both APIs.
pub fn document() -> Value {
    let paths = json!({
        SERVICE_CONFIG_PATH: { "post": service_config_operation() },
        ACCOUNT_LIST_PATH: { "get": list_operation() },
        ACCOUNT_PATH: { "get": account_operation() },
    });
    json!({
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Apple VPP Service Configuration and UEM Apple VPP accounts",
            "version": env!("CARGO_PKG_VERSION"),
            "summary": "The two HTTP APIs vpp-conformance checks, as their documentation describes them.",
            "description": INFO_DESCRIPTION,
            "license": { "name": "MIT OR Apache-2.0", "identifier": "MIT OR Apache-2.0" },
        },
        "servers": [
            {
                "url": "{baseUrl}",
                "description": "Placeholder: the implementation under test (both APIs on one base URL).",
                "variables": {
                    "baseUrl": {
                        "default": "http://127.0.0.1:8080",
                        "description": "The base URL, without a trailing slash. `vpp-conformance serve --port 8080` \
                            serves the reference target here."
                    }
                }
            }
        ],
        "tags": [
            {
                "name": "Apple VPP Service Configuration",
                "description": "Apple Developer Documentation, Device Management › Service Configuration (legacy, \
                    deprecated)."
            },
            {
                "name": "UEM Apple VPP accounts",
                "description": "BlackBerry UEM REST API, Apple VPP Account Resource: Apple VPP account management \
                    functions."
            }
        ],
        "paths": paths,
        "components": { "schemas": used_schemas(&paths) },
    })
}

/// The component schemas the paths use, directly or through other components: a schema the
/// suite keeps for itself (such as the lenient one of the `@any-data` scenarios) is not part of
/// the API's description.
fn used_schemas(paths: &Value) -> Map<String, Value> {
    let all = component_schemas();
    let mut used = Map::new();
    let mut pending = Vec::new();
    collect_refs(paths, &mut pending);
    while let Some(reference) = pending.pop() {
        let name = reference.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("{reference}"));
        if used.contains_key(name) {
            continue;
        }
        let schema = all.get(name).unwrap_or_else(|| panic!("{reference} is not a component")).clone();
        collect_refs(&schema, &mut pending);
        used.insert(name.to_owned(), schema);
    }
    used
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => collect_refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// [`document`] as the shipped file holds it: pretty-printed, with a final newline.
pub fn document_text() -> String {
    let mut text = serde_json::to_string_pretty(&document()).expect("a JSON value serializes");
    text.push('\n');
    text
}
