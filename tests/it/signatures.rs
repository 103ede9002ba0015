//! Bad input at the inbox: every refusal is a 4xx with a one-line reason, and nothing
//! is stored. Signatures: missing, wrong key, bad digest, stale date, actor ≠ signer.

use crate::support::{
    Backend, Shape, TestNode, WAIT, client, eventually, on_every_backend, on_every_setup,
    peer::{Peer, private_key, rand_id},
};
use bytes::Bytes;
use serde_json::{Value, json};
use url::Url;

struct Case {
    name: &'static str,
    status: u16,
}

async fn nothing_stored(node: &TestNode) {
    let store = &node.state().store;
    assert_eq!(
        store.count_inbox().await.expect("count"),
        0,
        "no activity may be stored"
    );
    assert_eq!(
        store.count_remote_notes().await.expect("count"),
        0,
        "no note may be stored"
    );
    let actor = kentongan::actors::find_publishing_actor(store, None)
        .await
        .expect("actor");
    assert_eq!(store.count_followers(actor.id).await.expect("count"), 0);
}

fn assert_refused(case: &Case, status: u16, body: &str) {
    assert_eq!(status, case.status, "{}: got {status} {body}", case.name);
    let reason = body.trim();
    assert!(
        !reason.is_empty() && !reason.contains('\n'),
        "{}: reason must be one line, got {body:?}",
        case.name
    );
}

async fn send_raw(request: reqwest::RequestBuilder) -> (u16, String) {
    let response = request.send().await.expect("send");
    (
        response.status().as_u16(),
        response.text().await.unwrap_or_default(),
    )
}

async fn signed(
    inbox: &str,
    body: &Value,
    key_owner: &str,
    key: rsa::RsaPrivateKey,
    date: std::time::SystemTime,
) -> reqwest::Request {
    let url = Url::parse(inbox).expect("url");
    let builder = client()
        .post(inbox)
        .header("content-type", "application/activity+json")
        .header(
            "host",
            format!(
                "{}:{}",
                url.host_str().expect("host"),
                url.port().expect("port")
            ),
        )
        .header("date", httpdate::fmt_http_date(date));
    kentongan::federation::signing::sign(
        builder,
        Bytes::from(body.to_string()),
        &Url::parse(key_owner).expect("url"),
        key,
    )
    .await
    .expect("sign")
}

