//! Storage cannot be filled from outside (issue 11 point 11): one server's daily quota,
//! the retention worker's purge (with the delivery report's totals kept), and a nearly
//! full disk (a real small filesystem: a tmpfs mounted for the test when this runs as
//! root, SKIPPED otherwise).

use crate::{
    support::session::{Browser, PASSWORD, Part, png, signed_in, text},
    support::small_disk::SmallDisk,
    support::{
        Backend, TestDb, TestNode, WAIT, eventually, loopback_listener, on_every_backend,
        peer::Peer,
    },
};
use kentongan::{
    app::Node,
    auth::Role,
    clock::now_ms,
    config::Config,
    publishing::PostInput,
    store::{Enqueued, NewInboxActivity, SenderQuota, Store},
    strings,
};
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

use url::Url;

const DAY_MS: i64 = 24 * 3600 * 1000;

/// Signs and POSTs `activity` as `name` of `peer` (as `Peer::send` does), keeping the
/// answer's headers: a refusal must say when to come back.
async fn send(peer: &Peer, name: &str, inbox: &str, activity: &Value) -> (u16, HeaderMap, String) {
    let client = crate::support::client();
    let request = kentongan::federation::signing::signed_post(
        &client,
        &Url::parse(inbox).expect("inbox URL"),
        bytes::Bytes::from(activity.to_string()),
        &Url::parse(&peer.actor_id(name)).expect("actor URL"),
        crate::support::peer::private_key(),
    )
    .await
    .expect("sign");
    let response = client.execute(request).await.expect("send");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap_or_default())
}

fn retry_after(headers: &HeaderMap) -> u64 {
    headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// `host:port` of a peer, as the node counts it.
fn host_of(peer: &Peer) -> String {
    Url::parse(&peer.base)
        .ok()
        .and_then(|url| Some(format!("{}:{}", url.host_str()?, url.port()?)))
        .expect("a loopback peer has a port")
}

/// An Accept nobody asked for, padded to about 1 MB: stored, then ignored.
fn heavy_activity(peer: &Peer, name: &str, n: usize) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/activities/accept-{n}-{}", peer.base, crate::support::peer::rand_id()),
        "type": "Accept",
        "actor": peer.actor_id(name),
        "object": format!("{}/activities/follow-{n}", peer.base),
        "content": "x".repeat(1_000_000),
    })
}

/// The per-server quota in the database, with times chosen by the test: a window fills,
/// refuses, and starts again once it is over.
async fn quota_window(store: &Store) {
    let quota = SenderQuota {
        bytes_per_window: 100,
        window_ms: 1_000,
    };
    let host = "kuota.example";
    // Times near now: the node's retention worker forgets counts whose day is long over.
    let t0 = kentongan::clock::now_ms();
    assert!(
        store
            .charge_sender(host, 60, &quota, t0)
            .await
            .expect("charge")
    );
    assert!(
        !store
            .charge_sender(host, 60, &quota, t0 + 500)
            .await
            .expect("charge"),
        "120 bytes do not fit in 100"
    );
    let usage = store
        .sender_usage(host)
        .await
        .expect("usage")
        .expect("a count");
    assert_eq!(
        (usage.window_start, usage.stored_bytes),
        (t0, 60),
        "the refusal stored nothing"
    );
    assert!(
        store
            .charge_sender(host, 40, &quota, t0 + 600)
            .await
            .expect("charge")
    );
    assert_eq!(usage.full_for(&quota, t0 + 600), None);
    let full = store
        .sender_usage(host)
        .await
        .expect("usage")
        .expect("a count");
    assert_eq!(
        full.full_for(&quota, t0 + 600),
        Some(1_000),
        "full until the window ends"
    );
    assert!(
        store
            .charge_sender(host, 60, &quota, t0 + 1_000)
            .await
            .expect("charge"),
        "a new window starts when the old one is over"
    );
    let usage = store
        .sender_usage(host)
        .await
        .expect("usage")
        .expect("a count");
    assert_eq!((usage.window_start, usage.stored_bytes), (t0 + 1_000, 60));
}

