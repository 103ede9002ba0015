//! What real servers send, read and acted on: every JSON document in
//! `tests/fixtures/servers` (Mastodon, GoToSocial, Misskey/Sharkey, Pleroma/Akkoma,
//! Pixelfed, Lemmy, the WordPress plugin, Ghost, Threads; where each shape comes from is
//! in that folder's README.md) is parsed, and each activity is handed to a village
//! node's inbox worker as if it had arrived signed, in the order a server would send
//! them: follow, reply, direct message, edit, deletion, likes and boosts, unfollow,
//! account deletion. Each must do what it means here: a follower kept, a ticket opened
//! (private for a direct message), its text replaced, withdrawn, nothing for a like.
//!
//! The documents name the village as `https://desa.example/u/desa-jangkarasam` and its
//! post as `https://desa.example/p/abc123`; the test puts the node's own addresses there.

use crate::support::{Backend, TestNode, WAIT, eventually, on_every_backend};
use kentongan::{
    clock::now_ms,
    federation::{
        actor::ApActor,
        inbox::IncomingActivity,
        protocol::incoming::{NoteIn, Reaction, Received, Undone, first_id},
    },
    store::{NewActor, TicketRow},
};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/servers")
}

/// Every server folder and its documents, by file name.
fn servers() -> Vec<(String, Vec<(String, Value)>)> {
    let mut servers = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .expect("tests/fixtures/servers")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("a server folder")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        let documents = files
            .into_iter()
            .map(|path| {
                let text = std::fs::read_to_string(&path).expect("read a fixture");
                let value: Value = serde_json::from_str(&text)
                    .unwrap_or_else(|err| panic!("{}: {err}", path.display()));
                let name = path
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or_default()
                    .to_string();
                (name, value)
            })
            .collect();
        let name = dir
            .file_name()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        servers.push((name, documents));
    }
    servers
}

fn is_actor_document(name: &str) -> bool {
    matches!(name, "actor" | "person" | "group" | "webfinger")
}

/// A bare object (a note as served), not an activity.
fn is_object_document(name: &str) -> bool {
    name.starts_with("note-")
}

/// What an activity document is, by its kind and by the file it is in.
#[test]
fn every_document_real_servers_send_is_read() {
    let servers = servers();
    assert!(servers.len() >= 9, "the fixtures of nine servers");
    let mut read = 0;
    for (server, documents) in &servers {
        for (name, document) in documents {
            let at = format!("{server}/{name}.json");
            if name == "webfinger" {
                continue;
            }
            if is_object_document(name) {
                let note = NoteIn::of(document).unwrap_or_else(|| panic!("{at} is not a note"));
                assert!(note.id().is_some() && !note.content().is_empty(), "{at}");
                read += 1;
                continue;
            }
            if is_actor_document(name) {
                let actor: ApActor = serde_json::from_value(document.clone())
                    .unwrap_or_else(|err| panic!("{at} is not read as an actor: {err}"));
                assert!(!actor.preferred_username.is_empty(), "{at}");
                read += 1;
                continue;
            }
            let activity: IncomingActivity = serde_json::from_value(document.clone())
                .unwrap_or_else(|err| panic!("{at} is not read as an activity: {err}"));
            let received = Received::read(&activity);
            let expected = match name.as_str() {
                n if n.starts_with("follow") => matches!(received, Received::Follow { .. }),
                n if n.starts_with("undo-follow") => matches!(
                    received,
                    Received::Undo(Undone::Follow { .. } | Undone::ById(_))
                ),
                n if n.starts_with("create") || n == "dm" => {
                    matches!(received, Received::Create(_))
                }
                n if n.starts_with("update") || n.contains("update") => {
                    matches!(received, Received::Update(_))
                }
                n if n.starts_with("delete") => matches!(received, Received::Delete { .. }),
                n if n.starts_with("like") || n.starts_with("announce") => {
                    matches!(received, Received::Reaction { .. })
                }
                _ => matches!(received, Received::Other),
            };
            assert!(expected, "{at} read as {received:?}");
            if let Received::Create(object) | Received::Update(object) = &received
                && let Some(note) = NoteIn::of(object)
            {
                assert!(note.id().is_some(), "{at}: a note without an id");
                assert!(
                    note.published_ms().is_some() || object.get("published").is_none(),
                    "{at}: its published date does not read"
                );
            }
            read += 1;
        }
    }
    assert!(read > 60, "{read} documents read");
}

