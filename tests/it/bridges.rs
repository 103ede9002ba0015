//! Bridges and big platforms (issue 14, point 6): what Bridgy Fed requires of a fediverse
//! account before it bridges it to Bluesky, and what Threads requires of a server it
//! federates with, checked against a village node over HTTP. The rules and where they
//! were read are in docs/federation.md, *Bridges and big platforms*. On SQLite and
//! PostgreSQL.

use crate::support::{AP, Backend, TestNode, client, on_every_backend, session::png};
use kentongan::{
    actors::{self, Username},
    cli::{InitArgs, init},
    clock::to_rfc3339,
    config::Role,
    media::{MediaStore, process_upload},
    publishing::{PostImage, PostInput},
};
use serde_json::Value;

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// The Bluesky handle Bridgy Fed gives `@username@host` (`ids.py`, `translate_handle`):
/// `@` becomes `.`, each of `_ ~ :` becomes `-`, and `.ap.brid.gy` is added.
fn bridgy_bluesky_handle(username: &str, host: &str) -> String {
    format!("{username}.{host}.ap.brid.gy").replace(['_', '~', ':'], "-")
}

/// An AT Protocol handle (atproto.com/specs/handle), which Bridgy Fed checks its result
/// against: at most 253 characters, at least two dot-separated parts of 1 to 63 letters,
/// digits and hyphens that neither start nor end with a hyphen, the last not starting
/// with a digit.
fn is_atproto_handle(handle: &str) -> bool {
    let parts: Vec<&str> = handle.split('.').collect();
    let part_ok = |part: &str| {
        (1..=63).contains(&part.len())
            && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !part.starts_with('-')
            && !part.ends_with('-')
    };
    handle.len() <= 253
        && parts.len() >= 2
        && parts.iter().all(|part| part_ok(part))
        && parts
            .last()
            .is_some_and(|last| !last.starts_with(|c: char| c.is_ascii_digit()))
}

/// What Mastodon accepts as a username, `[a-z0-9_]+([.-]+[a-z0-9_]+)*`: over these
/// characters, exactly the names that start and end with a letter, digit or `_`.
fn mastodon_accepts(name: &str) -> bool {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    word(name.chars().next()) && word(name.chars().last())
}

/// Every name of one to five characters over `a 1 _ - .`: one we accept is one Mastodon
/// accepts and Bridgy Fed turns into a valid Bluesky handle, and the other way round.
#[test]
fn usernames_are_those_mastodon_takes_and_bridgy_fed_makes_bluesky_handles_of() {
    let alphabet = ['a', '1', '_', '-', '.'];
    let mut names = vec![String::new()];
    let mut all = Vec::new();
    for _ in 0..5 {
        names = names
            .iter()
            .flat_map(|name| alphabet.iter().map(move |c| format!("{name}{c}")))
            .collect();
        all.extend(names.iter().cloned());
    }
    assert_eq!(all.len(), 5 + 25 + 125 + 625 + 3125);
    for name in &all {
        let both = mastodon_accepts(name)
            && is_atproto_handle(&bridgy_bluesky_handle(name, "desa.example"));
        assert_eq!(Username::parse(name).is_ok(), both, "{name:?}");
    }
    // The names a village would pick, and the ones that used to pass and would not bridge.
    for good in [
        "desa-jangkarasam",
        "desa_sukamaju",
        "pemdes.gantung",
        "bumdes-2",
    ] {
        assert!(Username::parse(good).is_ok(), "{good}");
    }
    for bad in [
        "_desa",
        "desa_",
        "desa_.gantung",
        "desa._gantung",
        "desa..gantung",
    ] {
        assert!(Username::parse(bad).is_err(), "{bad}");
    }
}

/// `kentongan init` refuses a name Bridgy Fed could not bridge, before writing anything.
#[tokio::test]
async fn init_refuses_a_username_that_makes_no_bluesky_handle() {
    let dir = tempfile::tempdir().expect("temp dir");
    let refused = init(InitArgs {
        dir: dir.path().to_path_buf(),
        domain: "desa.example".into(),
        username: "_desa".into(),
        name: "Desa Sukamaju".into(),
        role: Role::Village,
        listen: "127.0.0.1:0".into(),
        database_url: None,
        insecure_local: true,
        admin_username: "admin".into(),
    })
    .await;
    let Err(refused) = refused else {
        panic!("init took \"_desa\"");
    };
    let message = format!("{refused:#}");
    assert!(
        message.contains("letter or digit on each side"),
        "{message}"
    );
    assert!(!dir.path().join("kentongan.toml").exists());
}

