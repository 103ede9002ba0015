//! A fresh village looks like a real account (issue 10, point 5): a default bio that names
//! the village and links to its site, a drawn avatar until a logo is uploaded, the logo
//! and banner from the admin as the actor's `icon` and `image` (reaching followers as an
//! Update, a replaced logo under a new URL), and a privacy policy linked from every
//! public page and edited in the admin. On SQLite and PostgreSQL.

use crate::{
    admin::followed_by_peer,
    support::session::{Browser, Part, png, signed_in, text},
    support::{AP, Backend, TestNode, WAIT, client, eventually, on_every_backend, peer::Peer},
};
use kentongan::{
    actors::{self, ProfileChanges},
    auth::Role,
    config::Role as NodeRole,
    publishing::{PostImage, markdown},
    site::{self, profile},
    store::ActorRecord,
};
use serde_json::Value;

async fn main_actor(node: &TestNode) -> ActorRecord {
    actors::find_publishing_actor(&node.state().store, None)
        .await
        .expect("the main actor")
}

async fn actor_json(node: &TestNode) -> Value {
    let response = client()
        .get(node.actor_id())
        .header("accept", AP)
        .send()
        .await
        .expect("GET actor");
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.expect("actor JSON")
}

/// GET as a browser: status, content type, body (with `&#x2f;` read as `/`).
async fn html(url: &str) -> (u16, String, String) {
    let response = client()
        .get(url)
        .header("accept", "text/html")
        .send()
        .await
        .expect("GET");
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = response.text().await.expect("body").replace("&#x2f;", "/");
    (status, location, body)
}

/// Fetches a picture the way a follower's server does, and decodes it.
async fn picture(url: &str, media_type: &str) -> image::DynamicImage {
    let response = client().get(url).send().await.expect("GET picture");
    assert_eq!(response.status().as_u16(), 200, "{url}");
    let content_type = response.headers()["content-type"].to_str().expect("ascii");
    assert_eq!(content_type, media_type, "{url}");
    let bytes = response.bytes().await.expect("bytes");
    image::load_from_memory(&bytes).expect("a picture that decodes")
}

fn media_type_of(image: &PostImage) -> &'static str {
    if image.extension == "png" {
        "image/png"
    } else {
        "image/jpeg"
    }
}

/// The settings form as it stands, plus `extra` (files, removals), with the session's
/// CSRF token: the name and description unchanged, so only the pictures change.
async fn settings_form(browser: &mut Browser, node: &TestNode, extra: Vec<Part>) -> Vec<Part> {
    let actor = main_actor(node).await;
    let settings = site::load(&node.state().store).await.expect("settings");
    let mut parts = vec![
        text("csrf", browser.csrf().await),
        text("name", actor.name.clone()),
        text("description", markdown::strip_tags(&actor.summary)),
        text("tagline", settings.tagline.clone()),
        text("village_word", settings.village_word.clone()),
        text("language", settings.language.code()),
        text("time_zone", settings.time_zone.code()),
        text("colour_primary", settings.colour_primary.clone()),
        text("colour_accent", settings.colour_accent.clone()),
        text("contact_address", ""),
        text("contact_phone", ""),
        text("contact_email", ""),
    ];
    parts.extend(extra);
    parts
}

async fn save_settings(browser: &mut Browser, node: &TestNode, extra: Vec<Part>) {
    let parts = settings_form(browser, node, extra).await;
    let saved = browser
        .post_multipart("/admin/settings", &parts, None)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
}

/// The first actor Update at the peer that `matches`.
async fn actor_update(peer: &Peer, what: &str, matches: impl Fn(&Value) -> bool) -> Value {
    let update = eventually(what, WAIT, || async {
        peer.received_of("Update")
            .into_iter()
            .find(|u| u.activity["object"]["type"] == "Organization" && matches(&u.activity))
    })
    .await;
    assert!(update.signature_verified);
    update.activity["object"].clone()
}

