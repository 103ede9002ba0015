//! The village's public website as a visitor sees it: home page, post page with its
//! OpenGraph tags and calendar file, categories, archive, search, feeds, sitemap, the
//! "follow from Mastodon" pages, the village word and language settings, and that no
//! script from a post ever reaches a page. Every test runs on each backend.

use crate::support::{Backend, TestNode, client, on_every_backend};
use kentongan::{
    auth::{self, Role},
    clock::now_ms,
    media::{MediaStore, process_upload},
    publishing::{self, EventDetails, PostImage, PostInput, PostKind},
    site::{self, SiteSettings},
    store::{ActorRecord, PostRecord},
    strings::Lang,
};

const DAY: i64 = 24 * 3600 * 1000;

async fn start(backend: &Backend) -> TestNode {
    TestNode::start(backend, "desa-sukamaju").await
}

async fn main_actor(node: &TestNode) -> ActorRecord {
    kentongan::actors::publishing_actors(&node.state().store)
        .await
        .expect("actors")
        .into_iter()
        .next()
        .expect("the main actor")
}

/// A small real image, processed and stored as an upload would be.
fn stored_image(node: &TestNode, alt: &str, shade: u8) -> PostImage {
    let pixels = image::RgbImage::from_fn(120, 80, |x, y| {
        image::Rgb([shade, (x * 2) as u8, (y * 3) as u8])
    });
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(pixels)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("encode png");
    let processed = process_upload(&png).expect("process");
    let stored = MediaStore::new(&node.state().config.dir)
        .save(&processed)
        .expect("save");
    PostImage {
        key: stored.key,
        extension: stored.extension.to_string(),
        mime: stored.mime.to_string(),
        width: stored.width,
        height: stored.height,
        alt: alt.to_string(),
    }
}

fn input(title: &str, body: &str) -> PostInput {
    PostInput {
        title: title.to_string(),
        body_markdown: body.to_string(),
        ..Default::default()
    }
}

async fn publish(node: &TestNode, input: PostInput) -> PostRecord {
    let actor = main_actor(node).await;
    publishing::publish(&node.state().store, &actor, &input)
        .await
        .expect("publish")
}

async fn get(node: &TestNode, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let response = client()
        .get(format!("{}{path}", node.base))
        .header("accept", "text/html")
        .send()
        .await
        .expect("GET");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    // The templates escape `/` in every value as `&#x2f;`, which browsers read as `/`.
    let body = response.text().await.expect("body").replace("&#x2f;", "/");
    (status, headers, body)
}

async fn page(node: &TestNode, path: &str) -> String {
    let (status, headers, body) = get(node, path).await;
    assert_eq!(status, 200, "{path}: {body}");
    assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap_or_default()
            .contains("script-src 'none'"),
        "{path}"
    );
    body
}

/// Every `<img …>` tag in the page carries an alt attribute.
fn assert_every_image_has_alt(html: &str, what: &str) {
    for (i, tag) in html.split("<img").skip(1).enumerate() {
        let tag = tag.split('>').next().unwrap_or_default();
        assert!(
            tag.contains(" alt=\""),
            "{what}: image {i} has no alt: <img{tag}>"
        );
    }
}

fn handle(node: &TestNode) -> String {
    format!("@desa-sukamaju@{}", node.domain)
}

