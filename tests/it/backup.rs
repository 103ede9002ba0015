//! Backing up a whole node and restoring it (issue 13 point 6): `kentongan backup` while a
//! hosting node of two sites serves and keeps taking posts through its API, then
//! `kentongan restore` into an empty directory and a fresh database; the restored node,
//! served on the same address, has every post committed before the backup began at the
//! same address (the same public id), and each site's actor has the same key. A backup
//! cut short or changed is refused with a clear error and writes nothing; a directory
//! that is not empty is refused; a PostgreSQL node's backup needs `--database-url`; a site
//! being removed is left out. The regency's hosting administrators come with it and sign
//! in to the restored node with the same password.

use crate::support::{
    AP, Backend, TestDb, WAIT, eventually, loopback_listener, on_every_backend, session::png,
};
use clap::Parser;
use kentongan::{
    cli::{InitArgs, init},
    config::{Config, Role},
    hosting::{BackupArgs, HostingNode, RestoreArgs, SiteAddArgs, add, backup, restore},
    media::{MediaStore, process_upload},
    store::HostingStore,
};
use serde_json::{Value, json};
use std::{
    net::SocketAddr,
    path::Path,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
};

/// A client that reaches the sites' `*.localhost` names on the node's port.
fn client_for(port: u16) -> reqwest::Client {
    reqwest::Client::builder()
        .resolve("desa-b.localhost", SocketAddr::from(([127, 0, 0, 1], port)))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// One site of the node as the test sees it.
#[derive(Clone)]
struct SiteUnderTest {
    base: String,
    actor: String,
    token: String,
}

async fn public_key(client: &reqwest::Client, actor: &str) -> String {
    let json: Value = client
        .get(actor)
        .header("accept", AP)
        .send()
        .await
        .expect("GET the actor")
        .json()
        .await
        .expect("the actor as JSON");
    json["publicKey"]["publicKeyPem"]
        .as_str()
        .expect("a public key")
        .to_string()
}

/// A hosting node of two sites in `dir`: the portal at `localhost:PORT` (first) and the
/// village `desa-b.localhost:PORT`.
async fn two_sites(dir: &Path, port: u16, db: &TestDb) -> [SiteUnderTest; 2] {
    let first = init(InitArgs {
        dir: dir.to_path_buf(),
        domain: format!("localhost:{port}"),
        username: "kabupaten".into(),
        name: "Portal Kabupaten".into(),
        role: Role::Portal,
        listen: format!("127.0.0.1:{port}"),
        database_url: db.url.clone(),
        insecure_local: true,
        admin_username: "admin".into(),
    })
    .await
    .expect("init");
    let village = add(SiteAddArgs {
        dir: dir.to_path_buf(),
        domain: format!("desa-b.localhost:{port}"),
        username: "desab".into(),
        name: "Desa B".into(),
        role: Role::Village,
        admin_username: "admin".into(),
    })
    .await
    .expect("site add");
    let a = format!("http://localhost:{port}");
    let b = format!("http://desa-b.localhost:{port}");
    [
        SiteUnderTest {
            actor: format!("{a}/u/kabupaten"),
            base: a,
            token: first.token,
        },
        SiteUnderTest {
            actor: format!("{b}/u/desab"),
            base: b,
            token: village.token,
        },
    ]
}

/// Posts through the API, to each site in turn, until `stop`; every post answered 201 is
/// added to `committed` as (title, URL).
fn keep_posting(
    client: reqwest::Client,
    sites: [SiteUnderTest; 2],
    stop: Arc<AtomicBool>,
    committed: Arc<Mutex<Vec<(String, String)>>>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut n = 0usize;
        while !stop.load(Ordering::SeqCst) {
            let site = &sites[n % 2];
            let title = format!("Kabar nomor {n}");
            let response = client
                .post(format!("{}/api/v1/posts", site.base))
                .bearer_auth(&site.token)
                .json(&json!({ "title": title, "body": "Isi kabar." }))
                .send()
                .await
                .expect("POST a post");
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap_or_default();
            assert_eq!(status, 201, "a post while the backup runs: {body}");
            let url = body["url"].as_str().expect("the post's URL").to_string();
            committed.lock().expect("lock").push((title, url));
            n += 1;
        }
    })
}

async fn restore_into(from: &Path, dir: &Path, db: &TestDb) -> anyhow::Result<()> {
    restore(RestoreArgs {
        from: from.to_path_buf(),
        dir: dir.to_path_buf(),
        database_url: Some(db.url.clone().unwrap_or_else(|| "sqlite".into())),
        listen: None,
    })
    .await
    .map(|_| ())
}

#[tokio::test]
async fn a_node_backed_up_while_it_takes_posts_is_restored_with_the_same_posts_ids_and_keys() {
    on_every_backend(backed_up_while_serving).await;
}

