//! Regency hosting, isolation of faults (issue 13 point 2): the villages of one process
//! share nothing that one of them can use up. A village whose followers' servers hang
//! holds only its own deliveries; a village whose database is locked or whose disk is
//! full stops taking in, alone; a flood at one village's inbox leaves the others' inboxes
//! answering. Each village here has its own loopback port of the same node, since the
//! fake servers of residents resolve `localhost` only.

use crate::support::{
    AP, Backend, TestDb, WAIT, client, eventually,
    hosted::{Hosting, Prepared, Village},
    on_every_backend,
    peer::{Behaviour, Peer},
    small_disk::SmallDisk,
};
use std::sync::{
    Arc,
    atomic::{AtomicBool, AtomicUsize, Ordering},
};

/// Publishes through the village's API; the status and the body of the answer.
async fn post(village: &Village, title: &str) -> (u16, String) {
    let answer = client()
        .post(format!("{}/api/v1/posts", village.base))
        .bearer_auth(&village.token)
        .json(&serde_json::json!({ "title": title, "body": "Di balai desa." }))
        .send()
        .await
        .expect("post");
    let status = answer.status().as_u16();
    (status, answer.text().await.unwrap_or_default())
}

async fn status_of(url: &str) -> u16 {
    client()
        .get(url)
        .send()
        .await
        .expect("request")
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_village_whose_followers_servers_hang_does_not_delay_another_villages_deliveries() {
    on_every_backend(hanging_servers).await;
}

/// Village A works on one delivery at a time (`concurrency = 1`), and up to
/// `WAITING_PER_PERMIT` (4) more may wait for servers that are slow to answer; its seven
/// followers' servers take the post and never answer, so five requests hang (one
/// working, four stepped aside) and A's queue waits for the other two. Village B's post
/// meanwhile reaches each of its 25 followers' inboxes (each of them is a new actor B
/// fetches: 25 stays within what one server may make a site fetch at once). A's request
/// timeout is set far beyond the test, so no hanging request ends and frees a place.
async fn hanging_servers(backend: Backend) {
    /// One permit of `concurrency = 1` plus its four places for slow servers.
    const HANGING_AT_MOST: usize = 5;
    let prepared = Prepared::new(&backend, &["desaa", "desab"]).await;
    let file = prepared.villages[0].dir.join("kentongan.toml");
    let config = std::fs::read_to_string(&file).expect("config");
    assert!(config.contains("# concurrency = 64"), "{config}");
    assert!(config.contains("# request_timeout_secs = 10"), "{config}");
    let config = config
        .replace("# concurrency = 64", "concurrency = 1")
        .replace("# request_timeout_secs = 10", "request_timeout_secs = 600");
    std::fs::write(&file, config).expect("config written");
    let hosting = prepared.serve().await;
    let [a, b] = &hosting.villages[..] else {
        unreachable!("two villages")
    };
    let mut stuck = Vec::new();
    for _ in 0..7 {
        stuck.push(Peer::start(true).await);
    }
    for peer in &stuck {
        a.followed_by(peer, "warga").await;
    }
    let residents = Peer::start(false).await;
    let names: Vec<String> = (0..25).map(|n| format!("warga{n}")).collect();
    for name in &names {
        b.followed_by(&residents, name).await;
    }
    eventually("every Accept", WAIT, || async {
        let a_done = stuck
            .iter()
            .all(|peer| !peer.received_of("Accept").is_empty());
        (a_done && residents.received_of("Accept").len() == names.len()).then_some(())
    })
    .await;

    for peer in &stuck {
        peer.set_behaviour(Behaviour::Hang);
    }
    let (status, body) = post(a, "Kabar desa A").await;
    assert_eq!(status, 201, "{body}");
    let holding = || {
        stuck
            .iter()
            .filter(|peer| !peer.received_of("Create").is_empty())
            .count()
    };
    eventually("five of A's servers holding its post", WAIT, || async {
        (holding() == HANGING_AT_MOST).then_some(())
    })
    .await;

    let (status, body) = post(b, "Kabar desa B").await;
    assert_eq!(status, 201, "{body}");
    eventually(
        "B's post in each of its followers' inboxes",
        WAIT,
        || async {
            let mut inboxes: Vec<String> = residents
                .received_of("Create")
                .into_iter()
                .map(|received| received.path)
                .collect();
            inboxes.sort();
            inboxes.dedup();
            (inboxes.len() == names.len()).then_some(())
        },
    )
    .await;

    // A's queue is still where it was: its last two servers have not been tried yet.
    let a_state = hosting
        .node
        .sites
        .state_of(&a.host)
        .await
        .expect("A is open");
    assert!(
        a_state
            .store
            .count_pending_deliveries()
            .await
            .expect("count")
            >= 1,
        "A's sixth and seventh deliveries wait for a permit"
    );
    assert_eq!(
        holding(),
        HANGING_AT_MOST,
        "A never had more than one working and four waiting deliveries in flight"
    );
    hosting.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_village_whose_database_is_locked_does_not_stop_another() {
    on_every_backend(locked_database).await;
}

/// Another program holds village A's database: on SQLite the write lock (`BEGIN
/// IMMEDIATE`), on PostgreSQL an exclusive lock on A's posts table. Village B publishes
/// and serves meanwhile; once the lock goes, A publishes again.
async fn locked_database(backend: Backend) {
    let hosting = Hosting::start(&backend, &["desaa", "desab"]).await;
    let [a, b] = &hosting.villages[..] else {
        unreachable!("two villages")
    };
    assert_eq!(status_of(&format!("{}/", a.base)).await, 200);
    let lock = DatabaseLock::take(&backend, &hosting.db, a).await;

    let (status, body) = post(b, "Kabar desa B").await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(status_of(&format!("{}/", b.base)).await, 200);
    let actor = client()
        .get(&b.actor)
        .header("accept", AP)
        .send()
        .await
        .expect("B's actor");
    assert_eq!(actor.status().as_u16(), 200);

    lock.release().await;
    let (status, body) = post(a, "Kabar desa A").await;
    assert_eq!(status, 201, "{body}");
    hosting.stop().await;
}

/// A lock on a village's database, held by another connection until released.
enum DatabaseLock {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl DatabaseLock {
    async fn take(backend: &Backend, db: &TestDb, village: &Village) -> Self {
        use sqlx::{Connection, Executor};
        match backend {
            Backend::Sqlite => {
                let file = village.dir.join("kentongan.db");
                assert!(file.exists(), "{}", file.display());
                let mut connection =
                    sqlx::SqliteConnection::connect(&format!("sqlite://{}", file.display()))
                        .await
                        .expect("a second connection to A's database");
                connection
                    .execute("BEGIN IMMEDIATE")
                    .await
                    .expect("A's write lock");
                Self::Sqlite(connection)
            }
            Backend::Postgres(_) => {
                let pool = sqlx::PgPool::connect(db.url.as_deref().expect("PostgreSQL URL"))
                    .await
                    .expect("PostgreSQL");
                let mut transaction = pool.begin().await.expect("transaction");
                let config: toml::Value = toml::from_str(
                    &std::fs::read_to_string(village.dir.join("kentongan.toml")).expect("config"),
                )
                .expect("TOML");
                let schema = config["database_schema"].as_str().expect("A's schema");
                transaction
                    .execute(sqlx::AssertSqlSafe(format!(
                        "LOCK TABLE {schema}.posts IN ACCESS EXCLUSIVE MODE"
                    )))
                    .await
                    .expect("A's posts locked");
                Self::Postgres(transaction)
            }
        }
    }

    async fn release(self) {
        use sqlx::Executor;
        match self {
            Self::Sqlite(mut connection) => {
                connection.execute("ROLLBACK").await.expect("unlocked");
            }
            Self::Postgres(transaction) => transaction.rollback().await.expect("unlocked"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_village_whose_disk_is_full_does_not_stop_another() {
    // Each SQLite site watches the disk of its own folder; on PostgreSQL the rows live
    // on the database's disk, which the node does not watch (src/disk.rs).
    let prepared = Prepared::new(&Backend::Sqlite, &["desaa", "desab"]).await;
    let disk = match SmallDisk::mount_over(&prepared.villages[0].dir, 96) {
        Ok(disk) => disk,
        Err(reason) => {
            eprintln!("SKIPPED a_village_whose_disk_is_full_does_not_stop_another: {reason}");
            return;
        }
    };
    let hosting = prepared.serve().await;
    let [a, b] = &hosting.villages[..] else {
        unreachable!("two villages")
    };
    let resident = Peer::start(true).await;
    a.followed_by(&resident, "warga").await;
    // 16 MiB left, under the 64 MiB a site keeps.
    disk.fill("isi.bin", 16 * 1024 * 1024);
    let (status, body) = eventually("A refusing what others send", WAIT, || async {
        let follow = resident.follow("tetangga", &a.actor);
        let (status, body) = resident
            .send("tetangga", &format!("{}/inbox", a.actor), &follow)
            .await;
        (status != 202).then_some((status, body))
    })
    .await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("nearly full"), "{body}");
    assert_eq!(
        status_of(&format!("{}/", a.base)).await,
        200,
        "A still serves"
    );

    b.followed_by(&resident, "warga").await;
    let (status, body) = post(b, "Kabar desa B").await;
    assert_eq!(status, 201, "{body}");
    eventually("B's post at its follower", WAIT, || async {
        resident
            .received_of("Create")
            .into_iter()
            .find(|received| received.activity["actor"] == b.actor)
    })
    .await;
    hosting.stop().await;
    drop(disk);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_at_one_villages_inbox_does_not_stop_another() {
    on_every_backend(flooded_inbox).await;
}

/// Four clients post junk to village A's inbox as fast as they can; village B takes a
/// follow and answers it, and publishes to its follower, while the flood goes on. The
/// flood takes its share of this machine's two cores, so B is given longer than usual:
/// what is asserted is that B gets there while A is flooded, not how fast.
async fn flooded_inbox(backend: Backend) {
    let hosting = Hosting::start(&backend, &["desaa", "desab"]).await;
    let [a, b] = &hosting.villages[..] else {
        unreachable!("two villages")
    };
    let flooding = Arc::new(AtomicBool::new(true));
    let sent = Arc::new(AtomicUsize::new(0));
    let junk = "{\"type\":\"Create\",\"object\":\"".to_string() + &"x".repeat(32 * 1024) + "\"}";
    let flood: Vec<_> = (0..4)
        .map(|_| {
            let (flooding, sent, junk) = (flooding.clone(), sent.clone(), junk.clone());
            let inbox = format!("{}/inbox", a.actor);
            tokio::spawn(async move {
                let client = client();
                while flooding.load(Ordering::Relaxed) {
                    let answer = client
                        .post(&inbox)
                        .header("content-type", AP)
                        .body(junk.clone())
                        .send()
                        .await;
                    if let Ok(answer) = answer {
                        assert!(
                            answer.status().is_client_error(),
                            "junk is refused, not failed on: {}",
                            answer.status()
                        );
                    }
                    sent.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    eventually("the flood under way", WAIT, || async {
        (sent.load(Ordering::Relaxed) >= 50).then_some(())
    })
    .await;

    let resident = Peer::start(true).await;
    b.followed_by(&resident, "warga").await;
    let (status, body) = post(b, "Kabar desa B").await;
    assert_eq!(status, 201, "{body}");
    eventually("B's Accept and post at its follower", WAIT * 3, || async {
        let accepted = !resident.received_of("Accept").is_empty();
        let created = !resident.received_of("Create").is_empty();
        (accepted && created).then_some(())
    })
    .await;
    let during = sent.load(Ordering::Relaxed);
    eventually("the flood still going on", WAIT, || async {
        (sent.load(Ordering::Relaxed) > during).then_some(())
    })
    .await;
    flooding.store(false, Ordering::Relaxed);
    for task in flood {
        task.await.expect("a flooding client");
    }
    hosting.stop().await;
}

/// `KENTONGAN_DATABASE_URL` names one database for the whole process: the node's first
/// site may use it, a hosted site only with a schema of its own there (PostgreSQL), never
/// by reading and writing the first site's rows.
#[tokio::test]
async fn one_database_url_for_the_process_is_refused_for_a_hosted_site_without_its_own_schema() {
    let prepared = Prepared::new(&Backend::Sqlite, &["desaa"]).await;
    let node_dir = prepared.dir.path();
    let first_db = format!("sqlite://{}", node_dir.join("kentongan.db").display());
    let post = |site: Option<&str>| {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_kentongan"));
        command
            .args(["post", "--title", "Kabar", "--body", "Isi.", "--dir"])
            .arg(node_dir)
            .env("KENTONGAN_DATABASE_URL", &first_db);
        if let Some(site) = site {
            command.args(["--site", site]);
        }
        command.output()
    };
    let refused = post(Some(&prepared.villages[0].host)).await.expect("run");
    assert!(!refused.status.success());
    let reason = String::from_utf8_lossy(&refused.stderr);
    assert!(
        reason.contains("KENTONGAN_DATABASE_URL") && reason.contains("no schema of its own"),
        "{reason}"
    );
    let accepted = post(Some(&prepared.first_host)).await.expect("run");
    assert!(
        accepted.status.success(),
        "{}",
        String::from_utf8_lossy(&accepted.stderr)
    );
    prepared.db.drop_database().await;
}