async fn one_server_quota(backend: Backend) {
    let node = TestNode::start(&backend, "desa-kuota").await;
    let store = &node.state().store;
    quota_window(store).await;

    let flood = Peer::start(true).await;
    let other = Peer::start(true).await;
    let inbox = format!("{}/inbox", node.base);
    let mut accepted = 0;
    let (status, headers, body) = loop {
        let (status, headers, body) = send(
            &flood,
            "banjir",
            &inbox,
            &heavy_activity(&flood, "banjir", accepted),
        )
        .await;
        if status != 202 || accepted > 40 {
            break (status, headers, body);
        }
        accepted += 1;
    };
    assert_eq!(status, 429, "{body}");
    assert!(body.contains("storage quota"), "a one-line reason: {body}");
    let wait = retry_after(&headers);
    assert!(
        (1..=86_400).contains(&wait),
        "Retry-After until the day is over: {wait}"
    );
    // 16 MiB a day, in activities of about 1 MB.
    let quota = kentongan::quota::SERVER.bytes_per_window;
    assert!(
        (15..=16).contains(&accepted),
        "{accepted} accepted before the refusal"
    );
    let usage = store
        .sender_usage(&host_of(&flood))
        .await
        .expect("usage")
        .expect("the flood was counted");
    assert!(
        usage.stored_bytes <= quota,
        "{} > {quota}",
        usage.stored_bytes
    );
    assert!(
        usage.stored_bytes > quota - 1_100_000,
        "{}",
        usage.stored_bytes
    );

    // Nothing already stored was dropped, and the refused one is not stored.
    let stored = store.count_inbox().await.expect("count");
    assert_eq!(stored, accepted as i64);
    // Later ones are refused at once, before their signature costs a key fetch.
    let (status, headers, body) = send(
        &flood,
        "banjir",
        &inbox,
        &heavy_activity(&flood, "banjir", 99),
    )
    .await;
    assert_eq!(status, 429, "{body}");
    assert!(retry_after(&headers) >= 1);
    // Another server is not affected.
    let follow = other.follow("warga", &node.actor_id());
    let (status, _, body) = send(&other, "warga", &inbox, &follow).await;
    assert_eq!(status, 202, "{body}");
    eventually("the other server's Accept", WAIT, || async {
        other.received_of("Accept").into_iter().next()
    })
    .await;
    assert_eq!(store.count_inbox().await.expect("count"), stored + 1);

    // Copies of a server's actors count apart: once they used up their day (here filled
    // by hand, as naming thousands of its accounts would), no new actor of that server is
    // fetched, and its known actors are still heard.
    let copies = kentongan::quota::actor_copies_of(&host_of(&other));
    let full = kentongan::quota::ACTOR_COPIES;
    assert!(
        store
            .charge_sender(
                &copies,
                full.bytes_per_window,
                &full.counting_only(),
                now_ms()
            )
            .await
            .expect("charge")
    );
    let newcomer = other.follow("pendatang", &node.actor_id());
    let (status, headers, body) = send(&other, "pendatang", &inbox, &newcomer).await;
    assert_eq!(status, 429, "{body}");
    assert!(body.contains("new actors"), "{body}");
    assert!(retry_after(&headers) >= 1);
    let known = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/activities/undo-{}", other.base, crate::support::peer::rand_id()),
        "type": "Undo",
        "actor": other.actor_id("warga"),
        "object": follow,
    });
    let (status, _, body) = send(&other, "warga", &inbox, &known).await;
    assert_eq!(status, 202, "a known actor is still heard: {body}");
    flood.stop();
    other.stop();
    node.stop().await;
}

