//! The OpenAPI description (`src/openapi.rs`): the shipped file is the generated document, the
//! document agrees with the features, the schemas and the fixtures, and two independent tools agree
//! with it: openapi-spec-validator (is it a valid OpenAPI 3.1 description?) and Schemathesis (does
//! the built-in reference target behave as it says?).
//!
//! The tools live in a Python virtualenv at `target/py-tools/` that `scripts/install-python-tools.sh`
//! creates. Without it those tests print "skipped" and pass, unless `VPP_CONFORMANCE_REQUIRE_TOOLS=1`
//! (CI) makes a missing tool a failure.

mod tools;

use regex::Regex;
use serde_json::{Value, json};
use std::path::Path;
use vpp_conformance::catalog;
use vpp_conformance::checks::schema;
use vpp_conformance::openapi;
use vpp_conformance::reference::{ReferenceOptions, ReferenceTarget};

const REGENERATE: &str = "UPDATE_OPENAPI=1 cargo test --test binary openapi";
const INSTALL: &str = "scripts/install-python-tools.sh";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

// ---------------------------------------------------------------------------------------------
// The shipped file

#[test]
fn the_shipped_file_is_the_generated_document() {
    let expected = openapi::document_text();
    crate::support::generated::check_shipped(openapi::FILE, &expected, "src/openapi.rs", "UPDATE_OPENAPI", REGENERATE);
}

// ---------------------------------------------------------------------------------------------
// The document against the rest of the contract (no tools needed)

/// Follows a local `$ref` (`#/components/schemas/VppAccount`) in the document.
fn resolve<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    doc.pointer(reference.strip_prefix('#')?)
}

fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[test]
fn every_ref_points_inside_the_document_and_no_schema_keeps_its_own_base() {
    let doc = openapi::document();
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(all.len() >= 5, "{all:?}");
    for r in &all {
        assert!(r.starts_with("#/components/schemas/"), "{r} points outside the document");
        assert!(resolve(&doc, r).is_some(), "{r} points at nothing");
    }
    let text = doc.to_string();
    for word in ["\"$id\"", "\"$schema\"", "\"$defs\"", ".schema.json\""] {
        assert!(!text.contains(word), "the document still holds {word}");
    }
    // The schemas of the documented responses, and what they use; nothing else.
    let names: Vec<&String> = doc["components"]["schemas"].as_object().unwrap().keys().collect();
    assert_eq!(names, ["ErrorCode", "ServiceUrl", "VppAccount", "VppAccountList", "VppServiceConfigResponse"]);
    let all = openapi::component_schemas();
    for e in catalog::SCHEMAS {
        let short = e.path.trim_start_matches("schemas/").trim_end_matches(".schema.json");
        assert!(all.contains_key(&openapi::component_name(short)), "{} does not translate", e.path);
    }
}

/// A validator for one component schema, compiled from the document itself, so that it checks
/// the schemas as the description holds them (after `$defs` and `$ref`s were rewritten).
fn component_validator(doc: &Value, media_schema: &Value) -> jsonschema::Validator {
    let mut root = doc.clone();
    let map = root.as_object_mut().unwrap();
    map.insert("$schema".into(), "https://json-schema.org/draft/2020-12/schema".into());
    map.insert("$ref".into(), media_schema["$ref"].clone());
    jsonschema::options().with_draft(jsonschema::Draft::Draft202012).build(&root).expect("the component compiles")
}

/// Every media type's examples, with the schema they are given under and the embedded schema
/// it stands for.
fn media_examples(doc: &Value) -> Vec<(String, Value, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let mut contents = vec![(format!("{method} {path} request"), &op["requestBody"]["content"])];
            for (status, response) in op["responses"].as_object().unwrap() {
                contents.push((format!("{method} {path} {status}"), &response["content"]));
            }
            for (at, content) in contents {
                for (media, m) in content.as_object().into_iter().flatten() {
                    for (key, example) in m["examples"].as_object().into_iter().flatten() {
                        out.push((
                            format!("{at} {media} example {key}"),
                            m["schema"].clone(),
                            example["value"].clone(),
                        ));
                    }
                }
            }
        }
    }
    out
}

