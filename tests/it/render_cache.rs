//! The render cache (`web::cache`): a repeated GET of the home page, a post page, a feed
//! or the ActivityPub JSON is served without rendering again, and changes after every
//! kind of write that changes what it shows — including a post published by `kentongan
//! post` through its own connections, as another process would — and after the time a
//! page said it stays right; a `304` needs no rendering; a request carrying a cookie is
//! never served a shared copy nor fills one; the HTML and the JSON of one address and
//! the site's two languages are distinct answers.

use crate::support::{AP, Backend, TestNode, WAIT, client, eventually, on_every_backend};
use kentongan::{
    actors::find_publishing_actor,
    clock::now_ms,
    publishing::{self, PostChanges, PostInput, new_public_id},
    site,
    store::{ActivityKind, NewActivity, ResponseKind},
    strings::Lang,
    web::cache::CacheCounts,
};

/// A GET as a previewer sends it: status, ETag, body.
async fn get(url: &str, accept: &str, extra: &[(&str, &str)]) -> (u16, Option<String>, String) {
    let mut request = client().get(url).header("accept", accept);
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("GET");
    let status = response.status().as_u16();
    let etag = response
        .headers()
        .get("etag")
        .and_then(|value| value.to_str().ok())
        .map(str::to_string);
    (status, etag, response.text().await.expect("body"))
}

fn counts(node: &TestNode) -> CacheCounts {
    node.state().render_cache.counts()
}

/// GETs `url` twice: the second answer is the first, served without rendering.
async fn served_twice(node: &TestNode, url: &str, accept: &str) -> String {
    let (status, tag, first) = get(url, accept, &[]).await;
    assert_eq!(status, 200, "{url} as {accept}");
    assert!(
        tag.as_deref().is_some_and(|tag| tag.starts_with("W/\"v")),
        "{url} carries a version tag: {tag:?}"
    );
    let before = counts(node);
    let (_, again_tag, again) = get(url, accept, &[]).await;
    let after = counts(node);
    assert_eq!(again, first, "{url} as {accept} served again");
    assert_eq!(again_tag, tag);
    assert_eq!(
        after.renders, before.renders,
        "{url} as {accept}: no render"
    );
    assert_eq!(after.hits, before.hits + 1, "{url} as {accept}: a hit");
    first
}

async fn home(node: &TestNode) -> String {
    served_twice(node, &format!("{}/", node.base), "text/html").await
}

#[tokio::test]
async fn cached_pages_change_after_every_kind_of_write_on_every_backend() {
    on_every_backend(every_write).await;
}

