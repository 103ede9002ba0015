//! Public information (PPID): documents uploaded in the admin, listed on the village site
//! by KIP category and year, federated with the document attached; "dikecualikan" kept
//! private everywhere; the checklist of required pages and yearly documents. On SQLite
//! and PostgreSQL, through real HTTP.

use crate::{
    admin::followed_by_peer,
    support::session::{Browser, Page, Part, png, signed_in, text},
    support::{AP, Backend, TestNode, WAIT, client, eventually, on_every_backend},
};
use kentongan::{
    auth::Role,
    clock::now_ms,
    documents::year_of,
    site::TimeZone,
    store::{DocumentRecord, KipCategory},
    strings,
};

pub(crate) fn pdf(marker: &str) -> Vec<u8> {
    format!(
        "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% {marker}\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )
    .into_bytes()
}

pub(crate) fn this_year() -> i64 {
    year_of(TimeZone::Wib, now_ms())
}

/// One upload through the admin's form, with the session's CSRF token.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn upload(
    browser: &mut Browser,
    title: &str,
    category: &str,
    year: i64,
    doc_type: &str,
    file: Option<(&'static str, &'static str, Vec<u8>)>,
) -> Page {
    let csrf = browser.csrf().await;
    let mut parts = vec![
        text("csrf", csrf),
        text("title", title),
        text("description", "Keterangan singkat dokumen."),
        text("category", category),
        text("year", year.to_string()),
        text("doc_type", doc_type),
    ];
    if let Some((name, content_type, bytes)) = file {
        parts.push(Part::File("file", name, content_type, bytes));
    }
    browser.post_multipart("/admin/dokumen", &parts, None).await
}

async fn documents(node: &TestNode) -> Vec<DocumentRecord> {
    node.state().store.documents().await.expect("documents")
}

async fn document_titled(node: &TestNode, title: &str) -> DocumentRecord {
    documents(node)
        .await
        .into_iter()
        .find(|d| d.title == title)
        .unwrap_or_else(|| panic!("no document {title}"))
}

async fn editor(node: &TestNode) -> Browser {
    signed_in(node, "ppid", Role::Editor).await.0
}

async fn get(url: &str, accept: Option<&str>) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let mut request = client().get(url);
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (
        status,
        headers,
        response.bytes().await.expect("body").to_vec(),
    )
}

fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

