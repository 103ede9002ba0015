//! A Kentongan node and a fediverse peer talk over real HTTP: WebFinger, follow,
//! accept, post, update, delete, unfollow; on SQLite and on PostgreSQL, on loopback and
//! in production shape (behind nginx with TLS and HTTP/2, names without ports).

use crate::support::{
    Backend, Shape, TestNode, WAIT, client, eventually, get_json, on_every_backend, on_every_setup,
    peer::Peer,
};
use kentongan::publishing::{self, PostChanges};
use serde_json::{Value, json};

async fn follower_count(node: &TestNode) -> i64 {
    let actor = kentongan::actors::find_publishing_actor(&node.state().store, None)
        .await
        .expect("actor");
    node.state()
        .store
        .count_followers(actor.id)
        .await
        .expect("count")
}

async fn publish_via_api(node: &TestNode, title: &str, body: &str, categories: &[&str]) -> String {
    let response = client()
        .post(format!("{}/api/v1/posts", node.base))
        .bearer_auth(&node.token)
        .json(&json!({ "title": title, "body": body, "categories": categories }))
        .send()
        .await
        .expect("POST /api/v1/posts");
    assert_eq!(response.status().as_u16(), 201);
    let doc: Value = response.json().await.expect("json");
    doc["url"].as_str().expect("url").to_string()
}