/// The node's actor and its bio, which must link to the node's website.
async fn actor_with_bio(node: &TestNode) -> (Value, String) {
    let actor = actor_json(node).await;
    let summary = actor["summary"].as_str().expect("a summary").to_string();
    let link = format!("href=\"{}/\"", node.base);
    assert!(summary.contains(&link), "{summary}");
    (actor, summary)
}

async fn fresh_profile(backend: Backend) {
    let node = TestNode::start(&backend, "desa-sukamaju").await;
    let (actor, summary) = actor_with_bio(&node).await;

    // A bio naming the village and linking to its website, Bahasa Indonesia first.
    assert!(summary.contains("Desa desa-sukamaju"), "{summary}");
    let (id, en) = (summary.find("Akun resmi"), summary.find("official"));
    assert!(id.is_some() && id < en, "{summary}");

    // An avatar drawn for the village, as Mastodon wants it; no header yet.
    let avatar_url = format!("{}/u/desa-sukamaju/avatar.png", node.base);
    assert_eq!(actor["icon"]["type"], "Image");
    assert_eq!(actor["icon"]["mediaType"], "image/png");
    assert_eq!(actor["icon"]["url"], avatar_url);
    assert!(actor.get("image").is_none(), "{actor}");
    let drawn = picture(&avatar_url, "image/png").await;
    assert!(drawn.width() >= 400 && drawn.height() >= 400);
    assert_eq!(drawn.width(), drawn.height());

    // Cached, and revalidated by its ETag.
    let response = client().get(&avatar_url).send().await.expect("GET");
    let headers = response.headers().clone();
    assert!(
        headers["cache-control"]
            .to_str()
            .expect("ascii")
            .contains("max-age=")
    );
    let etag = headers["etag"].to_str().expect("ascii").to_string();
    let again = client()
        .get(&avatar_url)
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("GET");
    assert_eq!(again.status().as_u16(), 304);
    let missing = client()
        .get(format!("{}/u/tidak-ada/avatar.png", node.base))
        .send()
        .await
        .expect("GET");
    assert_eq!(missing.status().as_u16(), 404);

    // Another village gets another picture.
    let other = TestNode::start(&backend, "desa-jangkarasam").await;
    let other_avatar = picture(
        &format!("{}/u/desa-jangkarasam/avatar.png", other.base),
        "image/png",
    )
    .await;
    assert_ne!(
        drawn.to_rgb8().get_pixel(2, 2),
        other_avatar.to_rgb8().get_pixel(2, 2)
    );
    other.stop().await;
    node.stop().await;

    // A fresh portal too, with a portal's bio.
    let portal = TestNode::start_with_role(&backend, "portal-beltim", NodeRole::Portal).await;
    let (actor, summary) = actor_with_bio(&portal).await;
    assert!(summary.contains("desa-desa"), "{summary}");
    assert_eq!(
        actor["icon"]["url"],
        format!("{}/u/portal-beltim/avatar.png", portal.base)
    );
    portal.stop().await;
}

#[tokio::test]
async fn a_fresh_node_has_a_bio_and_a_drawn_avatar() {
    on_every_backend(fresh_profile).await;
}