async fn published_listed_and_federated(backend: Backend) {
    let node = TestNode::start(&backend, "desa-sukamaju").await;
    let peer = followed_by_peer(&node).await;
    let mut browser = editor(&node).await;
    let year = this_year();

    let apbdes = pdf("apbdes");
    let page = upload(
        &mut browser,
        "APBDes Sukamaju",
        "berkala",
        year,
        "apbdes",
        Some(("apbdes.pdf", "application/pdf", apbdes.clone())),
    )
    .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.location, "/admin/dokumen?ok=document_uploaded");
    let page = upload(
        &mut browser,
        "Realisasi APBDes Sukamaju",
        "berkala",
        year - 1,
        "realisasi-apbdes",
        Some(("realisasi.pdf", "application/pdf", pdf("realisasi"))),
    )
    .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = upload(
        &mut browser,
        "Peta wilayah Sukamaju",
        "setiap-saat",
        year - 1,
        "",
        Some(("peta.png", "image/png", png(400, 300))),
    )
    .await;
    assert_eq!(page.status, 303, "{}", page.body);

    // The admin lists all three with their files.
    let list = browser.get("/admin/dokumen?ok=document_uploaded").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains(strings::DOC_OK_UPLOADED.id));
    for title in [
        "APBDes Sukamaju",
        "Realisasi APBDes Sukamaju",
        "Peta wilayah Sukamaju",
    ] {
        assert!(list.body.contains(title), "{title}");
    }

    // The public page: by category (berkala before setiap saat), then newest year first.
    let (status, _, body) = get(&format!("{}/informasi-publik", node.base), None).await;
    assert_eq!(status, 200);
    let body = String::from_utf8(body).expect("utf-8");
    let at = |needle: &str| {
        body.find(needle)
            .unwrap_or_else(|| panic!("{needle} not on the page"))
    };
    assert!(at(strings::DOC_CAT_BERKALA.id) < at(strings::DOC_CAT_SETIAP_SAAT.id));
    assert!(at(strings::DOC_CAT_SETIAP_SAAT.id) < at("Peta wilayah Sukamaju"));
    assert!(at(&format!("Tahun {year}")) < at("APBDes Sukamaju"));
    assert!(at("APBDes Sukamaju") < at(&format!("Tahun {}", year - 1)));
    assert!(at(&format!("Tahun {}", year - 1)) < at("Realisasi APBDes Sukamaju"));
    assert!(body.contains(strings::DOC_TYPE_APBDES.id));
    assert!(body.contains("PDF, 1 KB"), "{body}");
    assert!(body.contains("href=\"/informasi-publik\" aria-current=\"page\""));

    // The PDF as it was uploaded, as a download, sandboxed.
    let document = document_titled(&node, "APBDes Sukamaju").await;
    let file_url = format!(
        "{}/informasi-publik/berkas/{}",
        node.base, document.public_id
    );
    assert!(body.contains(&format!("/informasi-publik/berkas/{}", document.public_id)));
    let (status, headers, bytes) = get(&file_url, None).await;
    assert_eq!(status, 200);
    assert_eq!(bytes, apbdes);
    assert_eq!(header(&headers, "content-type"), "application/pdf");
    assert_eq!(
        header(&headers, "content-disposition"),
        format!("attachment; filename=\"APBDes-Sukamaju-{year}.pdf\"")
    );
    assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
    assert!(header(&headers, "content-security-policy").starts_with("sandbox"));
    // The picture went through the media pipeline: re-encoded, shown inline.
    let picture = document_titled(&node, "Peta wilayah Sukamaju").await;
    let picture_url = format!(
        "{}/informasi-publik/berkas/{}",
        node.base, picture.public_id
    );
    let (status, headers, bytes) = get(&picture_url, None).await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-type"), "image/jpeg");
    assert!(header(&headers, "content-disposition").starts_with("inline"));
    assert!(bytes.starts_with(&[0xff, 0xd8]));

    // Followers get a Create whose Note carries the document and a plain link to it.
    // By the document it carries: "Realisasi APBDes Sukamaju" is federated too, and its
    // Create may arrive first (deliveries run in parallel).
    let create = eventually("the Create of the APBDes", WAIT, || async {
        peer.received_of("Create")
            .into_iter()
            .find(|r| r.activity["object"]["attachment"][0]["name"] == "APBDes Sukamaju")
    })
    .await;
    assert!(create.signature_verified);
    let object = &create.activity["object"];
    let attachment = &object["attachment"][0];
    assert_eq!(attachment["type"], "Document");
    assert_eq!(attachment["mediaType"], "application/pdf");
    assert_eq!(attachment["url"], file_url.as_str());
    assert_eq!(attachment["name"], "APBDes Sukamaju");
    let content = object["content"].as_str().unwrap_or_default();
    assert!(
        content.contains(&format!("href=\"{file_url}\"")),
        "{content}"
    );
    let image_create = eventually("the Create of the picture", WAIT, || async {
        peer.received_of("Create").into_iter().find(|r| {
            r.activity["object"]["content"]
                .to_string()
                .contains("Peta wilayah Sukamaju")
        })
    })
    .await;
    let attachment = &image_create.activity["object"]["attachment"][0];
    assert_eq!(attachment["type"], "Image");
    assert_eq!(attachment["mediaType"], "image/jpeg");
    assert_eq!(attachment["url"], picture_url.as_str());

    // The post is an ordinary post: on the site, in the outbox.
    let post_url = object["id"].as_str().expect("post id").to_string();
    let (status, _, outbox) = get(
        &format!("{}/u/{}/outbox?page=true", node.base, node.username),
        Some(AP),
    )
    .await;
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&outbox).contains(&post_url));
    let (status, _, html) = get(&post_url, None).await;
    assert_eq!(status, 200);
    assert!(
        String::from_utf8_lossy(&html)
            .contains(&format!("/informasi-publik/berkas/{}", document.public_id))
    );

    peer.stop();
    node.stop().await;
}

