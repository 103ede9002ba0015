//! A village's WordPress site brought in (issue 13 point 5, `kentongan site
//! import-wordpress`), on SQLite and on PostgreSQL: the export of Desa Jangkar Asam
//! (tests/fixtures/wordpress/jangkarasam.xml, written as WordPress 6.4 writes WXR 1.2) is
//! imported into a running village that has a follower. Its published posts arrive at
//! their original dates, below the village's newer news, and its follower is sent none
//! of them; its pages fill the village's empty profile pages; its images come from a copy
//! of `wp-content/uploads` or from the old site over HTTP (a loopback server), with their
//! alt text, and one the old site no longer has is reported and skipped; the old
//! addresses answer 301; unpublished items are skipped; a second import adds nothing; and
//! files that are not exports are refused with nothing written.

use crate::support::{
    AP, Backend, TestNode, WAIT, client, eventually, on_every_backend, peer::Peer, session::png,
};
use kentongan::{
    cli::{SiteDir, WordpressImportArgs, import_wordpress},
    hosting::wordpress::{MAX_EXPORT_BYTES, Report},
    publishing::{self, PostInput, PostKind},
    store::PostRecord,
};
use std::{collections::HashMap, path::PathBuf, sync::Arc};

const FIXTURE: &str = include_str!("../fixtures/wordpress/jangkarasam.xml");
/// Desa Lalang's export: nested categories (one named in Chinese characters, so its
/// slug is percent-encoded, as WordPress writes it), such tags, and the
/// `/%category%/%postname%/` permalinks.
const NESTED: &str = include_str!("../fixtures/wordpress/lalang-kategori.xml");
const OLD_UPLOADS: &str = "https://jangkarasam.desa.id/wp-content/uploads/";

/// The old site as it still half lives: a web server on loopback that has some of its
/// uploads (those of 2024), and answers 404 for the rest.
async fn old_site() -> (u16, tokio::task::JoinHandle<()>) {
    use axum::{
        Router,
        extract::{Path, State},
        http::StatusCode,
        response::IntoResponse,
        routing::get,
    };
    let files: Arc<HashMap<String, Vec<u8>>> = Arc::new(HashMap::from([(
        "2024/01/blt-dana-desa.jpg".to_string(),
        png(640, 480),
    )]));
    let router =
        Router::new()
            .route(
                "/wp-content/uploads/{*path}",
                get(
                    |State(files): State<Arc<HashMap<String, Vec<u8>>>>,
                     Path(path): Path<String>| async move {
                        match files.get(&path) {
                            Some(bytes) => {
                                ([("content-type", "image/png")], bytes.clone()).into_response()
                            }
                            None => StatusCode::NOT_FOUND.into_response(),
                        }
                    },
                ),
            )
            .with_state(files);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the old site");
    let port = listener.local_addr().expect("address").port();
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (port, server)
}

/// The export as the operator has it (its uploads' addresses pointing at the old site,
/// here on loopback), and the copy of `wp-content/uploads` holding the 2019 and 2023
/// photos but one of 2019's.
struct Files {
    _dir: tempfile::TempDir,
    export: PathBuf,
    uploads: PathBuf,
}

fn files(old_site_port: u16) -> Files {
    let dir = tempfile::tempdir().expect("temp dir");
    let export = dir.path().join("jangkarasam.WordPress.2024-02-01.xml");
    let old_uploads = format!("http://127.0.0.1:{old_site_port}/wp-content/uploads/");
    std::fs::write(&export, FIXTURE.replace(OLD_UPLOADS, &old_uploads)).expect("write export");
    let uploads = dir.path().join("uploads");
    for (path, bytes) in [
        ("2023/05/kerja-bakti-parit.jpg", png(1600, 1200)),
        ("2023/05/kerja-bakti-parit-300x225.jpg", png(300, 225)),
        ("2019/03/posyandu-mawar-1.jpg", png(800, 533)),
    ] {
        let file = uploads.join(path);
        std::fs::create_dir_all(file.parent().expect("a folder")).expect("folders");
        std::fs::write(file, bytes).expect("write upload");
    }
    Files {
        _dir: dir,
        export,
        uploads,
    }
}