async fn catch_up(backend: Backend) {
    let mut node = TestNode::start(&backend, "desa-sukamaju").await;
    let peer = followed_by_peer(&node).await;
    let store = node.state().store.clone();
    // As a node made before bios and pictures: no bio, a logo and a banner that never
    // reached the account; and a second account whose bio someone wrote.
    let main = main_actor(&node).await;
    let empty = ProfileChanges {
        summary: Some(String::new()),
        ..Default::default()
    };
    actors::edit_profile(&store, &main, &empty)
        .await
        .expect("empty the bio");
    let urls = node.state().urls.clone();
    let written = "Karang Taruna yang **giat**.";
    let username = actors::Username::parse("karang-taruna").expect("username");
    actors::create_local_actor(&store, &urls, &username, "Karang Taruna", written)
        .await
        .expect("second account");
    let dir = node.state().config.dir.clone();
    let stored = |side: u32| {
        let processed = kentongan::media::process_upload(&png(side, side)).expect("process");
        let stored = kentongan::media::MediaStore::new(&dir)
            .save(&processed)
            .expect("save");
        PostImage::from_stored(&stored, "Desa")
    };
    let settings = site::SiteSettings {
        logo: Some(stored(500)),
        banner: Some(stored(900)),
        ..site::load(&store).await.expect("settings")
    };
    site::save(&store, &settings).await.expect("save settings");
    assert!(main_actor(&node).await.icon_url.is_none());

    node.go_offline().await;
    node.come_back().await;

    // At start the bio, the icon and the header are given, and the followers told.
    let logo_url = profile::logo_url(&urls, settings.logo.as_ref().expect("logo"));
    let banner_url = profile::banner_url(&urls, settings.banner.as_ref().expect("banner"));
    let object = actor_update(&peer, "the catching-up Update", |u| {
        u["object"]["icon"]["url"] == logo_url.as_str()
    })
    .await;
    assert_eq!(object["image"]["url"], banner_url);
    assert!(
        object["summary"]
            .as_str()
            .unwrap_or_default()
            .contains("Akun resmi"),
        "{object}"
    );
    let store = node.state().store.clone();
    let second = actors::find_publishing_actor(&store, Some("karang-taruna"))
        .await
        .expect("second account");
    assert_eq!(second.summary, markdown::render(written));

    // A second start changes nothing more: it queues no Update (each would add a
    // delivery row for the follower).
    let queued = |counts: kentongan::store::DeliveryCounts| {
        counts.pending + counts.delivered + counts.failed
    };
    let before = queued(store.delivery_counts(None).await.expect("counts"));
    node.go_offline().await;
    node.come_back().await;
    let actor = actor_json(&node).await;
    assert_eq!(actor["icon"]["url"], logo_url);
    let after = queued(
        node.state()
            .store
            .delivery_counts(None)
            .await
            .expect("counts"),
    );
    assert_eq!(after, before, "a second start queues nothing");
    peer.stop();
    node.stop().await;
}

#[tokio::test]
async fn a_node_made_before_gets_its_bio_and_pictures_at_start_and_keeps_written_bios() {
    on_every_backend(catch_up).await;
}

/// Uploads `logo` in the settings form: the logo the site now has, its URL as an icon,
/// and the actor in the Update that brought that icon to the follower.
async fn replace_logo(
    browser: &mut Browser,
    node: &TestNode,
    peer: &Peer,
    logo: Vec<u8>,
) -> (PostImage, String, Value) {
    let upload = Part::File("logo", "logo.png", "image/png", logo);
    save_settings(browser, node, vec![upload]).await;
    let stored = site::load(&node.state().store)
        .await
        .expect("settings")
        .logo
        .expect("a logo");
    let url = profile::logo_url(&node.state().urls, &stored);
    let object = actor_update(peer, "an Update with the new logo", |u| {
        u["object"]["icon"]["url"] == url.as_str()
    })
    .await;
    (stored, url, object)
}

