//! Monitoring of villages: the status of each village from posts with chosen
//! `published` dates, the counts and the summary line, and the dashboard's HTML, CSV,
//! JSON and SVG answers (error texts for signed-in staff only); on SQLite and on
//! PostgreSQL.

use crate::{
    support::session::signed_in,
    support::{Backend, TestNode, WAIT, client, eventually, on_every_backend},
};
use kentongan::{
    actors::find_publishing_actor,
    auth::Role,
    clock::now_ms,
    portal::monitoring::{self, ActivityStatus, CSV_COLUMNS, VillageStatus},
    store::{
        MonitoringFilter, NewActivity, NewActor, NewVillage, NewVillagePost, Store, VillageFollow,
    },
};
use serde_json::Value;

const DAY: i64 = 86_400_000;
const HOUR: i64 = 3_600_000;
const ODD_NAME: &str = "Desa Sumber <Makmur> & Jaya";

/// A village and the ages of its posts in days (negative: dated in the future), with
/// what monitoring must say of it.
struct Case {
    name: &'static str,
    feed: bool,
    post_ages_days: &'static [i64],
    /// Posts that are then deleted by the village (not counted).
    deleted: usize,
    status: ActivityStatus,
    posts_30d: i64,
    posts_90d: i64,
}

const CASES: &[Case] = &[
    Case {
        name: "Desa Lima Kabar",
        feed: false,
        post_ages_days: &[1, 5, 10, 20, 29],
        deleted: 0,
        status: ActivityStatus::Aktif,
        posts_30d: 5,
        posts_90d: 5,
    },
    Case {
        name: "Desa Empat Kabar",
        feed: false,
        post_ages_days: &[0, 10, 20, 29],
        deleted: 0,
        status: ActivityStatus::Aktif,
        posts_30d: 4,
        posts_90d: 4,
    },
    Case {
        name: "Desa Tiga Kabar",
        feed: false,
        post_ages_days: &[2, 12, 25, 45],
        deleted: 0,
        status: ActivityStatus::KurangAktif,
        posts_30d: 3,
        posts_90d: 4,
    },
    Case {
        name: "Desa Delapan Puluh",
        feed: false,
        post_ages_days: &[80],
        deleted: 0,
        status: ActivityStatus::KurangAktif,
        posts_30d: 0,
        posts_90d: 1,
    },
    Case {
        name: "Desa Seratus",
        feed: false,
        post_ages_days: &[100],
        deleted: 0,
        status: ActivityStatus::TidakAktif,
        posts_30d: 0,
        posts_90d: 0,
    },
    Case {
        name: "Desa Sunyi",
        feed: false,
        post_ages_days: &[],
        deleted: 0,
        status: ActivityStatus::TidakAktif,
        posts_30d: 0,
        posts_90d: 0,
    },
    // Received by the portal today (a backfill), published long ago.
    Case {
        name: "Desa Terlambat",
        feed: false,
        post_ages_days: &[120],
        deleted: 0,
        status: ActivityStatus::TidakAktif,
        posts_30d: 0,
        posts_90d: 0,
    },
    // A feed whose clock runs ahead: the post from the future counts as today.
    Case {
        name: ODD_NAME,
        feed: true,
        post_ages_days: &[-2, 1, 3, 6],
        deleted: 0,
        status: ActivityStatus::Aktif,
        posts_30d: 4,
        posts_90d: 4,
    },
    // Four posts, one of them deleted by the village: three count.
    Case {
        name: "Desa Hapus",
        feed: false,
        post_ages_days: &[1, 2, 3, 4],
        deleted: 1,
        status: ActivityStatus::KurangAktif,
        posts_30d: 3,
        posts_90d: 3,
    },
];

const SUMMARY_LINE: &str = "3 aktif · 3 kurang aktif · 3 tidak aktif";

fn slug(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase()
}

/// Registers the villages of [`CASES`] and stores their posts, all received now.
async fn seed(store: &Store, now: i64) {
    for (n, case) in CASES.iter().enumerate() {
        let key = slug(case.name);
        let village = store
            .insert_village(
                &NewVillage {
                    name: case.name.to_string(),
                    district: if n % 2 == 0 {
                        "Kaliangkrik"
                    } else {
                        "Bandongan"
                    }
                    .to_string(),
                    code: format!("33.08.01.20{n:02}"),
                    source_kind: if case.feed {
                        kentongan::store::SourceKind::Feed
                    } else {
                        kentongan::store::SourceKind::Actor
                    },
                    handle: (!case.feed).then(|| format!("{key}@{key}.example")),
                    feed_url: case.feed.then(|| format!("https://{key}.example/feed")),
                },
                now,
            )
            .await
            .expect("insert village")
            .expect("a new village");
        for (i, age) in case.post_ages_days.iter().enumerate() {
            // An hour inside each boundary, so that the seconds between seeding and the
            // report do not move a post across it.
            let published_at = now - age * DAY + if *age > 0 { HOUR } else { 0 };
            let ap_id = format!("https://{key}.example/p/{i}");
            store
                .ingest_village_post(
                    &NewVillagePost {
                        ap_id: ap_id.clone(),
                        village_id: village.id,
                        title: format!("Kabar {i}"),
                        summary: String::new(),
                        content_html: "<p>Kerja bakti</p>".into(),
                        url: ap_id.clone(),
                        image_url: None,
                        from_feed: case.feed,
                        published_at,
                        updated_at: None,
                        tags: vec!["pengumuman".into()],
                    },
                    now,
                )
                .await
                .expect("ingest post");
            if i < case.deleted {
                store
                    .delete_village_post(&ap_id, village.id, now)
                    .await
                    .expect("delete post");
            }
        }
    }
}