#[tokio::test]
async fn home_page_shows_the_village_pinned_announcement_agenda_and_latest_posts() {
    on_every_backend(|backend| async move {
        let node = start(&backend).await;
        let store = &node.state().store;
        let banner = stored_image(&node, "Sawah di pagi hari", 10);
        let settings = SiteSettings {
            tagline: "Gotong royong membangun desa".into(),
            contact_phone: "0812 3456 7890".into(),
            banner: Some(banner.clone()),
            logo: Some(stored_image(&node, "Logo Sukamaju", 200)),
            ..Default::default()
        };
        site::save(store, &settings).await.expect("settings");
        let now = now_ms();
        publish(
            &node,
            PostInput {
                kind: PostKind::Pengumuman,
                pinned: true,
                categories: vec!["Pengumuman".into()],
                ..input("Jadwal posyandu berubah", "Posyandu pindah ke hari Rabu.")
            },
        )
        .await;
        publish(
            &node,
            PostInput {
                kind: PostKind::Agenda,
                event: Some(EventDetails {
                    starts_at: now + 3 * DAY,
                    ends_at: Some(now + 3 * DAY + 7_200_000),
                    place: "Balai desa".into(),
                    organiser: "Karang Taruna".into(),
                    ..Default::default()
                }),
                ..input("Kerja bakti bersama", "Bawa cangkul.")
            },
        )
        .await;
        publish(
            &node,
            PostInput {
                kind: PostKind::Agenda,
                event: Some(EventDetails {
                    starts_at: now - 5 * DAY,
                    ..Default::default()
                }),
                published_at: Some(now - 6 * DAY),
                ..input("Rapat yang sudah lewat", "Sudah selesai.")
            },
        )
        .await;
        let cover = stored_image(&node, "Panen padi", 90);
        publish(
            &node,
            PostInput {
                categories: vec!["Berita".into()],
                images: vec![cover.clone()],
                ..input("Panen raya tahun ini", "Hasil panen **melimpah**.")
            },
        )
        .await;

        let (status, headers, home) = get(&node, "/").await;
        assert_eq!(status, 200, "{home}");
        assert_eq!(
            headers["referrer-policy"],
            "strict-origin-when-cross-origin"
        );
        assert!(home.contains("<html lang=\"id\">"));
        assert!(home.contains("Desa desa-sukamaju"), "village name");
        assert!(home.contains("Gotong royong membangun desa"), "tagline");
        assert!(home.contains(&handle(&node)), "handle");
        assert!(home.contains("href=\"/ikuti\">Ikuti di Mastodon</a>"));
        assert!(home.contains("Langsung ke isi"), "skip link");
        assert!(home.contains("type=\"application/rss+xml\""));
        assert!(home.contains("0812 3456 7890"), "contact");
        for category in site::DEFAULT_CATEGORIES {
            assert!(
                home.contains(&format!("href=\"/kategori/{category}\">{category}</a>")),
                "nav category {category}"
            );
        }
        assert!(home.contains("Profil Desa"));
        assert!(
            home.contains(&format!(
                "srcset=\"/media/{} 120w\"",
                banner.file_name("large")
            )),
            "banner srcset"
        );
        assert!(home.contains("alt=\"Sawah di pagi hari\""), "banner alt");
        let pinned_at = home.find("Jadwal posyandu berubah").expect("pinned shown");
        let latest_at = home.find("Kabar terbaru").expect("latest heading");
        assert!(pinned_at < latest_at, "the pinned announcement comes first");
        assert_eq!(
            home.matches("Jadwal posyandu berubah").count(),
            1,
            "shown once"
        );
        let agenda = home
            .split("Agenda mendatang")
            .nth(1)
            .and_then(|rest| rest.split("</section>").next())
            .expect("upcoming agenda");
        assert!(agenda.contains("Kerja bakti bersama") && agenda.contains("Balai desa"));
        assert!(
            !agenda.contains("Rapat yang sudah lewat"),
            "past events are not upcoming"
        );
        assert!(home.contains("Panen raya tahun ini"));
        assert!(home.contains("Hasil panen melimpah."), "excerpt");
        assert!(
            home.contains(&cover.file_name("thumb")),
            "thumb of the cover"
        );
        assert!(home.contains(">Berita</span>"), "kind badge");
        assert_every_image_has_alt(&home, "home");
        assert!(!home.contains("<script"));
        assert!(home.len() < 30_000, "home page weighs {} bytes", home.len());

        // An agenda rewritten as news, or deleted, is no longer a coming event; one
        // rewritten with a later date is still shown.
        let actor = main_actor(&node).await;
        let coming = |title: &'static str| {
            let node = &node;
            async move {
                let (_, _, home) = get(node, "/").await;
                home.split("Agenda mendatang")
                    .nth(1)
                    .and_then(|rest| rest.split("</section>").next())
                    .is_some_and(|agenda| agenda.contains(title))
            }
        };
        let later = |title: &str, days: i64| PostInput {
            kind: PostKind::Agenda,
            event: Some(EventDetails {
                starts_at: now + days * DAY,
                ..Default::default()
            }),
            ..input(title, "Di lapangan.")
        };
        let match_day = publish(&node, later("Lomba tujuh belasan", 4)).await;
        let clean_up = publish(&node, later("Bersih kali", 5)).await;
        assert!(coming("Lomba tujuh belasan").await && coming("Bersih kali").await);
        publishing::replace(
            store,
            &actor,
            &match_day,
            &input("Lomba tujuh belasan", "Jadi berita saja."),
            None,
        )
        .await
        .expect("rewrite as news");
        assert!(!coming("Lomba tujuh belasan").await, "news is no event");
        publishing::replace(store, &actor, &clean_up, &later("Bersih kali", 9), None)
            .await
            .expect("move the date");
        assert!(coming("Bersih kali").await, "a moved date is still coming");
        let clean_up = store
            .post_by_public_id(&clean_up.public_id)
            .await
            .expect("read")
            .expect("the post");
        publishing::delete(store, &actor, &clean_up, None)
            .await
            .expect("delete");
        assert!(!coming("Bersih kali").await, "a deleted event is gone");
        node.stop().await;
    })
    .await;
}

