//! Counts people see: the likes, boosts and public replies a post received from the
//! fediverse, kept as they arrive, taken back by Undo and Delete, and shown on the
//! post's page, on its page in the admin and in its `likes`/`shares`/`replies`
//! collections.

use crate::support::{
    AP, Backend, TestNode, WAIT, client, eventually, get_json, on_every_backend,
    peer::Peer,
    residents::{PUBLIC, activity, note},
    session::signed_in,
};
use kentongan::{auth::Role, store::PostRecord};
use serde_json::{Value, json};

/// Sends `activity` as `name`, expects 202, and waits until it was acted on (so what
/// follows sees its effect, or that it had none).
async fn settle(node: &TestNode, peer: &Peer, name: &str, activity: &Value) {
    let (status, body) = peer
        .send(name, &format!("{}/inbox", node.base), activity)
        .await;
    assert_eq!(status, 202, "{body}");
    worked_through(node).await;
}

/// Waits until the inbox worker acted on everything received.
async fn worked_through(node: &TestNode) {
    node.state().wake_inbox.notify_one();
    eventually("the inbox worked through", WAIT, || async {
        (node.state().store.count_pending_inbox().await.ok()? == 0).then_some(())
    })
    .await;
}

/// (likes, boosts, replies) as the store counts them.
async fn counts(node: &TestNode, post: &PostRecord) -> (i64, i64, i64) {
    let counts = node.post_counts(post.id).await;
    (counts.likes, counts.shares, counts.replies)
}

async fn json_of(url: &str) -> Value {
    let (status, document) = get_json(url).await;
    assert_eq!(status, 200, "{url}");
    document
}

/// The counts as `counts.html` shows them, read back from a page.
fn shown(html: &str) -> (String, String, String) {
    let one = |which: &str| {
        let marker = format!("data-count=\"{which}\"><strong>");
        html.split_once(&marker)
            .and_then(|(_, rest)| rest.split_once("</strong>"))
            .map(|(n, _)| n.to_string())
            .unwrap_or_else(|| panic!("no {which} count on the page"))
    };
    (one("likes"), one("shares"), one("replies"))
}

