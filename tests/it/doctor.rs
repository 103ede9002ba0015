//! `kentongan doctor` (issue 13 point 6), run as an operator runs it (the binary, its
//! output and exit status): a healthy hosting node of two sites passes; each thing that
//! can be broken here gives its line (`gagal` or `peringatan`, the check's name, the fix)
//! and the right exit status: a config that does not parse, a database file readable by
//! others, a pending migration, a database that cannot be reached. The clock is compared
//! with a loopback server's `Date`. In production shape the WebFinger check goes through
//! nginx with TLS and finds this node's actor and key; with the node stopped, or with
//! the name answered by another node, it fails.
//!
//! Not tested: a folder the node cannot write to (the tests run as root, who writes
//! anywhere) and a nearly full disk.

use crate::support::{
    Backend, Shape, TestDb, TestNode, hosted::Prepared, loopback_listener, on_every_backend,
    production,
};
use axum::{Router, http::header, response::IntoResponse, routing::get};
use std::{
    os::unix::fs::PermissionsExt,
    path::{Path, PathBuf},
    time::{Duration, SystemTime},
};

/// `kentongan doctor --dir DIR ARGS…`: whether it succeeded, and its lines.
async fn doctor(dir: &Path, args: &[&str]) -> (bool, Vec<String>) {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_kentongan"))
        .arg("doctor")
        .arg("--dir")
        .arg(dir)
        .args(args)
        .env_remove("KENTONGAN_DATABASE_URL")
        .output()
        .await
        .expect("run kentongan doctor");
    let lines = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .chain(
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .map(str::to_string),
        )
        .collect();
    (output.status.success(), lines)
}

/// The line of `check` (its Indonesian name) about `scope`.
fn line<'a>(lines: &'a [String], scope: &str, check: &str) -> &'a str {
    lines
        .iter()
        .find(|line| {
            let mut words = line.split_whitespace();
            let _status = words.next();
            words.next() == Some(scope) && line.contains(&format!("  {check}: "))
        })
        .unwrap_or_else(|| panic!("no line of {check} for {scope} in {lines:#?}"))
}

fn status_of(line: &str) -> &str {
    line.split_whitespace().next().unwrap_or_default()
}

/// A hosting node of two sites, not served: the portal and the village `desab`. Returns
/// it with the two hosts and the village's folder.
async fn two_sites(backend: &Backend) -> (Prepared, String, String, PathBuf) {
    let prepared = Prepared::new(backend, &["desab"]).await;
    let village = &prepared.villages[0];
    let (first, host, folder) = (
        prepared.first_host.clone(),
        village.host.clone(),
        village.dir.clone(),
    );
    (prepared, first, host, folder)
}

/// Runs `sql` on the village's database (its SQLite file, or its schema).
async fn on_village_database(backend: &Backend, db: &TestDb, folder: &Path, sql: &str) {
    use sqlx::Connection;
    match backend {
        Backend::Sqlite => {
            let url = format!("sqlite://{}", folder.join("kentongan.db").display());
            let mut conn = sqlx::SqliteConnection::connect(&url).await.expect("open");
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
                .execute(&mut conn)
                .await
                .expect("change the database");
        }
        Backend::Postgres(_) => {
            let schema = format!(
                "site_{}",
                folder
                    .file_name()
                    .expect("folder")
                    .to_string_lossy()
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                    .collect::<String>()
            );
            let url = db.url.clone().expect("a PostgreSQL database");
            let mut conn = sqlx::PgConnection::connect(&url).await.expect("connect");
            let sql = format!("SET search_path = {schema}; {sql}");
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&mut conn)
                .await
                .expect("change the database");
        }
    }
}

#[tokio::test]
async fn doctor_passes_a_healthy_node_and_names_each_broken_thing_with_its_fix() {
    on_every_backend(healthy_then_broken).await;
}