async fn import(
    node: &TestNode,
    export: &std::path::Path,
    uploads: Option<&std::path::Path>,
) -> anyhow::Result<Report> {
    import_wordpress(&WordpressImportArgs {
        dir: SiteDir {
            path: node.dir().to_path_buf(),
            site: None,
        },
        from: export.to_path_buf(),
        uploads: uploads.map(std::path::Path::to_path_buf),
    })
    .await
}

async fn followed_by(node: &TestNode, peer: &Peer, name: &str) {
    let follow = peer.follow(name, &node.actor_id());
    let (status, body) = peer
        .send(name, &format!("{}/inbox", node.base), &follow)
        .await;
    assert_eq!(status, 202, "{body}");
    let store = node.state().store.clone();
    eventually("the follower is recorded", WAIT, || {
        let store = store.clone();
        async move {
            let actor = kentongan::actors::find_publishing_actor(&store, None)
                .await
                .ok()?;
            (store.count_followers(actor.id).await.ok()? == 1).then_some(())
        }
    })
    .await;
}

async fn publish(node: &TestNode, title: &str) -> String {
    let post = node
        .publish(&PostInput {
            title: title.into(),
            body_markdown: "Isi kabar.".into(),
            ..Default::default()
        })
        .await;
    node.state().wake_delivery.notify_one();
    node.state().urls.post(&post.public_id).to_string()
}

/// The objects of the Creates the peer received.
fn created(peer: &Peer) -> Vec<String> {
    let mut objects: Vec<String> = peer
        .received_of("Create")
        .iter()
        .filter_map(|r| r.activity["object"]["id"].as_str().map(str::to_string))
        .collect();
    objects.sort();
    objects
}

/// The status and `Location` of a GET of `path` on the node (redirects not followed).
async fn get(node: &TestNode, path: &str) -> (u16, String, String) {
    let response = client()
        .get(format!("{}{path}", node.base))
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
    (status, location, response.text().await.unwrap_or_default())
}

/// Where the old address `path` leads now: it must answer 301.
async fn moved_to(node: &TestNode, path: &str) -> String {
    let (status, location, _) = get(node, path).await;
    assert_eq!(status, 301, "{path} answers 301");
    let prefix = format!("{}/", node.base);
    location
        .strip_prefix(&prefix)
        .map(|rest| format!("/{rest}"))
        .unwrap_or_else(|| panic!("{path} leads to {location}, not into {}", node.base))
}

async fn post_at(node: &TestNode, path: &str) -> PostRecord {
    let id = path.strip_prefix("/p/").expect("a post address");
    node.state()
        .store
        .post_by_public_id(id)
        .await
        .expect("read")
        .expect("the post")
}

fn utc(text: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(text)
        .expect("a date")
        .timestamp_millis()
}

fn position(html: &str, title: &str) -> usize {
    html.find(title)
        .unwrap_or_else(|| panic!("the home page shows {title:?}"))
}

#[tokio::test]
async fn a_wordpress_site_arrives_with_its_archive_at_its_dates_and_no_follower_is_sent_it() {
    on_every_backend(arrives_with_its_archive).await;
}