async fn likes_boosts_and_replies_are_counted(backend: Backend) {
    let node = TestNode::start(&backend, "desa-ramai").await;
    let peer = Peer::start(true).await;
    let post = node
        .publish_text("Panen raya", "Panen padi bersama di sawah desa.")
        .await;
    let post_url = format!("{}/p/{}", node.base, post.public_id);
    assert_eq!(counts(&node, &post).await, (0, 0, 0));

    // A Like counts; the same Like again, or another Like by the same person, does not.
    let like = activity(&peer, "budi", "Like", json!(post_url));
    settle(&node, &peer, "budi", &like).await;
    assert_eq!(counts(&node, &post).await, (1, 0, 0));
    settle(&node, &peer, "budi", &like).await;
    let like_again = activity(&peer, "budi", "Like", json!(post_url));
    settle(&node, &peer, "budi", &like_again).await;
    assert_eq!(
        counts(&node, &post).await,
        (1, 0, 0),
        "one person, one like"
    );
    let sari_like = activity(&peer, "sari", "Like", json!(post_url));
    settle(&node, &peer, "sari", &sari_like).await;
    assert_eq!(counts(&node, &post).await, (2, 0, 0));

    // An Undo speaks for its own actor only: budi cannot take back sari's Like.
    let undo_other = activity(&peer, "budi", "Undo", sari_like["id"].clone());
    settle(&node, &peer, "budi", &undo_other).await;
    assert_eq!(counts(&node, &post).await, (2, 0, 0), "not budi's to undo");
    // Budi's Undo of his repeated Like (embedded, as Mastodon sends it) ends his like.
    let undo_like = activity(&peer, "budi", "Undo", like_again.clone());
    settle(&node, &peer, "budi", &undo_like).await;
    assert_eq!(counts(&node, &post).await, (1, 0, 0));

    // A boost counts, and its Undo by id takes it back.
    let boost = activity(&peer, "budi", "Announce", json!(post_url));
    settle(&node, &peer, "budi", &boost).await;
    assert_eq!(counts(&node, &post).await, (1, 1, 0));
    let undo_boost = activity(&peer, "budi", "Undo", boost["id"].clone());
    settle(&node, &peer, "budi", &undo_boost).await;
    assert_eq!(counts(&node, &post).await, (1, 0, 0));
    let sari_boost = activity(&peer, "sari", "Announce", json!(post_url));
    settle(&node, &peer, "sari", &sari_boost).await;
    assert_eq!(counts(&node, &post).await, (1, 1, 0));

    // A public reply counts; a direct message about the post does not (the count is
    // public).
    let reply = note(
        &peer,
        "budi",
        "<p>Semoga panennya melimpah.</p>",
        vec![PUBLIC.to_string(), node.actor_id()],
        Some(&post_url),
        Some(&node.actor_id()),
    );
    settle(
        &node,
        &peer,
        "budi",
        &activity(&peer, "budi", "Create", reply.clone()),
    )
    .await;
    let direct = note(
        &peer,
        "sari",
        "<p>Pertanyaan pribadi soal panen.</p>",
        vec![node.actor_id()],
        Some(&post_url),
        Some(&node.actor_id()),
    );
    settle(
        &node,
        &peer,
        "sari",
        &activity(&peer, "sari", "Create", direct),
    )
    .await;
    assert_eq!(counts(&node, &post).await, (1, 1, 1));

    // Likes of what is not a post here are not kept.
    let elsewhere = activity(&peer, "budi", "Like", json!(node.actor_id()));
    settle(&node, &peer, "budi", &elsewhere).await;
    assert_eq!(counts(&node, &post).await, (1, 1, 1));

    // A Like that is not signed, or whose signature is not its actor's, is refused.
    let unsigned = activity(&peer, "andi", "Like", json!(post_url));
    let refused = client()
        .post(format!("{}/inbox", node.base))
        .header("content-type", AP)
        .body(unsigned.to_string())
        .send()
        .await
        .expect("POST");
    assert_eq!(refused.status().as_u16(), 401, "an unsigned Like");
    let keys = activitypub_federation::http_signatures::generate_actor_keypair().expect("keys");
    let forger = Peer::start_with_other_key(true, keys).await;
    let forged = activity(&forger, "mallory", "Like", json!(post_url));
    let (status, body) = forger
        .send("mallory", &format!("{}/inbox", node.base), &forged)
        .await;
    assert_eq!(status, 401, "a Like signed with another key: {body}");
    worked_through(&node).await;
    assert_eq!(counts(&node, &post).await, (1, 1, 1));

    // The post's collections carry the totals, as Mastodon's do.
    let object = json_of(&post_url).await;
    assert_eq!(object["likes"]["totalItems"], 1, "{object}");
    assert_eq!(object["likes"]["type"], "Collection");
    assert_eq!(object["likes"]["id"], format!("{post_url}/likes"));
    assert_eq!(object["shares"]["totalItems"], 1, "{object}");
    assert_eq!(object["shares"]["id"], format!("{post_url}/shares"));
    assert_eq!(object["replies"]["totalItems"], 1, "{object}");
    let likes = json_of(&format!("{post_url}/likes")).await;
    assert_eq!(
        (likes["id"].clone(), likes["totalItems"].clone()),
        (json!(format!("{post_url}/likes")), json!(1))
    );
    assert_eq!(
        json_of(&format!("{post_url}/shares")).await["totalItems"],
        1
    );
    assert_eq!(
        json_of(&format!("{post_url}/replies")).await["totalItems"],
        1
    );

    // The post's page and its page in the admin show them.
    let page = client()
        .get(&post_url)
        .send()
        .await
        .expect("GET page")
        .text()
        .await
        .expect("HTML");
    let one = || ("1".to_string(), "1".to_string(), "1".to_string());
    assert_eq!(shown(&page), one(), "the public page");
    let (mut editor, _) = signed_in(&node, "editor.desa", Role::Editor).await;
    let admin = editor
        .get(&format!("/admin/posts/{}", post.public_id))
        .await;
    assert_eq!(admin.status, 200);
    assert_eq!(shown(&admin.body), one(), "the admin's page of the post");

    // Its author deleting the reply takes it out of the count; someone else cannot.
    let not_theirs = activity(&peer, "sari", "Delete", reply["id"].clone());
    settle(&node, &peer, "sari", &not_theirs).await;
    assert_eq!(
        counts(&node, &post).await,
        (1, 1, 1),
        "not sari's to delete"
    );
    let delete = activity(&peer, "budi", "Delete", reply["id"].clone());
    settle(&node, &peer, "budi", &delete).await;
    assert_eq!(counts(&node, &post).await, (1, 1, 0));
    assert_eq!(json_of(&post_url).await["replies"]["totalItems"], 0);

    forger.stop();
    peer.stop();
    node.stop().await;
}

#[tokio::test]
async fn likes_boosts_and_replies_are_counted_with_undo_and_delete_on_every_backend() {
    on_every_backend(likes_boosts_and_replies_are_counted).await;
}
