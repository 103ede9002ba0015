//! What the editor's script asks of the server (issue 16), on SQLite and PostgreSQL:
//! photos stored as soon as they are chosen (`/admin/editor/upload`), the form saved as a
//! server draft as it is typed (`/admin/editor/autosave`), the preview with its link card
//! (`/admin/editor/preview`), each refused without the session's token or from another
//! site, within what each role may do (docs/roles.md); a form whose session expired
//! returns to its page after login; and the templates for weekly posts, seeded, edited
//! by editors, and starting a new post. The form without JavaScript is
//! `admin::publishing_with_a_cover_image_federates_it_and_shows_it`.

use crate::support::{
    Backend, TestNode, client, on_every_backend,
    session::{Browser, PASSWORD, Page, Part, multipart_body, png, text, user},
};
use kentongan::{
    auth::Role,
    publishing::{
        PostInput, PostKind,
        drafts::{self, DraftStatus},
    },
    store::DraftRecord,
    strings,
};
use serde_json::Value;

fn json(page: &Page) -> Value {
    serde_json::from_str(&page.body)
        .unwrap_or_else(|err| panic!("not JSON ({err}): {} {}", page.status, page.body))
}

/// A refusal: this status and a one-line reason in Bahasa Indonesia.
fn refused(page: &Page, status: u16, reason: strings::Text) {
    assert_eq!(page.status, status, "{}", page.body);
    assert_eq!(json(page)["error"], reason.id, "{}", page.body);
}

/// The script storing a photo as soon as it is chosen.
async fn upload(browser: &mut Browser, csrf: &str, photo: Option<Vec<u8>>) -> Page {
    upload_from(browser, csrf, photo, None).await
}

/// The same, with the page's Origin.
async fn upload_from(
    browser: &mut Browser,
    csrf: &str,
    photo: Option<Vec<u8>>,
    origin: Option<&str>,
) -> Page {
    let mut parts = vec![text("csrf", csrf)];
    if let Some(bytes) = photo {
        parts.push(Part::File("photo", "foto.jpg", "image/jpeg", bytes));
    }
    browser
        .post_multipart("/admin/editor/upload", &parts, origin)
        .await
}

/// A photo sent as a browser sends it, without a session: the whole request first, and
/// only then the answer (reqwest reads an early answer while still sending, so it never
/// meets the reset a browser would). The answer's head, or how the connection failed.
async fn send_whole_then_read(
    node: &TestNode,
    csrf: &str,
    photo: Vec<u8>,
) -> std::io::Result<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let parts = [
        text("csrf", csrf),
        Part::File("photo", "foto.jpg", "image/jpeg", photo),
    ];
    let (content_type, body) = multipart_body(&parts);
    let address = node.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await?;
    let head = format!(
        "POST /admin/editor/upload HTTP/1.1\r\nhost: {address}\r\ncontent-type: {content_type}\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(&body).await?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await?;
    let answer = String::from_utf8_lossy(&answer);
    Ok(answer
        .split("\r\n\r\n")
        .next()
        .unwrap_or_default()
        .to_string())
}

/// A photo the server stored, as the script keeps it for the form.
struct Uploaded {
    key: String,
    extension: String,
    width: String,
    height: String,
}

impl Uploaded {
    fn from(page: &Page) -> Self {
        let photo = json(page);
        let field = |name: &str| photo[name].as_str().expect(name).to_string();
        let size = |name: &str| photo[name].as_u64().expect(name).to_string();
        Self {
            key: field("key"),
            extension: field("extension"),
            width: size("width"),
            height: size("height"),
        }
    }

    /// `pairs`, then the form's fields for this photo as its first image.
    fn with<'a>(&'a self, alt: &'a str, pairs: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
        let mut fields = pairs.to_vec();
        fields.extend([
            ("image_key_0", self.key.as_str()),
            ("image_ext_0", &self.extension),
            ("image_width_0", &self.width),
            ("image_height_0", &self.height),
            ("image_alt_0", alt),
        ]);
        fields
    }
}