async fn every_write(backend: Backend) {
    let node = TestNode::start(&backend, "desa-cepat").await;
    let store = node.state().store.clone();
    let actor = find_publishing_actor(&store, None).await.expect("actor");
    let first = node
        .publish_text("Kerja bakti", "Minggu pagi di balai desa.")
        .await;
    let post_url = format!("{}/p/{}", node.base, first.public_id);
    let feed_url = format!("{}/feed.rss", node.base);
    assert!(home(&node).await.contains("Kerja bakti"));
    served_twice(&node, &post_url, "text/html").await;
    served_twice(&node, &post_url, AP).await;
    served_twice(&node, &feed_url, "application/rss+xml").await;
    served_twice(&node, &node.actor_id(), AP).await;

    // A post published here.
    node.publish_text("Posyandu balita", "Kamis di polindes.")
        .await;
    assert!(home(&node).await.contains("Posyandu balita"));
    let feed = served_twice(&node, &feed_url, "application/rss+xml").await;
    assert!(feed.contains("Posyandu balita"));

    // A post published by `kentongan post`, which opens the database through its own
    // connections and tells this server nothing in memory.
    let renders = counts(&node).renders;
    kentongan::cli::run(
        <kentongan::cli::Cli as clap::Parser>::try_parse_from([
            "kentongan",
            "post",
            "--dir",
            node.dir().to_str().expect("path"),
            "--title",
            "Dari baris perintah",
            "--body",
            "Rapat RT malam ini.",
        ])
        .expect("arguments"),
    )
    .await
    .expect("kentongan post");
    assert!(home(&node).await.contains("Dari baris perintah"));
    assert!(counts(&node).renders > renders, "rendered again");

    // The post edited: its page and its Note.
    publishing::edit(
        &store,
        &actor,
        &first,
        &PostChanges {
            title: Some("Kerja bakti besar".into()),
            ..Default::default()
        },
    )
    .await
    .expect("edit");
    assert!(
        served_twice(&node, &post_url, "text/html")
            .await
            .contains("Kerja bakti besar")
    );
    assert!(
        served_twice(&node, &post_url, AP)
            .await
            .contains("Kerja bakti besar")
    );

    // A like from the fediverse: counted on the page and in the Note.
    store
        .add_post_response(
            first.id,
            actor.id,
            ResponseKind::Like,
            "https://elsewhere.example/likes/1",
            now_ms(),
        )
        .await
        .expect("like");
    let note: serde_json::Value =
        serde_json::from_str(&served_twice(&node, &post_url, AP).await).expect("json");
    assert_eq!(note["likes"]["totalItems"], 1, "{note}");

    // The site's settings, its menu and its language.
    let settings = site::load(&store).await.expect("settings");
    site::save(
        &store,
        &site::SiteSettings {
            tagline: "Desa pesisir penghasil kopi".into(),
            ..settings.clone()
        },
    )
    .await
    .expect("save");
    assert!(home(&node).await.contains("Desa pesisir penghasil kopi"));
    store
        .upsert_category("Pertanian", "", 5)
        .await
        .expect("category");
    assert!(home(&node).await.contains("/kategori/Pertanian"));

    let indonesian = home(&node).await;
    assert!(indonesian.contains("Kabar terbaru") && indonesian.contains("lang=\"id\""));
    let (_, indonesian_tag, _) = get(&format!("{}/", node.base), "text/html", &[]).await;
    let english_settings = site::SiteSettings {
        language: Lang::En,
        ..site::load(&store).await.expect("settings")
    };
    site::save(&store, &english_settings).await.expect("save");
    let english = home(&node).await;
    assert!(
        english.contains("Latest posts") && english.contains("lang=\"en\""),
        "the English page"
    );
    let (_, english_tag, _) = get(&format!("{}/", node.base), "text/html", &[]).await;
    assert_ne!(english_tag, indonesian_tag, "each language its own tag");
    site::save(
        &store,
        &site::SiteSettings {
            language: Lang::Id,
            ..english_settings
        },
    )
    .await
    .expect("save");
    assert!(home(&node).await.contains("Kabar terbaru"));

    // The post deleted: its page is gone and the home page no longer lists it.
    let edited = store
        .post_by_public_id(&first.public_id)
        .await
        .expect("read")
        .expect("post");
    publishing::delete(&store, &actor, &edited, None)
        .await
        .expect("delete");
    assert_eq!(get(&post_url, "text/html", &[]).await.0, 410);
    assert_eq!(get(&post_url, AP, &[]).await.0, 410);
    assert!(!home(&node).await.contains("Kerja bakti besar"));

    // The account moved: every page answers 301 to its new home.
    let elsewhere = "https://kota.example/users/desa-cepat";
    let activity = |kind| NewActivity {
        public_id: new_public_id(),
        actor_id: actor.id,
        kind,
        post_id: None,
        object_json: None,
    };
    store
        .move_actor(
            actor.id,
            elsewhere,
            &activity(ActivityKind::Update),
            &activity(ActivityKind::Move),
            now_ms(),
        )
        .await
        .expect("move");
    let moved = client()
        .get(format!("{}/", node.base))
        .send()
        .await
        .expect("GET");
    assert_eq!(moved.status().as_u16(), 301);
    assert_eq!(
        moved
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok()),
        Some(elsewhere)
    );
    node.stop().await;
}

#[tokio::test]
async fn pages_change_when_a_pin_or_an_event_ends_on_every_backend() {
    on_every_backend(time_passes).await;
}