async fn logo_and_banner(backend: Backend) {
    let node = TestNode::start(&backend, "desa-sukamaju").await;
    let peer = followed_by_peer(&node).await;
    let (mut browser, _) = signed_in(&node, "operator", Role::Admin).await;
    let bio = main_actor(&node).await.summary;

    // Upload a logo and a banner: the followers get both in an Update, served here.
    save_settings(
        &mut browser,
        &node,
        vec![
            Part::File("logo", "logo.png", "image/png", png(600, 600)),
            Part::File("banner", "spanduk.png", "image/png", png(1500, 500)),
        ],
    )
    .await;
    let settings = site::load(&node.state().store).await.expect("settings");
    let (logo, banner) = (
        settings.logo.clone().expect("logo"),
        settings.banner.clone().expect("banner"),
    );
    let urls = &node.state().urls;
    let logo_url = profile::logo_url(urls, &logo);
    let banner_url = profile::banner_url(urls, &banner);
    assert!(logo_url.contains(&format!("/media/{}-", logo.key)));
    let object = actor_update(&peer, "an Update with the logo", |u| {
        u["object"]["icon"]["url"] == logo_url.as_str()
    })
    .await;
    assert_eq!(object["icon"]["type"], "Image");
    assert_eq!(object["icon"]["mediaType"], media_type_of(&logo));
    assert_eq!(object["image"]["type"], "Image");
    assert_eq!(object["image"]["url"], banner_url);
    assert_eq!(object["image"]["mediaType"], media_type_of(&banner));
    assert_eq!(object["summary"], bio, "the bio is left as it was");
    let served = picture(&logo_url, media_type_of(&logo)).await;
    assert_eq!((served.width(), served.height()), (600, 600));
    let served = picture(&banner_url, media_type_of(&banner)).await;
    assert_eq!((served.width(), served.height()), (1500, 500));
    assert_eq!(actor_json(&node).await["icon"]["url"], logo_url);

    // Replace the logo: a new file, a new URL, another Update.
    let (new_logo, new_logo_url, object) =
        replace_logo(&mut browser, &node, &peer, png(640, 640)).await;
    assert_ne!(new_logo.key, logo.key);
    assert_ne!(new_logo_url, logo_url);
    assert_eq!(object["image"]["url"], banner_url, "the banner stays");
    picture(&new_logo_url, media_type_of(&new_logo)).await;

    // An icon set on purpose (`kentongan actor edit --icon-url`) wins until the logo
    // changes again; then the new logo wins.
    let explicit = "https://lambang.example/desa.png";
    let changes = ProfileChanges {
        icon_url: Some(explicit.into()),
        ..Default::default()
    };
    actors::edit_profile(&node.state().store, &main_actor(&node).await, &changes)
        .await
        .expect("explicit icon");
    node.state().wake_delivery.notify_one();
    actor_update(&peer, "an Update with the explicit icon", |u| {
        u["object"]["icon"]["url"] == explicit
    })
    .await;
    save_settings(&mut browser, &node, Vec::new()).await;
    assert_eq!(actor_json(&node).await["icon"]["url"], explicit);
    let (_, third_url, _) = replace_logo(&mut browser, &node, &peer, png(700, 700)).await;
    // `--icon-url ""` goes back to the logo.
    let reset = profile::default_icon_url(&node.state().store, urls, &main_actor(&node).await)
        .await
        .expect("default icon");
    assert_eq!(reset, third_url);

    // Remove both: back to the drawn avatar and no header.
    save_settings(
        &mut browser,
        &node,
        vec![text("logo_remove", "yes"), text("banner_remove", "yes")],
    )
    .await;
    let avatar_url = format!("{}/u/desa-sukamaju/avatar.png", node.base);
    let object = actor_update(&peer, "an Update without the pictures", |u| {
        u["object"]["icon"]["url"] == avatar_url.as_str()
    })
    .await;
    assert!(object.get("image").is_none(), "{object}");
    peer.stop();
    node.stop().await;
}

#[tokio::test]
async fn logo_and_banner_from_the_admin_become_the_icon_and_header_followers_see() {
    on_every_backend(logo_and_banner).await;
}

const PRIVACY_LINK: &str = "href=\"/kebijakan-privasi\"";

