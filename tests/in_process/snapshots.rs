//! The snapshots in `snapshots/` are the normalized responses of the documented samples as the
//! reference target serves them. This test re-derives them: when the fixtures or the
//! normalization change, it fails and `cargo insta review` shows the difference to accept.

use vpp_conformance::checks::snapshot::{normalize_accounts, normalize_service_config, snap_contents};
use vpp_conformance::http::{Client, ClientOptions};
use vpp_conformance::redact::Redactor;
use vpp_conformance::reference::{ReferenceOptions, ReferenceTarget};

/// (snapshot, method, path and query as sent, body)
const SAMPLES: &[(&str, &str, &str, Option<&str>)] = &[
    ("apple-vpp-service-config", "POST", "/mdm/VPPServiceConfigSrv", Some("{}")),
    ("uem-sample-1", "GET", "/SRP00000/api/v1/vppAccounts?query=name=VPP-token-version-3", None),
    ("uem-sample-2", "GET", "/SRP00000/api/v1/vppAccounts?query=tokenExpiryDate%3C=2027-01-01T00:00:00.000Z", None),
    (
        "uem-sample-3",
        "GET",
        "/SRP00000/api/v1/vppAccounts?query=name=VPP-token-version-3,tokenExpiryDate%3C2027-01-01T00:00:00.000Z,tokenExpiryDate%3E=2026-01-01T00:00:00.000Z",
        None,
    ),
    ("uem-sample-4", "GET", "/SRP00000/api/v1/vppAccounts?query=tokenExpiryDate%3C=2015-01-01T00:00:00.000Z", None),
    ("uem-get-by-guid-sample", "GET", "/SRP00000/api/v1/vppAccounts/6359d1fc-6b8b-4920-ae0e-9c8405cb08b5", None),
];

#[tokio::test]
async fn snapshots_are_the_normalized_reference_responses() {
    let target = ReferenceTarget::start(ReferenceOptions::default()).await.unwrap();
    let client = Client::new(ClientOptions::default(), Redactor::new()).unwrap();
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    let _guard = settings.bind_to_scope();
    for (name, method, path, body) in SAMPLES {
        let exchange = client.send(method, &format!("{}{path}", target.url()), *body, None).await;
        let reply = exchange.reply().unwrap();
        assert_eq!(reply.status, 200, "{exchange}");
        let json: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
        let normalized =
            if name.starts_with("apple") { normalize_service_config(&json) } else { normalize_accounts(&json) };
        insta::assert_json_snapshot!(*name, normalized);
    }
}

/// The runtime reads `.snap` files itself (they are embedded in the binary); its reading must
/// agree with insta's own.
#[test]
fn embedded_snapshot_reading_agrees_with_insta() {
    for entry in vpp_conformance::catalog::SNAPSHOTS {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(entry.path);
        let insta_view = insta::Snapshot::from_file(&path).unwrap();
        let insta_json: serde_json::Value = match insta_view.contents() {
            insta::internals::SnapshotContents::Text(text) => serde_json::from_str(&text.to_string()).unwrap(),
            other => panic!("{} is not a text snapshot: {other:?}", entry.path),
        };
        assert_eq!(snap_contents(entry.text).unwrap(), insta_json, "{}", entry.path);
    }
}