#[tokio::test]
async fn documents_are_listed_by_category_and_year_and_federated_with_the_file() {
    on_every_backend(published_listed_and_federated).await;
}

/// Every public surface of the node, as text: pages, feeds, sitemap, search, outbox,
/// actor and the followers' copies.
async fn public_surfaces(node: &TestNode, search: &str) -> Vec<(String, String)> {
    let mut seen = Vec::new();
    for (path, accept) in [
        ("/".to_string(), None),
        ("/informasi-publik".to_string(), None),
        ("/profil".to_string(), None),
        ("/arsip".to_string(), None),
        (format!("/cari?q={search}"), None),
        ("/feed.rss".to_string(), None),
        ("/feed.atom".to_string(), None),
        ("/sitemap.xml".to_string(), None),
        (format!("/u/{}", node.username), Some(AP)),
        (format!("/u/{}/outbox", node.username), Some(AP)),
        (format!("/u/{}/outbox?page=true", node.username), Some(AP)),
        (format!("/u/{}/featured", node.username), Some(AP)),
    ] {
        let (status, _, body) = get(&format!("{}{path}", node.base), accept).await;
        assert!(status < 500, "{path}: {status}");
        seen.push((path, String::from_utf8_lossy(&body).into_owned()));
    }
    seen
}

/// Everything the follower received, as one text.
fn received_json(peer: &crate::support::peer::Peer) -> String {
    let all: Vec<serde_json::Value> = peer.received().into_iter().map(|r| r.activity).collect();
    serde_json::to_string(&all).expect("json")
}

