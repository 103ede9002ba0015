//! A regency portal and three villages federate over real HTTP: the portal follows each
//! village, backfills what they published before, receives new posts, edits and
//! deletions live, announces them to its own followers, fills what it missed while a
//! village was offline, and unfollows a removed village. On every backend, on loopback
//! and in production shape.

use crate::support::{
    Backend, Shape, TestNode, WAIT, eventually, on_every_backend, on_every_setup, peer::Peer,
};
use kentongan::{
    clock::now_ms,
    config::{Config, Role},
    portal::registry::{self, VillageInput},
    publishing::{self, PostChanges, PostInput},
    store::{DeliveryState, Store, TimelineFilter, VillageRecord},
};

const DAY: i64 = 24 * 3600 * 1000;

async fn publish(store: &Store, title: &str, published_at: Option<i64>, category: &str) -> String {
    let actor = kentongan::actors::find_publishing_actor(store, None)
        .await
        .expect("actor");
    let input = PostInput {
        title: title.into(),
        body_markdown: format!("Isi kabar *{title}*."),
        categories: vec![category.into()],
        published_at,
        ..Default::default()
    };
    publishing::publish(store, &actor, &input)
        .await
        .expect("publish")
        .public_id
}

async fn villages_of(portal: &TestNode) -> Vec<VillageRecord> {
    portal.state().store.villages().await.expect("villages")
}

async fn timeline(portal: &TestNode) -> Vec<kentongan::store::VillagePostRecord> {
    portal
        .state()
        .store
        .timeline_page(&TimelineFilter::default(), None, 500)
        .await
        .expect("timeline")
}