async fn arrives_with_its_archive(backend: Backend) {
    let node = TestNode::start(&backend, "jangkarasam").await;
    let peer = Peer::start(true).await;
    followed_by(&node, &peer, "warga").await;
    let before = publish(&node, "Kabar sebelum impor").await;
    eventually(
        "the follower gets the news before the import",
        WAIT,
        || async { created(&peer).contains(&before).then_some(()) },
    )
    .await;
    let (port, server) = old_site().await;
    let files = files(port);

    let report = import(&node, &files.export, Some(&files.uploads))
        .await
        .expect("imported");

    assert_eq!(
        (report.posts, report.pages, report.images, report.already),
        (3, 3, 3, 0),
        "{}",
        report.to_text()
    );
    let mut skipped: Vec<i64> = report.skipped.iter().map(|s| s.wp_id).collect();
    skipped.sort();
    assert_eq!(
        skipped,
        vec![40, 41, 42],
        "the draft, the trashed and the protected post"
    );
    assert_eq!(report.image_failures.len(), 1, "{}", report.to_text());
    assert!(
        report.image_failures[0]
            .url
            .ends_with("posyandu-mawar-2.jpg")
    );
    assert_eq!(
        report.categories, 2,
        "Berita Desa and Kegiatan Warga are new"
    );
    // 6 posts' and pages' permalinks and plain links, 5 categories' and tags' archives
    // and plain links, 3 posts' years, months and days, 3 feeds.
    assert_eq!(report.redirects, 12 + 10 + 9 + 3, "{}", report.to_text());
    assert_eq!(
        report.other_items.get("nav_menu_item").copied(),
        Some(1),
        "{:?}",
        report.other_items
    );
    let text = report.to_text();
    let (indonesian, english) = text.split_once("\n\n").expect("two languages");
    assert!(indonesian.contains("3 tulisan diimpor"), "{text}");
    assert!(english.contains("3 posts imported"), "{text}");

    // Old posts are not news: the follower gets the next post, and only it.
    let after = publish(&node, "Kabar sesudah impor").await;
    eventually(
        "the follower gets the news after the import",
        WAIT,
        || async { created(&peer).contains(&after).then_some(()) },
    )
    .await;
    let store = node.state().store.clone();
    eventually("nothing waits to be delivered", WAIT, || {
        let store = store.clone();
        async move {
            let counts = store
                .operation_counts(kentongan::clock::now_ms(), 0)
                .await
                .ok()?;
            (counts.deliveries_pending == 0).then_some(())
        }
    })
    .await;
    let mut expected = vec![before.clone(), after.clone()];
    expected.sort();
    assert_eq!(created(&peer), expected, "no imported post was sent");

    // The home page in date order: today's news first, 2019's last.
    let (status, _, home) = get(&node, "/").await;
    assert_eq!(status, 200);
    let order = [
        "Kabar sesudah impor",
        "Kabar sebelum impor",
        "Penyaluran BLT Dana Desa Tahap I Tahun 2024",
        "Kerja Bakti Membersihkan Parit Dusun Sukamaju",
        "Pengumuman: Jadwal Posyandu Balita Bulan Maret",
    ]
    .map(|title| position(&home, title));
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");

    // The 2023 post: its permalink and its ?p= lead to it; its date, categories, cover
    // and photo with alt text came along; its hostile parts did not.
    let kerja_bakti = moved_to(&node, "/2023/05/17/kerja-bakti-parit-dusun-sukamaju/").await;
    assert_eq!(moved_to(&node, "/?p=12").await, kerja_bakti);
    let post = post_at(&node, &kerja_bakti).await;
    assert_eq!(post.published_at, utc("2023-05-17T01:00:00Z"));
    assert_eq!(post.kind, PostKind::Berita);
    assert_eq!(
        post.category_list(),
        vec!["BeritaDesa", "KegiatanWarga", "GotongRoyong"]
    );
    let cover = publishing::images_of(&post.images_json);
    assert_eq!(cover.len(), 1);
    assert_eq!(cover[0].alt, "Warga membersihkan parit di Dusun Sukamaju");
    let (status, _, page) = get(&node, &kerja_bakti).await;
    assert_eq!(status, 200);
    let photo = format!("/media/{}", cover[0].file_name("large"));
    assert!(
        page.contains(&format!(
            "src=\"{}{photo}\" alt=\"Warga membersihkan parit di Dusun Sukamaju\"",
            node.base
        )),
        "the photo is shown from the site's media with its alt text"
    );
    assert!(
        page.contains("<figcaption>Parit di depan SD Negeri 5 kini bersih kembali.</figcaption>")
    );
    for hostile in [
        "jahat.example",
        "onerror",
        "contact-form-7",
        "wp:paragraph",
        "jangkarasam.desa.id/wp-content",
    ] {
        assert!(
            !post.body_html.contains(hostile),
            "{hostile} in {}",
            post.body_html
        );
    }
    let (status, _, _) = get(&node, &photo).await;
    assert_eq!(status, 200, "the photo is served");

    // The 2019 announcement: its kind from its category, its gallery's photo with the
    // attachment's alt text, its caption; the photo that could not be had keeps its old
    // address.
    let posyandu = moved_to(&node, "/jadwal-posyandu-balita-maret-2019/").await;
    assert_eq!(moved_to(&node, "/?p=8").await, posyandu);
    let post = post_at(&node, &posyandu).await;
    assert_eq!(post.published_at, utc("2019-03-05T02:00:00Z"));
    assert_eq!(post.kind, PostKind::Pengumuman);
    assert!(
        post.body_html
            .contains("alt=\"Kader posyandu menimbang balita\"")
    );
    assert!(
        post.body_html
            .contains("<figcaption>Penimbangan bulan lalu.</figcaption>")
    );
    assert!(!post.body_html.contains("[gallery"));
    assert!(
        post.body_html.contains(&format!(
            "src=\"http://127.0.0.1:{port}/wp-content/uploads/2019/03/posyandu-mawar-2.jpg\" alt=\"Antrean ibu dan balita di Posyandu Mawar\""
        )),
        "the photo that failed keeps its address and gets its alt text: {}",
        post.body_html
    );
    assert!(post.body_html.contains("buku KIA &amp; KMS"));
    assert!(
        post.body_html.contains("Sabtu, 9 Maret 2019<br>"),
        "the classic editor's line breaks stay: {}",
        post.body_html
    );

    // The 2024 post's photo came from the old site over HTTP.
    let blt = moved_to(&node, "/2024/01/20/penyaluran-blt-dana-desa-tahap-i-2024/").await;
    let post = post_at(&node, &blt).await;
    assert!(
        post.body_html
            .contains(&format!("src=\"{}/media/", node.base))
    );
    assert!(
        post.body_html
            .contains("alt=\"Warga penerima BLT antre di Balai Desa\"")
    );
    assert!(
        post.categories == "[]",
        "Uncategorized is dropped: {}",
        post.categories
    );

    // Pages, categories and tags.
    assert_eq!(moved_to(&node, "/sejarah/").await, "/halaman/sejarah");
    assert_eq!(moved_to(&node, "/?page_id=50").await, "/halaman/sejarah");
    assert_eq!(
        moved_to(&node, "/profil/peta-wilayah/").await,
        "/halaman/peta-wilayah"
    );
    assert_eq!(moved_to(&node, "/kontak/").await, "/halaman/kontak");
    let (status, _, sejarah) = get(&node, "/halaman/sejarah").await;
    assert_eq!(status, 200);
    assert!(sejarah.contains("jangkar kapal yang tersangkut"));
    assert_eq!(
        moved_to(&node, "/category/berita-desa/").await,
        "/kategori/BeritaDesa"
    );
    assert_eq!(moved_to(&node, "/?cat=3").await, "/kategori/Pengumuman");
    assert_eq!(
        moved_to(&node, "/tag/gotong-royong/").await,
        "/tags/GotongRoyong"
    );
    assert_eq!(moved_to(&node, "/2023/05/").await, "/arsip/2023/5");
    assert_eq!(moved_to(&node, "/2019/03/05/").await, "/arsip/2019/3");
    assert_eq!(moved_to(&node, "/feed/").await, "/feed.rss");
    assert_eq!(moved_to(&node, "/index.php?p=8").await, posyandu);
    let (status, _, arsip) = get(&node, "/arsip/2023/5").await;
    assert_eq!(status, 200);
    assert!(arsip.contains("Kerja Bakti Membersihkan Parit Dusun Sukamaju"));
    let (status, _, kategori) = get(&node, "/kategori/BeritaDesa").await;
    assert_eq!(status, 200);
    assert!(kategori.contains("Kerja Bakti Membersihkan Parit Dusun Sukamaju"));

    // Addresses no import named answer as before.
    assert_eq!(get(&node, "/2023/05/17/tidak-ada/").await.0, 404);
    assert_eq!(
        get(&node, "/?p=40").await.0,
        200,
        "a skipped draft is no address"
    );
    assert_eq!(get(&node, "/?p=999").await.0, 200);

    // The outbox lists the imported posts at their dates.
    let outbox = client()
        .get(format!("{}/u/jangkarasam/outbox?page=true", node.base))
        .header("accept", AP)
        .send()
        .await
        .expect("outbox")
        .text()
        .await
        .expect("outbox body");
    assert!(outbox.contains("Kerja Bakti Membersihkan Parit Dusun Sukamaju"));
    assert!(outbox.contains("2023-05-17T01:00:00"), "{outbox}");

    server.abort();
    peer.stop();
    node.stop().await;
}