async fn backed_up_while_serving(backend: Backend) {
    let db = TestDb::create(&backend).await;
    let work = tempfile::tempdir().expect("dir");
    let dir = work.path().join("node");
    let (listener, port) = loopback_listener().await;
    let sites = two_sites(&dir, port, &db).await;
    let node = HostingNode::start(&dir, listener).await.expect("serve");
    let client = client_for(port);
    let keys = [
        public_key(&client, &sites[0].actor).await,
        public_key(&client, &sites[1].actor).await,
    ];

    let stop = Arc::new(AtomicBool::new(false));
    let committed: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    // A photo in the village's media, served before and after.
    let village_dir = dir.join("sites").join(format!("desa-b.localhost_{port}"));
    let stored = MediaStore::new(&village_dir)
        .save(&process_upload(&png(64, 48)).expect("process"))
        .expect("save");
    let photo_url = format!("{}/media/{}", sites[1].base, stored.file_name("large"));
    let photo = client
        .get(&photo_url)
        .send()
        .await
        .expect("GET the photo")
        .bytes()
        .await
        .expect("photo");
    assert!(!photo.is_empty());

    let writer = keep_posting(
        client.clone(),
        sites.clone(),
        stop.clone(),
        committed.clone(),
    );
    eventually("posts on both sites", WAIT, || async {
        (committed.lock().expect("lock").len() >= 4).then_some(())
    })
    .await;
    let before = committed.lock().expect("lock").clone();
    let hosting_url = Config::load(&dir)
        .expect("config")
        .hosting_database_url()
        .expect("the hosting store's URL");
    let (_, staff_password) =
        kentongan::regency_staff::add_staff(&hosting_url, "diskominfo", "Diskominfo Beltim")
            .await
            .expect("a hosting administrator");
    let file = work.path().join("node.tar");
    let done = backup(BackupArgs {
        dir: dir.clone(),
        to: file.clone(),
    })
    .await
    .expect("backup while serving and taking posts");
    stop.store(true, Ordering::SeqCst);
    writer.await.expect("the writer");
    let all = committed.lock().expect("lock").clone();
    let during = all.len() - before.len();
    assert_eq!(done.sites.len(), 2, "both sites are in the backup");
    assert_eq!(done.sites[0].domain, format!("localhost:{port}"));
    assert_eq!(
        done.hosting_staff, 1,
        "the hosting administrator is in the backup"
    );
    eprintln!("{during} posts were committed while the backup ran");
    node.stop().await;

    // Into a directory that is not empty: refused, and it is left as it was.
    let occupied = work.path().join("occupied");
    std::fs::create_dir(&occupied).expect("dir");
    std::fs::write(occupied.join("catatan.txt"), "jangan dihapus").expect("write");
    let fresh = TestDb::create(&backend).await;
    let refused = restore_into(&file, &occupied, &fresh)
        .await
        .expect_err("a directory that is not empty");
    assert!(format!("{refused:#}").contains("not empty"), "{refused:#}");
    assert_eq!(
        std::fs::read_dir(&occupied).expect("dir").count(),
        1,
        "nothing was written"
    );
    if let Backend::Postgres(_) = backend {
        let refused = restore(RestoreArgs {
            from: file.clone(),
            dir: work.path().join("without-url"),
            database_url: None,
            listen: None,
        })
        .await
        .expect_err("a PostgreSQL node's backup without --database-url");
        assert!(
            format!("{refused:#}").contains("--database-url"),
            "{refused:#}"
        );
    }

    // From the command line, as an operator runs it.
    let restored = work.path().join("restored");
    let mut command = vec![
        "kentongan".to_string(),
        "restore".into(),
        "--from".into(),
        file.display().to_string(),
        "--dir".into(),
        restored.display().to_string(),
    ];
    if let Some(url) = &fresh.url {
        command.extend(["--database-url".into(), url.clone()]);
    }
    kentongan::cli::run(kentongan::cli::Cli::try_parse_from(command).expect("arguments"))
        .await
        .expect("kentongan restore");
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("bind the node's port again");
    let node = HostingNode::start(&restored, listener)
        .await
        .expect("serve the restored node");
    for (site, key) in sites.iter().zip(&keys) {
        assert_eq!(
            &public_key(&client, &site.actor).await,
            key,
            "{} keeps its key pair",
            site.actor
        );
    }
    for (title, url) in &before {
        let response = client.get(url).send().await.expect("GET a post");
        assert_eq!(response.status(), 200, "{title} ({url}) keeps its address");
        let page = response.text().await.expect("page");
        assert!(page.contains(title.as_str()), "{url} shows {title}");
    }
    // Each site's posts in the restored node are the first ones it took, none missing
    // between: one moment of each site's database.
    for site in &sites {
        let mut statuses = Vec::new();
        for (_, url) in all.iter().filter(|(_, url)| url.starts_with(&site.base)) {
            let status = client.get(url).send().await.expect("GET a post").status();
            statuses.push(status.as_u16());
        }
        let kept = statuses.iter().take_while(|status| **status == 200).count();
        assert!(
            statuses[kept..].iter().all(|status| *status == 404),
            "{}: the restored posts are a prefix of those taken, the rest unknown: {statuses:?}",
            site.base
        );
    }
    let response = client.get(&photo_url).send().await.expect("GET the photo");
    assert_eq!(response.status(), 200, "the village's photo is restored");
    assert_eq!(
        response.bytes().await.expect("photo"),
        photo,
        "byte for byte"
    );
    // The hosting administrator signs in to the restored node's hosting store, with the
    // same password and no other.
    let hosting = HostingStore::connect(
        &Config::load(&restored)
            .expect("the restored config")
            .hosting_database_url()
            .expect("the hosting store's URL"),
    )
    .await
    .expect("the restored hosting store");
    let signed_in = kentongan::auth::login(
        hosting.accounts(),
        "diskominfo",
        &staff_password,
        "127.0.0.1",
    )
    .await
    .expect("sign in");
    let staff = signed_in.expect("the same password signs in");
    assert_eq!(staff.display_name, "Diskominfo Beltim");
    let wrong = kentongan::auth::login(
        hosting.accounts(),
        "diskominfo",
        "salah-sekali",
        "127.0.0.1",
    )
    .await
    .expect("sign in");
    assert!(wrong.is_err(), "only the same password");
    hosting.close().await;
    let restored_sites = kentongan::hosting::list(&restored).expect("list");
    assert_eq!(restored_sites.len(), 2);
    assert_eq!(restored_sites[1].domain, format!("desa-b.localhost:{port}"));
    node.stop().await;
    db.drop_database().await;
    fresh.drop_database().await;
}

