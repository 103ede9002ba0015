//! What a resident's server sends: Notes (replies, mentions, direct messages) and the
//! activities that carry them, as a Mastodon-like server shapes them.

use super::{
    TestNode, WAIT, eventually,
    peer::{Peer, rand_id},
};
use kentongan::{
    clock::{now_ms, to_rfc3339},
    store::TicketRow,
};
use serde_json::{Value, json};

pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// A Note by `name` on `peer`, addressed to `to`, optionally replying and mentioning.
pub fn note(
    peer: &Peer,
    name: &str,
    content: &str,
    to: Vec<String>,
    in_reply_to: Option<&str>,
    mention: Option<&str>,
) -> Value {
    let tag = match mention {
        Some(href) => json!([{ "type": "Mention", "href": href, "name": "@desa" }]),
        None => json!([]),
    };
    json!({
        "id": format!("{}/notes/{name}-{}", peer.base, rand_id()),
        "type": "Note",
        "attributedTo": peer.actor_id(name),
        "content": content,
        "to": to,
        "inReplyTo": in_reply_to,
        "tag": tag,
        "published": to_rfc3339(now_ms()),
    })
}

/// An activity of `kind` by `name` on `peer` about `object` (embedded, or an id).
pub fn activity(peer: &Peer, name: &str, kind: &str, object: Value) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/activities/{}-{}", peer.base, kind.to_lowercase(), rand_id()),
        "type": kind,
        "actor": peer.actor_id(name),
        "object": object,
    })
}

/// Sends and expects 202; returns the activity's id.
pub async fn deliver(node: &TestNode, peer: &Peer, name: &str, activity: &Value) -> String {
    let (status, body) = peer
        .send(name, &format!("{}/inbox", node.base), activity)
        .await;
    assert_eq!(status, 202, "{body}");
    activity["id"].as_str().expect("id").to_string()
}

pub async fn ticket_of_note(node: &TestNode, note: &Value) -> TicketRow {
    let id = note["id"].as_str().expect("note id").to_string();
    eventually(&format!("a ticket for {id}"), WAIT, || async {
        node.state()
            .store
            .tickets(500)
            .await
            .expect("tickets")
            .into_iter()
            .find(|t| t.note_ap_id.as_deref() == Some(id.as_str()))
    })
    .await
}

/// A public reply by `name` to the post, delivered; waits for its ticket.
pub async fn public_reply(
    node: &TestNode,
    peer: &Peer,
    name: &str,
    content: &str,
    post_url: &str,
) -> (Value, TicketRow) {
    let reply = note(
        peer,
        name,
        content,
        vec![PUBLIC.into()],
        Some(post_url),
        None,
    );
    let ticket = open_ticket(node, peer, name, &reply).await;
    (reply, ticket)
}

/// Delivers a Create of `note` by `name`; waits for its ticket.
pub async fn open_ticket(node: &TestNode, peer: &Peer, name: &str, note: &Value) -> TicketRow {
    deliver(
        node,
        peer,
        name,
        &activity(peer, name, "Create", note.clone()),
    )
    .await;
    ticket_of_note(node, note).await
}
