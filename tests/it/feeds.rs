//! Villages that are not on the fediverse yet: the portal polls their RSS or Atom feed
//! politely (conditional GET), stores each item once with a stable id and date, refuses
//! bad feeds with a one-line reason and stores nothing from them, and publishes its
//! timeline as RSS and Atom again (whole, and per village). A small site on loopback
//! serves the feeds and counts requests. On SQLite and on PostgreSQL.

use crate::support::{Backend, TestNode, client, on_every_backend};
use axum::{
    Router,
    body::Body,
    extract::State,
    http::{HeaderMap, StatusCode, Uri},
    response::{IntoResponse, Response},
};
use kentongan::{
    clock::now_ms,
    federation::fetch::poll_feed as poll,
    store::{NewVillage, TimelineFilter, VillagePostRecord, VillageRecord},
};
use std::{
    collections::BTreeSet,
    sync::{Arc, Mutex},
};

const RSS_ETAG: &str = "\"rss-v1\"";
const ATOM_LAST_MODIFIED: &str = "Wed, 05 Nov 2025 10:00:00 GMT";

/// One request the site answered.
#[derive(Clone, Debug)]
struct Seen {
    path: String,
    if_none_match: Option<String>,
    if_modified_since: Option<String>,
    status: u16,
}

/// A village website on loopback serving feeds, good and bad.
#[derive(Clone)]
struct FeedSite {
    base: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl FeedSite {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the feed site");
        let port = listener.local_addr().expect("address").port();
        let site = Self {
            base: format!("http://127.0.0.1:{port}"),
            seen: Arc::new(Mutex::new(Vec::new())),
        };
        let app = Router::new().fallback(serve).with_state(site.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        site
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn seen(&self, path: &str) -> Vec<Seen> {
        self.seen
            .lock()
            .expect("lock")
            .iter()
            .filter(|s| s.path == path)
            .cloned()
            .collect()
    }

    fn total_requests(&self) -> usize {
        self.seen.lock().expect("lock").len()
    }
}

fn rss_feed(base: &str) -> String {
    format!(
        r##"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
  <title>Desa Sukamaju</title>
  <link>{base}/</link>
  <description>Website resmi Desa Sukamaju</description>
  <item>
    <title>Kerja bakti &amp; gotong royong</title>
    <link>{base}/berita/kerja-bakti</link>
    <guid isPermaLink="false">opensid-101</guid>
    <pubDate>Mon, 03 Nov 2025 08:00:00 +0700</pubDate>
    <category>Pengumuman</category>
    <category>Gotong Royong</category>
    <category>#Desa</category>
    <description><![CDATA[<p>Ringkasan kerja bakti</p>]]></description>
    <content:encoded><![CDATA[<p>Warga berkumpul <strong>pukul 7</strong>.</p><script>alert("x")</script>]]></content:encoded>
    <enclosure url="{base}/foto/kerja-bakti.jpg" type="image/jpeg" length="1234"/>
  </item>
  <item>
    <title>Posyandu balita</title>
    <link>{base}/berita/posyandu</link>
    <pubDate>Sat, 01 Nov 2025 09:30:00 GMT</pubDate>
    <description>&lt;p&gt;Jadwal posyandu bulan ini&lt;/p&gt;</description>
  </item>
  <item>
    <title>Kabar tanpa tanggal</title>
    <link>{base}/berita/tanpa-tanggal</link>
    <guid>{base}/?p=7</guid>
    <description>Kabar yang tidak bertanggal.</description>
  </item>
  <item>
    <title>Tautan jahat</title>
    <link>javascript:alert(1)</link>
    <guid isPermaLink="false">opensid-666</guid>
    <pubDate>Sun, 02 Nov 2025 08:00:00 GMT</pubDate>
  </item>
</channel>
</rss>
"##
    )
}

fn atom_feed() -> String {
    r#"<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Desa Karanganyar</title>
  <id>urn:uuid:5b0c7f5e-7c1a-4f39-9d4e-karanganyar</id>
  <updated>2025-11-06T12:00:00Z</updated>
  <entry>
    <title type="html">Panen raya &lt;b&gt;padi&lt;/b&gt;</title>
    <id>tag:karanganyar.desa.example,2025:post-1</id>
    <link rel="alternate" href="/kabar/panen-raya"/>
    <published>2025-11-05T10:00:00Z</published>
    <updated>2025-11-06T12:00:00Z</updated>
    <category term="Pertanian"/>
    <summary>Panen raya padi tahun ini.</summary>
    <content type="html">&lt;p&gt;Hasil panen &lt;em&gt;melimpah&lt;/em&gt;.&lt;/p&gt;&lt;img src="x" onerror="alert(1)"&gt;</content>
  </entry>
  <entry>
    <title>Rapat desa</title>
    <id>tag:karanganyar.desa.example,2025:post-2</id>
    <link href="https://karanganyar.example/kabar/rapat"/>
    <updated>2025-11-04T07:00:00Z</updated>
    <content type="text">Rapat &lt;semua&gt; warga.</content>
  </entry>
</feed>
"#
    .to_string()
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

async fn serve(State(site): State<FeedSite>, uri: Uri, headers: HeaderMap) -> Response {
    let if_none_match = header(&headers, "if-none-match");
    let if_modified_since = header(&headers, "if-modified-since");
    let response = match uri.path() {
        "/sukamaju/rss.xml" if if_none_match.as_deref() == Some(RSS_ETAG) => {
            (StatusCode::NOT_MODIFIED, [("etag", RSS_ETAG)]).into_response()
        }
        "/sukamaju/rss.xml" => (
            [("content-type", "application/rss+xml"), ("etag", RSS_ETAG)],
            rss_feed(&site.base),
        )
            .into_response(),
        "/karanganyar/atom.xml" if if_modified_since.as_deref() == Some(ATOM_LAST_MODIFIED) => {
            StatusCode::NOT_MODIFIED.into_response()
        }
        "/karanganyar/atom.xml" => (
            [
                ("content-type", "application/atom+xml"),
                ("last-modified", ATOM_LAST_MODIFIED),
            ],
            atom_feed(),
        )
            .into_response(),
        "/one-item.xml" => {
            // One item whose guid, link and title the query names.
            let query: std::collections::HashMap<String, String> =
                url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
                    .into_owned()
                    .collect();
            let field = |name: &str| query.get(name).cloned().unwrap_or_default();
            (
                [("content-type", "application/rss+xml")],
                format!(
                    "<rss version=\"2.0\"><channel><title>x</title><item><title>{}</title>\
                     <link>{}</link><guid>{}</guid></item></channel></rss>",
                    field("title"),
                    field("link"),
                    field("guid")
                ),
            )
                .into_response()
        }
        "/broken.xml" => (
            [("content-type", "application/rss+xml")],
            "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>Rusak</title>\
             <item><title>Setengah</title><link>http://127.0.0.1/x</link></channel></rss>",
        )
            .into_response(),
        "/page.html" => (
            [("content-type", "text/html")],
            "<!doctype html>\n<html><body><p>Selamat datang</p></body></html>",
        )
            .into_response(),
        "/busy.xml" => (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "120")]).into_response(),
        "/down.xml" => (StatusCode::SERVICE_UNAVAILABLE, "maintenance\nback soon").into_response(),
        "/moved.xml" => (
            StatusCode::MOVED_PERMANENTLY,
            [("location", "https://desa.example/feed")],
        )
            .into_response(),
        "/huge.xml" => (
            [("content-type", "application/rss+xml")],
            format!(
                "<rss version=\"2.0\"><channel><title>{}</title></channel></rss>",
                "a".repeat(6 * 1024 * 1024)
            ),
        )
            .into_response(),
        "/huge-stream.xml" => {
            // No Content-Length: the limit must hold while reading.
            let chunks = futures::stream::iter(
                (0..96).map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![b' '; 64 * 1024]))),
            );
            (
                [("content-type", "application/rss+xml")],
                Body::from_stream(chunks),
            )
                .into_response()
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    };
    site.seen.lock().expect("lock").push(Seen {
        path: uri.path().to_string(),
        if_none_match,
        if_modified_since,
        status: response.status().as_u16(),
    });
    response
}