/// No write at all: the home page stops showing a pin that ended and an event that is
/// over, because it said until when it stays right.
async fn time_passes(backend: Backend) {
    let node = TestNode::start(&backend, "desa-waktu").await;
    let soon = now_ms() + 1_500;
    node.publish(&PostInput {
        title: "Pengumuman singkat".into(),
        body_markdown: "Air mati sebentar.".into(),
        kind: kentongan::store::PostKind::Pengumuman,
        pinned: true,
        pinned_until: Some(soon),
        ..Default::default()
    })
    .await;
    node.publish(&PostInput {
        title: "Senam pagi".into(),
        body_markdown: "Di lapangan.".into(),
        kind: kentongan::store::PostKind::Agenda,
        event: Some(kentongan::publishing::EventDetails {
            starts_at: now_ms() - 3_600_000,
            ends_at: Some(soon),
            place: "Lapangan".into(),
            ..Default::default()
        }),
        ..Default::default()
    })
    .await;
    let page = home(&node).await;
    assert!(
        page.contains("h-pinned") && page.contains("h-agenda"),
        "{page}"
    );
    let url = format!("{}/", node.base);
    eventually("the pin and the event are over", WAIT, || async {
        let (_, _, page) = get(&url, "text/html", &[]).await;
        (!page.contains("h-pinned") && !page.contains("h-agenda")).then_some(())
    })
    .await;
    node.stop().await;
}

#[tokio::test]
async fn per_visitor_requests_and_304_on_every_backend() {
    on_every_backend(per_visitor_and_304).await;
}

async fn per_visitor_and_304(backend: Backend) {
    let node = TestNode::start(&backend, "desa-hemat").await;
    node.publish_text("Kerja bakti", "Minggu pagi.").await;
    let url = format!("{}/", node.base);
    let shared = home(&node).await;
    let (_, tag, _) = get(&url, "text/html", &[]).await;
    let tag = tag.expect("tag");

    // A 304 from the copy: nothing rendered, no body.
    let before = counts(&node);
    let (status, same, body) = get(&url, "text/html", &[("if-none-match", &tag)]).await;
    assert_eq!(
        (status, same.as_deref(), body.as_str()),
        (304, Some(tag.as_str()), "")
    );
    assert_eq!(counts(&node).renders, before.renders);

    // A visitor with a cookie (signed in, or remembered by the follow page) gets a page
    // rendered for them, and it is kept for no one.
    let before = counts(&node);
    let (status, personal_tag, personal) =
        get(&url, "text/html", &[("cookie", "kentongan_session=abc")]).await;
    assert_eq!(status, 200);
    assert_eq!(personal, shared);
    assert!(
        !personal_tag.is_some_and(|tag| tag.starts_with("W/\"v")),
        "not the shared copy's tag"
    );
    let after = counts(&node);
    assert_eq!(after.hits, before.hits, "a cookie is never served the copy");
    assert_eq!(after.renders, before.renders, "nor does it fill one");
    // The follow page, which remembers a visitor's server in a cookie, is never shared.
    let remembered = get(
        &format!("{}/ikuti", node.base),
        "text/html",
        &[("cookie", "ikuti_server=mastodon.example")],
    )
    .await;
    assert!(
        remembered.2.contains("mastodon.example"),
        "{}",
        remembered.2
    );
    let anonymous = get(&format!("{}/ikuti", node.base), "text/html", &[]).await;
    assert!(!anonymous.2.contains("mastodon.example"));

    // After a write the old tag gets the whole new page.
    node.publish_text("Posyandu", "Kamis.").await;
    let (status, new_tag, page) = get(&url, "text/html", &[("if-none-match", &tag)]).await;
    assert_eq!(status, 200);
    assert!(page.contains("Posyandu"));
    assert_ne!(new_tag.as_deref(), Some(tag.as_str()));

    // The HTML and the JSON of one address are kept apart.
    let post = node.publish_text("Rapat", "Jumat.").await;
    let post_url = format!("{}/p/{}", node.base, post.public_id);
    let html = served_twice(&node, &post_url, "text/html").await;
    let json = served_twice(&node, &post_url, AP).await;
    assert!(html.starts_with("<!doctype html>"), "{html}");
    assert!(json.starts_with('{'));
    node.stop().await;
}