async fn get(url: &str, accept: &str) -> reqwest::Response {
    client()
        .get(url)
        .header("accept", accept)
        .send()
        .await
        .unwrap_or_else(|err| panic!("GET {url}: {err}"))
}

async fn json(url: &str) -> Value {
    let response = get(url, AP).await;
    assert_eq!(response.status().as_u16(), 200, "{url}");
    response.json().await.expect("JSON")
}

async fn page(url: &str) -> String {
    let response = get(url, "text/html").await;
    assert_eq!(response.status().as_u16(), 200, "{url}");
    response.text().await.expect("body")
}

/// A picture fetched as a bridge or a server fetches it, unsigned: 200 and an image.
async fn fetchable_image(url: &str) -> String {
    let response = client()
        .get(url)
        .send()
        .await
        .unwrap_or_else(|err| panic!("GET {url}: {err}"));
    assert_eq!(response.status().as_u16(), 200, "{url}");
    let content_type = response.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .to_string();
    assert!(content_type.starts_with("image/"), "{url}: {content_type}");
    let bytes = response.bytes().await.expect("bytes");
    image::load_from_memory(&bytes).expect("a picture that decodes");
    content_type
}

/// The account as Bridgy Fed reads it (`models.py`, `User.status`): a picture, a name
/// that is not the handle, a creation date, no `#nobridge`/`#nobot`, public; and a
/// handle that becomes a Bluesky one.
async fn account_is_bridgeable(node: &TestNode) -> Value {
    let actor = json(&node.actor_id()).await;
    let record = actors::find_publishing_actor(&node.state().store, None)
        .await
        .expect("the main actor");

    // requires-avatar: an icon, always (drawn until a logo is uploaded), that loads.
    let icon = actor["icon"]["url"].as_str().expect("an icon URL");
    let served = fetchable_image(icon).await;
    assert_eq!(actor["icon"]["mediaType"], served.as_str());

    // requires-name: a display name, and not the handle or the id.
    let name = actor["name"].as_str().expect("a name");
    let username = actor["preferredUsername"].as_str().expect("a username");
    assert!(!name.trim().is_empty());
    for not_a_name in [
        username.to_string(),
        format!("@{username}@{}", node.domain),
        format!("{username}@{}", node.domain),
        node.actor_id(),
    ] {
        assert_ne!(name, not_a_name);
    }

    // requires-old-account: `published` is when the account was made, so that the age
    // Bridgy Fed counts is the real one (it bridges accounts older than its limit).
    assert_eq!(actor["published"], to_rfc3339(record.created_at));
    chrono::DateTime::parse_from_rfc3339(actor["published"].as_str().expect("published"))
        .expect("an RFC 3339 date");

    // nobridge / nobot: nothing of ours opts the village out.
    let summary = actor["summary"].as_str().expect("a bio");
    for opt_out in ["#nobridge", "#nobot"] {
        assert!(
            !summary.contains(opt_out) && !name.contains(opt_out),
            "{opt_out}"
        );
    }

    // private: the profile is addressed to no one in particular (public), and says so
    // in Mastodon's terms too.
    assert!(
        actor.get("to").is_none() && actor.get("cc").is_none(),
        "{actor}"
    );
    assert_eq!(actor["discoverable"], true);
    assert_eq!(actor["indexable"], true);
    assert_eq!(actor["manuallyApprovesFollowers"], false);

    // The handle WebFinger gives makes a valid Bluesky handle through the bridge.
    let webfinger = json(&format!(
        "{}/.well-known/webfinger?resource=acct:{username}@{}",
        node.base, node.domain
    ))
    .await;
    let subject = webfinger["subject"].as_str().expect("a subject");
    let (user, host) = subject
        .trim_start_matches("acct:")
        .split_once('@')
        .expect("user@host");
    let handle = bridgy_bluesky_handle(user, host);
    assert!(is_atproto_handle(&handle), "{handle}");
    actor
}