#[tokio::test]
async fn post_page_has_open_graph_tags_author_agenda_box_and_a_calendar_file() {
    on_every_backend(|backend| async move {
        let node = start(&backend).await;
        let store = &node.state().store;
        let actor = main_actor(&node).await;
        let author = auth::create_user(
            store,
            "penulis",
            "Budi Santoso",
            Role::Editor,
            "kuda-lumping-sawah-9173",
        )
        .await
        .expect("user");
        let starts_at = 1_796_432_400_000; // Sabtu, 5 Desember 2026, 08.00 WIB
        let cover = stored_image(&node, "Warga membersihkan selokan", 40);
        let gallery = stored_image(&node, "Tumpukan sampah terangkut", 140);
        let post = publishing::publish_as(
            store,
            &actor,
            &PostInput {
                kind: PostKind::Agenda,
                summary: "Ajakan kerja bakti untuk semua warga.".into(),
                categories: vec!["Agenda".into()],
                images: vec![cover.clone(), gallery],
                event: Some(EventDetails {
                    starts_at,
                    ends_at: Some(starts_at + 3 * 3_600_000),
                    place: "Balai desa, RT 02; dekat masjid".into(),
                    organiser: "Karang Taruna".into(),
                    ..Default::default()
                }),
                ..input(
                    "Kerja bakti membersihkan selokan sepanjang jalan utama desa kita bersama",
                    "Warga diharap **membawa** cangkul dan karung.",
                )
            },
            Some(author.id),
            None,
            None,
        )
        .await
        .expect("publish");
        let html = page(&node, &format!("/p/{}", post.public_id)).await;
        let url = format!("{}/p/{}", node.base, post.public_id);
        let image_url = format!("{}/media/{}", node.base, cover.file_name("large"));
        assert!(html.contains("<meta property=\"og:type\" content=\"article\">"));
        assert!(html.contains("<meta property=\"og:title\" content=\"Kerja bakti membersihkan"));
        assert!(html.contains(
            "<meta property=\"og:description\" content=\"Ajakan kerja bakti untuk semua warga.\">"
        ));
        assert!(
            html.contains(&format!(
                "<meta property=\"og:image\" content=\"{image_url}\">"
            )),
            "absolute og:image {image_url}"
        );
        assert!(html.contains(&format!(
            "<meta property=\"og:image:width\" content=\"{}\">",
            cover.width
        )));
        assert!(html.contains("og:image:alt\" content=\"Warga membersihkan selokan\""));
        assert!(html.contains("<meta property=\"og:locale\" content=\"id_ID\">"));
        assert!(html.contains("<meta name=\"twitter:card\" content=\"summary_large_image\">"));
        assert!(html.contains(&format!("<link rel=\"canonical\" href=\"{url}\">")));
        assert!(html.contains(&format!(
            "<link rel=\"alternate\" type=\"application/activity+json\" href=\"{url}\">"
        )));
        assert!(html.contains(&format!(
            "<meta name=\"fediverse:creator\" content=\"{}\">",
            handle(&node)
        )));
        assert!(html.contains("Oleh Budi Santoso"), "author");
        assert!(
            html.contains("Sabtu, 5 Desember 2026, 08.00 WIB"),
            "when, in words"
        );
        assert!(html.contains("sampai 11.00 WIB"), "until");
        assert!(html.contains("Karang Taruna"), "organiser");
        assert!(html.contains("<strong>membawa</strong>"), "body");
        assert!(html.contains("Galeri foto") && html.contains("loading=\"lazy\""));
        assert!(html.contains(&format!("href=\"/p/{}/agenda.ics\"", post.public_id)));
        assert_every_image_has_alt(&html, "post");
        let media = client().get(&image_url).send().await.expect("media");
        assert_eq!(media.status(), 200, "the og:image is served");

        let response = client()
            .get(format!("{url}/agenda.ics"))
            .send()
            .await
            .expect("ics");
        assert_eq!(response.status(), 200);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap_or_default()
                .starts_with("text/calendar")
        );
        let ics = response.text().await.expect("ics body");
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "line of {} octets: {line}", line.len());
        }
        let unfolded = ics.replace("\r\n ", "");
        let lines: Vec<&str> = unfolded.split("\r\n").collect();
        for expected in [
            "BEGIN:VCALENDAR",
            "BEGIN:VEVENT",
            "DTSTART:20261205T010000Z",
            "DTEND:20261205T040000Z",
            "SUMMARY:Kerja bakti membersihkan selokan sepanjang jalan utama desa kita bersama",
            "LOCATION:Balai desa\\, RT 02\\; dekat masjid",
            "END:VEVENT",
        ] {
            assert!(lines.contains(&expected), "{expected} in {unfolded}");
        }
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("UID:") && l.contains(&post.public_id))
        );
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("DTSTAMP:") && l.ends_with('Z'))
        );
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("DESCRIPTION:") && l.contains(&url))
        );
        assert!(lines.contains(&format!("URL:{url}").as_str()));

        let news = publish(&node, input("Kabar biasa", "Tanpa agenda.")).await;
        let (status, _, _) = get(&node, &format!("/p/{}/agenda.ics", news.public_id)).await;
        assert_eq!(status, 404, "a news post has no calendar file");
        let html = page(&node, &format!("/p/{}", news.public_id)).await;
        assert!(
            html.contains("Oleh Desa desa-sukamaju"),
            "the actor writes CLI posts"
        );
        node.stop().await;
    })
    .await;
}