#[tokio::test]
async fn old_category_and_tag_addresses_lead_to_their_pages_nested_encoded_or_paged() {
    on_every_backend(|backend| async move {
        let node = TestNode::start(&backend, "lalang").await;
        let dir = tempfile::tempdir().expect("temp dir");
        let export = dir.path().join("lalang.WordPress.2024-03-01.xml");
        std::fs::write(&export, NESTED).expect("write export");
        let report = import(&node, &export, None).await.expect("imported");
        assert_eq!(report.posts, 2, "{}", report.to_text());
        assert_eq!(
            report.categories,
            5,
            "Budaya, 客家, Cap Go Meh, Pemerintahan and Musyawarah Desa: {}",
            report.to_text()
        );

        // A post in a child category is in every category above it, as it was listed
        // in their archives.
        let festival = moved_to(&node, "/?p=21").await;
        assert_eq!(
            post_at(&node, &festival).await.category_list(),
            vec!["Budaya", "客家", "CapGoMeh", "imlek", "燈籠"]
        );
        let musdes = moved_to(&node, "/?p=22").await;
        assert_eq!(
            post_at(&node, &musdes).await.category_list(),
            vec!["Pemerintahan", "MusyawarahDesa"]
        );
        // Permalinks under the category path, percent-encoded either way.
        for permalink in [
            "/budaya/%e5%ae%a2%e5%ae%b6/cap-go-meh/festival-cap-go-meh-2024/",
            "/budaya/%E5%AE%A2%E5%AE%B6/cap-go-meh/festival-cap-go-meh-2024",
        ] {
            assert_eq!(moved_to(&node, permalink).await, festival, "{permalink}");
        }
        assert_eq!(
            moved_to(&node, "/pemerintahan/musyawarah-desa/musdes-rkpdes-2025/").await,
            musdes
        );

        let hakka = "/kategori/%E5%AE%A2%E5%AE%B6";
        let lanterns = "/tags/%E7%87%88%E7%B1%A0";
        for (old, new) in [
            // The whole path, with and without its slash, and the child's slug alone.
            (
                "/category/budaya/%e5%ae%a2%e5%ae%b6/cap-go-meh/",
                "/kategori/CapGoMeh",
            ),
            (
                "/category/budaya/%E5%AE%A2%E5%AE%B6/cap-go-meh",
                "/kategori/CapGoMeh",
            ),
            ("/category/cap-go-meh/", "/kategori/CapGoMeh"),
            ("/category/budaya/%E5%AE%A2%E5%AE%B6/", hakka),
            ("/category/%e5%ae%a2%e5%ae%b6", hakka),
            ("/category/budaya/", "/kategori/Budaya"),
            (
                "/category/pemerintahan/musyawarah-desa/",
                "/kategori/MusyawarahDesa",
            ),
            ("/category/pemerintahan", "/kategori/Pemerintahan"),
            // Later pages lead to the start of the new page.
            ("/category/budaya/%E5%AE%A2%E5%AE%B6/page/2/", hakka),
            (
                "/category/pemerintahan/musyawarah-desa/page/3",
                "/kategori/MusyawarahDesa",
            ),
            ("/category/budaya/page/2/", "/kategori/Budaya"),
            // WordPress's plain links, paged or not.
            ("/?cat=6", "/kategori/CapGoMeh"),
            ("/?cat=5&paged=2", hakka),
            ("/index.php?cat=3", "/kategori/Pemerintahan"),
            // Tags.
            ("/tag/imlek/", "/tags/imlek"),
            ("/tag/imlek/page/2/", "/tags/imlek"),
            ("/tag/%E7%87%88%E7%B1%A0/", lanterns),
            ("/tag/%e7%87%88%e7%b1%a0/page/4", lanterns),
            ("/?tag=imlek", "/tags/imlek"),
            // Date archives, their later pages, and feeds.
            ("/2024/", "/arsip"),
            ("/2024/02/", "/arsip/2024/2"),
            ("/2024/02/page/2/", "/arsip/2024/2"),
            ("/2024/02/27/", "/arsip/2024/2"),
            ("/feed/", "/feed.rss"),
            ("/feed/rss2/", "/feed.rss"),
            ("/feed/atom/", "/feed.atom"),
        ] {
            assert_eq!(moved_to(&node, old).await, new, "{old}");
        }

        // Where they lead lists the posts the old archive listed.
        for (page, title) in [
            ("/kategori/Budaya", "Festival Cap Go Meh 2024 di Lalang"),
            (hakka, "Festival Cap Go Meh 2024 di Lalang"),
            (lanterns, "Festival Cap Go Meh 2024 di Lalang"),
            (
                "/kategori/Pemerintahan",
                "Musyawarah Desa Penetapan RKPDes 2025",
            ),
        ] {
            let (status, _, html) = get(&node, page).await;
            assert_eq!(status, 200, "{page}");
            assert!(html.contains(title), "{page} lists {title}");
        }

        // What the import named nothing for answers 404 as before: a category no
        // imported post is in, unknown children, pages and tags, the home's later pages.
        for unknown in [
            "/category/olahraga/",
            "/category/budaya/tidak-ada/",
            "/category/tidak-ada/page/2/",
            "/category/budaya/page/dua/",
            "/category/budaya/page/",
            "/tag/tidak-ada/",
            "/tag/tidak-ada/page/2/",
            "/page/2/",
            "/2019/",
        ] {
            assert_eq!(get(&node, unknown).await.0, 404, "{unknown}");
        }
        node.stop().await;
    })
    .await;
}