#[tokio::test]
async fn a_damaged_or_cut_short_backup_is_refused_and_writes_nothing() {
    on_every_backend(damaged).await;
}

/// Whether a database holds any table (on PostgreSQL: in any schema but the system's).
async fn holds_tables(db: &TestDb) -> bool {
    let Some(url) = &db.url else {
        return false;
    };
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url).await.expect("connect");
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM information_schema.tables \
         WHERE table_schema NOT IN ('pg_catalog', 'information_schema')",
    )
    .fetch_one(&mut conn)
    .await
    .expect("count tables");
    count > 0
}

async fn damaged(backend: Backend) {
    let db = TestDb::create(&backend).await;
    let work = tempfile::tempdir().expect("dir");
    let dir = work.path().join("node");
    let (_listener, port) = loopback_listener().await;
    two_sites(&dir, port, &db).await;
    // A third site being removed (its Deletes still going out) is left out, and said so.
    let leaving = format!("pergi.localhost:{port}");
    add(SiteAddArgs {
        dir: dir.clone(),
        domain: leaving.clone(),
        username: "pergi".into(),
        name: "Desa Pergi".into(),
        role: Role::Village,
        admin_username: "admin".into(),
    })
    .await
    .expect("site add");
    std::fs::write(
        dir.join("sites")
            .join(leaving.replace(':', "_"))
            .join(kentongan::hosting::leaving::LEAVING_FILE),
        "",
    )
    .expect("mark the site leaving");
    let file = work.path().join("node.tar");
    let done = backup(BackupArgs {
        dir: dir.clone(),
        to: file.clone(),
    })
    .await
    .expect("backup");
    assert_eq!(done.sites.len(), 2, "{:?}", done.sites);
    assert!(done.sites.iter().all(|site| site.domain != leaving));
    assert_eq!(done.left_out.len(), 1);
    assert_eq!(done.left_out[0].domain, leaving);
    let whole = std::fs::read(&file).expect("read");

    let cut = work.path().join("cut.tar");
    std::fs::write(&cut, &whole[..whole.len() * 2 / 3]).expect("write");
    let changed = work.path().join("changed.tar");
    let mut bytes = whole.clone();
    // A byte in the middle of the file: inside a site's archive.
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    std::fs::write(&changed, &bytes).expect("write");

    let listing = |path: &Path| {
        let mut names: Vec<String> = std::fs::read_dir(path)
            .expect("dir")
            .map(|entry| {
                entry
                    .expect("entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        names
    };
    let files_before = listing(work.path());
    for (bad, expected) in [
        (&cut, "incomplete"),
        (&changed, "does not match its SHA-256"),
    ] {
        let fresh = TestDb::create(&backend).await;
        let target = work.path().join("restored");
        let refused = restore_into(bad, &target, &fresh)
            .await
            .expect_err("a damaged backup");
        let message = format!("{refused:#}");
        assert!(
            message.contains(expected) || message.contains("not a whole Kentongan backup"),
            "{}: {message}",
            bad.display()
        );
        assert!(
            !target.exists(),
            "nothing was written for {}",
            bad.display()
        );
        assert_eq!(listing(work.path()), files_before, "no scratch left behind");
        assert!(!holds_tables(&fresh).await, "no table was made");
        fresh.drop_database().await;
    }
    db.drop_database().await;
}
