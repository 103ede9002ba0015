//! The portal's timeline: the front page and `GET /api/timeline` list village posts
//! newest first by `published`, filter by village, district, hashtag and WIB date, page
//! with a keyset cursor that neither repeats nor skips posts sharing a time, answer bad
//! filters with a one-line 400, and follow the operator's curation (feature, hide) made
//! through the admin API. On SQLite and on PostgreSQL.

use crate::support::{Backend, TestDb, TestNode, client, loopback_listener, on_every_backend};
use chrono::{FixedOffset, TimeZone};
use kentongan::{
    app::Node,
    cli::{InitArgs, init},
    config::{Config, Role},
    store::{NewVillage, NewVillagePost, Store, VillageRecord},
};
use serde_json::Value;
use std::collections::HashSet;

/// A node with role `portal` on a loopback port (`TestNode` starts villages only).
struct Portal {
    node: Option<Node>,
    _dir: tempfile::TempDir,
    db: TestDb,
    base: String,
    token: String,
}

impl Portal {
    async fn start(backend: &Backend) -> Self {
        let db = TestDb::create(backend).await;
        let dir = tempfile::tempdir().expect("temp dir");
        let (listener, port) = loopback_listener().await;
        let domain = format!("localhost:{port}");
        let token = init(InitArgs {
            dir: dir.path().to_path_buf(),
            domain: domain.clone(),
            username: "portal".to_string(),
            name: "Portal Kabupaten Contoh".to_string(),
            role: Role::Portal,
            listen: format!("127.0.0.1:{port}"),
            database_url: db.url.clone(),
            insecure_local: true,
            admin_username: "admin".into(),
        })
        .await
        .expect("init")
        .token;
        let config = Config::load(dir.path()).expect("config");
        assert_eq!(config.role, Role::Portal);
        let node = Node::start(config, listener).await.expect("start portal");
        Self {
            node: Some(node),
            _dir: dir,
            db,
            base: format!("http://{domain}"),
            token,
        }
    }

    fn store(&self) -> &Store {
        &self.node.as_ref().expect("running").state.store
    }

    async fn stop(mut self) {
        if let Some(node) = self.node.take() {
            node.stop().await;
        }
        self.db.drop_database().await;
    }

    async fn village(&self, name: &str, district: &str, feed: bool) -> VillageRecord {
        let slug = name.to_ascii_lowercase().replace(' ', "-");
        // `.invalid` hosts: the portal worker's follow or poll fails at once, offline.
        let (source_kind, handle, feed_url) = if feed {
            (
                kentongan::store::SourceKind::Feed,
                None,
                Some(format!("https://{slug}.invalid/feed")),
            )
        } else {
            (
                kentongan::store::SourceKind::Actor,
                Some(format!("{slug}@{slug}.invalid")),
                None,
            )
        };
        self.store()
            .insert_village(
                &NewVillage {
                    name: name.to_string(),
                    district: district.to_string(),
                    code: String::new(),
                    source_kind,
                    handle,
                    feed_url,
                },
                now(),
            )
            .await
            .expect("insert village")
            .expect("a new village")
    }

    async fn post(&self, village: &VillageRecord, post: Post<'_>) -> i64 {
        let host = format!(
            "{}.invalid",
            village.name.to_ascii_lowercase().replace(' ', "-")
        );
        let slug = post.title.to_ascii_lowercase().replace(' ', "-");
        let outcome = self
            .store()
            .ingest_village_post(
                &NewVillagePost {
                    ap_id: format!("https://{host}/p/{slug}"),
                    village_id: village.id,
                    title: post.title.to_string(),
                    summary: post.summary.to_string(),
                    content_html: format!("<p>Isi kabar {}.</p><p>Paragraf kedua.</p>", post.title),
                    url: format!("https://{host}/kabar/{slug}"),
                    image_url: post.image.map(str::to_string),
                    from_feed: village.source_kind == kentongan::store::SourceKind::Feed,
                    published_at: post.published,
                    updated_at: None,
                    tags: post.tags.iter().map(|t| t.to_string()).collect(),
                },
                now(),
            )
            .await
            .expect("ingest");
        match outcome {
            kentongan::store::Ingested::New(id) => id,
            other => panic!("expected a new post, got {other:?}"),
        }
    }

    async fn get(&self, path_and_query: &str) -> (u16, String) {
        let response = client()
            .get(format!("{}{path_and_query}", self.base))
            .send()
            .await
            .expect("GET");
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }

    /// The page, with the entities the template engine writes for `/`, `'` and `&`
    /// turned back into characters so that assertions read naturally.
    async fn html(&self, path_and_query: &str) -> String {
        let (status, body) = self.get(path_and_query).await;
        assert_eq!(status, 200, "GET {path_and_query}: {body}");
        body.replace("&#x2f;", "/")
            .replace("&#x27;", "'")
            .replace("&amp;", "&")
    }

    async fn api(&self, query: &str) -> Value {
        let (status, body) = self.get(&format!("/api/timeline{query}")).await;
        assert_eq!(status, 200, "GET /api/timeline{query}: {body}");
        serde_json::from_str(&body).expect("JSON")
    }

    async fn api_titles(&self, query: &str) -> Vec<String> {
        item_titles(&self.api(query).await)
    }

    async fn curate(&self, id: &str, action: &str, token: Option<&str>) -> u16 {
        let mut request = client().post(format!("{}/api/v1/timeline/{id}/{action}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("POST").status().as_u16()
    }
}

#[derive(Clone, Copy)]
struct Post<'a> {
    title: &'a str,
    published: i64,
    tags: &'a [&'a str],
    summary: &'a str,
    image: Option<&'a str>,
}

fn post(title: &str, published: i64) -> Post<'_> {
    Post {
        title,
        published,
        tags: &[],
        summary: "",
        image: None,
    }
}

fn now() -> i64 {
    kentongan::clock::now_ms()
}

/// Unix milliseconds of a wall-clock time in Asia/Jakarta (UTC+7).
fn wib(y: i32, m: u32, d: u32, h: u32, min: u32) -> i64 {
    FixedOffset::east_opt(7 * 3600)
        .expect("offset")
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .expect("a valid time")
        .timestamp_millis()
}

fn item_titles(doc: &Value) -> Vec<String> {
    doc["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| item["title"].as_str().expect("title").to_string())
        .collect()
}

/// The part of the page under the heading with this id, up to the next section.
fn section<'a>(html: &'a str, heading_id: &str) -> &'a str {
    let Some(start) = html.find(&format!("id=\"{heading_id}\"")) else {
        return "";
    };
    let rest = &html[start..];
    match rest.find("</section>") {
        Some(end) => &rest[..end],
        None => rest,
    }
}

/// Titles of the items in a part of the page, in order.
fn titles(part: &str) -> Vec<String> {
    part.split("<h3 id=")
        .skip(1)
        .filter_map(|chunk| {
            let chunk = &chunk[..chunk.find("</h3>")?];
            let start = chunk.rfind("\">")? + 2;
            Some(chunk[start..].trim_end_matches("</a>").to_string())
        })
        .collect()
}

fn timeline_titles(html: &str) -> Vec<String> {
    titles(section(html, "timeline-heading"))
}