#[tokio::test]
async fn importing_the_same_export_again_adds_nothing() {
    on_every_backend(|backend| async move {
        let node = TestNode::start(&backend, "jangkarasam").await;
        let (port, server) = old_site().await;
        let files = files(port);
        let first = import(&node, &files.export, Some(&files.uploads))
            .await
            .expect("first import");
        assert_eq!((first.posts, first.pages), (3, 3));
        let store = &node.state().store;
        let actor = kentongan::actors::find_publishing_actor(store, None)
            .await
            .expect("actor");
        let pages = store.pages().await.expect("pages").len();

        let second = import(&node, &files.export, Some(&files.uploads))
            .await
            .expect("second import");

        assert_eq!(
            (
                second.posts,
                second.pages,
                second.redirects,
                second.categories,
                second.already
            ),
            (0, 0, 0, 0, 6),
            "{}",
            second.to_text()
        );
        assert_eq!(store.count_live_posts(actor.id).await.expect("count"), 3);
        assert_eq!(store.pages().await.expect("pages").len(), pages);
        server.abort();
        node.stop().await;
    })
    .await;
}

#[tokio::test]
async fn files_that_are_not_wordpress_exports_are_refused_and_nothing_is_written() {
    on_every_backend(|backend| async move {
        let node = TestNode::start(&backend, "jangkarasam").await;
        let dir = tempfile::tempdir().expect("temp dir");
        let write = |name: &str, bytes: &[u8]| {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).expect("write");
            path
        };
        // Cut off in the middle of an item, as a download that stopped.
        let cut_off = &FIXTURE[..FIXTURE.find("<wp:post_id>30").expect("the BLT post")];
        let huge = dir.path().join("huge.xml");
        std::fs::File::create(&huge)
            .and_then(|file| file.set_len(MAX_EXPORT_BYTES + 1))
            .expect("a sparse huge file");
        let cases = [
            (write("photo.xml", &png(4, 4)), "berkas ini bukan XML / the file is not XML"),
            (
                write("notes.xml", b"Ekspor WordPress desa, lihat lampiran."),
                "berkas ini bukan XML / the file is not XML",
            ),
            (
                write("page.xml", b"<html><body><p>Desa</p></body></html>"),
                "bukan ekspor WordPress (WXR) / the file is XML but not a WordPress export (WXR)",
            ),
            (
                write(
                    "feed.xml",
                    b"<rss version=\"2.0\"><channel><title>Desa</title><link>https://desa.example</link></channel></rss>",
                ),
                "bukan ekspor WordPress (WXR)",
            ),
            (
                write("cut.xml", cut_off.as_bytes()),
                "berkas ekspor terpotong",
            ),
            (huge, "lebih besar dari 256 MiB"),
            (dir.path().join("missing.xml"), "berkas ekspor tidak dapat dibaca"),
        ];
        for (file, words) in cases {
            let refusal = import(&node, &file, None)
                .await
                .expect_err("refused");
            let line = format!("{refusal:#}");
            assert!(line.contains(words), "{}: {line}", file.display());
            assert!(
                line.contains("tidak ada yang ditulis / nothing was written"),
                "{line}"
            );
            assert!(!line.contains('\n'), "one line: {line}");
        }
        let store = &node.state().store;
        let actor = kentongan::actors::find_publishing_actor(store, None)
            .await
            .expect("actor");
        assert_eq!(store.count_live_posts(actor.id).await.expect("count"), 0);
        assert_eq!(get(&node, "/2023/05/17/kerja-bakti-parit-dusun-sukamaju/").await.0, 404);
        node.stop().await;
    })
    .await;
}