fn find<'a>(statuses: &'a [VillageStatus], name: &str) -> &'a VillageStatus {
    statuses
        .iter()
        .find(|v| v.village.name == name)
        .unwrap_or_else(|| panic!("{name} is in the report"))
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

/// Queues our Follow to a village server that does not answer, so that the delivery
/// worker records a failed delivery to the village's host.
async fn follow_unreachable_village(node: &TestNode, name: &str, now: i64) {
    let store = &node.state().store;
    let village = store
        .villages()
        .await
        .expect("villages")
        .into_iter()
        .find(|v| v.name == name)
        .expect("village");
    let actor = store
        .upsert_actor(
            &NewActor {
                ap_id: "http://localhost:9/u/desa".into(),
                is_local: false,
                kind: "Organization".into(),
                username: "desa".into(),
                host: "localhost:9".into(),
                name: name.into(),
                summary: String::new(),
                icon_url: None,
                profile_url: None,
                inbox_url: "http://localhost:9/u/desa/inbox".into(),
                shared_inbox_url: None,
                public_key_pem: "not used".into(),
                private_key_pem: None,
                fields_json: "[]".into(),
            },
            now,
        )
        .await
        .expect("actor");
    let portal = find_publishing_actor(store, None)
        .await
        .expect("portal actor");
    let activity = NewActivity {
        public_id: "monitoring-follow".into(),
        actor_id: portal.id,
        kind: kentongan::store::ActivityKind::Follow,
        post_id: None,
        object_json: Some(actor.ap_id.clone()),
    };
    store
        .send_village_follow(
            &VillageFollow {
                village_id: village.id,
                actor_id: actor.id,
                follow_ap_id: format!("{}/a/monitoring-follow", node.base),
                inbox: actor.inbox_url.clone(),
                host: actor.host.clone(),
                retry_at: now + DAY,
            },
            &activity,
            now,
        )
        .await
        .expect("queue follow");
    node.state().wake_delivery.notify_one();
}

