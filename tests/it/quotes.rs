//! Quote posts (FEP-044f, as Mastodon 4.5 does them): a post says who may quote it in
//! its `interactionPolicy`; a QuoteRequest shaped as Mastodon documents it is answered
//! with an Accept naming a QuoteAuthorization anyone can fetch, or with a Reject when
//! the post's policy does not approve the asker; deleting the post revokes the stamps
//! (a Delete of each to the quoting actor, and their URLs answer 410). What is not a
//! proper request is dropped with a one-line reason and answered with nothing.

use crate::support::{
    Backend, Shape, TestNode, WAIT, eventually, get_json, on_every_backend, on_every_setup,
    peer::{Peer, rand_id},
    residents::{PUBLIC, note},
    session::{signed_in, text},
};
use kentongan::{
    auth::Role,
    publishing::PostInput,
    store::{InboxState, PostRecord, QuotePolicy},
    strings,
};
use serde_json::{Value, json};

/// A quote of `post_url` by `name` on `peer`, as Mastodon writes one (the FEP-044f
/// `quote`, with the inline fallback text).
fn quoting_note(peer: &Peer, name: &str, post_url: &str) -> Value {
    let mut quote = note(
        peer,
        name,
        &format!(
            "<p>Ayo datang!<span class=\"quote-inline\"><br/>RE: <a href=\"{post_url}\">{post_url}</a></span></p>"
        ),
        vec![PUBLIC.to_string()],
        None,
        None,
    );
    quote["quote"] = json!(post_url);
    quote
}

/// A QuoteRequest as Mastodon's documentation shows it: its own context, the quoted
/// post as `object`, the quoting note as `instrument` (inline or by id).
fn quote_request(peer: &Peer, name: &str, post_url: &str, instrument: Value) -> Value {
    json!({
        "@context": [
            "https://www.w3.org/ns/activitystreams",
            {
                "QuoteRequest": "https://w3id.org/fep/044f#QuoteRequest",
                "quote": { "@id": "https://w3id.org/fep/044f#quote", "@type": "@id" }
            }
        ],
        "type": "QuoteRequest",
        "id": format!("{}#quote_requests/{}", peer.actor_id(name), rand_id()),
        "actor": peer.actor_id(name),
        "object": post_url,
        "instrument": instrument,
    })
}

async fn publish(
    node: &TestNode,
    title: &str,
    policy: Option<QuotePolicy>,
) -> (PostRecord, String) {
    let post = node
        .publish(&PostInput {
            title: title.into(),
            body_markdown: "Kerja bakti membersihkan saluran.".into(),
            quote_policy: policy,
            ..Default::default()
        })
        .await;
    let url = format!("{}/p/{}", node.base, post.public_id);
    (post, url)
}

/// Sends `activity` as `name`; the inbox takes it (202) and the worker acts on it.
async fn send(node: &TestNode, peer: &Peer, name: &str, activity: &Value) -> (InboxState, String) {
    let (status, body) = peer
        .send(name, &format!("{}/inbox", node.base), activity)
        .await;
    assert_eq!(status, 202, "{body}");
    node.state().wake_inbox.notify_one();
    let id = activity["id"].as_str().expect("id");
    eventually(&format!("{id} acted on"), WAIT, || async {
        match node.state().store.inbox_outcome(id).await.expect("outcome") {
            Some((state, reason)) if state != InboxState::Pending => {
                Some((state, reason.unwrap_or_default()))
            }
            _ => None,
        }
    })
    .await
}

/// The answer (`Accept` or `Reject`) the peer received to the QuoteRequest `request`.
async fn answer_to(node: &TestNode, peer: &Peer, request: &Value) -> Value {
    node.state().wake_delivery.notify_one();
    let id = request["id"].clone();
    let received = eventually("the answer to a QuoteRequest", WAIT, || async {
        peer.received()
            .into_iter()
            .find(|r| r.activity["object"]["id"] == id)
    })
    .await;
    assert!(received.signature_verified, "signed by the village");
    let name = request["actor"].as_str().and_then(|a| a.rsplit('/').next());
    assert_eq!(
        Some(received.path.as_str()),
        name.map(|n| format!("/users/{n}/inbox")).as_deref(),
        "to the asker's inbox"
    );
    received.activity
}