#[tokio::test]
async fn a_site_moved_after_its_wordpress_import_keeps_its_old_addresses_and_wordpress_ids() {
    on_every_backend(|backend| async move {
        let node = TestNode::start(&backend, "jangkarasam").await;
        let (port, server) = old_site().await;
        let files = files(port);
        import(&node, &files.export, Some(&files.uploads))
            .await
            .expect("imported");
        let kerja_bakti = moved_to(&node, "/?p=12").await;
        let archive = files._dir.path().join("jangkarasam.tar.gz");
        kentongan::hosting::export(kentongan::hosting::ExportArgs {
            dir: node.dir().to_path_buf(),
            site: None,
            to: archive.clone(),
        })
        .await
        .expect("exported");
        let elsewhere = tempfile::tempdir().expect("temp dir");
        let moved = kentongan::hosting::import(kentongan::hosting::ImportArgs {
            dir: elsewhere.path().join("node"),
            from: archive,
            domain: None,
            listen: None,
            database_url: None,
        })
        .await
        .expect("imported elsewhere");

        let config = kentongan::config::Config::load(&moved.dir).expect("config");
        let store = kentongan::store::Store::connect(config.database_url())
            .await
            .expect("open");
        assert_eq!(
            store.old_address("/?p=12").await.expect("read"),
            Some(kerja_bakti)
        );
        assert_eq!(
            store
                .imported_wordpress_ids("https://jangkarasam.desa.id")
                .await
                .expect("read"),
            vec![8, 12, 30, 50, 51, 53]
        );
        store.close().await;
        server.abort();
        node.stop().await;
    })
    .await;
}