/// The document with the node's own addresses in place of the sample village's.
fn localised(document: &Value, node: &TestNode, post_url: &str) -> Value {
    let text = document
        .to_string()
        .replace("https://desa.example/p/abc123", post_url)
        .replace("https://desa.example/u/desa-jangkarasam", &node.actor_id())
        .replace("https://desa.example/", &format!("{}/", node.base))
        .replace("@desa.example", &format!("@{}", node.domain));
    serde_json::from_str(&text).expect("still JSON")
}

/// The actor of an activity, kept as if it had been fetched when its signature was
/// checked (the documents' keys are placeholders).
async fn known_actor(node: &TestNode, actor_id: &str, documents: &[(String, Value)]) {
    let document = documents
        .iter()
        .find(|(name, d)| is_actor_document(name) && d["id"] == actor_id)
        .map(|(_, d)| d.clone())
        .unwrap_or(Value::Null);
    let url = url::Url::parse(actor_id).expect("an actor id");
    let host = match url.port() {
        Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_string(),
    };
    let inbox = document["inbox"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| format!("{actor_id}/inbox"));
    let username = document["preferredUsername"]
        .as_str()
        .unwrap_or("warga")
        .to_string();
    node.state()
        .store
        .upsert_actor(
            &NewActor {
                ap_id: actor_id.to_string(),
                is_local: false,
                kind: "Person".into(),
                username,
                host,
                name: "Warga".into(),
                summary: String::new(),
                icon_url: None,
                profile_url: None,
                inbox_url: inbox,
                shared_inbox_url: None,
                public_key_pem: "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n".into(),
                private_key_pem: None,
                fields_json: "[]".into(),
            },
            now_ms(),
        )
        .await
        .expect("keep the actor");
}

/// Hands the activity to the inbox worker and waits until it has been acted on.
async fn receive(node: &TestNode, activity: &Value) {
    let store = &node.state().store;
    let id = activity["id"].as_str().expect("an activity id");
    let actor = first_id(&activity["actor"]).expect("an actor");
    let kind = activity["type"].as_str().expect("a type");
    store
        .enqueue_inbox(id, actor, kind, &activity.to_string(), now_ms())
        .await
        .expect("enqueue");
    node.state().wake_inbox.notify_one();
    eventually(&format!("{id} to be acted on"), WAIT, || async {
        (store.count_pending_inbox().await.ok()? == 0).then_some(())
    })
    .await;
}

async fn followers(node: &TestNode) -> i64 {
    let store = &node.state().store;
    let actor = kentongan::actors::find_publishing_actor(store, None)
        .await
        .expect("actor");
    store.count_followers(actor.id).await.expect("count")
}

async fn ticket_of(node: &TestNode, note_id: &str) -> Option<TicketRow> {
    node.state()
        .store
        .tickets(500)
        .await
        .expect("tickets")
        .into_iter()
        .find(|t| t.note_ap_id.as_deref() == Some(note_id))
}

/// The order a server sends things in.
fn rank(name: &str) -> u8 {
    match name {
        n if n.starts_with("follow") => 0,
        n if n.starts_with("create") || n == "dm" => 1,
        n if n.contains("update") => 2,
        n if n.starts_with("delete") && !n.contains("actor") && !n.contains("user") => 3,
        n if n.starts_with("undo") => 5,
        n if n.starts_with("delete") => 6,
        _ => 4,
    }
}