/// One server may make the node store 16 MiB a day; beyond it its new activities get
/// 429 with Retry-After and a reason, nothing stored before is lost, and another server
/// is still accepted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_one_server_cannot_pass_its_daily_quota_on_every_backend() {
    on_every_backend(one_server_quota).await;
}

/// The same activity received many times at the same moment (a sender's retries, the
/// shared and the personal inbox at once) is stored once; the others are told it is a
/// repeat, and none is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_activity_received_at_once_is_stored_once_on_every_backend() {
    on_every_backend(same_activity_at_once).await;
}

async fn same_activity_at_once(backend: Backend) {
    let node = TestNode::start(&backend, "desa-sekali").await;
    let store = node.state().store.clone();
    let quota = SenderQuota {
        bytes_per_window: 1_000_000,
        window_ms: DAY_MS,
    };
    let activity = NewInboxActivity {
        ap_id: "https://sekali.example/activities/1",
        actor_ap_id: "https://sekali.example/users/warga",
        host: "sekali.example",
        kind: "Accept",
        body: r#"{"type":"Accept"}"#,
    };
    let now = now_ms();
    let outcomes = futures::future::join_all((0..16).map(|_| {
        let store = store.clone();
        async move { store.enqueue_inbox_within(&activity, &quota, now).await }
    }))
    .await;
    let outcomes: Vec<Enqueued> = outcomes
        .into_iter()
        .map(|outcome| outcome.expect("stored or a repeat"))
        .collect();
    let stored = outcomes.iter().filter(|o| **o == Enqueued::Stored).count();
    assert_eq!(stored, 1, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, Enqueued::Stored | Enqueued::Repeat)),
        "{outcomes:?}"
    );
    // Counted at least once (PostgreSQL may count a repeat of that same moment too: an
    // error on the quota's side).
    let one = [
        activity.ap_id,
        activity.actor_ap_id,
        activity.kind,
        activity.body,
    ]
    .iter()
    .map(|text| text.len() as i64)
    .sum::<i64>();
    let usage = store
        .sender_usage(activity.host)
        .await
        .expect("usage")
        .expect("counted");
    assert!(usage.stored_bytes >= one, "{} < {one}", usage.stored_bytes);
    node.stop().await;
}

/// The counts shown under each activity of the admin's delivery report (the lists of
/// numbers, not the table of failing servers, which names only rows still kept).
fn report_counts(page: &str) -> Vec<String> {
    page.split("<h3>")
        .skip(1)
        .filter_map(|part| {
            part.split_once("</ul>")
                .map(|(counts, _)| counts.to_string())
        })
        .collect()
}