/// `name` asks to quote `post_url` with a fresh note; the request and its answer.
async fn ask(node: &TestNode, peer: &Peer, name: &str, post_url: &str) -> (Value, Value) {
    let request = quote_request(peer, name, post_url, quoting_note(peer, name, post_url));
    send(node, peer, name, &request).await;
    let answer = answer_to(node, peer, &request).await;
    (request, answer)
}

fn automatic_approval(object: &Value) -> Value {
    object["interactionPolicy"]["canQuote"]["automaticApproval"].clone()
}

async fn quotes_are_approved_and_revoked_with_the_post(backend: Backend, shape: Shape) {
    let node = TestNode::start_in(&backend, shape, "desa-kutip").await;
    let peer = Peer::start_in(shape, true).await;
    let (post, post_url) = publish(&node, "Kerja bakti Minggu", None).await;

    // Anyone may quote a post by default, and the Note says so in Mastodon's terms.
    let (status, object) = get_json(&post_url).await;
    assert_eq!(status, 200);
    assert_eq!(automatic_approval(&object), json!([PUBLIC]), "{object}");
    let terms = &object["@context"][1];
    assert_eq!(terms["canQuote"]["@id"], "gts:canQuote", "{terms}");
    assert_eq!(terms["gts"], "https://gotosocial.org/ns#");

    // A request with the quote inline (FEP-044f's example) is accepted; the Accept
    // embeds the request and names the stamp as its `result`.
    let quote = quoting_note(&peer, "budi", &post_url);
    let request = quote_request(&peer, "budi", &post_url, quote.clone());
    let (state, reason) = send(&node, &peer, "budi", &request).await;
    assert_eq!(state, InboxState::Done, "{reason}");
    let accept = answer_to(&node, &peer, &request).await;
    assert_eq!(accept["type"], "Accept", "{accept}");
    assert_eq!(accept["actor"], node.actor_id());
    assert_eq!(accept["object"]["type"], "QuoteRequest");
    assert_eq!(accept["object"]["object"], post_url);
    assert_eq!(accept["object"]["instrument"], quote["id"]);
    assert_eq!(accept["to"], json!([peer.actor_id("budi")]));
    let stamp_url = accept["result"].as_str().expect("a result").to_string();
    let (status, stamp) = get_json(&stamp_url).await;
    assert_eq!(status, 200, "{stamp}");
    assert_eq!(stamp["type"], "QuoteAuthorization");
    assert_eq!(stamp["id"], stamp_url);
    assert_eq!(stamp["attributedTo"], node.actor_id());
    assert_eq!(stamp["interactingObject"], quote["id"]);
    assert_eq!(stamp["interactionTarget"], post_url);
    assert_eq!(
        stamp["@context"][1]["QuoteAuthorization"],
        "https://w3id.org/fep/044f#QuoteAuthorization"
    );

    // Mastodon's own requests name the quote by id: it is fetched and checked.
    let by_id = quoting_note(&peer, "sari", &post_url);
    peer.serve(&by_id);
    let request = quote_request(&peer, "sari", &post_url, by_id["id"].clone());
    let (state, reason) = send(&node, &peer, "sari", &request).await;
    assert_eq!(state, InboxState::Done, "{reason}");
    let second = answer_to(&node, &peer, &request).await;
    assert_eq!(second["type"], "Accept", "{second}");
    let second_url = second["result"].as_str().expect("a result").to_string();
    assert_ne!(second_url, stamp_url);
    assert_eq!(get_json(&second_url).await.0, 200);

    // The same quote asked again makes no second stamp.
    let again = quote_request(&peer, "budi", &post_url, quote.clone());
    let (state, reason) = send(&node, &peer, "budi", &again).await;
    assert_eq!(state, InboxState::Dropped, "{reason}");
    assert!(reason.contains("approved before"), "{reason}");

    // Deleting the post revokes both: a Delete of each stamp reaches its quoter, and
    // the stamps' URLs answer 410.
    let store = &node.state().store;
    let actor = store
        .actor_by_id(post.actor_id)
        .await
        .expect("read")
        .expect("actor");
    kentongan::publishing::delete(store, &actor, &post, None)
        .await
        .expect("delete");
    node.state().wake_delivery.notify_one();
    for (url, quoter) in [(&stamp_url, "budi"), (&second_url, "sari")] {
        let delete = eventually("the Delete of a stamp", WAIT, || async {
            peer.received_of("Delete")
                .into_iter()
                .find(|r| r.activity["object"] == json!(url))
        })
        .await;
        assert_eq!(delete.path, format!("/users/{quoter}/inbox"));
        assert_eq!(delete.activity["actor"], node.actor_id());
        assert!(delete.signature_verified);
        let (status, gone) = get_json(url).await;
        assert_eq!(status, 410, "{gone}");
        assert_eq!(gone["type"], "Tombstone");
    }
    assert!(
        store
            .live_quote_authorizations(post.id)
            .await
            .expect("read")
            .is_empty()
    );

    // A request to quote the deleted post is answered with nothing.
    let late = quote_request(
        &peer,
        "budi",
        &post_url,
        quoting_note(&peer, "budi", &post_url),
    );
    let (state, reason) = send(&node, &peer, "budi", &late).await;
    assert_eq!(state, InboxState::Dropped, "{reason}");

    peer.stop();
    node.stop().await;
}