#[tokio::test]
async fn the_command_line_imports_an_export_and_reports_in_both_languages() {
    on_every_backend(|backend| async move {
        let node = TestNode::start(&backend, "jangkarasam").await;
        let (port, server) = old_site().await;
        let files = files(port);
        let dir = node.dir().to_string_lossy().into_owned();
        let run = |from: PathBuf| {
            let dir = dir.clone();
            let uploads = files.uploads.clone();
            tokio::task::spawn_blocking(move || {
                std::process::Command::new(env!("CARGO_BIN_EXE_kentongan"))
                    .args(["site", "import-wordpress", "--dir", &dir, "--from"])
                    .arg(from)
                    .arg("--uploads")
                    .arg(uploads)
                    .env("KENTONGAN_LOG", "off")
                    .output()
                    .expect("run kentongan")
            })
        };

        let output = run(files.export.clone()).await.expect("ran");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let indonesian = stdout
            .find("3 tulisan diimpor")
            .expect("the report in Indonesian");
        let english = stdout
            .find("3 posts imported")
            .expect("the report in English");
        assert!(indonesian < english, "Bahasa Indonesia first: {stdout}");
        assert!(stdout.contains("#40 Rencana Festival Budaya Desa: draf, belum pernah terbit"));
        assert!(stdout.contains("#40 Rencana Festival Budaya Desa: a draft, never published"));
        assert_eq!(moved_to(&node, "/sejarah/").await, "/halaman/sejarah");

        let not_an_export = files._dir.path().join("catatan.xml");
        std::fs::write(&not_an_export, "<catatan>rapat desa</catatan>").expect("write");
        let output = run(not_an_export).await.expect("ran");
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        let line = stderr.trim();
        assert_eq!(line.lines().count(), 1, "{line}");
        assert!(line.starts_with("kentongan: "), "{line}");
        assert!(line.contains("bukan ekspor WordPress (WXR)"), "{line}");
        server.abort();
        node.stop().await;
    })
    .await;
}