async fn follow_accept_post_update_delete_unfollow(backend: Backend, shape: Shape) {
    let node = TestNode::start_in(&backend, shape, "desa-jangkarasam").await;
    let peer = Peer::start_in(shape, true).await;

    // WebFinger loops back exactly to the actor id, as Mastodon checks.
    let (status, finger) = get_json(&format!(
        "{}/.well-known/webfinger?resource=acct:desa-jangkarasam@{}",
        node.base, node.domain
    ))
    .await;
    assert_eq!(status, 200);
    let self_link = finger["links"]
        .as_array()
        .expect("links")
        .iter()
        .find(|l| l["rel"] == "self")
        .expect("self link");
    assert_eq!(self_link["href"], node.actor_id());
    let (_, actor) = get_json(&node.actor_id()).await;
    assert_eq!(actor["preferredUsername"], "desa-jangkarasam");
    assert_eq!(actor["type"], "Organization");
    assert_eq!(actor["manuallyApprovesFollowers"], false);
    assert_eq!(
        actor["endpoints"]["sharedInbox"],
        format!("{}/inbox", node.base)
    );

    // Follow: accepted at once, with the Follow embedded, signed.
    let follow = peer.follow("warga", &node.actor_id());
    let (status, body) = peer
        .send(
            "warga",
            &format!("{}/u/desa-jangkarasam/inbox", node.base),
            &follow,
        )
        .await;
    assert_eq!(status, 202, "{body}");
    let accept = eventually("an Accept at the follower", WAIT, || async {
        peer.received_of("Accept").into_iter().next()
    })
    .await;
    assert_eq!(accept.activity["object"]["id"], follow["id"]);
    assert_eq!(accept.path, "/users/warga/inbox");
    assert!(
        accept.signature_verified,
        "the Accept's signature must verify"
    );
    // Signed fetches both ways: the node fetched the follower's actor with a signed GET
    // that verified at the peer (which, in production shape, refuses unsigned ones as
    // GoToSocial does), and the peer verified the node's signatures by fetching its keys
    // with signed GETs of its own.
    assert!(
        peer.fetches()
            .iter()
            .any(|f| f.path == "/users/warga" && f.signature_verified),
        "the node fetches the follower with a signed GET: {:?}",
        peer.fetches()
    );
    assert!(
        peer.fetches().iter().all(|f| f.signed),
        "every GET the node makes is signed: {:?}",
        peer.fetches()
    );
    assert_eq!(follower_count(&node).await, 1);
    let (_, followers) = get_json(&format!("{}/u/desa-jangkarasam/followers", node.base)).await;
    assert_eq!(followers["totalItems"], 1);

    // A profile edit reaches followers as an Update of the actor.
    let main_actor = kentongan::actors::find_publishing_actor(&node.state().store, None)
        .await
        .expect("actor");
    let changes = kentongan::actors::ProfileChanges {
        name: Some("Pemerintah Desa Jangkarasam".into()),
        summary: Some("Kabar resmi **desa**.".into()),
        fields: Some(vec![
            "Kecamatan=Gantung".into(),
            "Situs=https://jangkarasam.example".into(),
        ]),
        ..Default::default()
    };
    kentongan::actors::edit_profile(&node.state().store, &main_actor, &changes)
        .await
        .expect("edit profile");
    node.state().wake_delivery.notify_one();
    let update = eventually("a profile Update", WAIT, || async {
        peer.received_of("Update")
            .into_iter()
            .find(|u| u.activity["object"]["type"] == "Organization")
    })
    .await;
    assert!(update.signature_verified);
    assert_eq!(update.activity["object"]["id"], node.actor_id());
    assert_eq!(
        update.activity["object"]["name"],
        "Pemerintah Desa Jangkarasam"
    );
    assert_eq!(
        update.activity["object"]["attachment"][0]["type"],
        "PropertyValue"
    );
    assert_eq!(
        update.activity["object"]["attachment"][0]["value"],
        "Gantung"
    );
    assert!(
        update.activity["object"]["attachment"][1]["value"]
            .as_str()
            .unwrap_or_default()
            .contains("href=\"https://jangkarasam.example")
    );
    let (_, actor) = get_json(&node.actor_id()).await;
    assert_eq!(
        actor["summary"],
        "<p>Kabar resmi <strong>desa</strong>.</p>\n"
    );

    // Post: a Note with the title in bold, the body, the hashtag and the link.
    let url = publish_via_api(
        &node,
        "Kerja bakti",
        "Warga diundang **kerja bakti**.\n\n![Peta balai desa](https://example.org/peta.png)",
        &["Pengumuman"],
    )
    .await;
    let create = eventually("a Create at the follower's server", WAIT, || async {
        peer.received_of("Create").into_iter().next()
    })
    .await;
    assert_eq!(create.path, "/inbox", "delivered to the shared inbox");
    assert!(create.signature_verified);
    let note = &create.activity["object"];
    assert_eq!(note["type"], "Note");
    assert_eq!(note["id"], url);
    assert_eq!(note["url"], url);
    assert_eq!(note["attributedTo"], node.actor_id());
    let content = note["content"].as_str().expect("content");
    assert!(
        content.starts_with("<p><strong>Kerja bakti</strong></p>"),
        "{content}"
    );
    assert!(
        content.contains("<strong>kerja bakti</strong>"),
        "{content}"
    );
    assert!(content.contains(&format!("href=\"{url}\"")), "{content}");
    assert_eq!(note["attachment"][0]["type"], "Image");
    assert_eq!(note["attachment"][0]["url"], "https://example.org/peta.png");
    assert_eq!(note["attachment"][0]["mediaType"], "image/png");
    assert_eq!(note["attachment"][0]["name"], "Peta balai desa");
    assert_eq!(note["tag"][0]["type"], "Hashtag");
    assert_eq!(note["tag"][0]["name"], "#Pengumuman");
    assert_eq!(note["contentMap"]["id"], note["content"]);
    assert_eq!(
        note["to"][0],
        "https://www.w3.org/ns/activitystreams#Public"
    );
    assert_eq!(
        note["cc"][0],
        format!("{}/u/desa-jangkarasam/followers", node.base)
    );

    // The same URL answers JSON-LD and HTML.
    let (status, fetched) = get_json(&url).await;
    assert_eq!(status, 200);
    assert_eq!(fetched["id"], url);
    let html = client()
        .get(&url)
        .header("accept", "text/html")
        .send()
        .await
        .expect("GET html");
    assert!(
        html.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .starts_with("text/html")
    );
    assert!(
        html.text()
            .await
            .unwrap_or_default()
            .contains("Kerja bakti")
    );
    let (_, outbox) = get_json(&format!("{}/u/desa-jangkarasam/outbox", node.base)).await;
    assert_eq!(outbox["totalItems"], 1);
    let (_, page) = get_json(outbox["first"].as_str().expect("first page")).await;
    assert_eq!(page["orderedItems"][0]["object"]["id"], url);

    // Edit: an Update with the new title.
    let store = &node.state().store;
    let public_id = url.rsplit('/').next().expect("id");
    let post = store
        .post_by_public_id(public_id)
        .await
        .expect("read")
        .expect("post");
    let actor_record = store
        .actor_by_id(post.actor_id)
        .await
        .expect("read")
        .expect("actor");
    let changes = PostChanges {
        title: Some("Kerja bakti (diubah)".into()),
        ..Default::default()
    };
    publishing::edit(store, &actor_record, &post, &changes)
        .await
        .expect("edit");
    let update = eventually("an Update of the post", WAIT, || async {
        peer.received_of("Update")
            .into_iter()
            .find(|u| u.activity["object"]["id"] == url)
    })
    .await;
    assert!(
        update.activity["object"]["content"]
            .as_str()
            .unwrap_or_default()
            .contains("Kerja bakti (diubah)")
    );
    assert!(update.activity["object"]["updated"].is_string());

    // Delete: a Delete, then the URL answers 410 with a Tombstone.
    let post = store
        .post_by_public_id(public_id)
        .await
        .expect("read")
        .expect("post");
    publishing::delete(store, &actor_record, &post, None)
        .await
        .expect("delete");
    let delete = eventually("a Delete", WAIT, || async {
        peer.received_of("Delete").into_iter().next()
    })
    .await;
    assert_eq!(delete.activity["object"]["id"], url);
    let (status, tombstone) = get_json(&url).await;
    assert_eq!(status, 410);
    assert_eq!(tombstone["type"], "Tombstone");

    // Unfollow: the follower is removed and gets nothing more.
    let undo = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/activities/undo-{}", peer.base, crate::support::peer::rand_id()),
        "type": "Undo",
        "actor": peer.actor_id("warga"),
        "object": follow,
    });
    let (status, _) = peer
        .send("warga", &format!("{}/inbox", node.base), &undo)
        .await;
    assert_eq!(status, 202);
    eventually("the follower to be removed", WAIT, || async {
        (follower_count(&node).await == 0).then_some(())
    })
    .await;
    let before = peer.received().len();
    let second = publish_via_api(&node, "Sesudah berhenti mengikuti", "Tidak terkirim.", &[]).await;
    let second_post = store
        .post_by_public_id(second.rsplit('/').next().expect("id"))
        .await
        .expect("read")
        .expect("post");
    let create = store
        .create_activity_of_post(second_post.id)
        .await
        .expect("read")
        .expect("create");
    let counts = store
        .delivery_counts(Some(create.id))
        .await
        .expect("counts");
    assert_eq!(
        counts.pending + counts.delivered + counts.failed,
        0,
        "no delivery to a former follower"
    );
    assert_eq!(peer.received().len(), before);

    peer.stop();
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_accept_post_update_delete_unfollow_on_every_backend_and_in_production_shape() {
    on_every_setup(follow_accept_post_update_delete_unfollow).await;
}