#[test]
fn every_example_is_valid_against_its_schema_as_described_and_as_embedded() {
    let doc = openapi::document();
    let examples = media_examples(&doc);
    assert_eq!(examples.len(), 1 + 1 + 4 + 1, "{:?}", examples.iter().map(|e| &e.0).collect::<Vec<_>>());
    for (at, media_schema, value) in &examples {
        let Some(reference) = media_schema["$ref"].as_str() else { continue };
        let errors: Vec<String> =
            component_validator(&doc, media_schema).iter_errors(value).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{at} breaks {reference}: {errors:?}");
        let short = catalog::SCHEMAS
            .iter()
            .map(|e| e.path.trim_start_matches("schemas/").trim_end_matches(".schema.json"))
            .find(|s| reference.ends_with(&format!("/{}", openapi::component_name(s))))
            .unwrap_or_else(|| panic!("{reference} is not an embedded schema"));
        let findings = schema::validate(short, value);
        assert!(findings.is_ok(), "{at} breaks schemas/{short}.schema.json: {findings:?}");
    }
    // The translated schemas still refuse what the embedded ones refuse.
    let list = &doc["paths"][openapi::ACCOUNT_LIST_PATH]["get"]["responses"]["200"]["content"]
        [openapi::ACCOUNT_LIST_MEDIA_TYPE]["schema"];
    let validator = component_validator(&doc, list);
    assert!(!validator.is_valid(&json!({"vppAccounts": [{"guid": "not-a-guid"}]})));
    assert!(!validator.is_valid(&json!([])));
    let config = &doc["paths"][openapi::SERVICE_CONFIG_PATH]["post"]["responses"]["200"]["content"]["application/json"]
        ["schema"];
    let mut relative = catalog::service_config_fixture().clone();
    relative["getUserSrvUrl"] = "/mdm/getVPPUserSrv".into();
    assert!(!component_validator(&doc, config).is_valid(&relative), "serviceUrl is not enforced");
}

/// The request a scenario sends, and the GUIDs its table expects (in table order).
fn scenario(id: &str) -> (String, Vec<String>) {
    for f in catalog::features() {
        for s in f.scenarios.iter().chain(f.rules.iter().flat_map(|r| &r.scenarios)) {
            if catalog::scenario_id(&s.tags).as_deref() != Some(id) {
                continue;
            }
            let request = s.steps.iter().find_map(|st| st.value.strip_prefix("the client sends GET ")).unwrap();
            let guids = s
                .steps
                .iter()
                .filter_map(|st| st.table.as_ref())
                .flat_map(|t| t.rows.iter().skip(1).map(|r| r[0].clone()))
                .chain(
                    s.steps
                        .iter()
                        .filter_map(|st| st.value.strip_prefix("the response is the account ").map(str::to_owned)),
                )
                .collect();
            return (request.to_owned(), guids);
        }
    }
    panic!("no scenario {id}");
}

#[test]
fn the_examples_are_the_documented_samples_of_the_features() {
    let doc = openapi::document();
    let tenant = openapi::documented_tenant();
    assert_eq!(tenant, "SRP00000");
    let op = &doc["paths"][openapi::ACCOUNT_LIST_PATH]["get"];
    let responses = &op["responses"]["200"]["content"][openapi::ACCOUNT_LIST_MEDIA_TYPE]["examples"];
    for (i, sample) in openapi::LIST_SAMPLES.iter().enumerate() {
        let (request, guids) = scenario(&format!("UEM-SMP-00{}", i + 1));
        assert_eq!(request, format!("/{tenant}/api/v1/vppAccounts?query={}", sample.query), "{}", sample.key);
        assert_eq!(guids, sample.guids, "{}", sample.key);
        assert_eq!(op["parameters"][1]["examples"][sample.key]["value"], sample.query);
        let listed: Vec<&Value> =
            responses[sample.key]["value"]["vppAccounts"].as_array().unwrap().iter().map(|a| &a["guid"]).collect();
        assert_eq!(listed, sample.guids, "{}", sample.key);
    }
    let (request, guids) = scenario("UEM-GET-001");
    assert_eq!(request, format!("/{tenant}/api/v1/vppAccounts/{}", openapi::ACCOUNT_SAMPLE_GUID));
    assert_eq!(guids, [openapi::ACCOUNT_SAMPLE_GUID]);
    let by_guid = &doc["paths"][openapi::ACCOUNT_PATH]["get"];
    assert_eq!(by_guid["parameters"][1]["examples"]["sample"]["value"], openapi::ACCOUNT_SAMPLE_GUID);
    // Every example account is the canonical one, field for field.
    let canonical = catalog::accounts_fixture()["vppAccounts"].as_array().unwrap();
    let example = &by_guid["responses"]["200"]["content"][openapi::ACCOUNT_MEDIA_TYPE]["examples"]["sample"]["value"];
    assert!(canonical.contains(example));
    let service = &doc["paths"][openapi::SERVICE_CONFIG_PATH]["post"]["responses"]["200"]["content"]["application/json"]
        ["examples"]["documented"]["value"];
    assert_eq!(service, catalog::service_config_fixture());
}

