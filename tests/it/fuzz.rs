//! Random and mutated input thrown at a running node the way strangers can: inbox
//! bodies and headers (unsigned, and signed by a known actor so that the activity's
//! shape reaches the checks and the worker behind them), the website's message form,
//! and the portal's CSV import. Never a 5xx, never a panic; afterwards the node still
//! does its work (a Follow is still answered).
//!
//! CI tries a few dozen cases per property; `PROPTEST_CASES=2000 cargo test --test it
//! fuzz` is a long run (docs/security.md).

use crate::support::{Backend, TestNode, WAIT, eventually, peer::Peer, peer::rand_id};
use proptest::{prelude::*, test_runner::TestRunner};
use serde_json::{Value, json};

/// The crate's generators (`src/fuzzing.rs`), compiled in here as well: the library
/// builds them for its unit tests only.
#[path = "../../src/fuzzing.rs"]
#[allow(dead_code)] // `json_like` serves the unit tests of the parsers only.
mod fuzzing;

fn runner(default_cases: u32) -> TestRunner {
    TestRunner::new(fuzzing::config(default_cases))
}

/// Headers a stranger may send with an inbox POST.
fn inbox_headers() -> impl Strategy<Value = Vec<(&'static str, String)>> {
    prop::collection::vec(
        (
            prop::sample::select(vec![
                "content-type",
                "signature",
                "digest",
                "date",
                "content-length",
            ]),
            prop_oneof![
                "[ -~]{0,80}",
                Just("application/activity+json".to_string()),
                Just("SHA-256=AAAA,SHA-512=BBBB".to_string()),
                Just(r#"keyId="http://localhost:1/u#k",headers="(request-target) host date digest",signature="AAAA""#.to_string()),
                Just(r#"keyId="x",created=18446744073709551615,headers="(request-target) host (created) digest",signature="A""#.to_string()),
            ],
        ),
        0..5,
    )
}

/// Unsigned or badly signed POSTs with any body and headers: a 4xx, never a 5xx; then
/// a proper Follow is still accepted.
#[test]
fn the_inbox_answers_random_requests_with_a_4xx_and_keeps_working() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let node = rt.block_on(TestNode::start(&Backend::Sqlite, "desa-acak"));
    let inbox = format!("{}/inbox", node.base);
    let client = crate::support::client();
    let body = prop_oneof![
        fuzzing::json_value().prop_map(|v| v.to_string()),
        "[ -~]{0,300}",
        Just("{\"id\":\"x\",\"type\":\"Follow\",\"actor\":\"y\"}".to_string()),
    ];
    runner(48)
        .run(&(body, inbox_headers()), |(body, headers)| {
            let mut request = client.post(&inbox).body(body.clone());
            for (name, value) in &headers {
                request = request.header(*name, value.as_str());
            }
            let status = rt.block_on(async {
                match request.send().await {
                    Ok(response) => response.status().as_u16(),
                    // A header reqwest cannot send, or a length that lies: nothing reached us.
                    Err(_) => 400,
                }
            });
            prop_assert!(status < 500, "{status} for {body:?} with {headers:?}");
            Ok(())
        })
        .expect("every random request gets an answer below 500");
    still_accepts_a_follow(&rt, &node);
    rt.block_on(node.stop());
}

/// Activities of any shape, properly signed by a known actor: past the signature they
/// meet our checks and the worker; each is answered below 500, and the worker keeps
/// processing (a Follow afterwards is still accepted).
#[test]
fn signed_activities_of_any_shape_are_answered_and_processed_without_harm() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let node = rt.block_on(TestNode::start(&Backend::Sqlite, "desa-bentuk"));
    let peer = rt.block_on(Peer::start(true));
    let inbox = format!("{}/inbox", node.base);
    let actor = peer.actor_id("warga");
    let kinds = prop::sample::select(vec![
        "Create", "Update", "Delete", "Follow", "Undo", "Block", "Accept", "Reject", "Announce",
        "Like", "Move", "Flag", "Add",
    ]);
    let base = peer.base.clone();
    let node_actor = node.actor_id();
    let activity =
        (kinds, fuzzing::json_value(), any::<bool>()).prop_map(move |(kind, object, ours)| {
            let mut object = object;
            // Half the time the object is shaped to get further: an id on the peer, our
            // actor named, the signer as author.
            if ours && let Value::Object(map) = &mut object {
                map.insert("id".into(), json!(format!("{base}/notes/{}", rand_id())));
                map.insert("attributedTo".into(), json!(format!("{base}/users/warga")));
                map.insert("to".into(), json!([node_actor.clone()]));
            }
            json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": format!("{base}/activities/{}", rand_id()),
                "type": kind,
                "actor": format!("{base}/users/warga"),
                "object": object,
            })
        });
    runner(48)
        .run(&activity, |activity| {
            let (status, body) = rt.block_on(peer.send("warga", &inbox, &activity));
            prop_assert!(status < 500, "{status} {body} for {activity}");
            Ok(())
        })
        .expect("every signed activity gets an answer below 500");
    assert!(!actor.is_empty());
    still_accepts_a_follow_from(&rt, &node, &peer);
    peer.stop();
    rt.block_on(node.stop());
}