#[tokio::test]
async fn quotes_are_approved_and_revoked_with_the_post_on_every_setup() {
    on_every_setup(quotes_are_approved_and_revoked_with_the_post).await;
}

async fn the_policy_decides_and_bad_requests_are_dropped(backend: Backend) {
    let node = TestNode::start(&backend, "desa-pilih").await;
    let peer = Peer::start(true).await;

    // Followers only: a stranger is refused, a follower approved.
    let (_, followers_url) = publish(&node, "Rapat RT", Some(QuotePolicy::Followers)).await;
    let (_, object) = get_json(&followers_url).await;
    assert_eq!(
        automatic_approval(&object),
        json!([format!("{}/followers", node.actor_id())])
    );
    let (request, reject) = ask(&node, &peer, "budi", &followers_url).await;
    assert_eq!(reject["type"], "Reject", "{reject}");
    assert_eq!(reject["object"]["id"], request["id"]);
    assert!(reject.get("result").is_none(), "{reject}");
    let follow = peer.follow("budi", &node.actor_id());
    send(&node, &peer, "budi", &follow).await;
    let (_, accept) = ask(&node, &peer, "budi", &followers_url).await;
    assert_eq!(accept["type"], "Accept", "{accept}");

    // Nobody: its author alone, so every request is refused.
    let (_, closed_url) = publish(&node, "Catatan internal", Some(QuotePolicy::Nobody)).await;
    let (_, object) = get_json(&closed_url).await;
    assert_eq!(automatic_approval(&object), json!([node.actor_id()]));
    let (_, reject) = ask(&node, &peer, "budi", &closed_url).await;
    assert_eq!(reject["type"], "Reject", "{reject}");

    // The site's setting is what a post without its own choice takes.
    let mut settings = kentongan::site::load(&node.state().store)
        .await
        .expect("settings");
    settings.quote_policy = QuotePolicy::Nobody;
    kentongan::site::save(&node.state().store, &settings)
        .await
        .expect("save");
    let (post, open_url) = publish(&node, "Kabar biasa", None).await;
    assert_eq!(post.quote_policy, QuotePolicy::Nobody);
    let (_, public_url) = publish(&node, "Kabar terbuka", Some(QuotePolicy::Public)).await;

    // What is not a proper request is dropped with its reason and answered with nothing.
    let mut not_theirs = quoting_note(&peer, "budi", &public_url);
    not_theirs["attributedTo"] = json!(peer.actor_id("sari"));
    let mut elsewhere = quoting_note(&peer, "budi", &public_url);
    elsewhere["id"] = json!("https://elsewhere.example/notes/1");
    let mut other_target = quoting_note(&peer, "budi", &public_url);
    other_target["quote"] = json!(open_url);
    let unserved = quoting_note(&peer, "budi", &public_url);
    let cases = [
        (json!(null), "names no quoting note"),
        (json!({"type": "Note"}), "names no quoting note"),
        (json!("not a url"), "not a URL"),
        (not_theirs, "not the asker's"),
        (elsewhere, "not on the asker's server"),
        (other_target, "does not quote this post"),
        (unserved["id"].clone(), "could not be fetched"),
        (
            json!({"id": unserved["id"], "type": "Person"}),
            "not a note",
        ),
    ];
    // The village's new posts reach budi, a follower now: only answers are counted.
    let answers = || {
        peer.received()
            .into_iter()
            .filter(|r| matches!(r.activity["type"].as_str(), Some("Accept" | "Reject")))
            .count()
    };
    let answered_before = answers();
    for (instrument, expected) in cases {
        let request = quote_request(&peer, "budi", &public_url, instrument);
        let (state, reason) = send(&node, &peer, "budi", &request).await;
        assert_eq!(state, InboxState::Dropped, "{expected}: {reason}");
        assert!(reason.contains(expected), "{expected}: {reason}");
        assert!(!reason.contains('\n'), "one line: {reason}");
    }
    let not_ours = quote_request(
        &peer,
        "budi",
        &format!("{}/notes/x", peer.base),
        quoting_note(&peer, "budi", &public_url),
    );
    let (state, reason) = send(&node, &peer, "budi", &not_ours).await;
    assert_eq!(state, InboxState::Dropped, "{reason}");
    assert!(reason.contains("no live post of ours"), "{reason}");
    node.state().wake_delivery.notify_one();
    // Every delivery queued so far is sent before the count is read.
    eventually("the deliveries sent", WAIT, || async {
        (node.state().store.count_pending_deliveries().await.ok()? == 0).then_some(())
    })
    .await;
    assert_eq!(answers(), answered_before, "nothing answers a bad request");

    peer.stop();
    node.stop().await;
}