fn ms(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .expect("a date")
        .timestamp_millis()
}

async fn register(node: &TestNode, name: &str, district: &str, feed_url: String) -> VillageRecord {
    node.state()
        .store
        .insert_village(
            &NewVillage {
                name: name.to_string(),
                district: district.to_string(),
                code: String::new(),
                source_kind: kentongan::store::SourceKind::Feed,
                handle: None,
                feed_url: Some(feed_url),
            },
            now_ms(),
        )
        .await
        .expect("register a village")
        .expect("a new village")
}

async fn posts_of(node: &TestNode, village_id: i64) -> Vec<VillagePostRecord> {
    node.state()
        .store
        .timeline_page(
            &TimelineFilter {
                village_id: Some(village_id),
                ..TimelineFilter::default()
            },
            None,
            50,
        )
        .await
        .expect("timeline")
}

fn by_title<'a>(posts: &'a [VillagePostRecord], title: &str) -> &'a VillagePostRecord {
    posts
        .iter()
        .find(|p| p.title == title)
        .unwrap_or_else(|| panic!("no post titled {title:?} in {posts:#?}"))
}

async fn tags_of(node: &TestNode, post_id: i64) -> Vec<String> {
    node.state()
        .store
        .village_post_tags(&[post_id])
        .await
        .expect("tags")
        .into_iter()
        .map(|(_, tag)| tag)
        .collect()
}

