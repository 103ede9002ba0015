//! The outgoing queue: one request per shared inbox, a dead server does not hold up the
//! others, a server that hangs on every request gets no more than its share in flight,
//! a post from the command line wakes the delivery worker, and a node killed with
//! SIGKILL in the middle of a fan-out delivers everything after it is started again. On
//! SQLite and on PostgreSQL.

use crate::support::{
    Backend, TestDb, TestNode, WAIT, eventually, on_every_backend,
    peer::{Behaviour, Peer},
    post_from_the_command_line,
};
use kentongan::{
    config::Role,
    store::{DeliveryState, PER_SERVER_IN_FLIGHT, Store},
};
use std::{
    process::{Child, Command, Stdio},
    time::Duration,
};

async fn followed_by(node: &TestNode, peer: &Peer, names: &[String]) {
    for name in names {
        let follow = peer.follow(name, &node.actor_id());
        let (status, body) = peer
            .send(name, &format!("{}/inbox", node.base), &follow)
            .await;
        assert_eq!(status, 202, "{body}");
    }
}

async fn publish(node: &TestNode, title: &str) -> (String, i64) {
    let store = &node.state().store;
    let actor = kentongan::actors::find_publishing_actor(store, None)
        .await
        .expect("actor");
    let input = kentongan::publishing::PostInput {
        title: title.into(),
        body_markdown: "Isi kabar.".into(),
        ..Default::default()
    };
    let post = kentongan::publishing::publish(store, &actor, &input)
        .await
        .expect("publish");
    node.state().wake_delivery.notify_one();
    let create = store
        .create_activity_of_post(post.id)
        .await
        .expect("read")
        .expect("create");
    (
        node.state().urls.post(&post.public_id).to_string(),
        create.id,
    )
}

fn creates_of(peer: &Peer, url: &str) -> usize {
    peer.received_of("Create")
        .iter()
        .filter(|r| r.activity["object"]["id"] == url)
        .count()
}