#[tokio::test]
async fn categories_archive_and_search_list_the_right_posts() {
    on_every_backend(|backend| async move {
        let node = start(&backend).await;
        let now = now_ms();
        publish(
            &node,
            PostInput {
                categories: vec!["UMKM".into()],
                ..input(
                    "Keripik singkong Bu Sri",
                    "Produk unggulan 100% singkong lokal.",
                )
            },
        )
        .await;
        let old = publish(
            &node,
            PostInput {
                published_at: Some(now - 70 * DAY),
                ..input("Musyawarah desa lama", "Catatan rapat terdahulu.")
            },
        )
        .await;

        let umkm = page(&node, "/kategori/UMKM").await;
        assert!(umkm.contains("Keripik singkong Bu Sri"));
        assert!(!umkm.contains("Musyawarah desa lama"));
        assert!(umkm.contains("aria-current=\"page\">UMKM</a>"));
        assert!(
            umkm.contains("<h2><a href=\"/p/"),
            "posts are headed under the page's h1"
        );
        let tag = page(&node, "/tags/umkm").await;
        assert!(
            tag.contains("Keripik singkong Bu Sri"),
            "the hashtag URL is the same page"
        );
        let empty = page(&node, "/kategori/Wisata").await;
        assert!(empty.contains("Belum ada kabar dalam kategori ini."));
        let unknown = page(&node, "/kategori/TidakAda").await;
        assert!(unknown.contains("Belum ada kabar dalam kategori ini."));

        let tz = site::load(&node.state().store)
            .await
            .expect("settings")
            .time_zone;
        let (year, month) = tz.year_month(old.published_at);
        let archive = page(&node, "/arsip").await;
        let month_link = format!("href=\"/arsip/{year}/{month}\"");
        assert!(archive.contains(&month_link), "{month_link} in {archive}");
        let month_page = page(&node, &format!("/arsip/{year}/{month}")).await;
        assert!(month_page.contains("Musyawarah desa lama"));
        assert!(!month_page.contains("Keripik singkong Bu Sri"));
        for bad in ["/arsip/2026/13", "/arsip/tahun/1", "/arsip/2026/0"] {
            let (status, _, body) = get(&node, bad).await;
            assert_eq!(status, 404, "{bad}");
            assert!(body.contains("Bulan arsip tidak dikenal"), "{bad}: {body}");
        }

        let found = page(&node, "/cari?q=singkong+KERIPIK").await;
        assert!(found.contains("Keripik singkong Bu Sri"));
        assert!(found.contains("value=\"singkong KERIPIK\""));
        let percent = page(&node, "/cari?q=%25").await;
        assert!(
            percent.contains("Keripik singkong Bu Sri"),
            "a literal % matches"
        );
        assert!(
            !percent.contains("Musyawarah desa lama"),
            "% is not a wildcard"
        );
        let none = page(&node, "/cari?q=0%25+lokal%25").await;
        assert!(
            none.contains("Tidak ada kabar yang cocok"),
            "% is taken literally"
        );
        let underscore = page(&node, "/cari?q=_").await;
        assert!(
            underscore.contains("Tidak ada kabar yang cocok"),
            "_ is not a wildcard"
        );
        let form = page(&node, "/cari").await;
        assert!(form.contains("<label for=\"q\">") && !form.contains("Hasil pencarian"));

        let profile = page(&node, "/profil").await;
        assert!(profile.contains("href=\"/halaman/sejarah\">Sejarah Desa</a>"));
        let history = page(&node, "/halaman/sejarah").await;
        assert!(history.contains("Halaman ini belum diisi."));
        let (status, _, _) = get(&node, "/halaman/tidak-ada").await;
        assert_eq!(status, 404);
        node.stop().await;
    })
    .await;
}