async fn retention(backend: Backend) {
    let node = TestNode::start(&backend, "desa-lupa").await;
    let store = &node.state().store;
    let inbox = format!("{}/inbox", node.base);
    // Two followers: one server takes the post, the other refuses it for good.
    let taker = crate::admin::followed_by_peer(&node).await;
    let refuser = Peer::start(true).await;
    let follow = refuser.follow("warga", &node.actor_id());
    let (status, _, body) = send(&refuser, "warga", &inbox, &follow).await;
    assert_eq!(status, 202, "{body}");
    eventually("the second Accept", WAIT, || async {
        refuser.received_of("Accept").into_iter().next()
    })
    .await;
    refuser.set_behaviour(crate::support::peer::Behaviour::Answer(410));
    let post = node
        .publish_text("Musyawarah dusun", "Kamis malam di balai.")
        .await;
    let create = store
        .create_activity_of_post(post.id)
        .await
        .expect("read")
        .expect("the Create");
    let counts = eventually("both deliveries finished", WAIT, || async {
        let counts = store.delivery_counts(Some(create.id)).await.ok()?;
        (counts.pending == 0 && counts.delivered == 1 && counts.failed == 1).then_some(counts)
    })
    .await;
    let (mut browser, _) = signed_in(&node, "operator", Role::Editor).await;
    let page_path = format!("/admin/posts/{}", post.public_id);
    let before = browser.get(&page_path).await;
    assert_eq!(before.status, 200, "{}", before.body);
    let shown = report_counts(&before.body);
    assert!(!shown.is_empty(), "{}", before.body);

    // A received activity from a hundred days ago, processed, and one from today.
    let old_id = format!("{}/activities/undo-lama", taker.base);
    let old = json!({"id": old_id, "type": "Undo", "actor": taker.actor_id("warga"),
        "object": format!("{}/activities/follow-lama", taker.base)});
    store
        .enqueue_inbox(
            &old_id,
            &taker.actor_id("warga"),
            "Undo",
            &old.to_string(),
            now_ms() - 100 * DAY_MS,
        )
        .await
        .expect("store an old activity");
    node.state().wake_inbox.notify_one();
    eventually("the old activity processed", WAIT, || async {
        let (state, _) = store.inbox_outcome(&old_id).await.ok()??;
        (state != kentongan::store::InboxState::Pending).then_some(())
    })
    .await;
    let received = store.count_inbox().await.expect("count");

    // Today nothing of this is old enough: only the hundred-day-old activity goes.
    let purged = kentongan::retention::purge(store, now_ms())
        .await
        .expect("purge");
    assert_eq!(purged.activities, 1, "{purged:?}");
    assert_eq!(purged.deliveries, 0, "{purged:?}");
    assert_eq!(store.inbox_outcome(&old_id).await.expect("read"), None);
    assert_eq!(store.count_inbox().await.expect("count"), received - 1);
    assert_eq!(store.deliveries_of(create.id).await.expect("rows").len(), 2);

    // As the worker will see it in 91 days: delivery rows are folded into totals,
    // the processed activities, the quota counts and the quiet servers forgotten.
    let later = now_ms() + 91 * DAY_MS;
    let purged = kentongan::retention::purge(store, later)
        .await
        .expect("purge");
    assert!(purged.deliveries >= 2, "{purged:?}");
    assert_eq!(purged.activities as i64, received - 1, "{purged:?}");
    assert!(purged.quotas >= 2, "{purged:?}");
    assert!(
        store
            .deliveries_of(create.id)
            .await
            .expect("rows")
            .is_empty()
    );
    assert_eq!(store.count_inbox().await.expect("count"), 0);
    assert_eq!(
        store
            .delivery_counts(Some(create.id))
            .await
            .expect("counts"),
        counts,
        "the totals stay"
    );
    assert_eq!(
        store.sender_usage(&host_of(&taker)).await.expect("usage"),
        None
    );
    // Followers are kept: their servers wait for the next post.
    let actor = kentongan::actors::find_publishing_actor(store, None)
        .await
        .expect("actor");
    assert_eq!(store.count_followers(actor.id).await.expect("count"), 2);
    assert!(
        store
            .actor_by_ap_id(&taker.actor_id("warga"))
            .await
            .expect("read")
            .is_some()
    );
    let after = browser.get(&page_path).await;
    assert_eq!(after.status, 200, "{}", after.body);
    assert_eq!(
        report_counts(&after.body),
        shown,
        "the admin's report shows the same numbers"
    );
    // A second pass forgets nothing more and counts nothing twice.
    let again = kentongan::retention::purge(store, later)
        .await
        .expect("purge");
    assert_eq!(again.deliveries, 0, "{again:?}");
    assert_eq!(
        store
            .delivery_counts(Some(create.id))
            .await
            .expect("counts"),
        counts
    );
    taker.stop();
    refuser.stop();
    node.stop().await;
}

/// The retention worker forgets old received activities and folds delivery rows older
/// than 90 days into totals: the admin's delivery report shows the same numbers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_retention_forgets_old_rows_and_keeps_the_report_totals_on_every_backend() {
    on_every_backend(retention).await;
}