async fn every_server_is_acted_on(backend: Backend) {
    let (mut follows, mut tickets, mut unfollows) = (Vec::new(), Vec::new(), Vec::new());
    for (server, documents) in servers() {
        let node = TestNode::start(&backend, "desa-jangkarasam").await;
        let post = node
            .publish_text("Jalan desa rusak", "Laporkan titik jalan yang rusak.")
            .await;
        let post_url = format!("{}/p/{}", node.base, post.public_id);
        let documents: Vec<(String, Value)> = documents
            .into_iter()
            .map(|(name, d)| (name, localised(&d, &node, &post_url)))
            .collect();
        let mut activities: Vec<&(String, Value)> = documents
            .iter()
            .filter(|(name, _)| !is_actor_document(name) && !is_object_document(name))
            .collect();
        activities.sort_by_key(|(name, _)| rank(name));
        let mut notes: Vec<String> = Vec::new();
        for (name, activity) in activities {
            let at = format!("{server}/{name}.json");
            let actor = first_id(&activity["actor"]).expect("an actor").to_string();
            known_actor(&node, &actor, &documents).await;
            let following_before = followers(&node).await;
            receive(&node, activity).await;
            let received = Received::read(
                &serde_json::from_value::<IncomingActivity>(activity.clone()).expect("read"),
            );
            match received {
                Received::Follow { target } if target == node.actor_id() => {
                    assert_eq!(followers(&node).await, following_before + 1, "{at}");
                    follows.push(server.clone());
                }
                Received::Create(object) => {
                    let Some(note) = NoteIn::of(&object) else {
                        continue;
                    };
                    let id = note.id().expect("id").to_string();
                    let for_us = note.in_reply_to() == Some(post_url.as_str())
                        || note.mentions().contains(&node.actor_id().as_str())
                        || note.audience().contains(&node.actor_id().as_str());
                    let ticket = ticket_of(&node, &id).await;
                    if !for_us {
                        assert!(ticket.is_none(), "{at}: a ticket for a note not for us");
                        continue;
                    }
                    let ticket = ticket.unwrap_or_else(|| panic!("{at}: no ticket"));
                    assert_eq!(ticket.is_private, !note.is_public(), "{at}");
                    let text = kentongan::publishing::markdown::strip_tags(note.content());
                    let first_words: String = text
                        .split_whitespace()
                        .take(3)
                        .collect::<Vec<_>>()
                        .join(" ");
                    assert!(
                        kentongan::publishing::markdown::strip_tags(
                            ticket.content_html.as_deref().unwrap_or_default()
                        )
                        .contains(&first_words),
                        "{at}: the ticket holds the text ({first_words:?})"
                    );
                    notes.push(id);
                    tickets.push(at.clone());
                }
                Received::Update(object) => {
                    let Some(note) = NoteIn::of(&object) else {
                        continue;
                    };
                    let id = note.id().expect("id");
                    if let Some(ticket) = ticket_of(&node, id).await {
                        let text = kentongan::publishing::markdown::strip_tags(note.content());
                        let words: String = text
                            .split_whitespace()
                            .take(3)
                            .collect::<Vec<_>>()
                            .join(" ");
                        assert!(
                            kentongan::publishing::markdown::strip_tags(
                                ticket.content_html.as_deref().unwrap_or_default()
                            )
                            .contains(&words),
                            "{at}: the edit replaced the text ({words:?})"
                        );
                    }
                }
                Received::Delete { target } if target == actor => {
                    assert!(
                        node.state()
                            .store
                            .actor_by_ap_id(&actor)
                            .await
                            .expect("read")
                            .is_none_or(|a| !a.ap_id.is_empty()),
                        "{at}"
                    );
                    for id in &notes {
                        if let Some(ticket) = ticket_of(&node, id).await {
                            assert!(ticket.withdrawn_at.is_some(), "{at}: {id} withdrawn");
                        }
                    }
                }
                Received::Delete { target } => {
                    if let Some(ticket) = ticket_of(&node, &target).await {
                        assert!(ticket.withdrawn_at.is_some(), "{at}: withdrawn");
                    }
                }
                Received::Reaction { kind, target } if target == post_url => {
                    let counts = node.post_counts(post.id).await;
                    let counted = match kind {
                        Reaction::Like => counts.likes,
                        Reaction::Announce => counts.shares,
                    };
                    assert!(counted >= 1, "{at}: counted on the post ({counts:?})");
                }
                Received::Undo(Undone::Follow { .. } | Undone::ById(_)) => {
                    assert_eq!(followers(&node).await, 0, "{at}: the follow ended");
                    unfollows.push(server.clone());
                }
                _ => {}
            }
        }
        node.stop().await;
    }
    eprintln!("followed by {follows:?}; tickets from {tickets:?}; unfollowed by {unfollows:?}");
    assert!(follows.len() >= 7, "follows from {follows:?}");
    assert!(tickets.len() >= 8, "tickets from {tickets:?}");
    assert_eq!(follows, unfollows, "everyone who followed could unfollow");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_real_servers_send_is_acted_on_on_every_backend() {
    on_every_backend(every_server_is_acted_on).await;
}