async fn the_same_follow_twice_is_processed_once(backend: Backend) {
    let node = TestNode::start(&backend, "desa-a").await;
    let peer = Peer::start(true).await;
    let follow = peer.follow("warga", &node.actor_id());
    // Shared and personal inbox, as servers do, and a retry.
    for inbox in [
        format!("{}/inbox", node.base),
        format!("{}/u/desa-a/inbox", node.base),
        format!("{}/inbox", node.base),
    ] {
        let (status, body) = peer.send("warga", &inbox, &follow).await;
        assert_eq!(status, 202, "{body}");
    }
    eventually("an Accept", WAIT, || async {
        peer.received_of("Accept").into_iter().next()
    })
    .await;
    eventually("the inbox to be drained", WAIT, || async {
        (node.state().store.count_pending_inbox().await.ok()? == 0).then_some(())
    })
    .await;
    let accept_rows = node
        .state()
        .store
        .delivery_counts(None)
        .await
        .expect("counts");
    assert_eq!(
        accept_rows.pending + accept_rows.delivered + accept_rows.failed,
        1,
        "one Accept queued"
    );
    assert_eq!(follower_count(&node).await, 1);
    peer.stop();
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_activity_twice_is_processed_once_on_every_backend() {
    on_every_backend(the_same_follow_twice_is_processed_once).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_actors_have_their_own_handle_keys_and_followers() {
    let node = TestNode::start(&Backend::Sqlite, "desa-b").await;
    let store = &node.state().store;
    let urls = &node.state().urls;
    let username = kentongan::actors::Username::parse("karang-taruna").expect("username");
    kentongan::actors::create_local_actor(store, urls, &username, "Karang Taruna Desa B", "")
        .await
        .expect("add");
    let (status, finger) = get_json(&format!(
        "{}/.well-known/webfinger?resource=acct:karang-taruna@{}",
        node.base, node.domain
    ))
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        finger["subject"],
        format!("acct:karang-taruna@{}", node.domain)
    );
    let (_, main) = get_json(&node.actor_id()).await;
    let (_, other) = get_json(&format!("{}/u/karang-taruna", node.base)).await;
    assert_ne!(
        main["publicKey"]["publicKeyPem"],
        other["publicKey"]["publicKeyPem"]
    );
    assert_ne!(main["outbox"], other["outbox"]);

    let peer = Peer::start(true).await;
    let follow = peer.follow("warga", &format!("{}/u/karang-taruna", node.base));
    let (status, _) = peer
        .send("warga", &format!("{}/inbox", node.base), &follow)
        .await;
    assert_eq!(status, 202);
    eventually("an Accept from the second actor", WAIT, || async {
        peer.received_of("Accept")
            .into_iter()
            .find(|a| a.activity["actor"] == other["id"])
    })
    .await;
    assert_eq!(
        follower_count(&node).await,
        0,
        "the main actor has no follower"
    );
    let (_, followers) = get_json(&format!("{}/u/karang-taruna/followers", node.base)).await;
    assert_eq!(followers["totalItems"], 1);
    peer.stop();
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn well_known_documents_are_served() {
    let node = TestNode::start(&Backend::Sqlite, "desa-c").await;
    let (status, links) = get_json(&format!("{}/.well-known/nodeinfo", node.base)).await;
    assert_eq!(status, 200);
    let href = links["links"][0]["href"]
        .as_str()
        .expect("href")
        .to_string();
    let (status, info) = get_json(&href).await;
    assert_eq!(status, 200);
    assert_eq!(info["version"], "2.1");
    assert_eq!(info["software"]["name"], "kentongan");
    assert_eq!(info["protocols"][0], "activitypub");
    let host_meta = client()
        .get(format!("{}/.well-known/host-meta", node.base))
        .send()
        .await
        .expect("host-meta");
    assert!(
        host_meta
            .text()
            .await
            .unwrap_or_default()
            .contains("/.well-known/webfinger?resource={uri}")
    );
    let (status, _) = get_json(&format!(
        "{}/.well-known/webfinger?resource=acct:nobody@{}",
        node.base, node.domain
    ))
    .await;
    assert_eq!(status, 404);
    let (status, instance) = get_json(&format!("{}/actor", node.base)).await;
    assert_eq!(status, 200);
    assert_eq!(instance["type"], "Application");
    assert!(instance["publicKey"]["publicKeyPem"].is_string());
    node.stop().await;
}