#[test]
fn the_media_types_are_the_ones_the_features_check() {
    let mut named = Vec::new();
    let re = Regex::new(r#"^the response media type is "(.+)"$"#).unwrap();
    for f in catalog::features() {
        for s in f.scenarios.iter().chain(f.rules.iter().flat_map(|r| &r.scenarios)) {
            named.extend(s.steps.iter().filter_map(|st| re.captures(&st.value)).map(|c| c[1].to_owned()));
        }
    }
    named.sort();
    named.dedup();
    let doc = openapi::document();
    let mut described: Vec<String> = Vec::new();
    for item in doc["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            for response in op["responses"].as_object().unwrap().values() {
                described.extend(response["content"].as_object().into_iter().flatten().map(|(k, _)| k.clone()));
            }
        }
    }
    described.sort();
    described.dedup();
    assert_eq!(described, named);
}

/// Every `query=` value the features send, each `‹U+XXXX›` written as its character.
fn feature_queries() -> Vec<String> {
    let mut out = Vec::new();
    for f in catalog::features() {
        for s in f.scenarios.iter().chain(f.rules.iter().flat_map(|r| &r.scenarios)) {
            out.extend(s.steps.iter().filter_map(|st| {
                let (_, q) =
                    st.value.strip_prefix("the client sends GET ")?.split_once("/api/v1/vppAccounts?query=")?;
                Some(vpp_conformance::checks::code_points::expand(q).unwrap())
            }));
        }
    }
    out.sort();
    out.dedup();
    out
}

#[test]
fn the_query_pattern_reads_every_query_of_the_features_and_refuses_malformed_ones() {
    let pattern = Regex::new(&openapi::query_pattern()).unwrap();
    let queries = feature_queries();
    assert!(queries.len() >= 15, "{queries:?}");
    for q in &queries {
        // UEM-QRY-016 (@opt-in) sends an unknown field on purpose.
        assert_eq!(pattern.is_match(q), q != "colour=red", "{q}");
    }
    for bad in [
        "",
        "name=",
        "name",
        "name=a,",
        ",name=a",
        "name>x",
        "name=a\\",
        "name=a\\b",
        "colour=red",
        "tokenExpiryDate<=tomorrow",
        "tokenExpiryDate=>2026-01-01T00:00:00.000Z",
        "tokenExpiryDate<2026-13-01T00:00:00.000Z",
        "tokenExpiryDate<2026-01-01T00:00:00",
        // Days the calendar does not have (issue 18: Schemathesis drew the first one).
        "tokenExpiryDate>=4783-11-31T15:42:24.32-22:50",
        "tokenExpiryDate<2025-02-29T00:00:00Z",
        "tokenExpiryDate<1900-02-29T00:00:00Z",
        "tokenExpiryDate<2026-04-31T00:00:00Z",
    ] {
        assert!(!pattern.is_match(bad), "{bad:?} should be outside the grammar");
    }
    for good in [
        "name=Acme\\, Retail\\\\East",
        "tokenExpiryDate=2026-04-20T06:04:00+02:00",
        "name=x,name=y",
        "tokenExpiryDate<2024-02-29T00:00:00Z",
        "tokenExpiryDate<2000-02-29T00:00:00.5-23:59",
        "tokenExpiryDate<1999-12-31T23:59:59.123456789Z",
    ] {
        assert!(pattern.is_match(good), "{good:?} should be inside the grammar");
    }
}

/// The reference refuses (400) exactly the queries the description's pattern refuses, and answers
/// the others: a generator that draws from the pattern finds no valid request refused, and no
/// invalid one served (issue 18).
#[tokio::test]
async fn the_reference_refuses_exactly_what_the_pattern_refuses() {
    let target = ReferenceTarget::start(ReferenceOptions::default()).await.unwrap();
    let client = plain_client();
    let pattern = Regex::new(&openapi::query_pattern()).unwrap();
    let url = format!("{}/{}/api/v1/vppAccounts", target.url(), openapi::documented_tenant());
    let mut queries = feature_queries();
    queries.extend(
        [
            "",
            "name=",
            "NAME=a",
            "Name=a",
            "tokenexpirydate<2026-01-01T00:00:00Z",
            "name=a\\b",
            "name=a\\",
            "name=a\\\\",
            "name=a,",
            "name=a=b<c>d",
            "name=\n",
            "tokenExpiryDate<2026-01-01T00:00:00",
            "tokenExpiryDate<2026-01-01t00:00:00Z",
            "tokenExpiryDate<2026-01-01T00:00:00z",
            "tokenExpiryDate<2026-01-01 00:00:00Z",
            "tokenExpiryDate<2026-01-01T00:00:60Z",
            "tokenExpiryDate<2026-01-01T00:00:00.Z",
            "tokenExpiryDate<2026-01-01T00:00:00.1234567890Z",
            "tokenExpiryDate<2026-01-01T00:00:00+24:00",
            "tokenExpiryDate<2026-01-01T00:00:00+0100",
            "tokenExpiryDate<2026-01-01T00:00:00Z\n",
            "tokenExpiryDate<4783-11-31T15:42:24.32-22:50",
            "tokenExpiryDate<2025-02-29T00:00:00Z",
            "tokenExpiryDate<2024-02-29T00:00:00Z",
            "tokenExpiryDate<0000-02-29T00:00:00-23:59",
            "tokenExpiryDate<9999-12-31T23:59:59.999999999+23:59",
            "tokenExpiryDate<2026-01-01T00:00:00.5Z,name=x",
        ]
        .map(str::to_owned),
    );
    for q in &queries {
        let request = url::Url::parse_with_params(&url, [("query", q)]).unwrap();
        let status = client.get(request).send().await.unwrap().status();
        let expected = if pattern.is_match(q) { 200 } else { 400 };
        assert_eq!(status, expected, "query {q:?}");
    }
}