async fn portal_and_three_villages(backend: Backend, shape: Shape) {
    let now = now_ms();
    let mut desa = Vec::new();
    for name in ["desa-a", "desa-b", "desa-c"] {
        desa.push(TestNode::start_in(&backend, shape, name).await);
    }
    // Posts published before the portal follows, with their own dates.
    let mut published = Vec::new();
    for (i, village) in desa.iter().enumerate() {
        for days_ago in [40, 10, 2] {
            let at = now - days_ago * DAY - i as i64 * 1000;
            publish(
                &village.state().store,
                &format!("Kabar {} {days_ago} hari lalu", village.username),
                Some(at),
                "Berita",
            )
            .await;
            published.push(at);
        }
    }

    let portal = TestNode::start_shaped(&backend, shape, "portal-beltim", Role::Portal, &[]).await;
    for (village, district) in desa.iter().zip(["Gantung", "Gantung", "Manggar"]) {
        let input = VillageInput {
            name: format!("Desa {}", village.username),
            source: format!("{}@{}", village.username, village.domain),
            district: district.into(),
            code: String::new(),
        };
        registry::add(&portal.state().store, &input)
            .await
            .expect("register");
    }
    portal.state().wake_portal.notify_one();

    // Followed, accepted, and backfilled with the original publication dates.
    eventually(
        "every village to accept the portal's follow",
        WAIT,
        || async {
            villages_of(&portal)
                .await
                .iter()
                .all(|v| v.follow_state == kentongan::store::FollowState::Accepted)
                .then_some(())
        },
    )
    .await;
    let deadline = tokio::time::Instant::now() + WAIT;
    let items = loop {
        let items = timeline(&portal).await;
        if items.len() == 9 {
            break items;
        }
        if tokio::time::Instant::now() > deadline {
            panic!(
                "the backfill of nine posts: got {} posts; villages: {:#?}",
                items.len(),
                villages_of(&portal).await
            );
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let mut got: Vec<i64> = items.iter().map(|p| p.published_at).collect();
    got.sort();
    // Dates travel as RFC 3339 with whole seconds.
    let mut published: Vec<i64> = published
        .iter()
        .map(|at| at - at.rem_euclid(1000))
        .collect();
    published.sort();
    assert_eq!(
        got, published,
        "the portal keeps each post's own published date"
    );
    assert!(
        items
            .windows(2)
            .all(|w| w[0].published_at >= w[1].published_at),
        "newest first"
    );
    for village in &desa {
        let follower_count = {
            let actor = kentongan::actors::find_publishing_actor(&village.state().store, None)
                .await
                .expect("actor");
            village
                .state()
                .store
                .count_followers(actor.id)
                .await
                .expect("count")
        };
        assert_eq!(
            follower_count, 1,
            "{} is followed by the portal",
            village.username
        );
    }

    // A resident follows the portal itself.
    let resident = Peer::start_in(shape, true).await;
    let follow = resident.follow("warga", &portal.actor_id());
    let (status, _) = resident
        .send("warga", &format!("{}/inbox", portal.base), &follow)
        .await;
    assert_eq!(status, 202);
    eventually("the portal's Accept", WAIT, || async {
        resident.received_of("Accept").into_iter().next()
    })
    .await;

    // A new post arrives live and is announced to the portal's followers.
    let a = &desa[0];
    let live_id = publish(
        &a.state().store,
        "Kabar baru dari desa A",
        None,
        "Pengumuman",
    )
    .await;
    a.state().wake_delivery.notify_one();
    let live_url = format!("{}/p/{live_id}", a.base);
    eventually("the live post at the portal", WAIT, || async {
        timeline(&portal)
            .await
            .into_iter()
            .find(|p| p.ap_id == live_url)
    })
    .await;
    let announce = eventually("an Announce at the resident", WAIT, || async {
        resident
            .received_of("Announce")
            .into_iter()
            .find(|r| r.activity["object"] == live_url)
    })
    .await;
    assert!(announce.signature_verified);
    assert_eq!(announce.activity["actor"], portal.actor_id());

    // An edit replaces the portal's copy; a deletion removes it from the timeline.
    let store_a = &a.state().store;
    let post = store_a
        .post_by_public_id(&live_id)
        .await
        .expect("read")
        .expect("post");
    let actor_a = store_a
        .actor_by_id(post.actor_id)
        .await
        .expect("read")
        .expect("actor");
    let changes = PostChanges {
        title: Some("Kabar baru (diperbaiki)".into()),
        ..Default::default()
    };
    publishing::edit(store_a, &actor_a, &post, &changes)
        .await
        .expect("edit");
    a.state().wake_delivery.notify_one();
    eventually("the edit at the portal", WAIT, || async {
        timeline(&portal)
            .await
            .into_iter()
            .find(|p| p.ap_id == live_url && p.title == "Kabar baru (diperbaiki)")
    })
    .await;
    let post = store_a
        .post_by_public_id(&live_id)
        .await
        .expect("read")
        .expect("post");
    publishing::delete(store_a, &actor_a, &post, None)
        .await
        .expect("delete");
    a.state().wake_delivery.notify_one();
    eventually("the deletion at the portal", WAIT, || async {
        (!timeline(&portal).await.iter().any(|p| p.ap_id == live_url)).then_some(())
    })
    .await;

    // Village C goes offline; while it is away, posts it writes never reach the portal
    // (its copy of the follow is gone, as if its deliveries had expired).
    let mut c = desa.pop().expect("village c");
    let village_c = villages_of(&portal)
        .await
        .into_iter()
        .find(|v| v.name == "Desa desa-c")
        .expect("village c");
    c.go_offline().await;
    let data = kentongan::federation::federation_config(portal.state().clone())
        .await
        .expect("config")
        .to_request_data();
    let offline = kentongan::federation::portal_jobs::backfill(&data, &village_c).await;
    assert!(
        offline.is_err(),
        "reading an offline village's outbox fails"
    );
    let store_c = Store::connect(Config::load(c.dir()).expect("config").database_url())
        .await
        .expect("store");
    let actor_c = kentongan::actors::find_publishing_actor(&store_c, None)
        .await
        .expect("actor");
    let portal_actor = store_c
        .actor_by_ap_id(&portal.actor_id())
        .await
        .expect("read")
        .expect("portal known");
    store_c
        .remove_follower(Some(actor_c.id), portal_actor.id, None)
        .await
        .expect("forget");
    let missed = [
        publish(&store_c, "Kabar saat luring 1", Some(now - DAY), "Berita").await,
        publish(
            &store_c,
            "Kabar saat luring 2",
            Some(now - DAY / 2),
            "Berita",
        )
        .await,
    ];
    store_c.close().await;
    c.come_back().await;
    let new = kentongan::federation::portal_jobs::backfill(&data, &village_c)
        .await
        .expect("backfill");
    assert_eq!(new, 2, "exactly the two missed posts are new");
    let items = timeline(&portal).await;
    for id in &missed {
        let url = format!("{}/p/{id}", c.base);
        assert_eq!(
            items.iter().filter(|p| p.ap_id == url).count(),
            1,
            "{url} once"
        );
    }
    assert_eq!(
        kentongan::federation::portal_jobs::backfill(&data, &village_c)
            .await
            .expect("again"),
        0,
        "nothing twice"
    );

    // Removing a village unfollows it.
    let b = &desa[1];
    let village_b = villages_of(&portal)
        .await
        .into_iter()
        .find(|v| v.name == "Desa desa-b")
        .expect("village b");
    let portal_main = kentongan::actors::find_publishing_actor(&portal.state().store, None)
        .await
        .expect("actor");
    registry::remove(&portal.state().store, portal_main.id, &village_b)
        .await
        .expect("remove");
    portal.state().wake_delivery.notify_one();
    eventually("village B to lose the portal as follower", WAIT, || async {
        let actor = kentongan::actors::find_publishing_actor(&b.state().store, None)
            .await
            .ok()?;
        (b.state().store.count_followers(actor.id).await.ok()? == 0).then_some(())
    })
    .await;
    assert!(
        !timeline(&portal)
            .await
            .iter()
            .any(|p| p.village_name == "Desa desa-b")
    );

    resident.stop();
    portal.stop().await;
    c.stop().await;
    for village in desa {
        village.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_portal_follows_backfills_and_aggregates_three_villages_on_every_backend_and_in_production_shape()
 {
    on_every_setup(portal_and_three_villages).await;
}

/// A portal on `backend` following `village`, once the village accepted the follow.
async fn portal_following(backend: &Backend, village: &TestNode) -> (TestNode, VillageRecord) {
    let portal = TestNode::start_with_role(backend, "portal-beltim", Role::Portal).await;
    registry::add(
        &portal.state().store,
        &VillageInput {
            name: "Desa Sukamaju".into(),
            source: format!("{}@{}", village.username, village.domain),
            district: "Gantung".into(),
            code: String::new(),
        },
    )
    .await
    .expect("register");
    portal.state().wake_portal.notify_one();
    let record = eventually(
        "the village to accept the portal's follow",
        WAIT,
        || async {
            villages_of(&portal)
                .await
                .into_iter()
                .find(|v| v.follow_state == kentongan::store::FollowState::Accepted)
        },
    )
    .await;
    (portal, record)
}

/// Waits until every post of `village` in `posts` is in the portal's timeline; their ids.
async fn until_in_timeline(
    portal: &TestNode,
    village: &TestNode,
    posts: &[&kentongan::store::PostRecord],
    what: &str,
) -> Vec<String> {
    let urls: Vec<String> = posts
        .iter()
        .map(|p| format!("{}/p/{}", village.base, p.public_id))
        .collect();
    eventually(what, WAIT, || async {
        let items = timeline(portal).await;
        urls.iter()
            .all(|url| items.iter().any(|p| &p.ap_id == url))
            .then_some(())
    })
    .await;
    urls
}

/// A page of the portal as a browser reads it, with the entities the template engine
/// writes for `/`, `'` and `&` turned back into characters.
async fn portal_page(portal: &TestNode, path: &str) -> String {
    let response = crate::support::client()
        .get(format!("{}{path}", portal.base))
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status().as_u16(), 200);
    response
        .text()
        .await
        .expect("body")
        .replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

async fn clean_village_posts(backend: Backend) {
    let village = TestNode::start(&backend, "desa-sukamaju").await;
    let actor = kentongan::actors::find_publishing_actor(&village.state().store, None)
        .await
        .expect("actor");
    // One post from before the follow (backfilled), one after (received live).
    let before = publishing::publish(
        &village.state().store,
        &actor,
        &PostInput {
            title: "Kerja bakti Minggu pagi".into(),
            summary: "Warga RT 01 sampai RT 04 diundang.".into(),
            body_markdown: "Berkumpul di **balai desa** pukul 07.00.".into(),
            categories: vec!["Pengumuman".into(), "Gotong_Royong".into()],
            ..Default::default()
        },
    )
    .await
    .expect("publish");
    let (portal, _) = portal_following(&backend, &village).await;
    let after = publishing::publish(
        &village.state().store,
        &actor,
        &PostInput {
            title: "Posyandu balita".into(),
            body_markdown: "Penimbangan dan imunisasi di rumah kader.".into(),
            categories: vec!["Kesehatan".into()],
            ..Default::default()
        },
    )
    .await
    .expect("publish");
    village.state().wake_delivery.notify_one();
    let urls = until_in_timeline(&portal, &village, &[&before, &after], "both posts").await;

    // In the JSON API: the title, the summary and the body apart, and the categories.
    let api: serde_json::Value = crate::support::client()
        .get(format!("{}/api/timeline", portal.base))
        .send()
        .await
        .expect("GET /api/timeline")
        .json()
        .await
        .expect("json");
    let items = api["items"].as_array().expect("items").clone();
    let item = |url: &str| {
        items
            .iter()
            .find(|i| i["url"] == url)
            .unwrap_or_else(|| panic!("{url} in {api}"))
            .clone()
    };
    let first = item(&urls[0]);
    assert_eq!(first["title"], "Kerja bakti Minggu pagi");
    assert_eq!(first["summary"], "Warga RT 01 sampai RT 04 diundang.");
    assert_eq!(
        first["content_html"],
        "<p>Berkumpul di <strong>balai desa</strong> pukul 07.00.</p>"
    );
    assert_eq!(
        first["categories"],
        serde_json::json!(["Gotong_Royong", "Pengumuman"])
    );
    let second = item(&urls[1]);
    assert_eq!(second["title"], "Posyandu balita");
    assert_eq!(second["summary"], "");
    assert_eq!(
        second["content_html"],
        "<p>Penimbangan dan imunisasi di rumah kader.</p>"
    );

    // On the page: each title once, the summary or the start of the body beneath it,
    // each hashtag once (as a category link), and no address as text.
    let html = portal_page(&portal, "/").await;
    for title in ["Kerja bakti Minggu pagi", "Posyandu balita"] {
        assert_eq!(html.matches(title).count(), 1, "{title} once in {html}");
    }
    assert!(
        html.contains("<p>Warga RT 01 sampai RT 04 diundang.</p>"),
        "{html}"
    );
    assert!(
        html.contains("<p>Penimbangan dan imunisasi di rumah kader.</p>"),
        "{html}"
    );
    for tag in ["#Pengumuman", "#Gotong_Royong", "#Kesehatan"] {
        assert_eq!(html.matches(tag).count(), 1, "{tag} once in {html}");
    }
    for url in &urls {
        assert!(
            !html.contains(&format!(">{url}<")),
            "{url} as text in {html}"
        );
    }

    portal.stop().await;
    village.stop().await;
}

/// Regression: the portal's timeline showed a village post's text with its hashtag line
/// and its address appended (made for Mastodon), in the HTML and the JSON API.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portal_shows_a_village_post_as_title_and_text_without_what_mastodon_needed_on_every_backend()
 {
    on_every_backend(clean_village_posts).await;
}

async fn catch_up_after_an_outage(backend: Backend) {
    let village = TestNode::start(&backend, "desa-sukamaju").await;
    let (mut portal, _) = portal_following(&backend, &village).await;
    let store = &village.state().store;
    let portal_host = portal.domain.clone();
    // The portal read the village's outbox once and is idle until its next sweep.
    eventually("the portal's first read of the outbox", WAIT, || async {
        villages_of(&portal)
            .await
            .into_iter()
            .find(|v| v.backfilled_at.is_some())
    })
    .await;

    portal.go_offline().await;
    if matches!(backend, Backend::Sqlite) {
        // It went down in the middle of reading the village, whose claim would hold the
        // village for ten minutes: a SQLite node is its database's only server and takes
        // the claim back as it starts. (PostgreSQL nodes may be several: theirs wait.)
        let portal_store =
            Store::connect(Config::load(portal.dir()).expect("config").database_url())
                .await
                .expect("the portal's store");
        portal_store
            .make_followed_villages_due(now_ms())
            .await
            .expect("due");
        let claimed = portal_store
            .claim_due_villages(now_ms(), now_ms() + 600_000, 8)
            .await
            .expect("claim");
        assert_eq!(claimed.len(), 1, "the village is claimed");
        portal_store.close().await;
    }
    let mut posts = Vec::new();
    for n in 1..=5 {
        let id = publish(
            store,
            &format!("Kabar saat portal mati {n}"),
            None,
            "Berita",
        )
        .await;
        posts.push(
            store
                .post_by_public_id(&id)
                .await
                .expect("read")
                .expect("post"),
        );
    }
    village.state().wake_delivery.notify_one();
    let mut to_portal = Vec::new();
    for post in &posts {
        let create = store
            .create_activity_of_post(post.id)
            .await
            .expect("read")
            .expect("the Create");
        to_portal.push(create.id);
    }
    // The village tried to deliver and failed; after one failure its circuit breaker
    // holds the other deliveries to the portal, so not every one need have been tried.
    eventually(
        "the deliveries to the portal to wait after a failure",
        WAIT,
        || async {
            let failing = store
                .host_health(&portal_host)
                .await
                .ok()??
                .consecutive_failures
                >= 1;
            for activity in &to_portal {
                let rows = store.deliveries_of(*activity).await.ok()?;
                let row = rows.iter().find(|d| d.host == portal_host)?;
                (row.state == DeliveryState::Pending).then_some(())?;
            }
            failing.then_some(())
        },
    )
    .await;
    // After a long outage the circuit breaker holds the portal's server for up to an
    // hour: nothing would be sent to it before that.
    store
        .hold_host(&portal_host, now_ms() + 3600 * 1000)
        .await
        .expect("hold");

    portal.come_back().await;
    // The portal reads the village's outbox as it starts, well before any retry.
    let posts: Vec<&kentongan::store::PostRecord> = posts.iter().collect();
    let urls = until_in_timeline(&portal, &village, &posts, "the five posts").await;
    // Its signed fetch proved it is back: the village's held deliveries go now.
    eventually("the village's deliveries to the portal", WAIT, || async {
        for activity in &to_portal {
            let rows = store.deliveries_of(*activity).await.ok()?;
            let row = rows.iter().find(|d| d.host == portal_host)?;
            (row.state == DeliveryState::Delivered).then_some(())?;
        }
        Some(())
    })
    .await;
    let health = store
        .host_health(&portal_host)
        .await
        .expect("read")
        .expect("the portal's server");
    assert_eq!(health.consecutive_failures, 0);
    assert_eq!(
        timeline(&portal)
            .await
            .iter()
            .filter(|p| urls.contains(&p.ap_id))
            .count(),
        5,
        "each post once"
    );
    portal.stop().await;
    village.stop().await;
}

/// Regression: a portal down for 100 s still lacked, 180 s after it came back, the five
/// posts a village published meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_portal_that_comes_back_catches_up_at_once_on_every_backend() {
    on_every_backend(catch_up_after_an_outage).await;
}

/// Removing a village while the portal's worker records a job on it answers 204 and
/// leaves nothing of the village; the job's record, when it comes, fails nothing.
/// The worker's failure record (`fail_village_job`: the village's row updated, an error
/// row added) is held open here, in a connection of its own, while the API removes the
/// village. On PostgreSQL the removal used to delete the error rows it could see, wait
/// for the village's row, then fail on the foreign key of the error row the worker had
/// committed meanwhile: a 503, and the village kept (the flaky
/// `roles::every_admin_route_answers_every_role_as_the_matrix_says`, issue 12). SQLite's
/// writers take turns, so there the order is all this shows.
async fn removal_racing_the_worker(backend: Backend) {
    use sqlx::Connection;
    let portal = TestNode::start_with_role(&backend, "portal-balapan", Role::Portal).await;
    let village = portal
        .register_village("Desa Balapan", "desa-balapan@desa-balapan.example")
        .await;
    let url = (portal.db.url.clone()).unwrap_or_else(|| Store::default_url(portal.dir()));
    sqlx::any::install_default_drivers();
    let mut worker = sqlx::AnyConnection::connect(&url).await.expect("connect");
    // Raw SQL, as the test of a race must: the worker's statements, not yet committed.
    let mut job = worker.begin().await.expect("begin");
    for sql in [
        "UPDATE villages SET last_error = 'mati', follow_attempts = 1 WHERE id = $1",
        "INSERT INTO village_errors (village_id, at, message) VALUES ($1, 0, 'mati')",
    ] {
        sqlx::query(sql)
            .bind(village.id)
            .execute(&mut *job)
            .await
            .expect(sql);
    }
    let removal = tokio::spawn(
        crate::support::client()
            .delete(format!("{}/api/v1/villages/{}", portal.base, village.id))
            .bearer_auth(&portal.token)
            .send(),
    );
    if matches!(backend, Backend::Postgres(_)) {
        let watcher = sqlx::AnyPool::connect(&url).await.expect("connect");
        eventually("the removal waits for the worker", WAIT, || {
            let watcher = watcher.clone();
            async move {
                let waiting: i64 = sqlx::query_scalar(
                    "SELECT count(*) FROM pg_stat_activity \
                     WHERE datname = current_database() AND wait_event_type = 'Lock'",
                )
                .fetch_one(&watcher)
                .await
                .expect("pg_stat_activity");
                (waiting > 0).then_some(())
            }
        })
        .await;
        watcher.close().await;
    }
    job.commit().await.expect("commit");
    let response = removal.await.expect("join").expect("DELETE");
    let status = response.status().as_u16();
    let body = response.text().await.unwrap_or_default();
    assert_eq!(status, 204, "DELETE /api/v1/villages/{{id}}: {body}");
    let store = &portal.state().store;
    let errors = || async {
        store
            .recent_village_errors(village.id, 20)
            .await
            .expect("read")
    };
    assert!(
        store
            .village_by_id(village.id)
            .await
            .expect("read")
            .is_none()
    );
    assert_eq!(errors().await, []);
    // The worker's side: a job that ends after its village is gone records nothing and
    // fails nothing.
    store
        .fail_village_job(village.id, "mati", now_ms() + DAY, false, now_ms())
        .await
        .expect("a failure of a removed village's job");
    assert_eq!(errors().await, []);
    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_a_village_while_the_worker_records_a_job_on_it_succeeds_on_every_backend() {
    on_every_backend(removal_racing_the_worker).await;
}

/// A Create of a Note by `actor`, as a village sends it, stored body and all.
fn create_of(actor: &str, base: &str, slug: &str, title: &str) -> (String, String) {
    let id = format!("{base}/a/{slug}");
    let activity = serde_json::json!({
        "id": id, "type": "Create", "actor": actor,
        "object": {
            "id": format!("{base}/p/{slug}"), "type": "Note", "attributedTo": actor,
            "content": format!("<p><strong>{title}</strong></p><p>Isi kabar.</p>"),
            "published": "2026-11-28T01:00:00Z",
        },
    });
    (id, activity.to_string())
}

async fn one_bad_activity_in_a_batch(backend: Backend) {
    let village = TestNode::start(&backend, "desa").await;
    let (portal, record) = portal_following(&backend, &village).await;
    let store = &portal.state().store;
    let actor = format!("{}/u/{}", village.base, village.username);
    let base = &village.base;

    // The worker's batch: two readable Creates around one whose stored body cannot be
    // read. All three are claimed together.
    let (first, first_body) = create_of(&actor, base, "batch-1", "Kabar pertama");
    let (last, last_body) = create_of(&actor, base, "batch-3", "Kabar ketiga");
    let broken = format!("{base}/a/batch-2");
    let now = now_ms();
    for (id, body) in [
        (&first, first_body.as_str()),
        (&broken, "{ this is not JSON"),
        (&last, last_body.as_str()),
    ] {
        assert!(
            store
                .enqueue_inbox(id, &actor, "Create", body, now)
                .await
                .expect("enqueue")
        );
    }
    portal.state().wake_inbox.notify_one();
    let stored = |slug: &'static str| format!("{base}/p/{slug}");
    eventually("both readable posts in the timeline", WAIT, || async {
        let items = timeline(&portal).await;
        [stored("batch-1"), stored("batch-3")]
            .iter()
            .all(|url| items.iter().any(|p| &p.ap_id == url))
            .then_some(())
    })
    .await;
    let (state, error) = eventually("the broken one's error recorded", WAIT, || async {
        store
            .inbox_outcome(&broken)
            .await
            .expect("read")
            .filter(|(_, error)| error.is_some())
    })
    .await;
    assert_eq!(
        state,
        kentongan::store::InboxState::Pending,
        "retried later"
    );
    assert!(
        error
            .as_deref()
            .is_some_and(|e| e.contains("reading the stored activity")),
        "{error:?}"
    );
    for id in [&first, &last] {
        let (state, _) = store.inbox_outcome(id).await.expect("read").expect("kept");
        assert_eq!(state, kentongan::store::InboxState::Done, "{id}");
    }

    // Inside the batch's transaction: a post that cannot be stored (its village does
    // not exist) is rolled back alone, the posts before and after it are kept.
    let post = |slug: &str, village_id: i64| kentongan::store::NewVillagePost {
        ap_id: format!("{base}/p/{slug}"),
        village_id,
        title: slug.into(),
        summary: String::new(),
        content_html: "<p>Isi</p>".into(),
        url: format!("{base}/p/{slug}"),
        image_url: None,
        from_feed: false,
        published_at: now,
        updated_at: None,
        tags: vec!["Pengumuman".into()],
    };
    let posts = [
        post("tx-1", record.id),
        post("tx-2", record.id + 1_000_000),
        post("tx-3", record.id),
    ];
    let outcomes = ingest_together(store, &posts, now).await;
    assert!(matches!(
        outcomes[0],
        Ok(kentongan::store::Ingested::New(_))
    ));
    assert!(outcomes[1].is_err(), "{:?}", outcomes[1]);
    assert!(matches!(
        outcomes[2],
        Ok(kentongan::store::Ingested::New(_))
    ));
    for (slug, kept) in [("tx-1", true), ("tx-2", false), ("tx-3", true)] {
        let exists = store
            .village_post_exists(&format!("{base}/p/{slug}"))
            .await
            .expect("read");
        assert_eq!(exists, kept, "{slug}");
    }

    // A post and its later edit in the same batch (its Create and its Update claimed
    // together): the first is stored, the second replaces it; the same copy again changes
    // nothing.
    let first = post("edited", record.id);
    let edited = kentongan::store::NewVillagePost {
        title: "edited, later".into(),
        updated_at: Some(now + 1),
        ..first.clone()
    };
    let posts = [first, edited.clone(), edited];
    let outcomes = ingest_together(store, &posts, now).await;
    assert!(
        matches!(
            outcomes.as_slice(),
            [
                Ok(kentongan::store::Ingested::New(_)),
                Ok(kentongan::store::Ingested::Updated),
                Ok(kentongan::store::Ingested::Unchanged)
            ]
        ),
        "{outcomes:?}"
    );
    let page = store
        .timeline_page(
            &kentongan::store::TimelineFilter {
                village_id: Some(record.id),
                ..Default::default()
            },
            None,
            100,
        )
        .await
        .expect("timeline");
    let stored: Vec<&str> = page
        .iter()
        .filter(|p| p.ap_id == format!("{base}/p/edited"))
        .map(|p| p.title.as_str())
        .collect();
    assert_eq!(stored, ["edited, later"]);
    portal.stop().await;
    village.stop().await;
}

/// Stores `posts` as one batch of live posts, none announced.
async fn ingest_together(
    store: &kentongan::store::Store,
    posts: &[kentongan::store::NewVillagePost],
    now: i64,
) -> Vec<anyhow::Result<kentongan::store::Ingested>> {
    let batch: Vec<kentongan::store::LivePost<'_>> = posts
        .iter()
        .map(|post| kentongan::store::LivePost {
            post,
            announce: None,
        })
        .collect();
    store
        .ingest_live_village_posts(&batch, now)
        .await
        .expect("the batch is written")
}

/// The inbox worker stores a batch's village posts in one transaction: one activity of
/// the batch that fails (unreadable, or refused by the database) is retried alone, and
/// the others are stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_with_one_bad_activity_still_stores_the_rest_on_every_backend() {
    on_every_backend(one_bad_activity_in_a_batch).await;
}

/// A village whose server takes the connection and never answers holds one of the
/// worker's places until its request times out, not the villages claimed with it: with
/// two places and the silent village claimed first, two live villages are followed and
/// read while its WebFinger request is still open.
async fn silent_village_holds_one_place(backend: Backend) {
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let silent_port = silent.local_addr().expect("addr").port();
    let held = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let holder = held.clone();
    let listening = tokio::spawn(async move {
        while let Ok((connection, _)) = silent.accept().await {
            holder.lock().expect("held").push(connection);
        }
    });
    let live = [
        TestNode::start(&backend, "desa-satu").await,
        TestNode::start(&backend, "desa-dua").await,
    ];
    let portal = TestNode::start_configured(
        &backend,
        "portal-beltim",
        Role::Portal,
        &[
            ("[portal]", "concurrency = 2"),
            // Far longer than the test waits: the silent village's request stays open.
            ("[delivery]", "request_timeout_secs = 120"),
        ],
    )
    .await;
    let store = &portal.state().store;
    let mut sources = vec![format!("desa-sunyi@localhost:{silent_port}")];
    sources.extend(live.iter().map(|v| format!("{}@{}", v.username, v.domain)));
    // Registered first, so claimed first.
    for (index, source) in sources.iter().enumerate() {
        registry::add(
            store,
            &VillageInput {
                name: format!("Desa {index}"),
                source: source.clone(),
                district: "Gantung".into(),
                code: String::new(),
            },
        )
        .await
        .expect("register");
    }
    portal.state().wake_portal.notify_one();
    eventually("the silent village's server to be asked", WAIT, || async {
        (!held.lock().expect("held").is_empty()).then_some(())
    })
    .await;
    eventually(
        "both live villages followed and their outboxes read",
        WAIT,
        || async {
            let villages = villages_of(&portal).await;
            let done = villages
                .iter()
                .filter(|v| {
                    v.follow_state == kentongan::store::FollowState::Accepted
                        && v.backfilled_at.is_some()
                })
                .count();
            (done == 2).then_some(())
        },
    )
    .await;
    let silent_record = villages_of(&portal)
        .await
        .into_iter()
        .find(|v| v.name == "Desa 0")
        .expect("the silent village");
    assert_eq!(
        (silent_record.follow_attempts, silent_record.last_error),
        (0, None),
        "its first lookup is still in flight: the live villages did not wait for it"
    );
    listening.abort();
    portal.stop().await;
    for village in live {
        village.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_village_holds_one_place_not_the_sweep_on_every_backend() {
    on_every_backend(silent_village_holds_one_place).await;
}