/// Addressed to everyone in `to`, as a public post is (in `cc` it would be unlisted).
fn to_everyone(document: &Value) -> bool {
    document["to"]
        .as_array()
        .is_some_and(|to| to.iter().any(|a| a == PUBLIC))
}

async fn bridges_and_platforms(backend: Backend) {
    let node = TestNode::start(&backend, "desa_sukamaju").await;
    let before = account_is_bridgeable(&node).await;

    // A post with an uploaded photo and a linked picture, each with its alt text.
    let stored = MediaStore::new(node.dir())
        .save(&process_upload(&png(64, 48)).expect("process"))
        .expect("save");
    let alt = "Warga membersihkan saluran air";
    let post = node
        .publish(&PostInput {
            title: "Kerja bakti Minggu".into(),
            body_markdown: format!(
                "Warga diundang.\n\n![Peta balai desa]({}/u/desa_sukamaju/avatar.png)",
                node.base
            ),
            images: vec![PostImage::from_stored(&stored, alt)],
            ..Default::default()
        })
        .await;
    let post_url = format!("{}/p/{}", node.base, post.public_id);

    // Bridgy Fed bridges public posts only; images go with their alt text.
    let note = json(&post_url).await;
    assert_eq!(note["type"], "Note");
    assert!(to_everyone(&note), "{note}");
    let attachments = note["attachment"].as_array().expect("attachments");
    assert_eq!(attachments.len(), 2, "{note}");
    assert_eq!(attachments[0]["name"], alt);
    assert_eq!(attachments[1]["name"], "Peta balai desa");
    for attachment in attachments {
        assert_eq!(attachment["type"], "Image");
        let url = attachment["url"].as_str().expect("a URL");
        let served = fetchable_image(url).await;
        assert_eq!(attachment["mediaType"], served.as_str(), "{url}");
    }

    // The same, unsigned, in the outbox: what a bridge or Threads reads to backfill.
    let outbox = json(&format!("{}/u/desa_sukamaju/outbox", node.base)).await;
    let first = outbox["first"].as_str().expect("a first page");
    let items = json(first).await["orderedItems"].clone();
    let create = &items[0];
    assert_eq!(create["type"], "Create");
    assert_eq!(create["object"]["id"], post_url.as_str());
    assert!(to_everyone(create), "{create}");

    // Still the same account, of the same age, after it published.
    let after = account_is_bridgeable(&node).await;
    assert_eq!(before["published"], after["published"]);

    // Threads: a privacy policy anyone can read, with a policy for children under 13,
    // at the address servers try first too.
    let policy = page(&format!("{}/kebijakan-privasi", node.base)).await;
    for says in [
        "Anak di bawah 13 tahun",
        "Children under 13",
        "tidak membuka pendaftaran",
    ] {
        assert!(policy.contains(says), "the policy says {says:?}");
    }
    let privacy = get(&format!("{}/privacy", node.base), "text/html").await;
    assert_eq!(privacy.status().as_u16(), 308);
    assert_eq!(privacy.headers()["location"], "/kebijakan-privasi");

    // Threads: a public profile and a publicly accessible feed, without signing in.
    let profile = page(&node.actor_id()).await;
    assert!(
        profile.contains("Kerja bakti Minggu"),
        "the profile lists the post"
    );
    let home = page(&format!("{}/", node.base)).await;
    assert!(
        home.contains("Kerja bakti Minggu"),
        "the home page lists the post"
    );
    let rss = get(&format!("{}/feed.rss", node.base), "application/rss+xml").await;
    assert_eq!(rss.status().as_u16(), 200);
    assert!(
        rss.text()
            .await
            .expect("feed")
            .contains("Kerja bakti Minggu")
    );

    // No sign-up, as the policy says.
    let nodeinfo = json(&format!("{}/nodeinfo/2.1", node.base)).await;
    assert_eq!(nodeinfo["openRegistrations"], false);
    node.stop().await;
}

#[tokio::test]
async fn a_village_meets_bridgy_feds_and_threads_rules_on_every_backend() {
    on_every_backend(bridges_and_platforms).await;
}