/// Records the validators as the portal worker does after a successful poll, and reads
/// the village back.
async fn remember(
    node: &TestNode,
    village: &VillageRecord,
    outcome: &kentongan::portal::feed_polling::FeedPoll,
) -> VillageRecord {
    let store = &node.state().store;
    let now = now_ms();
    store
        .finish_village_job(
            village.id,
            now,
            false,
            outcome.etag.as_deref(),
            outcome.last_modified.as_deref(),
            now,
        )
        .await
        .expect("finish the job");
    store
        .village_by_id(village.id)
        .await
        .expect("read")
        .expect("the village")
}

async fn get(url: &str) -> (u16, String, String) {
    let response = client().get(url).send().await.expect("GET");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, content_type, response.text().await.expect("body"))
}

fn parse_feed(xml: &str) -> feed_rs::model::Feed {
    feed_rs::parser::parse(xml.as_bytes()).unwrap_or_else(|err| panic!("{err}: {xml}"))
}

fn entry_titles(feed: &feed_rs::model::Feed) -> Vec<String> {
    feed.entries
        .iter()
        .map(|e| {
            e.title
                .as_ref()
                .map(|t| t.content.clone())
                .unwrap_or_default()
        })
        .collect()
}

fn entry<'a>(feed: &'a feed_rs::model::Feed, title: &str) -> &'a feed_rs::model::Entry {
    feed.entries
        .iter()
        .find(|e| e.title.as_ref().is_some_and(|t| t.content == title))
        .unwrap_or_else(|| panic!("no entry titled {title:?}"))
}