fn still_accepts_a_follow(rt: &tokio::runtime::Runtime, node: &TestNode) {
    let peer = rt.block_on(Peer::start(true));
    still_accepts_a_follow_from(rt, node, &peer);
    peer.stop();
}

fn still_accepts_a_follow_from(rt: &tokio::runtime::Runtime, node: &TestNode, peer: &Peer) {
    let follow = peer.follow("sesudah", &node.actor_id());
    let (status, body) =
        rt.block_on(peer.send("sesudah", &format!("{}/inbox", node.base), &follow));
    assert_eq!(status, 202, "{body}");
    rt.block_on(eventually("the Accept after the noise", WAIT, || async {
        peer.received_of("Accept")
            .into_iter()
            .find(|a| a.activity["object"]["id"] == follow["id"])
    }));
}

/// The website's message form with any fields, from many addresses (so the per-address
/// limit does not hide the handler): a page, never a 5xx.
#[test]
fn the_message_form_answers_any_fields_below_500() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let node = rt.block_on(TestNode::start(&Backend::Sqlite, "desa-formulir"));
    let url = format!("{}/aspirasi", node.base);
    let client = crate::support::client();
    let names = prop::sample::select(vec![
        "name", "contact", "class", "message", "website", "photo", "nomor", "",
    ]);
    let fields = prop::collection::vec(
        (
            names,
            prop_oneof![
                ".{0,60}",
                Just("3201 0123 4567 0001".to_string()),
                Just("x".repeat(6000)),
            ],
        ),
        0..6,
    );
    let n = std::sync::atomic::AtomicU32::new(0);
    runner(48)
        .run(&fields, |fields| {
            let n = n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let body = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(fields.iter().map(|(k, v)| (*k, v.as_str())))
                .finish();
            let status = rt.block_on(async {
                client
                    .post(&url)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .header("x-forwarded-for", format!("198.51.100.{}", n % 250))
                    .body(body)
                    .send()
                    .await
                    .expect("POST /aspirasi")
                    .status()
                    .as_u16()
            });
            prop_assert!(status < 500, "{status} for {fields:?}");
            Ok(())
        })
        .expect("every form gets an answer below 500");
    rt.block_on(node.stop());
}

const SAMPLE_CSV: &str = "nama,akun,kecamatan,kode\nDesa Lalang,desa-lalang@lalang.example,Manggar,19.06.01.2001\n\"Desa \"\"A\"\"\",https://a.example/feed,Gantung,\n";

/// Any CSV given to `villages import`: villages added, or rows reported, never a panic.
#[test]
fn the_village_import_reads_any_csv_without_panic() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("dir");
    let store = rt
        .block_on(kentongan::store::Store::connect(
            &kentongan::store::Store::default_url(dir.path()),
        ))
        .expect("store");
    let csv = prop_oneof!["[ -~\\n\",]{0,200}", fuzzing::mutated(SAMPLE_CSV),];
    runner(96)
        .run(&csv, |csv| {
            let _ = rt.block_on(kentongan::portal::registry::import_csv(
                &store,
                csv.as_bytes(),
            ));
            Ok(())
        })
        .expect("no CSV makes the import panic");
    rt.block_on(store.close());
}
