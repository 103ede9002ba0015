//! Regency hosting (issue 13, docs/adr/0002): one process serving several sites of one
//! data directory, each chosen by the request's host, each with its own actor, admin
//! accounts, sessions, API tokens and posts. A site added while the node serves is
//! served within seconds; a host the node does not have is answered 421. A site removed
//! tells its followers (a Delete of each account) before it goes.

use crate::support::{
    AP, Backend, Shape, TestDb, WAIT, client, eventually,
    hosted::{Hosting, add_village, init_portal},
    loopback_listener, on_every_backend,
    peer::{Behaviour, Peer},
    post_from_the_command_line, production,
    session::Browser,
};
use kentongan::{
    config::Role,
    hosting::{HostingNode, HostingOptions, SiteAddArgs, add},
};
use std::{net::SocketAddr, time::Duration};

#[tokio::test]
async fn a_hosting_node_serves_each_site_by_its_host_and_keeps_them_apart() {
    on_every_backend(hosting).await;
}

/// A client that reaches every `*.localhost` name given on the node's port.
fn client_for(names: &[&str], port: u16) -> reqwest::Client {
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    names
        .iter()
        .fold(reqwest::Client::builder(), |builder, name| {
            builder.resolve(name, address)
        })
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

async fn status_of(client: &reqwest::Client, url: &str) -> u16 {
    client
        .get(url)
        .send()
        .await
        .expect("request")
        .status()
        .as_u16()
}

async fn hosting(backend: Backend) {
    let db = TestDb::create(&backend).await;
    let dir = tempfile::tempdir().expect("data directory");
    let (listener, port) = loopback_listener().await;
    let first = init_portal(dir.path(), format!("localhost:{port}"), port, &db, true).await;
    let site_args = |name: &str| SiteAddArgs {
        dir: dir.path().to_path_buf(),
        domain: format!("{name}.localhost:{port}"),
        username: name.replace('-', ""),
        name: format!("Desa {name}"),
        role: Role::Village,
        admin_username: "admin".into(),
    };
    let village = add(site_args("desa-b")).await.expect("site add");
    assert!(
        add(site_args("desa-b")).await.is_err(),
        "a host is served by one site only"
    );
    let node = HostingNode::start(dir.path(), listener)
        .await
        .expect("serve");

    let a = format!("http://localhost:{port}");
    let b = format!("http://desa-b.localhost:{port}");
    let client = client_for(
        &["desa-b.localhost", "desa-c.localhost", "lain.localhost"],
        port,
    );

    // Each host answers for its own actor only.
    let webfinger =
        |base: &str, account: &str| format!("{base}/.well-known/webfinger?resource=acct:{account}");
    let village_account = format!("desab@desa-b.localhost:{port}");
    assert_eq!(
        status_of(&client, &webfinger(&b, &village_account)).await,
        200
    );
    assert_eq!(
        status_of(&client, &webfinger(&a, &village_account)).await,
        404
    );
    let actor: serde_json::Value = client
        .get(format!("{b}/u/desab"))
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("actor")
        .json()
        .await
        .expect("actor JSON");
    assert_eq!(actor["id"], format!("{b}/u/desab"));
    assert_eq!(status_of(&client, &format!("{a}/u/desab")).await, 404);
    assert_eq!(status_of(&client, &format!("{b}/u/kabupaten")).await, 404);

    // A host this node does not serve.
    let unknown = client
        .get(format!("http://lain.localhost:{port}/"))
        .send()
        .await
        .expect("unknown host");
    assert_eq!(unknown.status().as_u16(), 421);
    let reason = unknown.text().await.expect("reason");
    assert!(reason.contains("does not serve"), "{reason}");

    // An admin session of the portal is nothing on the village's host.
    let mut portal_admin = Browser::with_client(&a, client.clone());
    portal_admin
        .login(&first.admin_username, &first.admin_password)
        .await;
    assert_eq!(portal_admin.get("/admin").await.status, 200);
    let mut stranger = Browser::with_client(&b, client.clone());
    let cookie = portal_admin.cookie_header();
    let on_village = client
        .get(format!("{b}/admin"))
        .header("cookie", cookie)
        .send()
        .await
        .expect("admin of the village with the portal's cookie");
    assert_eq!(
        on_village.status().as_u16(),
        303,
        "the portal's session does not sign in to the village"
    );
    let wrong = stranger
        .try_login(&first.admin_username, &first.admin_password)
        .await;
    assert_ne!(
        wrong.status, 303,
        "the portal's admin password is not the village's"
    );
    stranger
        .login(&village.admin_username, &village.admin_password)
        .await;

    // API tokens belong to their site; a post's id is found on its own host only.
    let post = |base: &str, token: &str| {
        client
            .post(format!("{base}/api/v1/posts"))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(r#"{"title":"Kerja bakti","body":"Minggu pagi."}"#)
            .send()
    };
    let refused = post(&b, &first.token)
        .await
        .expect("post with the portal's token");
    assert_eq!(refused.status().as_u16(), 401);
    let created = post(&b, &village.token).await.expect("post");
    assert_eq!(created.status().as_u16(), 201);
    let url = created.json::<serde_json::Value>().await.expect("JSON")["url"]
        .as_str()
        .expect("url")
        .to_string();
    assert!(url.starts_with(&b), "{url}");
    let path = url.trim_start_matches(&b);
    assert_eq!(status_of(&client, &url).await, 200);
    assert_eq!(status_of(&client, &format!("{a}{path}")).await, 404);

    // A site added while the node serves is served within seconds.
    let third = add(site_args("desa-c"))
        .await
        .expect("site add while serving");
    let c = format!("http://desa-c.localhost:{port}");
    eventually("the new site is served", WAIT, || {
        let client = client.clone();
        let url = format!("{c}/u/desac");
        async move { (status_of(&client, &url).await == 200).then_some(()) }
    })
    .await;
    let mut third_admin = Browser::with_client(&c, client.clone());
    third_admin
        .login(&third.admin_username, &third.admin_password)
        .await;

    node.stop().await;
    db.drop_database().await;
}

#[tokio::test]
async fn hosted_sites_federate_in_production_shape_with_a_resident_and_with_each_other() {
    let proxy = match production::proxy() {
        Ok(proxy) => proxy,
        Err(reason) => {
            eprintln!("SKIPPED: {reason}");
            return;
        }
    };
    on_every_backend(|backend| hosted_in_production_shape(backend, proxy)).await;
}

/// A portal and a village as two sites of one process behind nginx with TLS and HTTP/2,
/// each reached by its own name without a port: a resident's server follows the village
/// and gets its post, signed; the portal follows the village through the same proxy and
/// keeps the post in its timeline.
async fn hosted_in_production_shape(backend: Backend, proxy: &'static production::Proxy) {
    let db = TestDb::create(&backend).await;
    let dir = tempfile::tempdir().expect("data directory");
    let (listener, port) = loopback_listener().await;
    let portal_name = proxy.name_for("portal", port);
    let village_name = proxy.name_for("desa-b", port);
    let first = init_portal(dir.path(), portal_name.clone(), port, &db, false).await;
    // The test CA, trusted as a regency trusts its own; `site add` passes it on.
    let config_file = dir.path().join("kentongan.toml");
    let text = std::fs::read_to_string(&config_file).expect("config");
    let text = text.replacen(
        "\n[delivery]\n",
        &format!(
            "extra_ca_certificates = [{:?}]\n\n[delivery]\n",
            proxy.ca_file().display().to_string()
        ),
        1,
    );
    std::fs::write(&config_file, text).expect("write config");
    let village = add_village(dir.path(), &village_name, "desab", "Desa B").await;
    // Every test name resolves to 127.0.0.1, which production refuses unless told.
    let options = HostingOptions {
        adjust: |config| config.addresses.loopback = true,
        // Closed as soon as it is quiet, so that the post below finds it closed.
        idle_close: Duration::from_millis(300),
        ..HostingOptions::default()
    };
    let node = HostingNode::start_with(dir.path(), listener, options)
        .await
        .expect("serve");
    let portal_base = format!("https://{portal_name}");
    let village_base = format!("https://{village_name}");
    let village_actor = format!("{village_base}/u/desab");

    // A resident follows the village and gets its post, signed by the village.
    let resident = Peer::start_in(Shape::Production, true).await;
    let follow = resident.follow("warga", &village_actor);
    let (status, body) = resident
        .send("warga", &format!("{village_actor}/inbox"), &follow)
        .await;
    assert_eq!(status, 202, "{body}");
    let accept = eventually("the village's Accept", WAIT, || async {
        resident.received_of("Accept").into_iter().next()
    })
    .await;
    assert!(accept.signature_verified);
    assert_eq!(accept.activity["actor"], village_actor);

    // The portal registers the village by its handle and follows it.
    let registered = client()
        .post(format!("{portal_base}/api/v1/villages"))
        .bearer_auth(&first.token)
        .header("content-type", "application/json")
        .body(format!(
            r#"{{"source":"desab@{village_name}","name":"Desa B"}}"#
        ))
        .send()
        .await
        .expect("register the village");
    assert_eq!(registered.status().as_u16(), 201);
    let portal = node.sites.state_of(&portal_name).await.expect("the portal");
    eventually(
        "the village to accept the portal's follow",
        WAIT,
        || async {
            portal
                .store
                .villages()
                .await
                .expect("villages")
                .into_iter()
                .find(|v| v.follow_state == kentongan::store::FollowState::Accepted)
        },
    )
    .await;

    let created = client()
        .post(format!("{village_base}/api/v1/posts"))
        .bearer_auth(&village.token)
        .header("content-type", "application/json")
        .body(r#"{"title":"Musyawarah desa","body":"Kamis malam di balai desa."}"#)
        .send()
        .await
        .expect("post");
    assert_eq!(created.status().as_u16(), 201);
    let url = created.json::<serde_json::Value>().await.expect("JSON")["url"]
        .as_str()
        .expect("url")
        .to_string();
    let create = eventually("the post at the resident", WAIT, || async {
        resident
            .received_of("Create")
            .into_iter()
            .find(|c| c.activity["object"]["id"] == url)
    })
    .await;
    assert!(create.signature_verified, "signed with the village's key");
    eventually("the post in the portal's timeline", WAIT, || async {
        portal
            .store
            .timeline_page(&Default::default(), None, 50)
            .await
            .expect("timeline")
            .into_iter()
            .find(|p| p.ap_id == url)
    })
    .await;

    // Once quiet, the village's site is closed; a post written by the command line wakes
    // it, and the post reaches the resident and the portal all the same.
    eventually("the quiet village to be closed", WAIT, || async {
        (!node.sites.is_open(&village_name)).then_some(())
    })
    .await;
    post_from_the_command_line(dir.path(), &village_name, "Posyandu bulan ini").await;
    let woken = eventually(
        "the post written while closed, at the resident",
        WAIT,
        || async {
            resident.received_of("Create").into_iter().find(|c| {
                c.activity["object"]["id"] != url
                    && c.activity["object"]["id"]
                        .as_str()
                        .is_some_and(|id| id.starts_with(&village_base))
            })
        },
    )
    .await;
    assert!(woken.signature_verified);
    let woken_url = woken.activity["object"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    eventually(
        "the post written while closed, at the portal",
        WAIT,
        || async {
            portal
                .store
                .timeline_page(&Default::default(), None, 50)
                .await
                .expect("timeline")
                .into_iter()
                .find(|p| p.ap_id == woken_url)
        },
    )
    .await;

    resident.stop();
    node.stop().await;
    db.drop_database().await;
}

#[tokio::test]
async fn a_hosted_village_opens_when_asked_or_woken_and_closes_when_quiet() {
    on_every_backend(opened_when_needed).await;
}

/// A village's site is not opened at start when it has no work; a request opens it; it
/// closes once quiet; a post written by another process wakes it.
async fn opened_when_needed(backend: Backend) {
    let db = TestDb::create(&backend).await;
    let dir = tempfile::tempdir().expect("data directory");
    let (listener, port) = loopback_listener().await;
    init_portal(dir.path(), format!("localhost:{port}"), port, &db, true).await;
    let village = format!("desa-b.localhost:{port}");
    add_village(dir.path(), &village, "desab", "Desa B").await;
    let options = HostingOptions {
        idle_close: Duration::from_millis(300),
        ..Default::default()
    };
    let node = HostingNode::start_with(dir.path(), listener, options)
        .await
        .expect("serve");
    node.sites.rescan(dir.path()).await;
    assert!(
        !node.sites.is_open(&village),
        "a village with no work is not opened at start"
    );

    let client = client_for(&["desa-b.localhost"], port);
    assert_eq!(
        status_of(&client, &format!("http://{village}/u/desab")).await,
        200
    );
    assert!(node.sites.is_open(&village), "a request opens the site");
    eventually("the quiet village to be closed", WAIT, || async {
        (!node.sites.is_open(&village)).then_some(())
    })
    .await;

    post_from_the_command_line(dir.path(), &village, "Kerja bakti").await;
    // Nothing is due at the village (it has no followers) and no request came: only the
    // wake-up from the command line opens it.
    eventually("the village woken by the command line", WAIT, || async {
        node.sites.is_open(&village).then_some(())
    })
    .await;

    node.stop().await;
    db.drop_database().await;
}

#[tokio::test]
async fn a_removed_site_tells_its_followers_and_is_put_aside() {
    on_every_backend(removed_site).await;
}

/// `kentongan site remove` from another process, as an operator runs it, with `answer`
/// typed at its question (`None`: `--yes`); its exit status and what it printed.
async fn site_remove(dir: &std::path::Path, host: &str, answer: Option<&str>) -> (bool, String) {
    site_remove_with(dir, host, answer, &[]).await
}

/// The same with more arguments (`--moved`).
async fn site_remove_with(
    dir: &std::path::Path,
    host: &str,
    answer: Option<&str>,
    more: &[&str],
) -> (bool, String) {
    use tokio::io::AsyncWriteExt;
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_kentongan"));
    command
        .args(["site", "remove", "--dir"])
        .arg(dir)
        .arg(host)
        .args(more)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    if answer.is_none() {
        command.arg("--yes");
    }
    let mut child = command.spawn().expect("run kentongan site remove");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin
        .write_all(format!("{}\n", answer.unwrap_or_default()).as_bytes())
        .await
        .expect("answer");
    drop(stdin);
    let output = child
        .wait_with_output()
        .await
        .expect("kentongan site remove");
    let text = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

/// A hosting node whose village `desab` (on a port of its own: a resident's server
/// resolves `localhost` only) is followed by a resident, who has its Accept.
async fn village_with_a_follower(backend: &Backend) -> (Hosting, Peer) {
    let hosting = Hosting::start(backend, &["desab"]).await;
    let resident = Peer::start(true).await;
    hosting.villages[0].followed_by(&resident, "warga").await;
    eventually("the village's Accept", WAIT, || async {
        resident.received_of("Accept").into_iter().next()
    })
    .await;
    (hosting, resident)
}

/// A village hosted beside the node's first site, followed by a resident, is removed
/// while the node serves: the follower gets the village account's Delete, signed with
/// its key (served meanwhile in the 410 tombstone of the account's URL), then the host
/// is no longer served (421) and the village's folder waits under `sites/.removed/`.
async fn removed_site(backend: Backend) {
    let (hosting, resident) = village_with_a_follower(&backend).await;
    let dir = hosting.dir.path().to_path_buf();
    let first_host = hosting.first_host.clone();
    let village = &hosting.villages[0];
    let (host, actor, base) = (
        village.host.clone(),
        village.actor.clone(),
        village.base.clone(),
    );
    let second_port = host.rsplit_once(':').expect("a port").1;

    // Refused: a name typed wrong, and the node's first site while another remains.
    let (ok, said) = site_remove(&dir, &host, Some("localhost")).await;
    assert!(!ok && said.contains("nothing was removed"), "{said}");
    let (ok, said) = site_remove(&dir, &first_host, None).await;
    assert!(!ok && said.contains("first site"), "{said}");
    let folder = dir.join("sites").join(host.replace(':', "_"));
    assert!(!folder.join("LEAVING").exists());
    assert_eq!(status_of(&client(), &actor).await, 200);

    // The resident's server answers slowly, so the site is seen leaving meanwhile.
    resident.set_behaviour(Behaviour::Slow(std::time::Duration::from_secs(4)));
    let (ok, said) = site_remove(&dir, &host, Some(&host)).await;
    assert!(ok, "{said}");
    assert!(said.contains("queued to 1 followers' inboxes"), "{said}");
    assert!(said.contains("The running server sends them now"), "{said}");
    assert!(said.contains("sites/.removed/"), "{said}");
    // Nothing more is written for a site being removed.
    let refused = tokio::process::Command::new(env!("CARGO_BIN_EXE_kentongan"))
        .args(["post", "--title", "Terlambat", "--body", "Isi.", "--dir"])
        .arg(&dir)
        .args(["--site", &host])
        .output()
        .await
        .expect("run kentongan post");
    assert!(!refused.status.success());
    let reason = String::from_utf8_lossy(&refused.stderr);
    // (Or, on a slow machine, already put aside: no site of that name any more.)
    assert!(
        reason.contains("is being removed") || reason.contains("holds no site"),
        "{reason}"
    );
    assert_eq!(reason.trim().lines().count(), 1, "{reason}");
    let tombstone = eventually("the account's URL to answer 410 Gone", WAIT, || async {
        let answer = client()
            .get(&actor)
            .header("accept", AP)
            .send()
            .await
            .ok()?;
        if answer.status().as_u16() != 410 {
            return None;
        }
        answer.json::<serde_json::Value>().await.ok()
    })
    .await;
    assert_eq!(tombstone["type"], "Tombstone");
    assert_eq!(tombstone["id"], actor);
    assert_eq!(tombstone["formerType"], "Organization");
    assert!(tombstone["publicKey"]["publicKeyPem"].is_string());
    assert_eq!(status_of(&client(), &format!("{base}/")).await, 410);

    let delete = eventually("the Delete of the account", WAIT, || async {
        resident.received_of("Delete").into_iter().next()
    })
    .await;
    assert_eq!(delete.activity["actor"], actor);
    assert_eq!(delete.activity["object"], actor);
    assert_eq!(
        delete.activity["to"],
        serde_json::json!(["https://www.w3.org/ns/activitystreams#Public"])
    );
    assert_eq!(delete.path, "/inbox", "to the shared inbox");
    assert!(delete.signature_verified, "signed with the account's key");

    // Once it is delivered, the site is closed and its folder put aside.
    eventually("the host to be no longer served", WAIT, || async {
        (status_of(&client(), &actor).await == 421).then_some(())
    })
    .await;
    let removed = dir.join("sites/.removed");
    let kept = eventually("the folder to be moved, with its note", WAIT, || async {
        let moved: Vec<_> = std::fs::read_dir(&removed)
            .ok()?
            .map(|entry| entry.expect("entry").path())
            .collect();
        (!folder.exists() && moved.len() == 1 && moved[0].join("REMOVED.txt").exists())
            .then(|| moved[0].clone())
    })
    .await;
    let name = kept
        .file_name()
        .expect("name")
        .to_string_lossy()
        .to_string();
    assert!(
        name.starts_with(&format!("localhost_{second_port}-")),
        "{name}"
    );
    assert!(kept.join("kentongan.toml").exists());
    let note = std::fs::read_to_string(kept.join("REMOVED.txt")).expect("the note");
    assert!(note.contains(&host), "{note}");
    if let Some(url) = &hosting.db.url {
        let pool = sqlx::PgPool::connect(url).await.expect("PostgreSQL");
        let schemas: Vec<String> = sqlx::query_scalar(
            "SELECT schema_name::text FROM information_schema.schemata WHERE schema_name LIKE 'removed_%'",
        )
        .fetch_all(&pool)
        .await
        .expect("schemas");
        pool.close().await;
        assert_eq!(schemas.len(), 1, "{schemas:?}");
        assert!(note.contains(&schemas[0]), "{note}");
    }
    // The first site is served as before; the removed one is gone from the list.
    assert_eq!(
        status_of(&client(), &format!("http://{first_host}/u/kabupaten")).await,
        200
    );
    let sites = kentongan::hosting::list(&dir).expect("site list");
    assert_eq!(sites.len(), 1);

    resident.stop();
    hosting.stop().await;
}

#[tokio::test]
async fn a_site_that_moved_away_is_let_go_without_telling_its_followers_it_is_gone() {
    on_every_backend(moved_away).await;
}

/// A village exported and imported at its own server (its domain pointed there) is let
/// go with `site remove --moved` while the node serves: its followers, who follow it at
/// its new server now, get no Delete; the host is no longer served here (421), and its
/// data waits under `sites/.removed/` with a note saying it moved.
async fn moved_away(backend: Backend) {
    let (hosting, resident) = village_with_a_follower(&backend).await;
    let dir = hosting.dir.path().to_path_buf();
    let host = hosting.villages[0].host.clone();
    let actor = hosting.villages[0].actor.clone();

    let (ok, said) = site_remove_with(&dir, &host, None, &["--moved"]).await;
    assert!(ok, "{said}");
    assert!(said.contains("without sending a Delete"), "{said}");
    eventually("the host to be no longer served", WAIT, || async {
        (status_of(&client(), &actor).await == 421).then_some(())
    })
    .await;
    let removed: Vec<_> = std::fs::read_dir(dir.join("sites/.removed"))
        .expect("the removed sites")
        .map(|entry| entry.expect("entry").path())
        .collect();
    assert_eq!(removed.len(), 1, "{removed:?}");
    let note = std::fs::read_to_string(removed[0].join("REMOVED.txt")).expect("the note");
    assert!(note.contains("moved to another server"), "{note}");
    assert!(removed[0].join("kentongan.toml").exists());
    assert!(
        resident.received_of("Delete").is_empty(),
        "no Delete for an account that lives on elsewhere"
    );
    assert_eq!(kentongan::hosting::list(&dir).expect("sites").len(), 1);

    resident.stop();
    hosting.stop().await;
}