async fn refusals(backend: Backend) {
    let node = TestNode::start(&backend, "desa-d").await;
    let peer = Peer::start(true).await;
    let inbox = format!("{}/inbox", node.base);
    let follow = peer.follow("warga", &node.actor_id());
    let now = std::time::SystemTime::now();

    // No signature at all, though Date and Digest are right.
    let case = Case {
        name: "missing signature",
        status: 401,
    };
    let digest = {
        use base64::Engine;
        use sha2::Digest;
        let hash = sha2::Sha256::digest(follow.to_string().as_bytes());
        format!(
            "SHA-256={}",
            base64::engine::general_purpose::STANDARD.encode(hash)
        )
    };
    let (status, body) = send_raw(
        client()
            .post(&inbox)
            .header("content-type", "application/activity+json")
            .header("date", httpdate::fmt_http_date(now))
            .header("digest", digest)
            .body(follow.to_string()),
    )
    .await;
    assert_refused(&case, status, &body);

    // An actor whose inbox is on another server (we would POST there).
    let evil_follow = peer.follow("evil", &node.actor_id());
    let (status, body) = peer
        .send("evil", &format!("{}/inbox", node.base), &evil_follow)
        .await;
    assert_refused(
        &Case {
            name: "actor with a foreign inbox",
            status: 401,
        },
        status,
        &body,
    );

    // Signed with a key that is not the actor's.
    let other = activitypub_federation::http_signatures::generate_actor_keypair().expect("keys");
    let other_key =
        kentongan::federation::signing::parse_private_key(&other.private_key).expect("key");
    let request = signed(
        &inbox,
        &follow,
        &peer.actor_id("warga"),
        other_key.clone(),
        now,
    )
    .await;
    let (status, body) = send_raw_request(request).await;
    assert_refused(
        &Case {
            name: "wrong key",
            status: 401,
        },
        status,
        &body,
    );

    // The body changed after signing: the Digest no longer matches.
    let mut request = signed(&inbox, &follow, &peer.actor_id("warga"), private_key(), now).await;
    let mut tampered = follow.clone();
    tampered["object"] = json!(format!("{}/u/someone-else", node.base));
    *request.body_mut() = Some(reqwest::Body::from(tampered.to_string()));
    request.headers_mut().remove("content-length");
    let (status, body) = send_raw_request(request).await;
    assert_refused(
        &Case {
            name: "bad digest",
            status: 401,
        },
        status,
        &body,
    );

    // A Date two hours old, correctly signed.
    let stale = now - std::time::Duration::from_secs(7200);
    let request = signed(
        &inbox,
        &follow,
        &peer.actor_id("warga"),
        private_key(),
        stale,
    )
    .await;
    let (status, body) = send_raw_request(request).await;
    assert_refused(
        &Case {
            name: "stale date",
            status: 401,
        },
        status,
        &body,
    );

    // The activity names one actor, the signature is another's.
    let signer = Peer::start_with_other_key(true, other.clone()).await;
    let request = signed(&inbox, &follow, &signer.actor_id("mallory"), other_key, now).await;
    let (status, body) = send_raw_request(request).await;
    assert_refused(
        &Case {
            name: "actor differs from signer",
            status: 401,
        },
        status,
        &body,
    );

    // Malformed JSON, wrong content type, too large.
    let (status, body) = send_raw(
        client()
            .post(&inbox)
            .header("content-type", "application/activity+json")
            .body("{not json"),
    )
    .await;
    assert_refused(
        &Case {
            name: "malformed JSON",
            status: 400,
        },
        status,
        &body,
    );
    let (status, body) = send_raw(
        client()
            .post(&inbox)
            .header("content-type", "text/plain")
            .body(follow.to_string()),
    )
    .await;
    assert_refused(
        &Case {
            name: "wrong content type",
            status: 415,
        },
        status,
        &body,
    );
    let huge =
        json!({ "id": "x", "type": "Create", "actor": "y", "padding": "a".repeat(1_100_000) });
    let (status, body) = send_raw(
        client()
            .post(&inbox)
            .header("content-type", "application/activity+json")
            .body(huge.to_string()),
    )
    .await;
    assert_refused(
        &Case {
            name: "over 1 MiB",
            status: 413,
        },
        status,
        &body,
    );

    // An actor on a server that does not answer: its key cannot be fetched.
    let (closed, port) = crate::support::loopback_listener().await;
    drop(closed);
    let ghost = format!("http://localhost:{port}/users/ghost");
    let ghost_follow = json!({ "id": format!("http://localhost:{port}/f/1"), "type": "Follow", "actor": ghost, "object": node.actor_id() });
    let request = signed(&inbox, &ghost_follow, &ghost, private_key(), now).await;
    let (status, body) = send_raw_request(request).await;
    assert_refused(
        &Case {
            name: "unknown actor",
            status: 401,
        },
        status,
        &body,
    );

    // A Create whose object claims another author.
    let create = json!({
        "id": format!("{}/activities/{}", peer.base, rand_id()),
        "type": "Create",
        "actor": peer.actor_id("warga"),
        "object": {
            "id": format!("{}/notes/{}", peer.base, rand_id()),
            "type": "Note",
            "attributedTo": peer.actor_id("someone-else"),
            "content": "bukan tulisan saya",
        },
    });
    let (status, body) = peer.send("warga", &inbox, &create).await;
    assert_refused(
        &Case {
            name: "object of another author",
            status: 400,
        },
        status,
        &body,
    );

    nothing_stored(&node).await;

    // Mastodon announcing a deleted account we never knew: its key is gone, and so is
    // everything to do; answered 202 so the sender stops retrying.
    let gone = format!("http://localhost:{port}/users/gone");
    let deletion =
        json!({ "id": format!("{gone}#delete"), "type": "Delete", "actor": gone, "object": gone });
    let (status, _) = send_raw(
        client()
            .post(&inbox)
            .header("content-type", "application/activity+json")
            .body(deletion.to_string()),
    )
    .await;
    assert_eq!(status, 202);
    // The same for an actor we know still needs its signature.
    let known = peer.actor_id("warga");
    let deletion = json!({ "id": format!("{known}#delete"), "type": "Delete", "actor": known, "object": known });
    let (status, body) = send_raw(
        client()
            .post(&inbox)
            .header("content-type", "application/activity+json")
            .header("date", httpdate::fmt_http_date(now))
            .body(deletion.to_string()),
    )
    .await;
    assert_refused(
        &Case {
            name: "unsigned Delete of a known actor",
            status: 401,
        },
        status,
        &body,
    );
    nothing_stored(&node).await;

    // An activity type we do not handle: 202, ignored.
    let flag = json!({ "id": format!("{}/activities/{}", peer.base, rand_id()), "type": "Flag", "actor": peer.actor_id("warga"), "object": node.actor_id() });
    let (status, _) = peer.send("warga", &inbox, &flag).await;
    assert_eq!(status, 202);
    nothing_stored(&node).await;

    signer.stop();
    peer.stop();
    node.stop().await;
}