async fn fan_out_is_one_request_per_server_and_a_dead_server_delays_no_one(backend: Backend) {
    let node = TestNode::start(&backend, "desa-e").await;
    let store = &node.state().store;
    let shared = Peer::start(true).await;
    let personal = Peer::start(false).await;
    let dead = Peer::start(true).await;
    let five: Vec<String> = (0..5).map(|i| format!("warga{i}")).collect();
    let two: Vec<String> = (0..2).map(|i| format!("warga{i}")).collect();
    followed_by(&node, &shared, &five).await;
    followed_by(&node, &personal, &two).await;
    followed_by(&node, &dead, &two[..1]).await;
    eventually("8 followers", WAIT, || async {
        let actor = kentongan::actors::find_publishing_actor(store, None)
            .await
            .ok()?;
        (store.count_followers(actor.id).await.ok()? == 8).then_some(())
    })
    .await;
    eventually("the Accepts to be delivered", WAIT, || async {
        (store.delivery_counts(None).await.ok()?.delivered == 8).then_some(())
    })
    .await;
    dead.set_behaviour(Behaviour::Hang);

    let (url, create_id) = publish(&node, "Satu kabar untuk semua").await;
    eventually("the Create at the live servers", WAIT, || async {
        (creates_of(&shared, &url) == 1 && creates_of(&personal, &url) == 2).then_some(())
    })
    .await;
    // The server that hangs got its request too, and is still not answering; the
    // others were served meanwhile.
    eventually("the hanging server to have been reached", WAIT, || async {
        (creates_of(&dead, &url) == 1).then_some(())
    })
    .await;
    let counts = eventually("the live deliveries to be recorded", WAIT, || async {
        let counts = store.delivery_counts(Some(create_id)).await.ok()?;
        (counts.delivered == 3).then_some(counts)
    })
    .await;
    assert_eq!(counts.pending, 1);
    let hanging: Vec<_> = store
        .deliveries_of(create_id)
        .await
        .expect("deliveries")
        .into_iter()
        .filter(|d| d.state == DeliveryState::Pending)
        .collect();
    assert_eq!(
        hanging[0].attempts, 0,
        "the hanging server's first request is still in flight: the others did not wait for it"
    );
    assert_eq!(
        shared.received_of("Create").len(),
        1,
        "one request for five followers on one shared inbox"
    );
    assert_eq!(
        personal.received_of("Create").len(),
        2,
        "one request per personal inbox without a shared inbox"
    );
    for received in shared
        .received_of("Create")
        .iter()
        .chain(personal.received_of("Create").iter())
    {
        assert!(received.signature_verified);
    }
    for peer in [shared, personal, dead] {
        peer.stop();
    }
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fan_out_is_one_request_per_server_and_a_dead_server_delays_no_one_on_every_backend() {
    on_every_backend(fan_out_is_one_request_per_server_and_a_dead_server_delays_no_one).await;
}

/// A 400 may come from a proxy in front of the server (nginx answered every signed POST
/// with 400 while the node sent `host` twice over HTTP/2): the delivery is kept and
/// retried, and the server is not held back as a failing one, so the next post to it
/// goes out at once.
async fn a_400_is_retried_and_holds_no_one(backend: Backend) {
    let node = TestNode::start(&backend, "desa-f").await;
    let store = &node.state().store;
    let peer = Peer::start(true).await;
    followed_by(&node, &peer, &["warga".to_string()]).await;
    eventually("the Accept to be delivered", WAIT, || async {
        (store.delivery_counts(None).await.ok()?.delivered == 1).then_some(())
    })
    .await;

    peer.set_behaviour(Behaviour::Answer(400));
    let (first, first_id) = publish(&node, "Kabar yang ditolak proksi").await;
    let refused = eventually("the 400 to be recorded", WAIT, || async {
        let rows = store.deliveries_of(first_id).await.ok()?;
        rows.into_iter().find(|d| d.attempts == 1)
    })
    .await;
    assert_eq!(creates_of(&peer, &first), 1);
    assert_eq!(
        refused.state,
        DeliveryState::Pending,
        "a 400 does not end the delivery"
    );
    assert_eq!(refused.last_status, Some(400));
    assert!(
        refused
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("HTTP 400"),
        "{refused:?}"
    );
    let health = store
        .host_health(&refused.host)
        .await
        .expect("read")
        .expect("the host is known");
    assert_eq!(
        health.consecutive_failures, 0,
        "the server answered: it is not failing"
    );

    peer.set_behaviour(Behaviour::Answer(202));
    let (second, second_id) = publish(&node, "Kabar berikutnya").await;
    eventually("the next post delivered at once", WAIT, || async {
        let counts = store.delivery_counts(Some(second_id)).await.ok()?;
        (counts.delivered == 1).then_some(())
    })
    .await;
    assert_eq!(creates_of(&peer, &second), 1);
    assert_eq!(
        store
            .delivery_counts(Some(first_id))
            .await
            .expect("counts")
            .pending,
        1,
        "the refused one waits for its retry"
    );
    peer.stop();
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_400_is_retried_and_does_not_hold_the_server_on_every_backend() {
    on_every_backend(a_400_is_retried_and_holds_no_one).await;
}

/// Two permits, and a server that takes every request and never answers (within the
/// test: its requests time out after two minutes). It is owed more posts than it may
/// have requests in flight; the live server still gets every post while the hanging one
/// holds its connections, and the hanging one is sent only its share.
async fn a_hanging_server_gets_its_share_and_no_more(backend: Backend) {
    let node = TestNode::start_configured(
        &backend,
        "desa-g",
        Role::Village,
        &[("[delivery]", "concurrency = 2\nrequest_timeout_secs = 120")],
    )
    .await;
    let store = &node.state().store;
    let hanging = Peer::start(true).await;
    let live = Peer::start(true).await;
    followed_by(&node, &hanging, &["warga".to_string()]).await;
    followed_by(&node, &live, &["warga".to_string()]).await;
    eventually("the Accepts to be delivered", WAIT, || async {
        (store.delivery_counts(None).await.ok()?.delivered == 2).then_some(())
    })
    .await;
    hanging.set_behaviour(Behaviour::Hang);

    // More posts than the hanging server may have requests in flight: without stepping
    // aside, its first two would hold both permits for the whole timeout.
    let mut posts = Vec::new();
    for i in 0..PER_SERVER_IN_FLIGHT + 2 {
        posts.push(publish(&node, &format!("Kabar ke-{i}")).await);
    }
    eventually("every post at the live server", WAIT, || async {
        posts
            .iter()
            .all(|(url, _)| creates_of(&live, url) == 1)
            .then_some(())
    })
    .await;
    eventually(
        "the hanging server to hold its share of requests",
        WAIT,
        || async { (hanging.received_of("Create").len() >= PER_SERVER_IN_FLIGHT).then_some(()) },
    )
    .await;
    // One more post, queued after the hanging server's spare ones: once the live server
    // has it, a node without the limit would have sent those too.
    let (last, _) = publish(&node, "Kabar terakhir").await;
    eventually("the last post at the live server", WAIT, || async {
        (creates_of(&live, &last) == 1).then_some(())
    })
    .await;
    assert_eq!(
        hanging.received_of("Create").len(),
        PER_SERVER_IN_FLIGHT,
        "no more requests in flight to one server than the limit"
    );
    for (_, create_id) in &posts {
        let to_hanging = eventually("the live delivery to be recorded", WAIT, || async {
            let pending: Vec<_> = store
                .deliveries_of(*create_id)
                .await
                .ok()?
                .into_iter()
                .filter(|d| d.state == DeliveryState::Pending)
                .collect();
            (pending.len() == 1).then_some(pending)
        })
        .await;
        assert_eq!(
            to_hanging[0].attempts, 0,
            "the live server was served while the hanging requests were still in flight"
        );
    }
    hanging.stop();
    live.stop();
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_server_gets_its_share_and_starves_no_one_on_every_backend() {
    on_every_backend(a_hanging_server_gets_its_share_and_no_more).await;
}

/// `kentongan post`, as another process writes a post: it tells the node serving the
/// directory through the wake socket (here the test holds that socket), and on
/// PostgreSQL every process listening for deliveries hears of them, wherever the
/// command ran. The post then reaches the follower.
async fn a_post_from_the_command_line_wakes_delivery(backend: Backend) {
    let node = TestNode::start(&backend, "desa-h").await;
    let store = &node.state().store;
    let domain = node.state().config.domain.clone();
    let peer = Peer::start(true).await;
    followed_by(&node, &peer, &["warga".to_string()]).await;
    eventually("the Accept to be delivered", WAIT, || async {
        (store.delivery_counts(None).await.ok()?.delivered == 1).then_some(())
    })
    .await;
    // This node runs in the test, without `serve`'s socket: the test takes its place.
    let socket = tokio::net::UnixDatagram::bind(node.dir().join(kentongan::hosting::WAKE_SOCKET))
        .expect("wake socket");
    let mut queued = store.listen_for_deliveries().await.expect("listen");
    assert_eq!(
        queued.is_some(),
        matches!(backend, Backend::Postgres(_)),
        "PostgreSQL is listened to, SQLite is not"
    );

    post_from_the_command_line(node.dir(), &domain, "Kabar dari baris perintah").await;
    let mut datagram = [0u8; 512];
    let length = tokio::time::timeout(WAIT, socket.recv(&mut datagram))
        .await
        .expect("the command's wake-up within the deadline")
        .expect("reading the wake socket");
    assert_eq!(&datagram[..length], domain.as_bytes());
    if let Some(queued) = &mut queued {
        tokio::time::timeout(WAIT, queued.next())
            .await
            .expect("PostgreSQL's notification within the deadline")
            .expect("listening");
    }
    eventually("the post at the follower", WAIT, || async {
        (peer.received_of("Create").len() == 1).then_some(())
    })
    .await;
    peer.stop();
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_from_the_command_line_wakes_delivery_on_every_backend() {
    on_every_backend(a_post_from_the_command_line_wakes_delivery).await;
}

/// A `kentongan serve` child process, killed when dropped.
struct Serve(Child);

impl Serve {
    fn start(dir: &std::path::Path) -> Self {
        // The server's log goes to a file in its data directory, for failures.
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("serve.log"))
            .expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_kentongan"))
            .args(["serve", "--dir"])
            .arg(dir)
            .env("KENTONGAN_LOG", "kentongan=debug")
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("spawn kentongan serve");
        Self(child)
    }

    fn kill_9(&mut self) {
        // Child::kill sends SIGKILL on Unix: no shutdown code runs.
        self.0.kill().expect("SIGKILL");
        let _ = self.0.wait();
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn kentongan(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_kentongan"))
        .args(args)
        .output()
        .expect("run kentongan");
    assert!(
        output.status.success(),
        "kentongan {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

async fn wait_until_serving(base: &str) {
    eventually("the node to answer", WAIT, || async {
        let response = crate::support::client()
            .get(format!("{base}/.well-known/nodeinfo"))
            .send()
            .await
            .ok()?;
        response.status().is_success().then_some(())
    })
    .await;
}

async fn kill_9_during_fan_out(backend: Backend) {
    const SERVERS: usize = 10;
    const PER_SERVER: usize = 10;
    let db = TestDb::create(&backend).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let (listener, port) = crate::support::loopback_listener().await;
    drop(listener);
    let base = format!("http://localhost:{port}");
    let dir_arg = dir.path().to_str().expect("utf-8 path");
    let mut init = vec![
        "init",
        "--dir",
        dir_arg,
        "--domain",
        &format!("localhost:{port}"),
        "--username",
        "desa-f",
        "--name",
        "Desa F",
        "--listen",
        &format!("127.0.0.1:{port}"),
        "--insecure-local",
    ]
    .into_iter()
    .map(String::from)
    .collect::<Vec<_>>();
    if let Some(url) = &db.url {
        init.extend(["--database-url".to_string(), url.clone()]);
    }
    kentongan(&init.iter().map(String::as_str).collect::<Vec<_>>());
    // Two requests at a time, so that the fan-out is still under way when it is killed.
    let config = dir.path().join("kentongan.toml");
    let text = std::fs::read_to_string(&config)
        .expect("config")
        .replace("[delivery]\n", "[delivery]\nconcurrency = 2\n");
    std::fs::write(&config, text).expect("write config");

    let mut serve = Serve::start(dir.path());
    wait_until_serving(&base).await;
    let mut peers = Vec::new();
    for _ in 0..SERVERS {
        peers.push(Peer::start(true).await);
    }
    let actor = format!("{base}/u/desa-f");
    for peer in &peers {
        for i in 0..PER_SERVER {
            let name = format!("warga{i}");
            let (status, body) = peer
                .send(&name, &format!("{base}/inbox"), &peer.follow(&name, &actor))
                .await;
            assert_eq!(status, 202, "{body}");
        }
    }
    eventually(
        "100 followers accepted",
        Duration::from_secs(120),
        || async {
            let accepted: usize = peers.iter().map(|p| p.received_of("Accept").len()).sum();
            (accepted == SERVERS * PER_SERVER).then_some(())
        },
    )
    .await;
    let listed = kentongan(&["followers", "--dir", dir_arg]);
    assert_eq!(listed.lines().count(), SERVERS * PER_SERVER);

    for peer in &peers {
        peer.set_behaviour(Behaviour::Slow(Duration::from_secs(2)));
    }
    let url = kentongan(&[
        "post",
        "--dir",
        dir_arg,
        "--title",
        "Kabar penting",
        "--body",
        "Jangan sampai hilang.",
    ]);
    eventually("the fan-out to start", WAIT, || async {
        peers.iter().any(|p| creates_of(p, &url) > 0).then_some(())
    })
    .await;
    serve.kill_9();
    let reached_before_kill = peers.iter().filter(|p| creates_of(p, &url) > 0).count();
    assert!(
        reached_before_kill < SERVERS,
        "the kill must interrupt the fan-out"
    );

    for peer in &peers {
        peer.set_behaviour(Behaviour::Answer(202));
    }
    let _serve = Serve::start(dir.path());
    // On PostgreSQL the dead process's claims are taken back when their lease ends.
    eventually(
        "every server to get the post after the restart",
        Duration::from_secs(120),
        || async { peers.iter().all(|p| creates_of(p, &url) >= 1).then_some(()) },
    )
    .await;
    for peer in &peers {
        let copies = creates_of(peer, &url);
        assert!(
            copies <= 2,
            "{} got {copies} copies; a duplicate is allowed only for a request in flight",
            peer.base
        );
    }
    let total: usize = peers.iter().map(|p| creates_of(p, &url)).sum();
    if total > SERVERS + 2 {
        let log = std::fs::read_to_string(dir.path().join("serve.log")).unwrap_or_default();
        eprintln!("{log}");
    }
    assert!(
        total <= SERVERS + 2,
        "only the requests in flight at the kill may be repeated, got {total}"
    );
    for peer in peers {
        peer.stop();
    }
    drop(_serve);
    db.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_a_fan_out_to_100_followers_on_10_servers_loses_nothing_on_every_backend() {
    on_every_backend(kill_9_during_fan_out).await;
}

/// On PostgreSQL a process listens for queued deliveries on one connection per database,
/// however many stores (a hosting node's sites, each on its own schema) listen through
/// it, and each store hears only its own schema.
#[tokio::test]
async fn one_connection_listens_for_every_schema_of_a_database() {
    let url = match std::env::var("TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => {
            eprintln!("SKIPPED: TEST_POSTGRES_URL is not set");
            return;
        }
    };
    let db = TestDb::create(&Backend::Postgres(url)).await;
    let base = db.url.clone().expect("a PostgreSQL URL");
    let in_schema = |schema: &str| {
        let mut url = url::Url::parse(&base).expect("URL");
        url.query_pairs_mut()
            .append_pair("options", &format!("-c search_path={schema}"));
        url.to_string()
    };
    let desa_a = Store::connect(&in_schema("desa_a")).await.expect("store A");
    let desa_b = Store::connect(&in_schema("desa_b")).await.expect("store B");
    let mut hears_a = desa_a
        .listen_for_deliveries()
        .await
        .expect("A listens")
        .expect("PostgreSQL listens");
    let mut hears_b = desa_b
        .listen_for_deliveries()
        .await
        .expect("B listens")
        .expect("PostgreSQL listens");

    let watcher = sqlx::PgPool::connect(&base).await.expect("a connection");
    let listening: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM pg_stat_activity \
         WHERE datname = current_database() AND query LIKE 'LISTEN %'",
    )
    .fetch_one(&watcher)
    .await
    .expect("count the listening connections");
    assert_eq!(listening, 1, "one LISTEN connection for both schemas");

    // What the trigger of migration 0020 sends when B queues deliveries.
    sqlx::query("SELECT pg_notify('kentongan_deliveries', 'desa_b')")
        .execute(&watcher)
        .await
        .expect("notify");
    tokio::time::timeout(WAIT, hears_b.next())
        .await
        .expect("B hears of its deliveries in time")
        .expect("B hears of its deliveries");
    // The broadcast reached both receivers at once: A has it already, and skips it.
    assert!(
        futures::FutureExt::now_or_never(hears_a.next()).is_none(),
        "A is not woken by B's deliveries"
    );
    watcher.close().await;
    drop((hears_a, hears_b));
    desa_a.close().await;
    desa_b.close().await;
    db.drop_database().await;
}