async fn statuses_from_chosen_dates(backend: Backend) {
    let node = TestNode::start(&backend, "portal").await;
    let store = node.state().store.clone();
    let settings = node.state().config.portal.clone();
    let now = now_ms();
    seed(&store, now).await;
    store
        .fail_village_job(
            find_id(&store, "Desa Seratus").await,
            "monitoring test: timed out",
            now + DAY,
            false,
            now - 2_000,
        )
        .await
        .expect("log error");
    store
        .fail_village_job(
            find_id(&store, "Desa Seratus").await,
            "monitoring test: connection refused",
            now + DAY,
            true,
            now - 1_000,
        )
        .await
        .expect("log error");

    // The report: every status, count and the summary line.
    let (summary, statuses) = monitoring::report(&store, &settings, now_ms())
        .await
        .expect("report");
    assert_eq!(statuses.len(), CASES.len());
    for case in CASES {
        let v = find(&statuses, case.name);
        assert_eq!(v.status, case.status, "status of {}", case.name);
        assert_eq!(v.posts_30d, case.posts_30d, "30-day posts of {}", case.name);
        assert_eq!(v.posts_90d, case.posts_90d, "90-day posts of {}", case.name);
        assert_eq!(v.weekly.len(), monitoring::WEEKS);
        let within_weeks = case
            .post_ages_days
            .iter()
            .skip(case.deleted)
            .filter(|&&age| age < 84)
            .count() as i64;
        assert_eq!(
            v.weekly.iter().sum::<i64>(),
            within_weeks,
            "weekly posts of {}",
            case.name
        );
    }
    assert_eq!(summary.aktif, 3);
    assert_eq!(summary.kurang_aktif, 3);
    assert_eq!(summary.tidak_aktif, 3);
    assert_eq!(summary.total, CASES.len());
    assert_eq!(summary.line_id(), SUMMARY_LINE);

    assert_eq!(find(&statuses, "Desa Sunyi").last_post_at, None);
    let hundred = find(&statuses, "Desa Seratus");
    assert_eq!(hundred.last_post_at, Some(now - 100 * DAY + HOUR));
    let logged: Vec<&(i64, String)> = hundred
        .recent_errors
        .iter()
        .filter(|(_, message)| message.starts_with("monitoring test: "))
        .collect();
    assert_eq!(
        logged,
        [
            &(
                now - 1_000,
                "monitoring test: connection refused".to_string()
            ),
            &(now - 2_000, "monitoring test: timed out".to_string()),
        ],
        "newest first"
    );
    assert_eq!(
        hundred.follow_state,
        kentongan::store::FollowState::Unreachable
    );
    let future = find(&statuses, ODD_NAME);
    let last = future.last_post_at.expect("a last post");
    assert!(
        last >= now && last <= now_ms(),
        "a future post shows as now"
    );
    assert_eq!(future.follow_state, kentongan::store::FollowState::Feed);
    assert_eq!(future.weekly[monitoring::WEEKS - 1], 4);

    // A failed delivery to a village's server is among its errors.
    follow_unreachable_village(&node, "Desa Lima Kabar", now).await;
    let error = eventually("a failed delivery in the report", WAIT, || async {
        let (_, statuses) = monitoring::report(&store, &settings, now_ms())
            .await
            .expect("report");
        find(&statuses, "Desa Lima Kabar")
            .recent_errors
            .iter()
            .find(|(_, message)| message.starts_with("delivery: "))
            .map(|(_, message)| message.clone())
    })
    .await;
    assert!(error.len() > "delivery: ".len(), "{error}");

    // The page: summary on top, names escaped, a badge per village.
    let (status, content_type, html) = get(&format!("{}/monitoring", node.base)).await;
    assert_eq!(status, 200);
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert!(html.contains(SUMMARY_LINE), "{html}");
    assert!(html.contains("Desa Sumber &lt;Makmur&gt; &amp; Jaya"));
    assert!(!html.contains("<Makmur>"));
    assert_eq!(html.matches("class=\"badge st-active\"").count(), 3);
    assert_eq!(html.matches("class=\"badge st-less_active\"").count(), 3);
    assert_eq!(html.matches("class=\"badge st-inactive\"").count(), 3);
    // Error texts are for the portal's staff: the public sees that there were errors.
    assert!(!html.contains("monitoring test: connection refused"));
    assert!(html.contains(monitoring::WITHHELD_ERROR));
    let (mut staff, _) = signed_in(&node, "petugas", Role::Admin).await;
    let signed_in = staff.get("/monitoring").await;
    assert!(
        signed_in
            .body
            .contains("monitoring test: connection refused")
    );
    let staff_csv = staff.get("/monitoring.csv").await;
    assert!(
        staff_csv
            .body
            .contains("monitoring test: connection refused")
    );
    let staff_json = staff.get("/monitoring.json").await;
    assert!(
        staff_json
            .body
            .contains("monitoring test: connection refused")
    );
    assert!(html.contains("<svg"));
    let summary_at = html.find(SUMMARY_LINE).expect("summary");
    let table_at = html.find("<table").expect("table");
    assert!(summary_at < table_at, "the summary comes before the table");

    // The CSV: a header and one row per village, read back by a CSV parser.
    let response = client()
        .get(format!("{}/monitoring.csv", node.base))
        .send()
        .await
        .expect("GET csv");
    assert_eq!(response.status().as_u16(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    let disposition = headers["content-disposition"].to_str().expect("ascii");
    assert!(
        disposition.starts_with("attachment; filename=\"pemantauan-desa-")
            && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    let body = response.text().await.expect("csv body");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("header row")
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(header, CSV_COLUMNS);
    let rows: Vec<csv::StringRecord> = reader
        .records()
        .collect::<Result<_, _>>()
        .expect("CSV rows");
    assert_eq!(rows.len(), CASES.len());
    let row = |name: &str| {
        rows.iter()
            .find(|r| &r[0] == name)
            .unwrap_or_else(|| panic!("{name} in the CSV"))
            .clone()
    };
    for case in CASES {
        let r = row(case.name);
        assert_eq!(&r[4], case.status.label_id(), "CSV status of {}", case.name);
        assert_eq!(r[6].parse::<i64>().expect("count"), case.posts_30d);
        assert_eq!(r[7].parse::<i64>().expect("count"), case.posts_90d);
    }
    let hundred_row = row("Desa Seratus");
    assert_eq!(&hundred_row[3], "desaseratus@desaseratus.example");
    let published = chrono::DateTime::parse_from_rfc3339(&hundred_row[5]).expect("RFC 3339");
    assert_eq!(published.timestamp(), (now - 100 * DAY + HOUR) / 1000);
    assert_eq!(&hundred_row[8], "unreachable");
    assert_eq!(&hundred_row[10], monitoring::WITHHELD_ERROR);
    assert_eq!(&row("Desa Sunyi")[5], "");
    assert_eq!(
        &row(ODD_NAME)[3],
        "https://desasumbermakmurjaya.example/feed"
    );

    // The JSON: English keys, the same counts.
    let (status, content_type, text) = get(&format!("{}/monitoring.json", node.base)).await;
    assert_eq!(status, 200);
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    assert!(!text.contains("monitoring test: connection refused"));
    let doc: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(doc["summary"]["active"], 3);
    assert_eq!(doc["summary"]["less_active"], 3);
    assert_eq!(doc["summary"]["inactive"], 3);
    assert_eq!(doc["summary"]["total"], CASES.len());
    assert_eq!(doc["summary"]["line"], SUMMARY_LINE);
    let villages = doc["villages"].as_array().expect("villages");
    assert_eq!(villages.len(), CASES.len());
    let sunyi = villages
        .iter()
        .find(|v| v["name"] == "Desa Sunyi")
        .expect("Desa Sunyi");
    assert_eq!(sunyi["status"], "inactive");
    assert_eq!(sunyi["last_post_at"], Value::Null);
    assert_eq!(
        sunyi["weekly_posts"].as_array().map(Vec::len),
        Some(monitoring::WEEKS)
    );

    // The chart: an SVG document with a title, names escaped.
    let (status, content_type, svg) = get(&format!("{}/monitoring/chart.svg", node.base)).await;
    assert_eq!(status, 200);
    assert!(content_type.starts_with("image/svg+xml"), "{content_type}");
    assert!(svg.starts_with("<svg"));
    assert!(svg.contains("<title"));
    assert!(svg.contains("role=\"img\""));
    assert!(svg.contains("Desa Sumber &lt;Makmur&gt; &amp; Jaya"));
    assert!(!svg.contains("<Makmur>"));
    assert!(svg.trim_end().ends_with("</svg>"));

    node.stop().await;
}

async fn find_id(store: &Store, name: &str) -> i64 {
    store
        .villages()
        .await
        .expect("villages")
        .into_iter()
        .find(|v| v.name == name)
        .map(|v| v.id)
        .expect("village")
}

async fn empty_portal_reports_nothing(backend: Backend) {
    let node = TestNode::start(&backend, "portal").await;
    let (summary, statuses) =
        monitoring::report(&node.state().store, &node.state().config.portal, now_ms())
            .await
            .expect("report");
    assert!(statuses.is_empty());
    assert_eq!(
        summary.line_id(),
        "0 aktif · 0 kurang aktif · 0 tidak aktif"
    );
    let (status, _, html) = get(&format!("{}/monitoring", node.base)).await;
    assert_eq!(status, 200);
    assert!(html.contains("Belum ada desa terdaftar."));
    let (status, _, csv) = get(&format!("{}/monitoring.csv", node.base)).await;
    assert_eq!(status, 200);
    assert_eq!(csv, format!("{}\n", CSV_COLUMNS.join(",")));
    let (status, _, svg) = get(&format!("{}/monitoring/chart.svg", node.base)).await;
    assert_eq!(status, 200);
    assert!(svg.starts_with("<svg") && svg.contains("<title"));
    node.stop().await;
}

#[tokio::test]
async fn monitoring_classifies_villages_by_published_dates() {
    on_every_backend(statuses_from_chosen_dates).await;
}

#[tokio::test]
async fn monitoring_of_a_portal_without_villages() {
    on_every_backend(empty_portal_reports_nothing).await;
}

/// One simulated village of a national portal: its Kemendagri code gives province,
/// regency and district; every third village is active, less active or inactive.
struct National {
    name: String,
    district: String,
    code: String,
    status: ActivityStatus,
}

const NATIONAL_VILLAGES: usize = 130;

fn national_villages() -> Vec<National> {
    (0..NATIONAL_VILLAGES)
        .map(|i| {
            let province = if i < 100 { 33 } else { 34 };
            let regency = i / 25 % 4 + 1;
            let district = i % 5 + 1;
            National {
                name: format!("Desa Uji {i:03}"),
                district: format!("Kecamatan {district}"),
                code: format!("{province}.{regency:02}.{district:02}.2{i:03}"),
                status: [
                    ActivityStatus::Aktif,
                    ActivityStatus::KurangAktif,
                    ActivityStatus::TidakAktif,
                ][i % 3],
            }
        })
        .collect()
}

/// Registers [`national_villages`] with posts that give each its status.
async fn seed_national(store: &Store, now: i64) -> Vec<National> {
    let villages = national_villages();
    let mut posts = Vec::new();
    for (i, village) in villages.iter().enumerate() {
        let id = store
            .insert_village(
                &NewVillage {
                    name: village.name.clone(),
                    district: village.district.clone(),
                    code: village.code.clone(),
                    source_kind: kentongan::store::SourceKind::Feed,
                    handle: None,
                    feed_url: Some(format!("https://uji{i}.example/feed")),
                },
                now,
            )
            .await
            .expect("insert village")
            .expect("a new village")
            .id;
        let ages: &[i64] = match village.status {
            ActivityStatus::Aktif => &[1, 3, 5, 7],
            ActivityStatus::KurangAktif => &[40, 200],
            ActivityStatus::TidakAktif => &[300],
        };
        for (n, age) in ages.iter().enumerate() {
            let ap_id = format!("https://uji{i}.example/p/{n}");
            posts.push(NewVillagePost {
                ap_id: ap_id.clone(),
                village_id: id,
                title: format!("Kabar {n}"),
                summary: String::new(),
                content_html: "<p>Kerja bakti</p>".into(),
                url: ap_id,
                image_url: None,
                from_feed: true,
                published_at: now - age * DAY + HOUR,
                updated_at: None,
                tags: vec![],
            });
        }
    }
    store
        .bulk_insert_village_posts(&posts, now)
        .await
        .expect("posts");
    villages
}

/// The names of the villages in a monitoring page's table, in order.
fn row_names(html: &str) -> Vec<String> {
    html.split("<th scope=\"row\">")
        .skip(1)
        .map(|row| row[..row.find('<').expect("end of name")].to_string())
        .collect()
}

/// The `href` of the link with `rel`, unescaped as a browser would follow it.
fn rel_link(html: &str, rel: &str) -> Option<String> {
    let at = html.find(&format!("rel=\"{rel}\""))?;
    let start = html[..at].rfind("href=\"")? + 6;
    let end = start + html[start..].find('"')?;
    Some(html[start..end].replace("&amp;", "&"))
}

/// Which simulated villages a filter must keep.
type Keep = Box<dyn Fn(&National) -> bool>;

/// The names the filters must keep, in the page's order (district, then name).
fn expected(villages: &[National], keep: impl Fn(&National) -> bool) -> Vec<String> {
    let mut kept: Vec<&National> = villages.iter().filter(|v| keep(v)).collect();
    kept.sort_by(|a, b| (&a.district, &a.name).cmp(&(&b.district, &b.name)));
    kept.into_iter().map(|v| v.name.clone()).collect()
}

/// Every page of `/monitoring?query`, followed by its "next" links.
async fn all_pages(base: &str, query: &str) -> (Vec<String>, usize) {
    let mut url = format!("{base}/monitoring?{query}");
    let mut names = Vec::new();
    let mut pages = 0;
    loop {
        let (status, _, html) = get(&url).await;
        assert_eq!(status, 200, "{url}");
        let rows = row_names(&html);
        assert!(rows.len() <= 50, "a page holds at most 50 villages");
        names.extend(rows);
        pages += 1;
        match rel_link(&html, "next") {
            Some(next) => {
                assert!(next.starts_with("/monitoring?"), "{next}");
                url = format!("{base}{next}");
            }
            None => return (names, pages),
        }
    }
}

async fn national_pages_and_filters(backend: Backend) {
    let node = TestNode::start(&backend, "portal").await;
    let now = now_ms();
    let villages = seed_national(&node.state().store, now).await;
    let count = |s: ActivityStatus| villages.iter().filter(|v| v.status == s).count();
    let summary = format!(
        "{} aktif · {} kurang aktif · {} tidak aktif",
        count(ActivityStatus::Aktif),
        count(ActivityStatus::KurangAktif),
        count(ActivityStatus::TidakAktif)
    );

    // Unfiltered: 50 a page, every village once, in order; the links go back and forth.
    let (status, _, first) = get(&format!("{}/monitoring", node.base)).await;
    assert_eq!(status, 200);
    let everyone = expected(&villages, |_| true);
    assert_eq!(row_names(&first), everyone[..50]);
    assert!(first.contains(&summary), "summary over every village");
    assert_eq!(rel_link(&first, "prev"), None);
    let (names, pages) = all_pages(&node.base, "").await;
    assert_eq!((names, pages), (everyone.clone(), 3));
    let (_, _, third) = get(&format!("{}/monitoring?page=3", node.base)).await;
    assert_eq!(
        rel_link(&third, "prev").as_deref(),
        Some("/monitoring?page=2")
    );
    assert_eq!(rel_link(&third, "next"), None);

    // Each filter alone and together; the links of later pages keep them.
    let cases: Vec<(&str, Keep)> = vec![
        ("region=34", Box::new(|v| v.code.starts_with("34."))),
        ("region=33.02", Box::new(|v| v.code.starts_with("33.02."))),
        (
            "region=33.02.03",
            Box::new(|v| v.code.starts_with("33.02.03.")),
        ),
        (
            "district=kecamatan+2",
            Box::new(|v| v.district == "Kecamatan 2"),
        ),
        (
            "status=active",
            Box::new(|v| v.status == ActivityStatus::Aktif),
        ),
        (
            "status=less_active",
            Box::new(|v| v.status == ActivityStatus::KurangAktif),
        ),
        (
            "status=inactive",
            Box::new(|v| v.status == ActivityStatus::TidakAktif),
        ),
        (
            "q=uji+01",
            Box::new(|v| v.name.to_lowercase().contains("uji 01")),
        ),
        ("q=34.01", Box::new(|v| v.code.starts_with("34.01"))),
        (
            "status=active&district=Kecamatan+3&region=33",
            Box::new(|v| {
                v.status == ActivityStatus::Aktif
                    && v.district == "Kecamatan 3"
                    && v.code.starts_with("33.")
            }),
        ),
        ("q=tidak+ada", Box::new(|_| false)),
    ];
    for (query, keep) in &cases {
        let want = expected(&villages, keep);
        let (names, _) = all_pages(&node.base, query).await;
        assert_eq!(names, want, "/monitoring?{query}");
        let (_, _, html) = get(&format!("{}/monitoring?{query}", node.base)).await;
        assert!(
            html.contains(&summary),
            "{query}: the summary stays over all"
        );
        if want.is_empty() {
            assert!(html.contains("Tidak ada desa yang cocok"), "{query}");
        }
        // The exports hold the same villages, whole.
        let (status, _, csv) = get(&format!("{}/monitoring.csv?{query}", node.base)).await;
        assert_eq!(status, 200);
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let csv_names: Vec<String> = reader
            .records()
            .map(|r| r.expect("csv row")[0].to_string())
            .collect();
        assert_eq!(csv_names, want, "/monitoring.csv?{query}");
        let (_, _, json) = get(&format!("{}/monitoring.json?{query}", node.base)).await;
        let doc: Value = serde_json::from_str(&json).expect("JSON");
        let json_names: Vec<&str> = doc["villages"]
            .as_array()
            .expect("villages")
            .iter()
            .map(|v| v["name"].as_str().expect("name"))
            .collect();
        assert_eq!(json_names, want, "/monitoring.json?{query}");
        assert_eq!(doc["summary"]["total"], NATIONAL_VILLAGES);
    }
    // An export reads its villages in batches, each after the last one's place in the
    // listing (500 a batch over HTTP, more than these villages): batches of 7 walk the same
    // villages, once each, in order, whatever the filter.
    let state = node.state();
    let batch_cases: [(MonitoringFilter, Keep); 5] = [
        (MonitoringFilter::default(), Box::new(|_| true)),
        (
            MonitoringFilter {
                search: Some("uji 01".to_string()),
                ..MonitoringFilter::default()
            },
            Box::new(|v| v.name.to_lowercase().contains("uji 01")),
        ),
        (
            MonitoringFilter {
                status: Some("active"),
                ..MonitoringFilter::default()
            },
            Box::new(|v| v.status == ActivityStatus::Aktif),
        ),
        (
            MonitoringFilter {
                code_prefix: Some("34".to_string()),
                district: Some("kecamatan 2".to_string()),
                ..MonitoringFilter::default()
            },
            Box::new(|v| v.code.starts_with("34.") && v.district == "Kecamatan 2"),
        ),
        (
            MonitoringFilter {
                search: Some("tidak ada".to_string()),
                ..MonitoringFilter::default()
            },
            Box::new(|_| false),
        ),
    ];
    for (filter, keep) in &batch_cases {
        let mut names = Vec::new();
        let mut after = None;
        loop {
            let (batch, last) = monitoring::export_batch(
                &state.store,
                &state.config.portal,
                now_ms(),
                filter,
                after.as_ref(),
                7,
            )
            .await
            .expect("a batch");
            assert!(batch.len() <= 7, "{filter:?}");
            names.extend(batch.iter().map(|v| v.village.name.clone()));
            if batch.len() < 7 {
                break;
            }
            after = last;
        }
        assert_eq!(names, expected(&villages, keep), "{filter:?}");
    }

    // Later pages keep the filters in their links.
    let (_, _, html) = get(&format!("{}/monitoring?q=desa&region=33", node.base)).await;
    let next = rel_link(&html, "next").expect("100 villages make two pages");
    assert!(
        next.contains("region=33") && next.contains("q=desa") && next.contains("page=2"),
        "{next}"
    );

    // Bad input is a clear 400.
    for query in ["status=sleepy", "page=0", "page=x", "region=jawa"] {
        let (status, _, _) = get(&format!("{}/monitoring?{query}", node.base)).await;
        assert_eq!(status, 400, "{query}");
    }
    node.stop().await;
}

#[tokio::test]
async fn monitoring_of_a_national_portal_is_paged_and_filtered() {
    on_every_backend(national_pages_and_filters).await;
}

/// `villages import` of a long list reports progress every thousand rows and a count at
/// the end, not a line per village; refused rows keep their line numbers.
async fn long_import_reports_progress(backend: Backend) {
    let node = TestNode::start(&backend, "portal").await;
    let mut csv = String::from("nama,kecamatan,kode,feed\n");
    for i in 0..2_050 {
        if i == 700 || i == 1_500 {
            // No source: refused, the rest still imported.
            csv.push_str(&format!("Desa Rusak {i},Kecamatan 1,33.01.01.{i:04},\n"));
        } else {
            csv.push_str(&format!(
                "Desa Impor {i},Kecamatan 1,33.01.01.{i:04},https://impor{i}.invalid/feed\n"
            ));
        }
    }
    let mut seen = Vec::new();
    let report = kentongan::portal::registry::import_csv_reporting(
        &node.state().store,
        csv.as_bytes(),
        |so_far| seen.push((so_far.rows, so_far.added, so_far.errors.len())),
    )
    .await
    .expect("import");
    assert_eq!(seen, vec![(1_000, 998, 1), (2_000, 1_997, 2)]);
    assert_eq!((report.rows, report.added), (2_050, 2_048));
    let lines: Vec<u64> = report.errors.iter().map(|(line, _)| *line).collect();
    assert_eq!(lines, vec![702, 1_502], "line numbers count the header");
    let stored = node.state().store.villages().await.expect("villages").len();
    assert_eq!(stored, 2_048);
    node.stop().await;
}

#[tokio::test]
async fn villages_import_reports_progress_on_every_backend() {
    on_every_backend(long_import_reports_progress).await;
}

/// The summary line of a `/monitoring` page.
async fn summary_line(base: &str) -> String {
    let (status, _, html) = get(&format!("{base}/monitoring")).await;
    assert_eq!(status, 200);
    let start = html.find("<p class=\"summary\">").expect("a summary line") + 19;
    let end = start + html[start..].find("</p>").expect("the line ends");
    html[start..end].to_string()
}

/// The summary and the status filter follow the figures they count, on the next
/// request, whichever process wrote them: a post another process stores (the portal's
/// other processes share its database), a post the village deletes, days passing (a
/// village goes inactive without any write) and a changed `active_min_posts`.
async fn summary_follows_the_figures(backend: Backend) {
    let node = TestNode::start(&backend, "portal").await;
    let store = node.state().store.clone();
    let settings = node.state().config.portal.clone();
    assert_eq!(settings.active_min_posts, 4, "the default rule");
    let other = Store::connect(node.state().config.database_url())
        .await
        .expect("a second process's store");
    let now = now_ms();
    let village = other
        .insert_village(
            &NewVillage {
                name: "Desa Berubah".into(),
                district: "Kecamatan 1".into(),
                code: "33.08.01.2001".into(),
                source_kind: kentongan::store::SourceKind::Feed,
                handle: None,
                feed_url: Some("https://berubah.example/feed".into()),
            },
            now,
        )
        .await
        .expect("insert village")
        .expect("a new village");
    let post = |n: i64| {
        let ap_id = format!("https://berubah.example/p/{n}");
        NewVillagePost {
            ap_id: ap_id.clone(),
            village_id: village.id,
            title: format!("Kabar {n}"),
            summary: String::new(),
            content_html: "<p>Kerja bakti</p>".into(),
            url: ap_id,
            image_url: None,
            from_feed: true,
            // n days old, an hour inside the day.
            published_at: now - n * DAY + HOUR,
            updated_at: None,
            tags: vec![],
        }
    };
    let listed = |query: &'static str| {
        let base = node.base.clone();
        async move {
            let (_, _, html) = get(&format!("{base}/monitoring?{query}")).await;
            row_names(&html)
        }
    };

    assert_eq!(
        summary_line(&node.base).await,
        "0 aktif · 0 kurang aktif · 1 tidak aktif"
    );
    for n in 1..=3 {
        other
            .ingest_village_post(&post(n), now)
            .await
            .expect("post");
    }
    assert_eq!(
        summary_line(&node.base).await,
        "0 aktif · 1 kurang aktif · 0 tidak aktif"
    );
    assert_eq!(listed("status=active").await, Vec::<String>::new());

    // The fourth post in 30 days makes it active, for this process's next request.
    other
        .ingest_village_post(&post(4), now)
        .await
        .expect("post");
    assert_eq!(
        summary_line(&node.base).await,
        "1 aktif · 0 kurang aktif · 0 tidak aktif"
    );
    assert_eq!(listed("status=active").await, vec!["Desa Berubah"]);

    // Days pass: 27 days on, its oldest post is past 30 days; 92 days on, all are
    // past 90. No write in between.
    let counts =
        |summary: monitoring::Summary| (summary.aktif, summary.kurang_aktif, summary.tidak_aktif);
    let at = |days: i64| now + days * DAY;
    let summary = monitoring::summary(&store, &settings, at(26))
        .await
        .expect("summary");
    assert_eq!(counts(summary), (1, 0, 0));
    let summary = monitoring::summary(&store, &settings, at(27))
        .await
        .expect("summary");
    assert_eq!(counts(summary), (0, 1, 0));
    let summary = monitoring::summary(&store, &settings, at(92))
        .await
        .expect("summary");
    assert_eq!(counts(summary), (0, 0, 1));
    let inactive = kentongan::store::MonitoringFilter {
        status: Some(ActivityStatus::TidakAktif.key()),
        ..Default::default()
    };
    let page = monitoring::page(&store, &settings, at(92), &inactive, None, 1, 50)
        .await
        .expect("page");
    assert_eq!(page.matching, 1);
    assert_eq!(page.villages[0].status, ActivityStatus::TidakAktif);

    // The village deletes a post: three live posts again.
    other
        .delete_village_post(&post(2).ap_id, village.id, now)
        .await
        .expect("delete");
    assert_eq!(
        summary_line(&node.base).await,
        "0 aktif · 1 kurang aktif · 0 tidak aktif"
    );

    // A portal that asks for 3 posts counts it active; back to 4, it is not.
    let mut three = settings.clone();
    three.active_min_posts = 3;
    let summary = monitoring::summary(&store, &three, now)
        .await
        .expect("summary");
    assert_eq!(counts(summary), (1, 0, 0));
    let summary = monitoring::summary(&store, &settings, now)
        .await
        .expect("summary");
    assert_eq!(counts(summary), (0, 1, 0));

    other.close().await;
    node.stop().await;
}

#[tokio::test]
async fn monitoring_summary_follows_posts_deletions_and_days() {
    on_every_backend(summary_follows_the_figures).await;
}

/// A search by part of a name is answered from a trigram index on PostgreSQL (migration
/// 0028), in every hosted site's schema, with pg_trgm once in `public`: dropping one
/// site's schema leaves the others' index. (PostgreSQL only; its contrib, which has
/// pg_trgm, comes with every distribution's server.)
#[tokio::test]
async fn a_name_search_reads_a_trigram_index_on_postgresql() {
    use sqlx::Connection;
    let Ok(admin_url) = std::env::var("TEST_POSTGRES_URL") else {
        eprintln!(
            "SKIPPED a_name_search_reads_a_trigram_index_on_postgresql: TEST_POSTGRES_URL is not set"
        );
        return;
    };
    let db = crate::support::TestDb::create(&Backend::Postgres(admin_url)).await;
    let url = db.url.clone().expect("a PostgreSQL database");
    let in_schema = |schema: &str| {
        let mut url = url::Url::parse(&url).expect("URL");
        url.query_pairs_mut()
            .append_pair("options", &format!("-c search_path={schema}"));
        url.to_string()
    };
    // Two sites migrating at once, as a hosting node's may.
    let (one, two) = (in_schema("site_one"), in_schema("site_two"));
    let (first, second) = tokio::join!(Store::connect(&one), Store::connect(&two));
    let (first, second) = (first.expect("site_one"), second.expect("site_two"));
    first.close().await;
    second.close().await;

    let mut conn = sqlx::PgConnection::connect(&url).await.expect("connect");
    let extension: String = sqlx::query_scalar(
        "SELECT n.nspname::text FROM pg_extension e \
         JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'",
    )
    .fetch_one(&mut conn)
    .await
    .expect("pg_trgm was created");
    assert_eq!(extension, "public");
    const INDEXED: &str = "SELECT schemaname::text FROM pg_indexes \
                           WHERE indexname = 'villages_name_trigrams' ORDER BY 1";
    assert_eq!(
        sqlx::query_scalar::<_, String>(INDEXED)
            .fetch_all(&mut conn)
            .await
            .expect("indexes"),
        ["site_one", "site_two"]
    );

    // The index answers the store's `name_key LIKE '%…%'`: with reading the table taken
    // away, the plan uses it (a handful of rows would otherwise be read directly).
    let plan: Vec<String> = {
        sqlx::query("SET enable_seqscan = off")
            .execute(&mut conn)
            .await
            .expect("set");
        sqlx::query_scalar(
            "EXPLAIN SELECT id FROM site_two.villages WHERE name_key LIKE '%uji 0370%'",
        )
        .fetch_all(&mut conn)
        .await
        .expect("explain")
    };
    assert!(
        plan.iter()
            .any(|line| line.contains("villages_name_trigrams")),
        "{plan:?}"
    );

    sqlx::query("DROP SCHEMA site_one CASCADE")
        .execute(&mut conn)
        .await
        .expect("drop a site's schema");
    let left: Vec<String> = sqlx::query_scalar(INDEXED)
        .fetch_all(&mut conn)
        .await
        .expect("indexes");
    assert_eq!(left, ["site_two"]);
    conn.close().await.expect("close");
    db.drop_database().await;
}