async fn send_raw_request(request: reqwest::Request) -> (u16, String) {
    let response = client().execute(request).await.expect("send");
    (
        response.status().as_u16(),
        response.text().await.unwrap_or_default(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_a_clear_4xx_and_change_nothing_on_every_backend() {
    on_every_backend(refusals).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooding_server_gets_429_with_retry_after_and_others_still_get_in() {
    const BURST: usize = 20;
    let limits = format!("burst = {BURST}\nper_minute = 6");
    let node = TestNode::start_configured(
        &Backend::Sqlite,
        "desa-banjir",
        kentongan::config::Role::Village,
        &[("[inbox]", &limits)],
    )
    .await;
    let flood = Peer::start(true).await;
    let calm = Peer::start(true).await;
    let inbox = format!("{}/inbox", node.base);
    let burst = BURST;
    let mut refused = None;
    for i in 0..burst + 5 {
        let like = json!({
            "id": format!("{}/likes/{i}", flood.base),
            "type": "Like",
            "actor": flood.actor_id("banjir"),
            "object": node.actor_id(),
        });
        let url = Url::parse(&inbox).expect("url");
        let request = signed(
            &inbox,
            &like,
            &flood.actor_id("banjir"),
            private_key(),
            std::time::SystemTime::now(),
        )
        .await;
        let response = client().execute(request).await.expect("send");
        if response.status().as_u16() == 429 {
            let retry_after = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            refused = Some((i, retry_after, response.text().await.unwrap_or_default()));
            break;
        }
        assert_eq!(response.status().as_u16(), 202, "request {i} to {url}");
    }
    let (at, retry_after, body) = refused.expect("the flood is refused at some point");
    assert!(
        at >= burst,
        "the first {burst} are accepted, refused at {at}"
    );
    assert!(
        retry_after.is_some_and(|v| v.parse::<u64>().is_ok_and(|s| s >= 1)),
        "Retry-After in seconds"
    );
    assert_eq!(body.trim().lines().count(), 1);
    // Another server is not held back by the flood.
    let follow = calm.follow("warga", &node.actor_id());
    let (status, _) = calm.send("warga", &inbox, &follow).await;
    assert_eq!(status, 202);
    flood.stop();
    calm.stop();
    node.stop().await;
}

/// A peer changes its key after the node has stored the old one: its next activity does
/// not verify with the stored key, so the node fetches the actor again and accepts it;
/// a second failure within minutes does not make the node fetch again.
async fn key_rotation(backend: Backend, shape: Shape) {
    let node = TestNode::start_in(&backend, shape, "desa-kunci").await;
    let peer = Peer::start_in(shape, true).await;
    let inbox = format!("{}/inbox", node.base);
    let follow = peer.follow("warga", &node.actor_id());
    let (status, body) = peer.send("warga", &inbox, &follow).await;
    assert_eq!(status, 202, "{body}");
    eventually("the Accept", WAIT, || async {
        peer.received_of("Accept").into_iter().next()
    })
    .await;
    let fetches_before = peer.fetches().len();

    peer.rotate_key();
    let undo = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/activities/undo-{}", peer.base, rand_id()),
        "type": "Undo",
        "actor": peer.actor_id("warga"),
        "object": follow,
    });
    let (status, body) = peer.send("warga", &inbox, &undo).await;
    assert_eq!(status, 202, "signed with the new key: {body}");
    assert!(
        peer.fetches().len() > fetches_before,
        "the node fetched the actor again"
    );
    let store = &node.state().store;
    let actor = kentongan::actors::find_publishing_actor(store, None)
        .await
        .expect("actor");
    eventually("the Undo to take effect", WAIT, || async {
        (store.count_followers(actor.id).await.expect("count") == 0).then_some(())
    })
    .await;

    // Another rotation at once: the node does not fetch the actor again for a while, so
    // forged signatures cannot make it fetch at will.
    peer.rotate_key();
    let fetches_before = peer.fetches().len();
    let again = peer.follow("warga", &node.actor_id());
    let (status, _) = peer.send("warga", &inbox, &again).await;
    assert_eq!(
        status, 401,
        "a second key change within minutes is not refetched"
    );
    assert_eq!(peer.fetches().len(), fetches_before);

    peer.stop();
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_rotates_its_key_is_accepted_after_one_refetch_on_every_backend_and_in_production_shape()
 {
    on_every_setup(key_rotation).await;
}

/// In production mode a node connects to no loopback address: a peer whose name
/// resolves to 127.0.0.1 cannot get its key fetched, so its Follow is refused and
/// nothing is stored, with the reason in one line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_in_production_mode_never_connects_to_loopback_addresses() {
    if let Err(reason) = crate::support::production::proxy() {
        eprintln!("SKIPPED: {reason}");
        return;
    }
    let mut node = TestNode::start_in(&Backend::Sqlite, Shape::Production, "desa-tertutup").await;
    node.go_offline().await;
    node.come_back_with(|config| config.addresses.loopback = false)
        .await;
    let peer = Peer::start_in(Shape::Production, true).await;
    let follow = peer.follow("warga", &node.actor_id());
    let (status, body) = peer
        .send("warga", &format!("{}/inbox", node.base), &follow)
        .await;
    assert_eq!(status, 401, "{body}");
    assert!(!body.trim().contains('\n'), "one line: {body:?}");
    assert!(peer.fetches().is_empty(), "the node never reached the peer");
    nothing_stored(&node).await;
    peer.stop();
    node.stop().await;
}

/// A signature that does not cover `host` could have been made for another server and
/// replayed here: refused before anything is fetched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signature_that_does_not_cover_the_host_is_refused() {
    let node = TestNode::start(&Backend::Sqlite, "desa-host").await;
    let peer = Peer::start(true).await;
    let follow = peer.follow("warga", &node.actor_id());
    let signature = format!(
        r#"keyId="{}#main-key",algorithm="rsa-sha256",headers="(request-target) date digest",signature="c2lnbmF0dXJl""#,
        peer.actor_id("warga")
    );
    let (status, body) = send_raw(
        client()
            .post(format!("{}/inbox", node.base))
            .header("content-type", "application/activity+json")
            .header(
                "date",
                httpdate::fmt_http_date(std::time::SystemTime::now()),
            )
            .header("digest", digest_of(&follow))
            .header("signature", signature)
            .body(follow.to_string()),
    )
    .await;
    assert_refused(
        &Case {
            name: "host not signed",
            status: 401,
        },
        status,
        &body,
    );
    assert!(body.contains("host"), "{body}");
    assert!(peer.fetches().is_empty(), "nothing fetched for it");
    nothing_stored(&node).await;
    peer.stop();
    node.stop().await;
}

fn digest_of(body: &Value) -> String {
    use base64::Engine;
    use sha2::Digest;
    let hash = sha2::Sha256::digest(body.to_string().as_bytes());
    format!(
        "SHA-256={}",
        base64::engine::general_purpose::STANDARD.encode(hash)
    )
}

/// A server on "the intranet" that counts the requests it gets and serves a secret at
/// every path: as HTML, or as ActivityPub JSON with the right id that is no actor.
async fn secret_server() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use axum::{Router, extract::Path, routing::get};
    use std::sync::{Arc, atomic::AtomicUsize};
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let (listener, port) = crate::support::loopback_listener().await;
    let base = format!("http://localhost:{port}");
    let own = base.clone();
    let router = Router::new().route(
        "/{kind}/{name}",
        get(move |Path((kind, name)): Path<(String, String)>| {
            let counter = counter.clone();
            let own = own.clone();
            async move {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if kind == "json" {
                    let doc = json!({ "id": format!("{own}/json/{name}"), "type": "Note", "content": "SECRET-INTRANET-TEXT" });
                    (
                        [("content-type", "application/activity+json")],
                        doc.to_string(),
                    )
                } else {
                    (
                        [("content-type", "text/html")],
                        "<html><body>SECRET-INTRANET-TEXT</body></html>".to_string(),
                    )
                }
            }
        }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (base, hits)
}

/// A POST naming an actor at any URL makes the node fetch that URL to find the key;
/// the answer never carries what the URL served, and actors we do not know are fetched
/// at most so many times per host before their signatures can be checked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inbox_is_not_a_proxy_and_unverified_fetches_are_limited_per_host() {
    let node = TestNode::start(&Backend::Sqlite, "desa-proksi").await;
    let inbox = format!("{}/inbox", node.base);
    let (secret, hits) = secret_server().await;
    let now = std::time::SystemTime::now();
    for kind in ["html", "json"] {
        let actor = format!("{secret}/{kind}/intranet");
        let follow = json!({ "id": format!("{actor}/f/{}", rand_id()), "type": "Follow", "actor": actor, "object": node.actor_id() });
        let request = signed(&inbox, &follow, &actor, private_key(), now).await;
        let (status, body) = send_raw_request(request).await;
        assert_eq!(status, 401, "{kind}: {body}");
        assert!(
            !body.contains("SECRET"),
            "{kind}: the answer carries fetched content: {body}"
        );
    }
    assert!(hits.load(std::sync::atomic::Ordering::SeqCst) >= 2);

    // Made-up actors on one host, one after another: the node stops fetching before its
    // share is exceeded and says when to come back.
    let before = hits.load(std::sync::atomic::Ordering::SeqCst);
    let started = std::time::Instant::now();
    let mut limited = None;
    for i in 0..60 {
        let actor = format!("{secret}/html/made-up-{i}");
        let follow = json!({ "id": format!("{actor}/f/1"), "type": "Follow", "actor": actor, "object": node.actor_id() });
        let request = signed(&inbox, &follow, &actor, private_key(), now).await;
        let response = client().execute(request).await.expect("send");
        if response.status().as_u16() == 429 {
            limited = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            break;
        }
    }
    let fetched = hits.load(std::sync::atomic::Ordering::SeqCst) - before;
    assert!(
        limited.is_some(),
        "429 with Retry-After after {fetched} fetches"
    );
    // The burst, and what the bucket refilled while the requests went out.
    let refilled = (started.elapsed().as_secs_f64()
        * f64::from(kentongan::state::UNVERIFIED_FETCHES_PER_MINUTE)
        / 60.0)
        .ceil() as usize;
    let allowed = kentongan::state::UNVERIFIED_FETCH_BURST as usize + refilled;
    assert!(
        fetched <= allowed,
        "{fetched} fetches for unverified requests to one host, {allowed} allowed"
    );
    nothing_stored(&node).await;
    node.stop().await;
}