fn featured_titles(html: &str) -> Vec<String> {
    titles(section(html, "featured-heading"))
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// The href of the "older posts" link, unescaped.
fn older_link(html: &str) -> Option<String> {
    let at = html.find("rel=\"next\"")?;
    let before = &html[..at];
    let start = before.rfind("href=\"")? + 6;
    let end = start + before[start..].find('"')?;
    Some(before[start..end].to_string())
}

async fn lists_filters_and_pages(backend: Backend) {
    let portal = Portal::start(&backend).await;
    let sukamaju = portal.village("Sukamaju", "Cibeber", false).await;
    let sukasari = portal.village("Sukasari", "Cibeber", false).await;
    let kalimati = portal.village("Kalimati", "Warungkondang", true).await;

    // Inserted out of order: the timeline orders by `published`, not by arrival.
    portal
        .post(
            &sukamaju,
            Post {
                tags: &["Pengumuman", "Kesehatan"],
                ..post("Posyandu Agustus", wib(2025, 8, 10, 8, 0))
            },
        )
        .await;
    portal
        .post(
            &sukamaju,
            Post {
                tags: &["Pengumuman"],
                ..post("Upacara Kemerdekaan", wib(2025, 8, 17, 9, 0))
            },
        )
        .await;
    portal
        .post(
            &sukasari,
            Post {
                summary: "Ringkasan rapat anggaran desa.",
                ..post("Musyawarah Desa", wib(2025, 7, 1, 10, 0))
            },
        )
        .await;
    // 00:10 WIB on 18 August is still 17 August in UTC: the date filter must use WIB.
    portal
        .post(
            &sukasari,
            post("Lomba Panjat Pinang", wib(2025, 8, 18, 0, 10)),
        )
        .await;
    // 23:30 WIB on 16 August.
    portal
        .post(
            &kalimati,
            Post {
                tags: &["Wisata"],
                image: Some("https://kalimati.invalid/m/curug.jpg"),
                ..post("Curug Kalimati Dibuka", wib(2025, 8, 16, 23, 30))
            },
        )
        .await;

    let newest_first = strings(&[
        "Lomba Panjat Pinang",
        "Upacara Kemerdekaan",
        "Curug Kalimati Dibuka",
        "Posyandu Agustus",
        "Musyawarah Desa",
    ]);
    let home = portal.html("/").await;
    assert_eq!(timeline_titles(&home), newest_first, "{home}");
    assert!(home.contains("Portal Kabupaten Contoh"), "site name");
    assert!(featured_titles(&home).is_empty(), "nothing featured yet");
    // Each item: link to the original, village, district, date, excerpt, image, tags.
    assert!(home.contains(
        "href=\"https://kalimati.invalid/kabar/curug-kalimati-dibuka\" rel=\"noopener\""
    ));
    assert!(home.contains(
        "<img src=\"https://kalimati.invalid/m/curug.jpg\" alt=\"Curug Kalimati Dibuka\""
    ));
    assert!(home.contains("dari feed situs desa"), "feed marker");
    assert_eq!(home.matches("dari feed situs desa").count(), 1);
    assert!(home.contains("Warungkondang"));
    assert!(home.contains("16-08-2025 23:30 WIB"), "dates in WIB");
    assert!(home.contains("Isi kabar Posyandu Agustus. Paragraf kedua."));
    assert!(home.contains("Ringkasan rapat anggaran desa."));
    assert!(home.contains("href=\"/?tag=Kesehatan\" rel=\"tag\">#Kesehatan</a>"));
    assert!(
        home.contains("<label for=\"f-village-q\">"),
        "labelled form"
    );
    // No list of every village (nor of every district): the form is the same size with
    // three villages or 75,000.
    assert!(!home.contains("<select id=\"f-village\""), "{home}");
    assert!(
        !home.contains("<option"),
        "no per-village or per-district option"
    );
    assert!(!home.contains("<script"), "no JavaScript");
    assert!(older_link(&home).is_none(), "one page only");

    let api = portal.api("").await;
    assert_eq!(item_titles(&api), newest_first);
    assert_eq!(api["next_cursor"], Value::Null);
    let posyandu = &api["items"][3];
    assert_eq!(posyandu["village"]["id"], sukamaju.id);
    assert_eq!(posyandu["village"]["name"], "Sukamaju");
    assert_eq!(posyandu["village"]["district"], "Cibeber");
    assert_eq!(
        posyandu["categories"],
        serde_json::json!(["Kesehatan", "Pengumuman"])
    );
    assert_eq!(posyandu["published"], "2025-08-10T01:00:00Z");
    assert_eq!(posyandu["updated"], Value::Null);
    assert_eq!(
        posyandu["url"],
        "https://sukamaju.invalid/kabar/posyandu-agustus"
    );
    assert_eq!(
        posyandu["ap_id"],
        "https://sukamaju.invalid/p/posyandu-agustus"
    );
    assert_eq!(posyandu["from_feed"], false);
    assert_eq!(posyandu["featured"], false);
    assert!(posyandu["id"].is_i64());
    assert!(
        posyandu["content_html"]
            .as_str()
            .expect("html")
            .contains("<p>Isi kabar")
    );
    assert_eq!(api["items"][2]["from_feed"], true);
    assert_eq!(
        api["items"][2]["image_url"],
        "https://kalimati.invalid/m/curug.jpg"
    );

    // Every filter narrows, the same on the page and in the API.
    let cases: Vec<(String, Vec<&str>)> = vec![
        (
            format!("village={}", sukamaju.id),
            vec!["Upacara Kemerdekaan", "Posyandu Agustus"],
        ),
        (
            "district=Cibeber".into(),
            vec![
                "Lomba Panjat Pinang",
                "Upacara Kemerdekaan",
                "Posyandu Agustus",
                "Musyawarah Desa",
            ],
        ),
        (
            "district=warungkondang".into(),
            vec!["Curug Kalimati Dibuka"],
        ),
        (
            "tag=pengumuman".into(),
            vec!["Upacara Kemerdekaan", "Posyandu Agustus"],
        ),
        ("tag=%23Wisata".into(), vec!["Curug Kalimati Dibuka"]),
        ("tag=Tidak-ada".into(), vec![]),
        (
            "since=2025-08-17&until=2025-08-17".into(),
            vec!["Upacara Kemerdekaan"],
        ),
        ("since=2025-08-18".into(), vec!["Lomba Panjat Pinang"]),
        (
            "until=2025-08-16".into(),
            vec![
                "Curug Kalimati Dibuka",
                "Posyandu Agustus",
                "Musyawarah Desa",
            ],
        ),
        (
            "district=Cibeber&tag=Pengumuman&since=2025-08-11".into(),
            vec!["Upacara Kemerdekaan"],
        ),
        // Empty fields, as a plain form sends them, filter nothing.
        (
            "village=&district=&tag=&since=&until=".into(),
            newest_first.iter().map(String::as_str).collect(),
        ),
    ];
    for (query, expected) in &cases {
        let expected = strings(expected);
        let page = portal.html(&format!("/?{query}")).await;
        assert_eq!(timeline_titles(&page), expected, "page ?{query}");
        assert_eq!(
            portal.api_titles(&format!("?{query}")).await,
            expected,
            "API ?{query}"
        );
    }
    let filtered = portal.html("/?tag=Tidak-ada").await;
    assert!(filtered.contains("Tidak ada kabar yang cocok dengan saringan ini."));
    // District first: the district's villages, and only those, to choose from.
    let chosen = portal
        .html(&format!("/?district=cibeber&village={}", sukasari.id))
        .await;
    assert!(chosen.contains(&format!(
        "<option value=\"{}\" selected>Sukasari</option>",
        sukasari.id
    )));
    assert!(chosen.contains(&format!(
        "<option value=\"{}\">Sukamaju</option>",
        sukamaju.id
    )));
    assert!(!chosen.contains("Kalimati</option>"), "another district");
    // A search that names one village filters by it; several are offered as links;
    // none says so.
    let one = portal.html("/?village_q=kalim").await;
    assert_eq!(
        timeline_titles(&one),
        strings(&["Curug Kalimati Dibuka"]),
        "search for one village"
    );
    let several = portal.html("/?village_q=suka").await;
    for village in [&sukamaju, &sukasari] {
        assert!(
            several.contains(&format!(
                "<a href=\"/?village={}\">{}</a>",
                village.id, village.name
            )),
            "{several}"
        );
    }
    assert!(several.contains("Desa yang cocok, pilih satu:"));
    let none = portal.html("/?village_q=tidak-ada").await;
    assert!(none.contains("Tidak ada desa yang cocok dengan pencarian ini."));

    // Thirty posts at one instant, and a few around them: every post exactly once.
    let ramai = portal.village("Ramai", "Cibeber", false).await;
    let instant = wib(2025, 9, 1, 12, 0);
    let mut expected_ids = HashSet::new();
    for n in 0..30 {
        let title = format!("Kabar Serentak {n:02}");
        expected_ids.insert(portal.post(&ramai, post(&title, instant)).await);
    }
    for (n, offset) in [(0, -1), (1, 1), (2, -60_000)] {
        let title = format!("Kabar Sekitar {n}");
        expected_ids.insert(portal.post(&ramai, post(&title, instant + offset)).await);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut last_published = i64::MAX;
    for _ in 0..20 {
        let query = match &cursor {
            Some(c) => format!("?village={}&limit=7&cursor={c}", ramai.id),
            None => format!("?village={}&limit=7", ramai.id),
        };
        let doc = portal.api(&query).await;
        let items = doc["items"].as_array().expect("items");
        assert!(items.len() <= 7);
        for item in items {
            let published = chrono::DateTime::parse_from_rfc3339(
                item["published"].as_str().expect("published"),
            )
            .expect("RFC 3339")
            .timestamp();
            assert!(published <= last_published, "newest first across pages");
            last_published = published;
            seen.push(item["id"].as_i64().expect("id"));
        }
        match doc["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    let unique: HashSet<i64> = seen.iter().copied().collect();
    assert_eq!(seen.len(), unique.len(), "no post twice: {seen:?}");
    assert_eq!(unique, expected_ids, "every post once");
    assert_eq!(seen.len(), 33);

    // The same walk through the front page's "older posts" links, which keep the filter.
    let mut page_path = format!("/?village={}", ramai.id);
    let mut html_titles = Vec::new();
    for _ in 0..10 {
        let page = portal.html(&page_path).await;
        html_titles.extend(timeline_titles(&page));
        match older_link(&page) {
            Some(next) => {
                assert!(next.contains(&format!("village={}", ramai.id)), "{next}");
                assert!(next.contains("before="), "{next}");
                page_path = next;
            }
            None => break,
        }
    }
    let unique: HashSet<&String> = html_titles.iter().collect();
    assert_eq!(html_titles.len(), 33, "{html_titles:?}");
    assert_eq!(unique.len(), 33, "no title twice");
    assert_eq!(html_titles[0], "Kabar Sekitar 1");
    assert_eq!(html_titles[32], "Kabar Sekitar 2");
    // A limit as large as the rest gives no next cursor and no empty page.
    let all = portal.api(&format!("?village={}&limit=33", ramai.id)).await;
    assert_eq!(all["items"].as_array().expect("items").len(), 33);
    assert_eq!(all["next_cursor"], Value::Null);

    // Bad filters: 400 with one line, on the page and in the API alike.
    let long_tag = "a".repeat(101);
    let bad = [
        "village=abc",
        "village=-2",
        "village=999999",
        "since=2025-13-01",
        "until=kemarin",
        "since=2025-08-18&until=2025-08-17",
        "since=0001-01-01",
        "limit=0",
        "limit=101",
        "limit=banyak",
        "cursor=xyz",
        "cursor=1.2.3",
        "before=99999999999999999999.1",
        "featured=mungkin",
        &format!("tag={long_tag}"),
    ];
    for query in bad {
        for path in ["/", "/api/timeline"] {
            let (status, body) = portal.get(&format!("{path}?{query}")).await;
            assert_eq!(status, 400, "{path}?{query}: {body}");
            let line = body.trim_end_matches('\n');
            assert!(
                !line.is_empty() && !line.contains('\n'),
                "one line: {body:?}"
            );
        }
    }

    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeline_lists_newest_first_filters_and_pages_on_every_backend() {
    on_every_backend(lists_filters_and_pages).await;
}

async fn curation_features_and_hides(backend: Backend) {
    let portal = Portal::start(&backend).await;
    let sukamaju = portal.village("Sukamaju", "Cibeber", false).await;
    let kalimati = portal.village("Kalimati", "Warungkondang", true).await;
    let gotong = portal
        .post(&sukamaju, post("Gotong Royong", wib(2025, 8, 1, 7, 0)))
        .await;
    let pasar = portal
        .post(&kalimati, post("Pasar Desa", wib(2025, 8, 2, 7, 0)))
        .await;
    portal
        .post(&sukamaju, post("Rapat RT", wib(2025, 8, 3, 7, 0)))
        .await;
    let gotong_id = gotong.to_string();
    let pasar_id = pasar.to_string();

    // Without a valid token nothing changes; an unknown post is a 404 only to the operator.
    assert_eq!(portal.curate(&gotong_id, "feature", None).await, 401);
    assert_eq!(
        portal.curate(&gotong_id, "feature", Some("salah")).await,
        401
    );
    assert_eq!(portal.curate("999999", "feature", None).await, 401);
    assert_eq!(
        portal
            .curate("999999", "feature", Some(&portal.token))
            .await,
        404
    );
    assert_eq!(
        portal
            .curate("bukan-angka", "hide", Some(&portal.token))
            .await,
        404
    );
    assert!(featured_titles(&portal.html("/").await).is_empty());

    // Featured: in the "Sorotan" block on the first page, and still in the timeline.
    assert_eq!(
        portal
            .curate(&gotong_id, "feature", Some(&portal.token))
            .await,
        204
    );
    let home = portal.html("/").await;
    assert!(home.contains("Sorotan"));
    assert_eq!(featured_titles(&home), strings(&["Gotong Royong"]));
    assert_eq!(
        timeline_titles(&home),
        strings(&["Rapat RT", "Pasar Desa", "Gotong Royong"])
    );
    let api = portal.api("").await;
    assert_eq!(api["items"][2]["featured"], true);
    assert_eq!(api["items"][0]["featured"], false);
    assert_eq!(
        portal.api_titles("?featured=true").await,
        strings(&["Gotong Royong"])
    );
    // The block follows the filters: another district has nothing featured.
    let other = portal.html("/?district=Warungkondang").await;
    assert!(featured_titles(&other).is_empty());

    // Hidden: gone from the page, the featured block and the API; back when unhidden.
    assert_eq!(
        portal.curate(&pasar_id, "hide", Some(&portal.token)).await,
        204
    );
    assert_eq!(
        portal.curate(&gotong_id, "hide", Some(&portal.token)).await,
        204
    );
    let home = portal.html("/").await;
    assert_eq!(timeline_titles(&home), strings(&["Rapat RT"]));
    assert!(
        featured_titles(&home).is_empty(),
        "a hidden post is not featured"
    );
    assert!(!home.contains("Pasar Desa") && !home.contains("Gotong Royong"));
    assert_eq!(portal.api_titles("").await, strings(&["Rapat RT"]));
    assert!(portal.api_titles("?featured=true").await.is_empty());
    assert!(
        portal
            .api_titles(&format!("?village={}", kalimati.id))
            .await
            .is_empty()
    );

    assert_eq!(
        portal
            .curate(&pasar_id, "unhide", Some(&portal.token))
            .await,
        204
    );
    assert_eq!(
        portal
            .curate(&gotong_id, "unhide", Some(&portal.token))
            .await,
        204
    );
    assert_eq!(
        portal
            .curate(&gotong_id, "unfeature", Some(&portal.token))
            .await,
        204
    );
    let home = portal.html("/").await;
    assert!(featured_titles(&home).is_empty());
    assert_eq!(
        timeline_titles(&home),
        strings(&["Rapat RT", "Pasar Desa", "Gotong Royong"])
    );

    // The command line's use-case names a post by its URL or its ActivityPub id too,
    // and changes only the portal's flags.
    let store = portal.store();
    let by_url = kentongan::portal::curation::feature(
        store,
        "https://kalimati.invalid/kabar/pasar-desa",
        true,
    )
    .await
    .expect("feature by URL");
    assert_eq!(by_url.id, pasar);
    kentongan::portal::curation::hide(store, "https://sukamaju.invalid/p/rapat-rt", true)
        .await
        .expect("hide by id");
    assert_eq!(
        portal.api_titles("?featured=true").await,
        strings(&["Pasar Desa"])
    );
    assert_eq!(
        portal.api_titles("").await,
        strings(&["Pasar Desa", "Gotong Royong"])
    );
    let unknown =
        kentongan::portal::curation::hide(store, "https://nowhere.invalid/p/x", true).await;
    assert!(matches!(
        unknown,
        Err(kentongan::portal::curation::CurationError::UnknownPost(_))
    ));
    let kept = store
        .village_post_by_id(pasar)
        .await
        .expect("read")
        .expect("still stored");
    assert_eq!(kept.title, "Pasar Desa");
    assert!(kept.featured && !kept.hidden);

    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curation_features_and_hides_with_the_api_token_on_every_backend() {
    on_every_backend(curation_features_and_hides).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_village_node_keeps_its_profile_home_and_has_no_timeline() {
    let node = TestNode::start(&Backend::Sqlite, "desa-sukamaju").await;
    let response = client()
        .get(format!("{}/", node.base))
        .send()
        .await
        .expect("GET /");
    assert_eq!(response.status().as_u16(), 200);
    let home = response.text().await.expect("body");
    assert!(
        home.contains("@desa-sukamaju@"),
        "the village profile: {home}"
    );
    assert!(!home.contains("timeline-heading"));
    for (method, path) in [
        ("GET", "/api/timeline"),
        ("POST", "/api/v1/timeline/1/feature"),
    ] {
        let request = match method {
            "GET" => client().get(format!("{}{path}", node.base)),
            _ => client()
                .post(format!("{}{path}", node.base))
                .bearer_auth(&node.token),
        };
        let status = request.send().await.expect("request").status().as_u16();
        assert_eq!(status, 404, "{method} {path} on a village");
    }
    node.stop().await;
}

async fn statements_are_planned_with_their_values(backend: Backend) {
    let db = TestDb::create(&backend).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let url = db
        .url
        .clone()
        .unwrap_or_else(|| Store::default_url(dir.path()));
    let store = Store::connect(&url).await.expect("connect");
    // Every pooled connection, not only the first: a statement runs on whichever.
    let modes = futures::future::join_all((0..4).map(|_| store.plan_cache_mode())).await;
    for mode in modes {
        let expected = match backend {
            Backend::Sqlite => None,
            Backend::Postgres(_) => Some("force_custom_plan".to_string()),
        };
        assert_eq!(mode.expect("read"), expected);
    }
    store.close().await;
    db.drop_database().await;
}

/// Regression guard: a PostgreSQL prepared statement may switch to a generic plan after
/// five runs, and the generic plan of the district filter reads and sorts every post of
/// the district (docs/benchmarks-portal.md). The store's connections rule it out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgresql_plans_every_statement_with_its_values() {
    on_every_backend(statements_are_planned_with_their_values).await;
}