#[tokio::test]
async fn village_feeds_parse_and_the_sitemap_lists_live_posts_only() {
    on_every_backend(|backend| async move {
        let node = start(&backend).await;
        let actor = main_actor(&node).await;
        let cover = stored_image(&node, "Sungai jernih", 60);
        let live = publish(
            &node,
            PostInput {
                categories: vec!["Wisata".into()],
                images: vec![cover.clone()],
                ..input("Wisata sungai", "Airnya **jernih** & sejuk.")
            },
        )
        .await;
        let gone = publish(&node, input("Kabar keliru", "Akan dihapus.")).await;
        publishing::delete(&node.state().store, &actor, &gone, None)
            .await
            .expect("delete");

        for path in ["/feed.rss", "/feed.atom"] {
            let (status, _, body) = get(&node, path).await;
            assert_eq!(status, 200, "{path}");
            let feed = feed_rs::parser::parse(body.as_bytes()).expect("a valid feed");
            assert_eq!(
                feed.entries.len(),
                1,
                "{path}: the deleted post is left out"
            );
            let entry = &feed.entries[0];
            assert_eq!(
                entry.title.as_ref().map(|t| t.content.as_str()),
                Some("Wisata sungai")
            );
            let html = entry
                .content
                .as_ref()
                .and_then(|c| c.body.clone())
                .or_else(|| entry.summary.as_ref().map(|s| s.content.clone()))
                .unwrap_or_default();
            assert!(html.contains("<strong>jernih</strong>"), "{path}: {html}");
            assert!(
                entry.categories.iter().any(|c| c.term == "Wisata"),
                "{path} categories"
            );
            let cover_url = format!("{}/media/{}", node.base, cover.file_name("large"));
            let has_cover = entry.links.iter().any(|l| l.href == cover_url)
                || entry.media.iter().any(|m| {
                    m.content
                        .iter()
                        .any(|c| c.url.as_ref().is_some_and(|u| u.as_str() == cover_url))
                });
            assert!(has_cover, "{path}: the cover is an enclosure: {entry:?}");
        }

        let (status, headers, sitemap) = get(&node, "/sitemap.xml").await;
        assert_eq!(status, 200);
        assert!(
            headers["content-type"]
                .to_str()
                .unwrap_or_default()
                .contains("xml")
        );
        assert!(sitemap.contains(&format!(
            "<loc>{}/p/{}</loc><lastmod>",
            node.base, live.public_id
        )));
        assert!(!sitemap.contains(&gone.public_id), "no deleted post");
        assert!(sitemap.contains(&format!("<loc>{}/halaman/sejarah</loc>", node.base)));
        assert!(sitemap.contains(&format!("<loc>{}/kategori/Wisata</loc>", node.base)));
        let (_, _, robots) = get(&node, "/robots.txt").await;
        assert!(robots.contains(&format!("Sitemap: {}/sitemap.xml", node.base)));
        assert!(robots.contains("Disallow: /admin"));

        let (status, _, body) = get(&node, &format!("/p/{}", gone.public_id)).await;
        assert_eq!(status, 410, "a deleted post stays gone");
        assert!(body.contains("Kabar ini sudah dihapus."));
        node.stop().await;
    })
    .await;
}