/// A village node whose data directory (and SQLite database) is on `disk`.
async fn node_on(disk: &SmallDisk, db: &TestDb, username: &str) -> (Node, String) {
    let (listener, port) = loopback_listener().await;
    let domain = format!("localhost:{port}");
    kentongan::cli::init(kentongan::cli::InitArgs {
        dir: disk.mount_point.clone(),
        domain: domain.clone(),
        username: username.to_string(),
        name: format!("Desa {username}"),
        role: kentongan::config::Role::Village,
        listen: format!("127.0.0.1:{port}"),
        database_url: db.url.clone(),
        insecure_local: true,
        admin_username: "admin".into(),
    })
    .await
    .expect("init");
    let config = Config::load(&disk.mount_point).expect("config");
    let node = Node::start(config, listener).await.expect("start");
    (node, format!("http://{domain}"))
}

async fn status_of(base: &str, path: &str) -> u16 {
    crate::support::client()
        .get(format!("{base}{path}"))
        .send()
        .await
        .expect("GET")
        .status()
        .as_u16()
}

fn editor_parts(title: &str) -> Vec<Part> {
    vec![
        text("title", title),
        text("summary", "Ringkasan."),
        text("body", "Isi kabar yang diketik operator."),
        text("kind", "berita"),
        text("categories", "Berita"),
        Part::File("cover", "foto.png", "image/png", png(640, 480)),
        text("cover_alt", "Balai desa"),
    ]
}