async fn feeds_are_polled_politely_and_published_again(backend: Backend) {
    let node = TestNode::start(&backend, "portal").await;
    let site = FeedSite::start().await;
    let state = node.state();
    let client = kentongan::federation::http_client(state).expect("client");

    // RSS 2.0, as OpenSID and WordPress serve it.
    let rss_url = site.url("/sukamaju/rss.xml");
    let sukamaju = register(&node, "Desa Sukamaju", "Cibeber", rss_url.clone()).await;
    let before = now_ms();
    let first = poll(state, &client, &sukamaju).await.expect("first poll");
    let after = now_ms();
    assert_eq!(
        first.new_posts, 3,
        "the item with a javascript: link is skipped"
    );
    assert_eq!(first.etag.as_deref(), Some(RSS_ETAG));
    let posts = posts_of(&node, sukamaju.id).await;
    assert_eq!(
        posts.iter().map(|p| p.title.as_str()).collect::<Vec<_>>(),
        [
            "Kabar tanpa tanggal",
            "Kerja bakti & gotong royong",
            "Posyandu balita"
        ],
        "newest first by published"
    );
    let kerja = by_title(&posts, "Kerja bakti & gotong royong");
    assert_eq!(kerja.published_at, ms("2025-11-03T01:00:00Z"));
    assert_eq!(kerja.url, site.url("/berita/kerja-bakti"));
    assert_eq!(kerja.ap_id, format!("{rss_url}#guid=opensid-101"));
    assert_eq!(kerja.summary, "Ringkasan kerja bakti");
    assert!(kerja.from_feed);
    assert_eq!(
        kerja.image_url.as_deref(),
        Some(site.url("/foto/kerja-bakti.jpg").as_str())
    );
    assert!(
        kerja.content_html.contains("<strong>pukul 7</strong>"),
        "{}",
        kerja.content_html
    );
    assert!(
        !kerja.content_html.contains("script") && !kerja.content_html.contains("alert"),
        "{}",
        kerja.content_html
    );
    assert_eq!(
        tags_of(&node, kerja.id).await,
        ["Desa", "GotongRoyong", "Pengumuman"]
    );
    let posyandu = by_title(&posts, "Posyandu balita");
    assert_eq!(posyandu.published_at, ms("2025-11-01T09:30:00Z"));
    assert_eq!(
        posyandu.ap_id,
        site.url("/berita/posyandu"),
        "no guid: the link is the id"
    );
    assert_eq!(posyandu.summary, "Jadwal posyandu bulan ini");
    let undated = by_title(&posts, "Kabar tanpa tanggal").clone();
    assert!(
        (before..=after).contains(&undated.published_at),
        "an undated item is dated when first seen"
    );
    assert_eq!(undated.ap_id, site.url("/?p=7"));

    // The second poll is conditional, answered 304, and stores nothing.
    let sukamaju = remember(&node, &sukamaju, &first).await;
    assert_eq!(sukamaju.feed_etag.as_deref(), Some(RSS_ETAG));
    let second = poll(state, &client, &sukamaju).await.expect("second poll");
    assert_eq!(second.new_posts, 0);
    assert_eq!(second.etag.as_deref(), Some(RSS_ETAG));
    let requests = site.seen("/sukamaju/rss.xml");
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert_eq!(requests[0].if_none_match, None);
    assert_eq!(requests[1].if_none_match.as_deref(), Some(RSS_ETAG));
    assert_eq!(requests[1].status, 304);

    // The whole feed again (a site that ignores validators): still nothing new, and the
    // undated item keeps the date of the first poll.
    let forgetful = VillageRecord {
        feed_etag: None,
        feed_last_modified: None,
        ..sukamaju.clone()
    };
    let third = poll(state, &client, &forgetful).await.expect("third poll");
    assert_eq!(third.new_posts, 0);
    assert_eq!(site.seen("/sukamaju/rss.xml")[2].status, 200);
    let again = posts_of(&node, sukamaju.id).await;
    assert_eq!(again.len(), 3);
    let undated_again = by_title(&again, "Kabar tanpa tanggal");
    assert_eq!(undated_again.published_at, undated.published_at);
    assert_eq!(undated_again.updated_at, undated.updated_at);

    // Atom, with Last-Modified instead of an ETag.
    let atom_url = site.url("/karanganyar/atom.xml");
    let karanganyar = register(&node, "Desa Karanganyar", "Ciranjang", atom_url).await;
    let first = poll(state, &client, &karanganyar)
        .await
        .expect("first Atom poll");
    assert_eq!(first.new_posts, 2);
    assert_eq!(first.etag, None);
    assert_eq!(first.last_modified.as_deref(), Some(ATOM_LAST_MODIFIED));
    let posts = posts_of(&node, karanganyar.id).await;
    let panen = by_title(&posts, "Panen raya padi");
    // A `tag:` id names no site: qualified by the feed, so no other feed can claim it.
    let panen_key = format!(
        "{}#guid=tag:karanganyar.desa.example,2025:post-1",
        site.url("/karanganyar/atom.xml")
    );
    assert_eq!(panen.ap_id, panen_key);
    assert_eq!(
        panen.url,
        site.url("/kabar/panen-raya"),
        "a relative link is resolved"
    );
    assert_eq!(panen.published_at, ms("2025-11-05T10:00:00Z"));
    assert_eq!(panen.updated_at, Some(ms("2025-11-06T12:00:00Z")));
    assert_eq!(panen.summary, "Panen raya padi tahun ini.");
    assert!(
        panen.content_html.contains("<em>melimpah</em>"),
        "{}",
        panen.content_html
    );
    assert!(
        !panen.content_html.contains("onerror"),
        "{}",
        panen.content_html
    );
    assert_eq!(tags_of(&node, panen.id).await, ["Pertanian"]);
    let rapat = by_title(&posts, "Rapat desa");
    assert_eq!(
        rapat.published_at,
        ms("2025-11-04T07:00:00Z"),
        "updated stands in for published"
    );
    assert_eq!(rapat.url, "https://karanganyar.example/kabar/rapat");
    assert_eq!(rapat.content_html, "<p>Rapat &lt;semua&gt; warga.</p>");
    let karanganyar = remember(&node, &karanganyar, &first).await;
    let second = poll(state, &client, &karanganyar)
        .await
        .expect("second Atom poll");
    assert_eq!(second.new_posts, 0);
    assert_eq!(second.last_modified.as_deref(), Some(ATOM_LAST_MODIFIED));
    let requests = site.seen("/karanganyar/atom.xml");
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert_eq!(
        requests[1].if_modified_since.as_deref(),
        Some(ATOM_LAST_MODIFIED)
    );
    assert_eq!(requests[1].status, 304);

    // The portal publishes its timeline as RSS...
    let (status, content_type, xml) = get(&format!("{}/timeline.rss", node.base)).await;
    assert_eq!(status, 200, "{xml}");
    assert_eq!(content_type, "application/rss+xml; charset=utf-8");
    let feed = parse_feed(&xml);
    assert_eq!(
        feed.title.as_ref().map(|t| t.content.as_str()),
        Some("Kabar desa — Desa portal")
    );
    assert_eq!(
        entry_titles(&feed),
        [
            "Kabar tanpa tanggal",
            "Panen raya padi",
            "Rapat desa",
            "Kerja bakti & gotong royong",
            "Posyandu balita"
        ]
    );
    let item = entry(&feed, "Kerja bakti & gotong royong");
    assert_eq!(item.id, format!("{rss_url}#guid=opensid-101"));
    assert_eq!(item.links[0].href, site.url("/berita/kerja-bakti"));
    assert_eq!(
        item.published.map(|d| d.timestamp_millis()),
        Some(ms("2025-11-03T01:00:00Z"))
    );
    assert_eq!(item.authors[0].name.as_deref(), Some("Desa Sukamaju"));
    let terms: BTreeSet<&str> = item.categories.iter().map(|c| c.term.as_str()).collect();
    assert_eq!(
        terms,
        BTreeSet::from(["Desa", "GotongRoyong", "Pengumuman"])
    );
    let description = item
        .summary
        .as_ref()
        .map(|s| s.content.as_str())
        .unwrap_or_default();
    assert!(
        description.contains("<strong>pukul 7</strong>"),
        "{description}"
    );
    assert!(!description.contains("script"), "{description}");

    // ... with the timeline's filters ...
    let (_, _, xml) = get(&format!("{}/timeline.rss?tag=%23Pertanian", node.base)).await;
    assert_eq!(entry_titles(&parse_feed(&xml)), ["Panen raya padi"]);
    let (status, content_type, xml) =
        get(&format!("{}/timeline.atom?district=cibeber", node.base)).await;
    assert_eq!(status, 200, "{xml}");
    assert_eq!(content_type, "application/atom+xml; charset=utf-8");
    assert_eq!(
        entry_titles(&parse_feed(&xml)),
        [
            "Kabar tanpa tanggal",
            "Kerja bakti & gotong royong",
            "Posyandu balita"
        ]
    );

    // ... and per village, as Atom.
    let (status, content_type, xml) = get(&format!(
        "{}/villages/{}/feed.atom",
        node.base, karanganyar.id
    ))
    .await;
    assert_eq!(status, 200, "{xml}");
    assert_eq!(content_type, "application/atom+xml; charset=utf-8");
    let feed = parse_feed(&xml);
    assert!(
        feed.title
            .as_ref()
            .is_some_and(|t| t.content.contains("Desa Karanganyar")),
        "{:?}",
        feed.title
    );
    assert_eq!(entry_titles(&feed), ["Panen raya padi", "Rapat desa"]);
    let entry_panen = entry(&feed, "Panen raya padi");
    assert_eq!(
        entry_panen.id,
        format!(
            "{}#guid=tag:karanganyar.desa.example,2025:post-1",
            site.url("/karanganyar/atom.xml")
        )
    );
    assert_eq!(entry_panen.links[0].href, site.url("/kabar/panen-raya"));
    assert_eq!(
        entry_panen.published.map(|d| d.timestamp_millis()),
        Some(ms("2025-11-05T10:00:00Z"))
    );
    assert_eq!(
        entry_panen.updated.map(|d| d.timestamp_millis()),
        Some(ms("2025-11-06T12:00:00Z"))
    );
    assert_eq!(
        entry_panen.authors[0].name.as_deref(),
        Some("Desa Karanganyar")
    );
    assert_eq!(entry_panen.categories[0].term, "Pertanian");
    let content = entry_panen
        .content
        .as_ref()
        .and_then(|c| c.body.as_deref())
        .unwrap_or_default();
    assert!(content.contains("<em>melimpah</em>"), "{content}");
    let (status, _, xml) = get(&format!("{}/villages/{}/feed.rss", node.base, sukamaju.id)).await;
    assert_eq!(status, 200);
    assert_eq!(parse_feed(&xml).entries.len(), 3);

    // An unknown village is a 404 with one line.
    for path in [
        "/villages/999999/feed.rss",
        "/villages/999999/feed.atom",
        "/villages/abc/feed.rss",
    ] {
        let (status, _, body) = get(&format!("{}{path}", node.base)).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert_eq!(body.trim_end().lines().count(), 1, "{body}");
        assert!(body.contains("Desa tidak ditemukan"), "{body}");
    }

    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feeds_are_polled_politely_and_published_again_on_every_backend() {
    on_every_backend(feeds_are_polled_politely_and_published_again).await;
}

async fn bad_feeds_are_refused_with_one_line_reasons(backend: Backend) {
    let node = TestNode::start(&backend, "portal").await;
    let site = FeedSite::start().await;
    let state = node.state();
    let client = kentongan::federation::http_client(state).expect("client");

    let cases = [
        ("/broken.xml", "not valid RSS or Atom"),
        ("/page.html", "not valid RSS or Atom"),
        ("/busy.xml", "429 Too Many Requests (Retry-After: 120)"),
        ("/down.xml", "503"),
        (
            "/moved.xml",
            "moved (301 Moved Permanently) to https://desa.example/feed",
        ),
        ("/huge.xml", "larger than 5 MiB"),
        ("/huge-stream.xml", "larger than 5 MiB"),
    ];
    for (path, expected) in cases {
        let village = register(&node, &format!("Desa {path}"), "", site.url(path)).await;
        let err = poll(state, &client, &village)
            .await
            .expect_err(&format!("{path} is refused"));
        let message = format!("{err:#}");
        assert!(!message.contains('\n'), "{path}: not one line: {message}");
        assert!(message.contains(expected), "{path}: {message}");
        assert!(
            posts_of(&node, village.id).await.is_empty(),
            "{path}: nothing is stored"
        );
        assert_eq!(site.seen(path).len(), 1, "{path}");
    }

    // A URL that is not http(s) is refused before anything is sent.
    let requests = site.total_requests();
    for url in [
        site.url("/sukamaju/rss.xml")
            .replacen("http://", "ftp://", 1),
        "file:///etc/passwd".to_string(),
    ] {
        let village = register(&node, "Desa Jauh", "", url.clone()).await;
        let err = poll(state, &client, &village)
            .await
            .expect_err(&format!("{url} is refused"));
        let message = format!("{err:#}");
        assert!(!message.contains('\n'), "{message}");
        assert!(message.contains("refused"), "{url}: {message}");
        assert!(posts_of(&node, village.id).await.is_empty());
    }
    assert_eq!(site.total_requests(), requests, "nothing was fetched");

    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_feeds_are_refused_with_one_line_reasons_on_every_backend() {
    on_every_backend(bad_feeds_are_refused_with_one_line_reasons).await;
}

/// A feed that lists another site's post id is stored under a key of its own, so the
/// other village's real post is not ignored as already known.
async fn a_feed_cannot_claim_another_villages_post(backend: Backend) {
    let node = TestNode::start(&backend, "portal").await;
    let state = node.state();
    let client = kentongan::federation::http_client(state).expect("client");
    let real_site = FeedSite::start().await;
    let thief_site = FeedSite::start().await;
    let real_id = real_site.url("/p/kabar-asli");
    let query = |title: &str| {
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("guid", &real_id)
            .append_pair("link", &real_id)
            .append_pair("title", title)
            .finish()
    };
    let thief = register(
        &node,
        "Desa Pencuri",
        "Gantung",
        thief_site.url(&format!("/one-item.xml?{}", query("Kabar curian"))),
    )
    .await;
    let real = register(
        &node,
        "Desa Asli",
        "Gantung",
        real_site.url(&format!("/one-item.xml?{}", query("Kabar asli"))),
    )
    .await;
    assert_eq!(
        poll(state, &client, &thief).await.expect("poll").new_posts,
        1
    );
    assert_eq!(
        poll(state, &client, &real).await.expect("poll").new_posts,
        1
    );
    let stolen = posts_of(&node, thief.id).await;
    assert_eq!(stolen.len(), 1);
    assert_ne!(
        stolen[0].ap_id, real_id,
        "stored under a key of its own feed"
    );
    assert!(stolen[0].ap_id.starts_with(&thief_site.base));
    let genuine = posts_of(&node, real.id).await;
    assert_eq!(
        genuine.len(),
        1,
        "the real post is not taken as already known"
    );
    assert_eq!(genuine[0].ap_id, real_id);
    assert_eq!(genuine[0].title, "Kabar asli");
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_cannot_claim_another_villages_post_on_every_backend() {
    on_every_backend(a_feed_cannot_claim_another_villages_post).await;
}
