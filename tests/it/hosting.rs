//! Regency hosting (issue 13, docs/adr/0002): one process serving several sites of one
//! data directory, each chosen by the request's host, each with its own actor, admin
//! accounts, sessions, API tokens and posts. A site added while the node serves is
//! served within seconds; a host the node does not have is answered 421.

use crate::support::{
    Backend, TestDb, WAIT, eventually, loopback_listener, on_every_backend, session::Browser,
};
use kentongan::{
    cli::{InitArgs, init},
    config::Role,
    hosting::{HostingNode, SiteAddArgs, add},
};
use std::net::SocketAddr;

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
    let first = init(InitArgs {
        dir: dir.path().to_path_buf(),
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