async fn healthy_then_broken(backend: Backend) {
    let (sites, first, village, folder) = two_sites(&backend).await;
    let (dir, db) = (sites.dir.path(), &sites.db);
    let work = tempfile::tempdir().expect("dir");

    let (passed, lines) = doctor(dir, &[]).await;
    assert!(passed, "a healthy node passes: {lines:#?}");
    for scope in [&first, &village] {
        for check in ["konfigurasi", "basis data", "izin baca", "izin tulis"] {
            assert_eq!(status_of(line(&lines, scope, check)), "ok", "{check}");
        }
        assert_eq!(
            status_of(line(&lines, scope, "webfinger lewat proxy")),
            "lewati",
            "no proxy in local mode"
        );
    }
    assert!(
        !lines.iter().any(|line| line.starts_with("gagal")),
        "{lines:#?}"
    );

    // A config that does not parse: that site fails, the other is still checked.
    let config = folder.join("kentongan.toml");
    let good_config = std::fs::read_to_string(&config).expect("config");
    std::fs::write(&config, good_config.replacen("domain = ", "domain = = ", 1))
        .expect("break the config");
    let (passed, lines) = doctor(dir, &[]).await;
    assert!(!passed, "{lines:#?}");
    let broken = line(&lines, &folder.display().to_string(), "konfigurasi");
    assert_eq!(status_of(broken), "gagal");
    assert!(
        broken.contains("perbaikan:") && broken.contains("fix:"),
        "{broken}"
    );
    assert_eq!(status_of(line(&lines, &first, "basis data")), "ok");
    assert!(
        lines
            .iter()
            .any(|line| line.contains("1 pemeriksaan gagal / 1 checks failed")),
        "{lines:#?}"
    );
    std::fs::write(&config, &good_config).expect("mend the config");

    // A file others can read: the database holds the private keys (on PostgreSQL, the
    // config holds its URL).
    let exposed = match backend {
        Backend::Sqlite => folder.join("kentongan.db"),
        Backend::Postgres(_) => config.clone(),
    };
    std::fs::set_permissions(&exposed, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let (passed, lines) = doctor(dir, &[]).await;
    assert!(!passed, "{lines:#?}");
    let open = line(&lines, &village, "izin baca");
    assert_eq!(status_of(open), "gagal");
    assert!(open.contains(&exposed.display().to_string()), "{open}");
    assert!(open.contains("chmod -R go-rwx"), "{open}");
    assert_eq!(status_of(line(&lines, &first, "izin baca")), "ok");
    std::fs::set_permissions(&exposed, std::fs::Permissions::from_mode(0o600)).expect("chmod");

    // A migration not run yet (as after an upgrade, before `serve` restarts): reported
    // as a warning, and not run.
    let forget_newest =
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)";
    on_village_database(&backend, db, &folder, forget_newest).await;
    for _ in 0..2 {
        let (passed, lines) = doctor(dir, &[]).await;
        assert!(passed, "a pending migration is a warning: {lines:#?}");
        let pending = line(&lines, &village, "basis data");
        assert_eq!(status_of(pending), "peringatan", "{pending}");
        assert!(pending.contains("1 migrasi belum dijalankan"), "{pending}");
        assert!(pending.contains("kentongan backup"), "{pending}");
    }

    // A migration this program does not know: a newer Kentongan wrote the database.
    let checksum = match backend {
        Backend::Sqlite => "X'00'",
        Backend::Postgres(_) => "'\\x00'::bytea",
    };
    let from_the_future = format!(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (99999999, 'dari masa depan', TRUE, {checksum}, 0)"
    );
    on_village_database(&backend, db, &folder, &from_the_future).await;
    let (passed, lines) = doctor(dir, &[]).await;
    assert!(!passed, "{lines:#?}");
    let newer = line(&lines, &village, "basis data");
    assert_eq!(status_of(newer), "gagal", "{newer}");
    assert!(newer.contains("99999999"), "{newer}");

    // A database that cannot be reached.
    let unreachable = match backend {
        Backend::Sqlite => format!(
            "sqlite://{}",
            work.path().join("hilang/kentongan.db").display()
        ),
        Backend::Postgres(_) => "postgres://postgres@127.0.0.1:1/hilang".to_string(),
    };
    let without_url: String = good_config
        .lines()
        .filter(|line| !line.starts_with("database_url"))
        .map(|line| format!("{line}\n"))
        .collect();
    std::fs::write(
        &config,
        format!("database_url = {unreachable:?}\n{without_url}"),
    )
    .expect("point the config elsewhere");
    let (passed, lines) = doctor(dir, &[]).await;
    assert!(!passed, "{lines:#?}");
    let database = line(&lines, &village, "basis data");
    assert_eq!(status_of(database), "gagal", "{database}");
    assert!(database.contains("tidak terjangkau"), "{database}");
    assert!(
        database.contains("database_url"),
        "the fix names the setting: {database}"
    );
    assert!(
        !work.path().join("hilang").exists(),
        "doctor creates no database"
    );
    db.drop_database().await;
}

