//! Scale out: two `serve` processes of one portal against one PostgreSQL database share
//! the inbox, the portal worker and the delivery queue without doing any item twice or
//! losing one. (PostgreSQL only: a SQLite node has one server by design.)

use crate::support::{Backend, TestDb, TestNode, eventually, peer::Peer};
use kentongan::{
    app::Node,
    cli::{InitArgs, init},
    config::{Config, Role},
    portal::registry::{self, VillageInput},
    publishing::{self, PostInput},
};
use std::time::Duration;
use tokio::net::TcpListener;

const WAIT: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_portal_processes_on_one_postgres_do_each_item_once() {
    let Ok(admin_url) = std::env::var("TEST_POSTGRES_URL") else {
        eprintln!(
            "SKIPPED two_portal_processes_on_one_postgres_do_each_item_once: TEST_POSTGRES_URL is not set"
        );
        return;
    };
    let backend = Backend::Postgres(admin_url);
    let db = TestDb::create(&backend).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let first = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let second = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = first.local_addr().expect("addr").port();
    // Both processes serve the same domain, as behind a load balancer.
    init(InitArgs {
        dir: dir.path().to_path_buf(),
        domain: format!("localhost:{port}"),
        username: "portal".into(),
        name: "Portal".into(),
        role: Role::Portal,
        listen: format!("127.0.0.1:{port}"),
        database_url: db.url.clone(),
        insecure_local: true,
        admin_username: "admin".into(),
    })
    .await
    .expect("init");
    let one = Node::start(Config::load(dir.path()).expect("config"), first)
        .await
        .expect("first process");
    let two = Node::start(Config::load(dir.path()).expect("config"), second)
        .await
        .expect("second process");
    let base = format!("http://localhost:{port}");
    let second_inbox = format!("http://127.0.0.1:{}/inbox", two.local_addr.port());
    let portal_actor = format!("{base}/u/portal");

    // Residents on five servers follow the portal, each Follow sent to both processes.
    let mut residents = Vec::new();
    for _ in 0..5 {
        let peer = Peer::start(true).await;
        for name in ["a", "b", "c", "d"] {
            let follow = peer.follow(name, &portal_actor);
            for inbox in [format!("{base}/inbox"), second_inbox.clone()] {
                let (status, body) = peer.send(name, &inbox, &follow).await;
                assert_eq!(status, 202, "{body}");
            }
        }
        residents.push(peer);
    }
    eventually("twenty followers, each accepted once", WAIT, || async {
        let accepts: usize = residents
            .iter()
            .map(|p| p.received_of("Accept").len())
            .sum();
        (accepts >= 20).then_some(())
    })
    .await;

    // A village the portal follows publishes; both processes ingest and announce.
    let village = TestNode::start(&backend, "desa-ramai").await;
    let input = VillageInput {
        name: "Desa Ramai".into(),
        source: format!("desa-ramai@{}", village.domain),
        district: "Gantung".into(),
        code: String::new(),
    };
    registry::add(&one.state.store, &input)
        .await
        .expect("register");
    one.state.wake_portal.notify_one();
    two.state.wake_portal.notify_one();
    eventually("the village to accept", WAIT, || async {
        let villages = one.state.store.villages().await.ok()?;
        (villages.first()?.follow_state == kentongan::store::FollowState::Accepted).then_some(())
    })
    .await;
    let store = &village.state().store;
    let actor = kentongan::actors::find_publishing_actor(store, None)
        .await
        .expect("actor");
    let mut urls = Vec::new();
    for i in 0..20 {
        let input = PostInput {
            title: format!("Kabar {i}"),
            body_markdown: "Isi.".into(),
            ..Default::default()
        };
        let post = publishing::publish(store, &actor, &input)
            .await
            .expect("publish");
        urls.push(format!("{}/p/{}", village.base, post.public_id));
    }
    village.state().wake_delivery.notify_one();
    eventually("twenty posts at the portal", WAIT, || async {
        let items = one
            .state
            .store
            .timeline_page(&Default::default(), None, 100)
            .await
            .ok()?;
        (items.len() == 20).then_some(())
    })
    .await;
    eventually("every announce at every resident server", WAIT, || async {
        residents
            .iter()
            .all(|p| {
                urls.iter().all(|u| {
                    p.received_of("Announce")
                        .iter()
                        .any(|r| r.activity["object"] == *u)
                })
            })
            .then_some(())
    })
    .await;
    // Let any duplicate that was going to happen happen: wait until both queues are idle.
    eventually("both delivery queues to drain", WAIT, || async {
        (one.state.store.delivery_counts(None).await.ok()?.pending == 0).then_some(())
    })
    .await;
    for peer in &residents {
        let accepts = peer.received_of("Accept");
        assert_eq!(
            accepts.len(),
            4,
            "{}: one Accept per follower, not one per process",
            peer.base
        );
        let announces = peer.received_of("Announce");
        assert_eq!(
            announces.len(),
            20,
            "{}: one Announce request per post for the shared inbox",
            peer.base
        );
    }
    let items = one
        .state
        .store
        .timeline_page(&Default::default(), None, 100)
        .await
        .expect("timeline");
    let mut ids: Vec<_> = items.iter().map(|p| p.ap_id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 20, "each post stored once");

    for peer in residents {
        peer.stop();
    }
    village.stop().await;
    one.stop().await;
    two.stop().await;
    db.drop_database().await;
}