async fn privacy_village(backend: Backend) {
    let node = TestNode::start(&backend, "desa-sukamaju").await;
    let post = node.publish_text("Kerja bakti", "Warga diundang.").await;

    // The default policy, both languages, with what is really kept.
    let url = format!("{}/kebijakan-privasi", node.base);
    let (status, _, page) = html(&url).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Kebijakan Privasi / Privacy Policy"),
        "{page}"
    );
    let (id, en) = (page.find("Bahasa Indonesia"), page.find("English"));
    assert!(id.is_some() && id < en, "Bahasa Indonesia first");
    for fact in [
        "7 hari",
        "7 days",
        "tanpa batas waktu",
        "with no time limit",
    ] {
        assert!(page.contains(fact), "the policy says {fact:?}");
    }
    // At a stable address, also under the names people try.
    for other in ["/privacy", "/halaman/kebijakan-privasi"] {
        let (status, location, _) = html(&format!("{}{other}", node.base)).await;
        assert_eq!(
            (status, location.as_str()),
            (308, "/kebijakan-privasi"),
            "{other}"
        );
    }

    // Linked from every page: home, a post, the residents' form, a page not found.
    for path in [
        "/".to_string(),
        format!("/p/{}", post.public_id),
        "/aspirasi".to_string(),
        "/halaman/tidak-ada".to_string(),
        "/kebijakan-privasi".to_string(),
    ] {
        let (_, _, body) = html(&format!("{}{path}", node.base)).await;
        assert!(
            body.contains(PRIVACY_LINK),
            "{path} links the privacy policy"
        );
    }
    // Not one of the village's profile pages; in the sitemap at its own address.
    let (_, _, profil) = html(&format!("{}/profil", node.base)).await;
    assert!(!profil.contains("/halaman/kebijakan-privasi"), "{profil}");
    let (_, _, sitemap) = html(&format!("{}/sitemap.xml", node.base)).await;
    assert!(sitemap.contains(&format!("<loc>{url}</loc>")), "{sitemap}");

    // Staff edit it in the pages admin; they cannot delete it.
    let (mut browser, _) = signed_in(&node, "editor", Role::Editor).await;
    let form = browser.get("/admin/pages/kebijakan-privasi").await;
    assert_eq!(form.status, 200);
    assert!(
        form.body.contains("tanpa batas waktu"),
        "the form holds the text"
    );
    let csrf = browser.csrf().await;
    let saved = browser
        .post_form(
            "/admin/pages/kebijakan-privasi",
            &[
                ("csrf", &csrf),
                ("title", "Kebijakan Privasi Desa Sukamaju"),
                ("body", "Kami menyimpan **sedikit** data, selama dua tahun."),
                ("position", "100"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let (_, _, page) = html(&url).await;
    assert!(page.contains("Kebijakan Privasi Desa Sukamaju"), "{page}");
    assert!(page.contains("<strong>sedikit</strong>"), "{page}");
    assert!(!page.contains("tanpa batas waktu"), "{page}");
    let refused = browser
        .post_form(
            "/admin/pages/kebijakan-privasi/delete",
            &[("csrf", &csrf), ("confirm", "yes")],
        )
        .await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    let (status, _, _) = html(&url).await;
    assert_eq!(status, 200, "still there");
    node.stop().await;
}

#[tokio::test]
async fn the_privacy_policy_is_linked_from_every_village_page_and_edited_in_the_admin() {
    on_every_backend(privacy_village).await;
}

async fn privacy_portal(backend: Backend) {
    let node = TestNode::start_with_role(&backend, "portal-beltim", NodeRole::Portal).await;
    for path in ["/", "/monitoring", "/kebijakan-privasi"] {
        let (status, _, body) = html(&format!("{}{path}", node.base)).await;
        assert_eq!(status, 200, "{path}: {body}");
        assert!(
            body.contains(PRIVACY_LINK),
            "{path} links the privacy policy"
        );
    }
    let (_, _, page) = html(&format!("{}/kebijakan-privasi", node.base)).await;
    assert!(page.contains("Portal kabupaten"), "{page}");
    assert!(page.contains("The regency portal"), "{page}");
    node.stop().await;
}

#[tokio::test]
async fn a_portal_has_its_privacy_policy_linked_from_its_pages() {
    on_every_backend(privacy_portal).await;
}