#[tokio::test]
async fn following_from_mastodon_sends_visitors_to_their_server_or_explains() {
    on_every_backend(|backend| async move {
        let node = start(&backend).await;
        let follow = page(&node, "/ikuti").await;
        assert!(follow.contains(&handle(&node)));
        assert!(follow.contains("<label for=\"server\">"));
        let acct = format!("acct%3Adesa-sukamaju%40{}", node.domain.replace(':', "%3A"));
        for typed in [
            "%40budi%40mastodon.social",
            "budi%40mastodon.social",
            "mastodon.social",
            "https%3A%2F%2Fmastodon.social%2F",
        ] {
            let (status, headers, _) = get(&node, &format!("/ikuti?server={typed}")).await;
            assert_eq!(status, 303, "{typed}");
            assert_eq!(
                headers["location"],
                format!("https://mastodon.social/authorize_interaction?uri={acct}").as_str(),
                "{typed}"
            );
        }
        for typed in [
            "javascript%3Aalert(1)",
            "evil.com%2Fpath%3Fx",
            "mastodon+social",
            "",
        ] {
            let (status, headers, body) = get(&node, &format!("/ikuti?server={typed}")).await;
            assert_eq!(status, 400, "{typed}");
            assert!(!headers.contains_key("location"));
            assert!(body.contains("Nama server tidak dikenali"), "{typed}");
        }
        let print = page(&node, "/ikuti/cetak").await;
        assert!(print.contains("<svg"), "QR code");
        assert!(print.contains("@media print"));
        assert!(print.contains(&format!("{}/u/desa-sukamaju", node.base)));
        node.stop().await;
    })
    .await;
}

#[tokio::test]
async fn the_village_word_and_the_language_change_the_texts() {
    on_every_backend(|backend| async move {
        let node = start(&backend).await;
        let store = &node.state().store;
        let nagari = SiteSettings {
            village_word: "nagari".into(),
            ..Default::default()
        };
        site::save(store, &nagari).await.expect("settings");
        let home = page(&node, "/").await;
        assert!(home.contains(">Profil Nagari</a>"), "nav");
        let profile = page(&node, "/profil").await;
        assert!(profile.contains("<h1>Profil Nagari</h1>"));

        let english = SiteSettings {
            language: Lang::En,
            ..Default::default()
        };
        site::save(store, &english).await.expect("settings");
        let post = publish(&node, input("Market day", "Come along.")).await;
        let home = page(&node, "/").await;
        assert!(home.contains("<html lang=\"en\">"));
        assert!(home.contains("Skip to content") && home.contains("Follow on Mastodon"));
        assert!(home.contains("Village profile"));
        assert!(!home.contains("Kabar terbaru"));
        let html = page(&node, &format!("/p/{}", post.public_id)).await;
        assert!(html.contains("<meta property=\"og:locale\" content=\"en_US\">"));
        assert!(html.contains(">News</span>"));
        node.stop().await;
    })
    .await;
}

#[tokio::test]
async fn script_in_a_post_never_reaches_a_page() {
    on_every_backend(|backend| async move {
        let node = start(&backend).await;
        let post = publish(
            &node,
            input(
                "Awas <script>alert(1)</script>",
                "Teks <script>alert(1)</script> dan <img src=x onerror=alert(1)> selesai.",
            ),
        )
        .await;
        for path in [
            "/".to_string(),
            format!("/p/{}", post.public_id),
            "/cari?q=Awas".to_string(),
        ] {
            let html = page(&node, &path).await;
            assert!(!html.contains("<script"), "{path}");
            assert!(!html.contains("onerror"), "{path}");
        }
        for path in ["/feed.rss", "/feed.atom"] {
            let (_, _, xml) = get(&node, path).await;
            assert!(!xml.contains("<script"), "{path}");
        }
        node.stop().await;
    })
    .await;
}