/// A loopback server whose `Date` is `offset` seconds from this machine's clock.
async fn clock_server(offset: i64) -> (String, tokio::task::JoinHandle<()>) {
    let (listener, port) = loopback_listener().await;
    let app = Router::new().route(
        "/",
        get(move || async move {
            let now = SystemTime::now();
            let at = if offset >= 0 {
                now + Duration::from_secs(offset.unsigned_abs())
            } else {
                now - Duration::from_secs(offset.unsigned_abs())
            };
            ([(header::DATE, httpdate::fmt_http_date(at))], "jam").into_response()
        }),
    );
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://127.0.0.1:{port}/"), server)
}

#[tokio::test]
async fn doctor_compares_the_clock_with_the_server_it_is_given() {
    let (sites, ..) = two_sites(&Backend::Sqlite).await;
    let dir = sites.dir.path();
    let node = "simpul";

    let (passed, lines) = doctor(dir, &[]).await;
    assert!(passed);
    assert_eq!(status_of(line(&lines, node, "jam")), "lewati");

    let (right, server) = clock_server(0).await;
    let (passed, lines) = doctor(dir, &["--time-from", &right]).await;
    assert!(passed, "{lines:#?}");
    assert_eq!(status_of(line(&lines, node, "jam")), "ok");
    server.abort();

    let (late, server) = clock_server(-2 * 3600).await;
    let (passed, lines) = doctor(dir, &["--time-from", &late]).await;
    assert!(!passed, "two hours off fails: {lines:#?}");
    let clock = line(&lines, node, "jam");
    assert_eq!(status_of(clock), "gagal");
    assert!(
        clock.contains("+720"),
        "this machine is ahead by two hours: {clock}"
    );
    assert!(clock.contains("timedatectl set-ntp true"), "{clock}");
    server.abort();

    let (somewhat, server) = clock_server(90).await;
    let (passed, lines) = doctor(dir, &["--time-from", &somewhat]).await;
    assert!(passed, "a minute and a half off is a warning: {lines:#?}");
    assert_eq!(status_of(line(&lines, node, "jam")), "peringatan");
    server.abort();
}

#[tokio::test]
async fn doctor_finds_this_node_behind_the_proxy_in_production_shape() {
    if let Err(reason) = production::proxy() {
        eprintln!("SKIPPED: {reason}");
        return;
    }
    on_every_backend(|backend| async move {
        let mut node = TestNode::start_in(&backend, Shape::Production, "desa-dokter").await;
        let (passed, lines) = doctor(node.dir(), &[]).await;
        assert!(passed, "{lines:#?}");
        let proxy = line(&lines, &node.domain, "webfinger lewat proxy");
        assert_eq!(status_of(proxy), "ok", "{proxy}");
        assert!(
            proxy.contains(&format!("https://{}/.well-known/webfinger", node.domain)),
            "{proxy}"
        );

        // nginx still answers for the name, but no node behind it.
        node.go_offline().await;
        let (passed, lines) = doctor(node.dir(), &[]).await;
        assert!(!passed, "{lines:#?}");
        let proxy = line(&lines, &node.domain, "webfinger lewat proxy");
        assert_eq!(status_of(proxy), "gagal", "{proxy}");
        assert!(proxy.contains("502"), "{proxy}");
        assert!(proxy.contains("proxy_set_header Host $host"), "{proxy}");

        // The name answered by another node (as after DNS pointed elsewhere): a node of
        // the same account name, whose actor is not the one in this site's database.
        let other = TestNode::start_in(&backend, Shape::Production, "desa-dokter").await;
        let config = node.dir().join("kentongan.toml");
        let text = std::fs::read_to_string(&config).expect("config");
        let moved = text.replacen(
            &format!("domain = \"{}\"", node.domain),
            &format!("domain = \"{}\"", other.domain),
            1,
        );
        assert_ne!(moved, text, "the config names its domain");
        std::fs::write(&config, moved).expect("write config");
        let (passed, lines) = doctor(node.dir(), &[]).await;
        assert!(!passed, "{lines:#?}");
        let proxy = line(&lines, &other.domain, "webfinger lewat proxy");
        assert_eq!(status_of(proxy), "gagal", "{proxy}");
        assert!(proxy.contains("dijawab server lain"), "{proxy}");
        assert!(
            proxy.contains(&node.actor_id()),
            "names the actor expected: {proxy}"
        );
        other.stop().await;
        node.stop().await;
    })
    .await;
}