/// The script saving the form as it is typed.
async fn autosave(browser: &mut Browser, pairs: &[(&str, &str)]) -> Page {
    browser.post_form("/admin/editor/autosave", pairs).await
}

/// An autosave of just a title, into the draft `draft_id`.
async fn autosave_into(browser: &mut Browser, csrf: &str, draft_id: &str, title: &str) -> Page {
    autosave(
        browser,
        &[("csrf", csrf), ("title", title), ("draft_id", draft_id)],
    )
    .await
}

async fn draft_count(node: &TestNode) -> usize {
    node.state().store.drafts().await.expect("drafts").len()
}

async fn draft(node: &TestNode, id: i64) -> DraftRecord {
    node.state()
        .store
        .draft_by_id(id)
        .await
        .expect("read")
        .expect("the draft")
}

fn media_files(node: &TestNode) -> usize {
    std::fs::read_dir(node.dir().join("media"))
        .expect("media dir")
        .count()
}

async fn script_endpoints(backend: Backend) {
    let node = TestNode::start(&backend, "desa-sukamaju").await;
    let editor = user(&node, "sekdes", Role::Editor).await;
    let contributor = user(&node, "kim", Role::Kontributor).await;
    let mut browser = Browser::new(&node);
    browser.login("sekdes", PASSWORD).await;
    let csrf = browser.csrf().await;

    // A photo is stored at once and described for the form.
    let page = upload(&mut browser, &csrf, Some(png(800, 600))).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.header("content-type").starts_with("application/json"));
    let photo = Uploaded::from(&page);
    let key = &photo.key;
    assert_eq!(key.len(), 32);
    assert_eq!(
        (photo.width.as_str(), photo.height.as_str()),
        ("800", "600")
    );
    let thumb = browser
        .get(json(&page)["thumb"].as_str().expect("thumb address"))
        .await;
    assert_eq!(thumb.status, 200);
    let extension = &photo.extension;

    // Bad photos: a clear 4xx with its reason, never a page or a 500.
    refused(
        &upload(&mut browser, &csrf, Some(b"bukan gambar".to_vec())).await,
        415,
        strings::UPLOAD_NOT_IMAGE,
    );
    refused(
        &upload(&mut browser, &csrf, None).await,
        400,
        strings::EDITOR_UPLOAD_MISSING,
    );
    // Without the session's token, or from another site: refused before anything is kept.
    let media_before = media_files(&node);
    let forged = upload(&mut browser, "not-the-token", Some(png(320, 200))).await;
    assert_eq!(forged.status, 403);
    let evil = Some("https://evil.example");
    let foreign = upload_from(&mut browser, &csrf, Some(png(321, 200)), evil).await;
    assert_eq!(foreign.status, 403);
    let media_after = media_files(&node);
    assert_eq!(media_before, media_after, "a refused upload stored nothing");

    // Saving as one types: a new draft first, then the same one.
    let alt = "Warga membawa cangkul";
    let fields = photo.with(
        alt,
        &[
            ("csrf", &csrf),
            ("title", "Kerja bakti Minggu"),
            ("body", "Warga *diundang*."),
            ("kind", "berita"),
            ("categories", "Berita"),
        ],
    );
    let first = autosave(&mut browser, &fields).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let saved = json(&first);
    let draft_id = saved["draft_id"].as_i64().expect("draft id");
    assert_eq!(saved["edit_url"], format!("/admin/drafts/{draft_id}/edit"));
    let id = draft_id.to_string();
    let fields = photo.with(
        alt,
        &[
            ("csrf", &csrf),
            ("draft_id", &id),
            ("title", "Kerja bakti Minggu pagi"),
            ("body", "Warga *diundang*, bawa cangkul."),
            ("kind", "berita"),
        ],
    );
    let second = autosave(&mut browser, &fields).await;
    assert_eq!(json(&second)["draft_id"], draft_id, "{}", second.body);
    assert_eq!(draft_count(&node).await, 1);
    let saved = draft(&node, draft_id).await;
    assert_eq!(saved.title, "Kerja bakti Minggu pagi");
    assert_eq!(saved.status, kentongan::store::DraftStatus::Draft);
    assert_eq!(saved.author_user_id, Some(editor.id));
    let input = drafts::input_of(&saved);
    assert_eq!(input.body_markdown, "Warga *diundang*, bawa cangkul.");
    assert_eq!(input.images.len(), 1);
    assert_eq!(input.images[0].alt, alt);

    // Refusals: no token, no title, no such draft, a draft already sent for approval.
    let forged = autosave(&mut browser, &[("title", "Dipalsukan"), ("draft_id", &id)]).await;
    assert_eq!(forged.status, 403);
    refused(
        &autosave(&mut browser, &[("csrf", &csrf), ("title", " ")]).await,
        400,
        strings::TITLE_EMPTY,
    );
    let unreadable = autosave_into(&mut browser, &csrf, "abc", "x").await;
    refused(&unreadable, 400, strings::ADMIN_FORM_UNREADABLE);
    let gone = autosave_into(&mut browser, &csrf, "987654", "x").await;
    refused(&gone, 404, strings::DRAFT_GONE);
    let actor = kentongan::actors::find_publishing_actor(&node.state().store, None)
        .await
        .expect("actor");
    let in_review = drafts::save(
        &node.state().store,
        &actor,
        Some(editor.id),
        None,
        DraftStatus::Review,
        &PostInput {
            title: "Menunggu".into(),
            body_markdown: "Isi.".into(),
            ..Default::default()
        },
        None,
    )
    .await
    .expect("a draft in review");
    let review_id = in_review.id.to_string();
    let sent = autosave_into(&mut browser, &csrf, &review_id, "Diubah").await;
    refused(&sent, 409, strings::EDITOR_AUTOSAVE_NOT_DRAFT);
    assert_eq!(draft(&node, in_review.id).await.title, "Menunggu");

    // The preview: the site's own rendering and the link card.
    let preview = browser
        .post_form(
            "/admin/editor/preview",
            &[
                ("csrf", &csrf),
                ("title", "Kerja bakti"),
                (
                    "body",
                    "Bawa **cangkul** dan <script>alert(1)</script> karung.",
                ),
                ("image_key_0", key),
                ("image_ext_0", extension),
                ("image_alt_0", "Cangkul"),
            ],
        )
        .await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    let shown = json(&preview);
    let html = shown["body_html"].as_str().expect("html");
    assert!(html.contains("<strong>cangkul</strong>"), "{html}");
    assert!(!html.contains("<script"), "{html}");
    assert!(
        shown["card_summary"]
            .as_str()
            .expect("card text")
            .starts_with("Bawa cangkul"),
        "{shown}"
    );
    assert_eq!(
        shown["images"][0]["src"],
        format!("/media/{key}-medium.{extension}")
    );

    // A contributor saves their own drafts, never someone else's.
    let mut kim = Browser::new(&node);
    kim.login("kim", PASSWORD).await;
    let kim_csrf = kim.csrf().await;
    let taken = autosave_into(&mut kim, &kim_csrf, &id, "Diambil alih").await;
    refused(&taken, 403, strings::ADMIN_FORBIDDEN);
    let own = autosave(&mut kim, &[("csrf", &kim_csrf), ("title", "Kabar KIM")]).await;
    assert_eq!(own.status, 200, "{}", own.body);
    let own_id = json(&own)["draft_id"].as_i64().expect("draft id");
    assert_eq!(
        draft(&node, own_id).await.author_user_id,
        Some(contributor.id)
    );
    let photo = upload(&mut kim, &kim_csrf, Some(png(400, 300))).await;
    assert_eq!(
        photo.status, 200,
        "a contributor may add photos: {}",
        photo.body
    );

    // Nobody signed in: to the login form. A form sent after the session ended comes back
    // to the page it was sent from once signed in again.
    let mut nobody = Browser::new(&node);
    let page = autosave(&mut nobody, &[("csrf", &csrf), ("title", "x")]).await;
    assert_eq!(page.status, 303);
    // A photo sent after the session ended gets the login form as its answer every time,
    // never a reset connection: a browser takes a reset for a lost connection and sends
    // the photo again, on a phone's data plan.
    let camera_photo = vec![0xA5; 6 * 1024 * 1024];
    for _ in 0..5 {
        let answer = send_whole_then_read(&node, &csrf, camera_photo.clone())
            .await
            .expect("the login form as the answer, not a reset connection");
        assert!(answer.starts_with("HTTP/1.1 303"), "{answer}");
        assert!(answer.contains("\r\nlocation: /admin/login"), "{answer}");
    }
    let expired = client()
        .post(format!("{}/admin/drafts/{draft_id}/edit", node.base))
        .header(
            "referer",
            format!("{}/admin/drafts/{draft_id}/edit", node.base),
        )
        .header("content-type", "application/x-www-form-urlencoded")
        .body("title=x&action=publish")
        .send()
        .await
        .expect("post");
    assert_eq!(expired.status().as_u16(), 303);
    let location = expired.headers()["location"].to_str().expect("location");
    assert_eq!(
        location,
        format!("/admin/login?next=%2Fadmin%2Fdrafts%2F{draft_id}%2Fedit")
    );
    let elsewhere = client()
        .post(format!("{}/admin/posts/new", node.base))
        .header("referer", "https://evil.example/admin/x")
        .body("")
        .send()
        .await
        .expect("post");
    assert_eq!(
        elsewhere.headers()["location"],
        "/admin/login?next=%2Fadmin"
    );
    node.stop().await;
}