async fn nearly_full_disk(backend: Backend, disk: SmallDisk) {
    let sqlite = matches!(backend, Backend::Sqlite);
    let db = TestDb::create(&backend).await;
    let (node, base) = node_on(&disk, &db, "desa-penuh").await;
    let state = node.state.clone();
    let store = &state.store;
    let actor = kentongan::actors::find_publishing_actor(store, None)
        .await
        .expect("actor");
    let post = kentongan::publishing::publish(
        store,
        &actor,
        &PostInput {
            title: "Kabar sebelum penuh".into(),
            body_markdown: "Sudah tersimpan.".into(),
            ..Default::default()
        },
    )
    .await
    .expect("publish");
    kentongan::auth::create_user(store, "operator", "", Role::Editor, PASSWORD)
        .await
        .expect("user");
    let mut browser = Browser::at(&base);
    browser.login("operator", PASSWORD).await;
    let peer = Peer::start(true).await;
    let inbox = format!("{base}/inbox");
    let actor_url = format!("{base}/u/desa-penuh");
    let (status, _, body) = send(&peer, "warga", &inbox, &peer.follow("warga", &actor_url)).await;
    assert_eq!(status, 202, "{body}");
    eventually("the Accept", WAIT, || async {
        peer.received_of("Accept").into_iter().next()
    })
    .await;
    let committed = store.count_inbox().await.expect("count");
    assert_eq!(store.count_followers(actor.id).await.expect("count"), 1);

    // Nearly full: 16 MiB left, under the 64 MiB the node keeps.
    disk.fill("isi-1.bin", 16 * 1024 * 1024);
    eventually("the node sees the disk nearly full", WAIT, || async {
        let database_low = state.disk.database_may_grow().is_err();
        (state.disk.files_may_grow().is_err() && database_low == sqlite).then_some(())
    })
    .await;
    for path in ["/", &format!("/p/{}", post.public_id), "/feed.rss"] {
        assert_eq!(status_of(&base, path).await, 200, "{path} still answers");
    }
    let dashboard = browser.get("/admin").await;
    assert_eq!(dashboard.status, 200, "{}", dashboard.body);
    let other_follow = peer.follow("tetangga", &actor_url);
    let (status, headers, body) = send(&peer, "tetangga", &inbox, &other_follow).await;
    if sqlite {
        assert_eq!(status, 503, "{body}");
        assert!(body.contains("nearly full"), "{body}");
        assert_eq!(retry_after(&headers), kentongan::disk::RETRY_AFTER_SECS);
        assert_eq!(
            store.count_inbox().await.expect("count"),
            committed,
            "stored nothing"
        );
    } else {
        // PostgreSQL keeps its data elsewhere: the inbox still takes activities in.
        assert_eq!(status, 202, "{body}");
        eventually("the second follower", WAIT, || async {
            let count = store.count_followers(actor.id).await.ok()?;
            (count == 2).then_some(())
        })
        .await;
    }
    let page = browser
        .editor(
            "/admin/posts/new",
            "publish",
            editor_parts("Kabar dengan foto"),
        )
        .await;
    assert_eq!(page.status, 507, "{}", page.body);
    assert!(
        page.body.contains(strings::UPLOAD_NO_SPACE.id),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("Kabar dengan foto"),
        "what was typed survives"
    );
    if sqlite {
        let form = crate::support::client()
            .post(format!("{base}/aspirasi"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(
                url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs([
                        ("name", "Bu Sari"),
                        ("contact", ""),
                        ("class", "aspirasi"),
                        ("message", "Lampu jalan di RT 2 mati sejak minggu lalu."),
                        ("website", ""),
                    ])
                    .finish(),
            )
            .send()
            .await
            .expect("POST /aspirasi");
        assert_eq!(form.status().as_u16(), 503);
        assert!(form.headers().contains_key("retry-after"));
        let text = form.text().await.unwrap_or_default();
        assert!(text.contains(strings::ASP_FORM_NO_SPACE.id), "{text}");
    }

    // Completely full: pages are still read, and what was committed is all there.
    disk.fill("isi-2.bin", 0);
    assert!(disk.free_bytes() < 1024 * 1024, "{}", disk.free_bytes());
    for path in ["/", &format!("/p/{}", post.public_id)] {
        assert_eq!(
            status_of(&base, path).await,
            200,
            "{path} answers on a full disk"
        );
    }
    if sqlite {
        let (status, _, body) = send(&peer, "tetangga", &inbox, &other_follow).await;
        assert_eq!(status, 503, "{body}");
    }
    let followers = if sqlite { 1 } else { 2 };
    assert_eq!(
        store.count_followers(actor.id).await.expect("count"),
        followers
    );
    assert!(store.count_inbox().await.expect("count") >= committed);
    assert!(
        store
            .post_by_public_id(&post.public_id)
            .await
            .expect("read")
            .is_some()
    );

    // Space comes back: the node takes activities and uploads in again, no restart.
    for file in ["isi-1.bin", "isi-2.bin"] {
        std::fs::remove_file(disk.mount_point.join(file)).expect("free the space");
    }
    eventually("the node sees room again", WAIT, || async {
        (state.disk.files_may_grow().is_ok() && state.disk.database_may_grow().is_ok())
            .then_some(())
    })
    .await;
    let late_follow = peer.follow("telat", &actor_url);
    let (status, _, body) = send(&peer, "telat", &inbox, &late_follow).await;
    assert_eq!(status, 202, "{body}");
    eventually("the late follower", WAIT, || async {
        let count = store.count_followers(actor.id).await.ok()?;
        (count == followers + 1).then_some(())
    })
    .await;
    let page = browser
        .editor(
            "/admin/posts/new",
            "publish",
            editor_parts("Kabar setelah lega"),
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    peer.stop();
    node.stop().await;
    db.drop_database().await;
    drop(disk);
}

/// With the data directory (and the SQLite database) on a small filesystem that fills
/// up: pages still answer, new inbox traffic gets 503 with Retry-After (SQLite; on
/// PostgreSQL the database is elsewhere), uploads get 507 with a sentence in Bahasa
/// Indonesia, nothing committed is lost, and once space is freed it all works again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_a_nearly_full_disk_refuses_new_data_and_keeps_serving_on_every_backend() {
    on_every_backend(|backend| async move {
        match SmallDisk::mount(96) {
            Ok(disk) => nearly_full_disk(backend, disk).await,
            Err(reason) => eprintln!("SKIPPED: {reason}"),
        }
    })
    .await;
}