async fn exempt_never_public(backend: Backend) {
    let node = TestNode::start(&backend, "desa-sukamaju").await;
    let peer = followed_by_peer(&node).await;
    let mut browser = editor(&node).await;
    let year = this_year();

    let secret_title = "Daftar Penerima Bantuan Rahasiaku";
    let page = upload(
        &mut browser,
        secret_title,
        "dikecualikan",
        year,
        "",
        Some((
            "rahasia.pdf",
            "application/pdf",
            pdf("isi-rahasia-penerima-bantuan"),
        )),
    )
    .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let secret = document_titled(&node, secret_title).await;
    assert_eq!(secret.post_id, None);
    let page = upload(
        &mut browser,
        "Laporan Kegiatan Terbuka",
        "berkala",
        year,
        "",
        Some(("laporan.pdf", "application/pdf", pdf("laporan-terbuka"))),
    )
    .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = upload(
        &mut browser,
        "Pengumuman Air Bersih Terbuka",
        "serta-merta",
        year,
        "",
        Some(("air.pdf", "application/pdf", pdf("air-bersih"))),
    )
    .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let open = document_titled(&node, "Laporan Kegiatan Terbuka").await;
    let water = document_titled(&node, "Pengumuman Air Bersih Terbuka").await;
    // Both public ones reach the follower; the exempt one never does.
    for title in ["Laporan Kegiatan Terbuka", "Pengumuman Air Bersih Terbuka"] {
        eventually(title, WAIT, || async {
            peer.received_of("Create")
                .into_iter()
                .find(|r| r.activity.to_string().contains(title))
        })
        .await;
    }

    let secrets = [
        secret_title.to_string(),
        "Rahasiaku".to_string(),
        secret.public_id.clone(),
        secret.file_key.clone(),
        "isi-rahasia".to_string(),
    ];
    let check_nowhere = |node_surfaces: Vec<(String, String)>, received: String| {
        for (path, body) in node_surfaces {
            for secret in &secrets {
                assert!(!body.contains(secret.as_str()), "{path} shows {secret}");
            }
        }
        for secret in &secrets {
            assert!(!received.contains(secret.as_str()), "federated: {secret}");
        }
    };
    let received = received_json(&peer);
    check_nowhere(public_surfaces(&node, "Penerima+Bantuan").await, received);
    // Its file has no public address, not even when guessed.
    for guess in [
        format!("/informasi-publik/berkas/{}", secret.public_id),
        format!("/informasi-publik/berkas/{}", secret.file_key),
        format!("/media/{}.pdf", secret.file_key),
        format!("/documents/{}.pdf", secret.file_key),
    ] {
        let (status, _, body) = get(&format!("{}{guess}", node.base), None).await;
        assert_eq!(status, 404, "{guess}");
        assert!(!String::from_utf8_lossy(&body).contains("isi-rahasia"));
    }
    // Only a signed-in editor reads it, at the admin's address.
    let private = format!("/admin/dokumen/{}/berkas", secret.id);
    let page = browser.get(&private).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("isi-rahasia-penerima-bantuan"));
    let (status, _, _) = get(&format!("{}{private}", node.base), None).await;
    assert_eq!(status, 303, "a visitor is sent to the login");

    // Withdrawing a public document: off the site, and a Delete of its post.
    let post = node
        .state()
        .store
        .post_by_id(open.post_id.expect("a post"))
        .await
        .expect("read")
        .expect("post");
    let post_url = format!("{}/p/{}", node.base, post.public_id);
    let csrf = browser.csrf().await;
    let page = browser
        .post_form(
            &format!("/admin/dokumen/{}", open.id),
            &[
                ("csrf", &csrf),
                ("title", "Laporan Kegiatan Terbuka"),
                ("description", ""),
                ("category", "dikecualikan"),
                ("year", &year.to_string()),
                ("doc_type", ""),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let delete = eventually("the Delete of the withdrawn post", WAIT, || async {
        peer.received_of("Delete")
            .into_iter()
            .find(|r| r.activity["object"]["id"] == post_url.as_str())
    })
    .await;
    assert!(delete.signature_verified);
    let withdrawn = document_titled(&node, "Laporan Kegiatan Terbuka").await;
    assert_eq!(withdrawn.category, KipCategory::Dikecualikan);
    assert_eq!(withdrawn.post_id, None);
    let (status, _, _) = get(
        &format!("{}/informasi-publik/berkas/{}", node.base, open.public_id),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (status, _, _) = get(&post_url, None).await;
    assert_eq!(status, 410);
    let surfaces = public_surfaces(&node, "Terbuka").await;
    for (path, body) in &surfaces {
        assert!(
            !body.contains("Laporan Kegiatan Terbuka"),
            "{path} still shows it"
        );
    }

    // Deleting a public document: a Delete too, and its file is gone.
    let water_post = node
        .state()
        .store
        .post_by_id(water.post_id.expect("a post"))
        .await
        .expect("read")
        .expect("post");
    let water_url = format!("{}/p/{}", node.base, water_post.public_id);
    let csrf = browser.csrf().await;
    let page = browser
        .post_form(
            &format!("/admin/dokumen/{}/hapus", water.id),
            &[("csrf", &csrf), ("confirm", "yes")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    eventually(
        "the Delete of the deleted document's post",
        WAIT,
        || async {
            peer.received_of("Delete")
                .into_iter()
                .find(|r| r.activity["object"]["id"] == water_url.as_str())
        },
    )
    .await;
    assert!(
        !node
            .dir()
            .join("documents")
            .join(format!("{}.pdf", water.file_key))
            .exists()
    );
    let (status, _, _) = get(
        &format!("{}/informasi-publik/berkas/{}", node.base, water.public_id),
        None,
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(documents(&node).await.len(), 2);

    // Still nothing of the exempt documents anywhere, nor in anything federated since.
    let received = received_json(&peer);
    check_nowhere(public_surfaces(&node, "Penerima+Bantuan").await, received);

    peer.stop();
    node.stop().await;
}

#[tokio::test]
async fn an_exempt_document_is_never_public_and_withdrawing_one_federates_a_delete() {
    on_every_backend(exempt_never_public).await;
}

async fn bad_input(backend: Backend) {
    let node = TestNode::start(&backend, "desa-sukamaju").await;
    let mut browser = editor(&node).await;
    let year = this_year();
    let good = || Some(("a.pdf", "application/pdf", pdf("a")));

    let cases: Vec<(Page, u16, strings::Text)> = vec![
        (
            upload(
                &mut browser,
                "Bukan PDF",
                "berkala",
                year,
                "",
                Some(("a.pdf", "application/pdf", b"<html>halo</html>".to_vec())),
            )
            .await,
            415,
            strings::DOC_FILE_NOT_ACCEPTED,
        ),
        (
            upload(
                &mut browser,
                "Terlalu besar",
                "berkala",
                year,
                "",
                Some((
                    "besar.pdf",
                    "application/pdf",
                    [b"%PDF-1.4\n".to_vec(), vec![b'0'; 21 * 1024 * 1024]].concat(),
                )),
            )
            .await,
            413,
            strings::DOC_FILE_TOO_LARGE,
        ),
        (
            upload(&mut browser, "Tahun lama", "berkala", 1800, "", good()).await,
            400,
            strings::DOC_YEAR_INVALID,
        ),
        (
            upload(
                &mut browser,
                "Tahun depan lagi",
                "berkala",
                year + 2,
                "",
                good(),
            )
            .await,
            400,
            strings::DOC_YEAR_INVALID,
        ),
        (
            upload(
                &mut browser,
                "Kategori aneh",
                "rahasia-negara",
                year,
                "",
                good(),
            )
            .await,
            400,
            strings::DOC_CATEGORY_UNKNOWN,
        ),
        (
            upload(&mut browser, "Jenis aneh", "berkala", year, "apbn", good()).await,
            400,
            strings::DOC_TYPE_UNKNOWN,
        ),
        (
            upload(&mut browser, "   ", "berkala", year, "", good()).await,
            400,
            strings::DOC_TITLE_MISSING,
        ),
        (
            upload(&mut browser, "Tanpa berkas", "berkala", year, "", None).await,
            400,
            strings::DOC_FILE_MISSING,
        ),
    ];
    for (page, status, text) in cases {
        assert_eq!(page.status, status, "{}: {}", text.en, page.body);
        assert!(page.body.contains(text.id), "{}", text.en);
        assert!(page.body.contains("role=\"alert\""));
    }
    assert!(documents(&node).await.is_empty(), "nothing was kept");
    assert!(
        !node.dir().join("documents").exists()
            || std::fs::read_dir(node.dir().join("documents"))
                .expect("dir")
                .next()
                .is_none(),
        "no file was kept"
    );

    // Without the CSRF token, and from a contributor: refused.
    let parts = vec![
        text("title", "Tanpa token"),
        text("category", "berkala"),
        text("year", year.to_string()),
        Part::File("file", "a.pdf", "application/pdf", pdf("a")),
    ];
    let page = browser.post_multipart("/admin/dokumen", &parts, None).await;
    assert_eq!(page.status, 403);
    let (mut contributor, _) = signed_in(&node, "kontributor", Role::Kontributor).await;
    assert_eq!(contributor.get("/admin/dokumen").await.status, 403);
    let page = upload(
        &mut contributor,
        "Dari kontributor",
        "berkala",
        year,
        "",
        good(),
    )
    .await;
    assert_eq!(page.status, 403);
    assert!(documents(&node).await.is_empty());
    node.stop().await;
}

#[tokio::test]
async fn bad_documents_are_refused_with_a_reason() {
    on_every_backend(bad_input).await;
}

fn missing_count(body: &str) -> Option<usize> {
    let marker = "class=\"missing-count\">";
    let start = body.find(marker)? + marker.len();
    body[start..].split('<').next()?.parse().ok()
}

async fn checklist(backend: Backend) {
    let node = TestNode::start(&backend, "desa-sukamaju").await;
    let mut browser = editor(&node).await;
    let year = this_year();

    // A new site: its default profile pages are empty, no documents yet.
    let page = browser.get("/admin/dokumen/kelengkapan").await;
    assert_eq!(page.status, 200);
    // 6 pages; APBDes, RKPDes, realisation and LPPDes for two years each; an RPJMDes.
    assert_eq!(missing_count(&page.body), Some(6 + 8 + 1), "{}", page.body);
    assert!(page.body.contains("data-page=\"sejarah\""));
    assert!(page.body.contains(strings::DOC_CHECKLIST_EMPTY.id));
    assert!(
        page.body
            .contains(&format!("{} {year}", strings::DOC_TYPE_APBDES.id))
    );
    assert!(
        page.body
            .contains(&format!("{} {}", strings::DOC_TYPE_LPPDES.id, year - 2))
    );

    // An exempt APBDes does not count; a public one does.
    let apbdes = || Some(("apbdes.pdf", "application/pdf", pdf("apbdes")));
    upload(
        &mut browser,
        "APBDes tertutup",
        "dikecualikan",
        year,
        "apbdes",
        apbdes(),
    )
    .await;
    let page = browser.get("/admin/dokumen/kelengkapan").await;
    assert_eq!(missing_count(&page.body), Some(15));
    upload(&mut browser, "APBDes", "berkala", year, "apbdes", apbdes()).await;
    let page = browser.get("/admin/dokumen/kelengkapan").await;
    assert_eq!(missing_count(&page.body), Some(14));

    // Write the pages (one under another address the checklist knows) ...
    let store = &node.state().store;
    for (slug, title) in [
        ("sejarah", "Sejarah"),
        ("visi-misi", "Visi dan misi"),
        ("tupoksi", "Tugas pokok dan fungsi"),
        ("struktur-organisasi", "Struktur organisasi"),
        ("perangkat", "Perangkat desa"),
        ("kontak", "Kontak"),
    ] {
        let body = format!("Isi halaman {title}.");
        store
            .save_page(slug, title, &body, &format!("<p>{body}</p>"), 0, now_ms())
            .await
            .expect("page");
    }
    // ... and upload the remaining documents.
    for (kind, doc_year) in [
        ("apbdes", year - 1),
        ("rkpdes", year),
        ("rkpdes", year - 1),
        ("realisasi-apbdes", year - 1),
        ("realisasi-apbdes", year - 2),
        ("lppdes", year - 1),
        ("lppdes", year - 2),
        ("rpjmdes", year - 3),
    ] {
        let page = upload(
            &mut browser,
            &format!("{kind} {doc_year}"),
            "berkala",
            doc_year,
            kind,
            Some(("d.pdf", "application/pdf", pdf(kind))),
        )
        .await;
        assert_eq!(page.status, 303, "{}", page.body);
    }
    let page = browser.get("/admin/dokumen/kelengkapan").await;
    assert_eq!(missing_count(&page.body), None, "{}", page.body);
    assert!(page.body.contains(strings::DOC_CHECKLIST_COMPLETE.id));
    let list = browser.get("/admin/dokumen").await;
    assert!(list.body.contains("/admin/dokumen/kelengkapan"));
    node.stop().await;
}

#[tokio::test]
async fn the_checklist_shows_what_is_missing_until_it_is_added() {
    on_every_backend(checklist).await;
}