/// The silent points of `docs/errata.md` › Silent points the OpenAPI description decides: the
/// description says what the reference does.
#[tokio::test]
async fn the_description_and_the_reference_agree_where_the_documentation_is_silent() {
    let doc = openapi::document();
    let target = ReferenceTarget::start(ReferenceOptions::default()).await.unwrap();
    let client = plain_client();

    // An unknown tenant: 404, listed for both operations of the account resource.
    for (path, url) in [
        (openapi::ACCOUNT_LIST_PATH, format!("{}/00/api/v1/vppAccounts?query=name%3Dx", target.url())),
        (openapi::ACCOUNT_PATH, format!("{}/00/api/v1/vppAccounts/{}", target.url(), openapi::ACCOUNT_SAMPLE_GUID)),
    ] {
        assert!(doc["paths"][path]["get"]["responses"]["404"].is_object(), "{path} lists 404");
        assert_eq!(client.get(url).send().await.unwrap().status(), 404, "{path}, an unknown tenant");
    }

    // The service configuration's body: optional, any JSON, answered as the documented `{}`.
    let body = &doc["paths"][openapi::SERVICE_CONFIG_PATH]["post"]["requestBody"];
    assert_eq!(body["required"], false, "{body}");
    assert_eq!(body["content"]["application/json"]["schema"], json!({}), "{body}");
    let url = format!("{}{}", target.url(), openapi::SERVICE_CONFIG_PATH);
    for sent in [None, Some("{}"), Some("[]"), Some("\"x\""), Some("null"), Some(r#"{"sToken":"abc"}"#)] {
        let mut request = client.post(&url);
        if let Some(text) = sent {
            request = request.header("Content-Type", "application/json").body(text);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200, "body {sent:?}");
        assert_eq!(&response.json::<Value>().await.unwrap(), catalog::service_config_fixture(), "body {sent:?}");
    }
}

/// The example responses are what the reference target answers to the example requests (up to
/// the order of the accounts, which the documentation does not fix).
#[tokio::test]
async fn the_reference_target_answers_the_examples() {
    let target = ReferenceTarget::start(ReferenceOptions::default()).await.unwrap();
    let client = plain_client();
    let doc = openapi::document();
    let tenant = openapi::documented_tenant();
    let sorted = |v: &Value| {
        let mut accounts = v["vppAccounts"].as_array().cloned().unwrap_or_default();
        accounts.sort_by_key(|a| a["guid"].to_string());
        accounts
    };
    let list = &doc["paths"][openapi::ACCOUNT_LIST_PATH]["get"]["responses"]["200"]["content"]
        [openapi::ACCOUNT_LIST_MEDIA_TYPE]["examples"];
    for sample in &openapi::LIST_SAMPLES {
        let url = format!("{}/{tenant}/api/v1/vppAccounts", target.url());
        let url = url::Url::parse_with_params(&url, [("query", sample.query)]).unwrap();
        let response = client.get(url).send().await.unwrap();
        assert_eq!(response.status(), 200, "{}", sample.key);
        let body: Value = response.json().await.unwrap();
        assert_eq!(sorted(&body), sorted(&list[sample.key]["value"]), "{}", sample.key);
    }
    let url = format!("{}/{tenant}/api/v1/vppAccounts/{}", target.url(), openapi::ACCOUNT_SAMPLE_GUID);
    let body: Value = client.get(&url).send().await.unwrap().json().await.unwrap();
    let one = &doc["paths"][openapi::ACCOUNT_PATH]["get"]["responses"]["200"]["content"][openapi::ACCOUNT_MEDIA_TYPE]["examples"]
        ["sample"]["value"];
    assert_eq!(&body, one);
}

/// A plain HTTP client for asking the reference directly, with the process's rustls crypto
/// provider installed first, as the suite's own client does (run alone, no other test has).
fn plain_client() -> reqwest::Client {
    vpp_conformance::http::tls::install_crypto_provider();
    reqwest::Client::new()
}