#[tokio::test]
async fn the_policy_decides_and_bad_requests_are_dropped_on_every_backend() {
    on_every_backend(the_policy_decides_and_bad_requests_are_dropped).await;
}

/// The post the editor just published (the newest of the node's).
async fn newest_post(node: &TestNode) -> PostRecord {
    let actor = kentongan::actors::find_publishing_actor(&node.state().store, None)
        .await
        .expect("actor");
    node.state()
        .store
        .posts_page(actor.id, None, 1)
        .await
        .expect("posts")
        .into_iter()
        .next()
        .expect("a post")
}

async fn the_operator_chooses_per_site_and_per_post(backend: Backend) {
    let node = TestNode::start(&backend, "desa-atur").await;
    let (mut browser, csrf) = signed_in(&node, "admin.desa", Role::Admin).await;

    // The site's setting, in the settings form (both languages have their words).
    let page = browser.get("/admin/settings").await;
    assert!(page.body.contains("name=\"quote_policy\""), "{}", page.body);
    assert!(page.body.contains(strings::SETTINGS_QUOTE_POLICY.id));
    let settings = kentongan::site::load(&node.state().store)
        .await
        .expect("settings");
    let parts = vec![
        text("csrf", csrf),
        text("name", "Desa Atur"),
        text("description", ""),
        text("tagline", ""),
        text("village_word", "desa"),
        text("language", "id"),
        text("time_zone", "WIB"),
        text("colour_primary", settings.colour_primary.clone()),
        text("colour_accent", settings.colour_accent.clone()),
        text("contact_address", ""),
        text("contact_phone", ""),
        text("contact_email", ""),
        text("quote_policy", "followers"),
    ];
    let saved = browser
        .post_multipart("/admin/settings", &parts, None)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let settings = kentongan::site::load(&node.state().store)
        .await
        .expect("settings");
    assert_eq!(settings.quote_policy, QuotePolicy::Followers);

    // A post left to the site's setting takes it; one that chose keeps its choice.
    let editor = browser.get("/admin/posts/new").await;
    assert!(editor.body.contains(strings::QUOTE_POLICY_SITE_DEFAULT.id));
    let post = |title: &str, policy: &str| {
        vec![
            text("title", title),
            text("body", "Isi kabar."),
            text("kind", "berita"),
            text("quote_policy", policy),
        ]
    };
    let published = browser
        .editor("/admin/posts/new", "publish", post("Kabar biasa", ""))
        .await;
    assert_eq!(published.status, 303, "{}", published.body);
    assert_eq!(
        newest_post(&node).await.quote_policy,
        QuotePolicy::Followers
    );
    let published = browser
        .editor(
            "/admin/posts/new",
            "publish",
            post("Kabar tertutup", "nobody"),
        )
        .await;
    assert_eq!(published.status, 303, "{}", published.body);
    let closed = newest_post(&node).await;
    assert_eq!(closed.quote_policy, QuotePolicy::Nobody);
    // Editing keeps the choice the form shows.
    let form = browser
        .get(&format!("/admin/posts/{}/edit", closed.public_id))
        .await;
    assert!(
        form.body.contains("<option value=\"nobody\" selected>"),
        "{}",
        form.body
    );

    node.stop().await;
}

#[tokio::test]
async fn the_operator_chooses_per_site_and_per_post_on_every_backend() {
    on_every_backend(the_operator_chooses_per_site_and_per_post).await;
}