#[tokio::test]
async fn the_editor_script_stores_photos_saves_drafts_and_previews_within_each_role() {
    on_every_backend(script_endpoints).await;
}

async fn templates(backend: Backend) {
    let node = TestNode::start(&backend, "desa-sukamaju").await;
    user(&node, "sekdes", Role::Editor).await;
    user(&node, "kim", Role::Kontributor).await;
    let store = &node.state().store;

    // Every node starts with the weekly posts' templates, in Bahasa Indonesia.
    let seeded = store.post_templates().await.expect("templates");
    let names: Vec<&str> = seeded.iter().map(|t| t.name.as_str()).collect();
    for expected in [
        "Pengumuman",
        "Undangan kerja bakti",
        "Undangan rapat",
        "Jadwal posyandu",
        "Penyaluran bantuan",
        "Kabar UMKM",
        "Agenda kegiatan",
    ] {
        assert!(names.contains(&expected), "{expected} in {names:?}");
    }
    let posyandu = seeded
        .iter()
        .find(|t| t.name == "Jadwal posyandu")
        .expect("posyandu");
    assert_eq!(posyandu.kind, PostKind::Agenda);

    let mut browser = Browser::new(&node);
    browser.login("sekdes", PASSWORD).await;
    let new = browser.get("/admin/posts/new").await;
    assert!(new.body.contains(strings::EDITOR_START_FROM_TEMPLATE.id));
    assert!(
        new.body
            .contains(&format!("/admin/posts/new?templat={}", posyandu.id))
    );
    let started = browser
        .get(&format!("/admin/posts/new?templat={}", posyandu.id))
        .await;
    assert_eq!(started.status, 200);
    assert!(started.body.contains("<option value=\"agenda\" selected>"));
    assert!(
        started
            .body
            .contains("name=\"categories\" value=\"Agenda\" checked"),
        "{}",
        started.body
    );
    assert!(started.body.contains("Kader Posyandu"));
    assert!(started.body.contains("buku KIA"));
    assert_eq!(
        browser.get("/admin/posts/new?templat=987654").await.status,
        404
    );

    // Editors add, change and remove them; a bad one is refused with its reason.
    let csrf = browser.csrf().await;
    let added = browser
        .post_form(
            "/admin/templates",
            &[
                ("csrf", &csrf),
                ("name", "Musyawarah dusun"),
                ("kind", "agenda"),
                ("categories", "Agenda, Musyawarah"),
                ("title", "Musyawarah Dusun "),
                ("body", "Mengundang warga dusun."),
                ("event_place", "Balai Dusun"),
                ("position", "20"),
            ],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.body);
    assert_eq!(added.location, "/admin/templates?ok=template_saved");
    let template = store
        .post_templates()
        .await
        .expect("templates")
        .into_iter()
        .find(|t| t.name == "Musyawarah dusun")
        .expect("the new template");
    assert_eq!(template.categories, "Agenda, Musyawarah");
    let list = browser.get(&added.location).await;
    assert!(list.body.contains("Musyawarah dusun"));
    assert!(list.body.contains(strings::TEMPLATES_OK_SAVED.id));

    let path = format!("/admin/templates/{}", template.id);
    let bad = browser
        .post_form(&path, &[("csrf", &csrf), ("name", ""), ("kind", "agenda")])
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains(strings::TEMPLATE_NAME_INVALID.id));
    let bad_category = browser
        .post_form(
            &path,
            &[
                ("csrf", &csrf),
                ("name", "Rapat"),
                ("categories", "bukan kategori!"),
            ],
        )
        .await;
    assert_eq!(bad_category.status, 400);
    assert!(bad_category.body.contains(strings::CATEGORY_INVALID.id));
    let changed = browser
        .post_form(
            &path,
            &[
                ("csrf", &csrf),
                ("name", "Musyawarah desa"),
                ("kind", "pengumuman"),
            ],
        )
        .await;
    assert_eq!(changed.status, 303, "{}", changed.body);
    let template = store
        .post_template(template.id)
        .await
        .expect("read")
        .expect("template");
    assert_eq!(
        (template.name.as_str(), template.kind),
        ("Musyawarah desa", PostKind::Pengumuman)
    );
    let forged = browser
        .post_form(&path, &[("csrf", "palsu"), ("name", "Dipalsukan")])
        .await;
    assert_eq!(forged.status, 403);

    // A contributor uses templates but may not change them.
    let mut kim = Browser::new(&node);
    kim.login("kim", PASSWORD).await;
    let kim_csrf = kim.csrf().await;
    assert_eq!(kim.get("/admin/templates").await.status, 403);
    let attempt = kim
        .post_form(&path, &[("csrf", &kim_csrf), ("name", "Diubah KIM")])
        .await;
    assert_eq!(attempt.status, 403);
    let from_template = kim
        .get(&format!("/admin/posts/new?templat={}", template.id))
        .await;
    assert_eq!(from_template.status, 200);
    assert!(
        from_template
            .body
            .contains("<option value=\"pengumuman\" selected>")
    );

    let deleted = browser
        .post_form(
            &format!("{path}/delete"),
            &[("csrf", &csrf), ("confirm", "yes")],
        )
        .await;
    assert_eq!(deleted.status, 303);
    assert!(
        store
            .post_template(template.id)
            .await
            .expect("read")
            .is_none()
    );
    let again = browser
        .post_form(
            &format!("{path}/delete"),
            &[("csrf", &csrf), ("confirm", "yes")],
        )
        .await;
    assert_eq!(again.status, 404);
    node.stop().await;
}

#[tokio::test]
async fn weekly_post_templates_are_seeded_edited_by_editors_and_start_a_post() {
    on_every_backend(templates).await;
}
