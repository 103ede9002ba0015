//! A hosting node as the hosting tests use it: a data directory whose first site is the
//! regency's portal `kabupaten`, with villages added beside it (`site add`), each reached
//! on a loopback port of its own of the same node, since the fake residents' servers
//! ([`super::peer`]) resolve `localhost` only. [`Prepared`] is the directory before it
//! is served (to change a village's config or disk first), [`Hosting`] the node serving
//! it.

use super::{Backend, TestDb, loopback_listener, peer::Peer};
use kentongan::{
    cli::{InitArgs, InitOutcome, init},
    config::Role,
    hosting::{HostingNode, SiteAddArgs, add},
};
use std::path::{Path, PathBuf};

/// A village of the hosting node, reached on its own port.
pub struct Village {
    /// `localhost:PORT`, the village's domain.
    pub host: String,
    pub base: String,
    pub actor: String,
    /// The village's API token, printed by `site add`.
    pub token: String,
    /// The village's folder under `sites/`.
    pub dir: PathBuf,
}

/// A hosting node's directory, before it is served.
pub struct Prepared {
    /// The portal's domain, `localhost:PORT`.
    pub first_host: String,
    pub villages: Vec<Village>,
    pub db: TestDb,
    pub dir: tempfile::TempDir,
    listener: tokio::net::TcpListener,
    listeners: Vec<tokio::net::TcpListener>,
}

/// The same, served.
pub struct Hosting {
    pub node: HostingNode,
    pub first_host: String,
    pub villages: Vec<Village>,
    pub db: TestDb,
    pub dir: tempfile::TempDir,
    servers: Vec<tokio::task::JoinHandle<()>>,
}

/// The hosting node's first site, at the root of `dir`: the regency's portal `kabupaten`
/// at `domain`, listening on `port` (`insecure_local`: a local name served over HTTP).
pub async fn init_portal(
    dir: &Path,
    domain: String,
    port: u16,
    db: &TestDb,
    insecure_local: bool,
) -> InitOutcome {
    init(InitArgs {
        dir: dir.to_path_buf(),
        domain,
        username: "kabupaten".into(),
        name: "Portal Kabupaten".into(),
        role: Role::Portal,
        listen: format!("127.0.0.1:{port}"),
        database_url: db.url.clone(),
        insecure_local,
        admin_username: "admin".into(),
    })
    .await
    .expect("init")
}

/// `site add` of the village `name` (its account `username`) at `host`, beside the
/// node's first site in `dir`; its admin is `admin`.
pub async fn add_village(dir: &Path, host: &str, username: &str, name: &str) -> InitOutcome {
    add(SiteAddArgs {
        dir: dir.to_path_buf(),
        domain: host.to_string(),
        username: username.into(),
        name: name.into(),
        role: Role::Village,
        admin_username: "admin".into(),
    })
    .await
    .expect("site add")
}

impl Prepared {
    /// The portal and a village for each of `names` (its account's name; the village is
    /// "Desa NAME"), each on its own port.
    pub async fn new(backend: &Backend, names: &[&str]) -> Self {
        let db = TestDb::create(backend).await;
        let dir = tempfile::tempdir().expect("data directory");
        let (listener, port) = loopback_listener().await;
        let first_host = format!("localhost:{port}");
        init_portal(dir.path(), first_host.clone(), port, &db, true).await;
        let mut villages = Vec::new();
        let mut listeners = Vec::new();
        for name in names {
            let (listener, port) = loopback_listener().await;
            let host = format!("localhost:{port}");
            let added = add_village(dir.path(), &host, name, &format!("Desa {name}")).await;
            let base = format!("http://{host}");
            villages.push(Village {
                actor: format!("{base}/u/{name}"),
                dir: kentongan::hosting::find(dir.path(), Some(&host)).expect("the site's folder"),
                host,
                base,
                token: added.token,
            });
            listeners.push(listener);
        }
        Self {
            first_host,
            villages,
            db,
            dir,
            listener,
            listeners,
        }
    }

    /// Serves the node: the portal on its port, each village on its own.
    pub async fn serve(self) -> Hosting {
        let node = HostingNode::start(self.dir.path(), self.listener)
            .await
            .expect("serve");
        let servers = self
            .listeners
            .into_iter()
            .map(|listener| kentongan::app::spawn_server(listener, node.sites.router()))
            .collect();
        Hosting {
            node,
            first_host: self.first_host,
            villages: self.villages,
            db: self.db,
            dir: self.dir,
            servers,
        }
    }
}

impl Hosting {
    pub async fn start(backend: &Backend, names: &[&str]) -> Self {
        Prepared::new(backend, names).await.serve().await
    }

    pub async fn stop(self) {
        for server in &self.servers {
            server.abort();
        }
        self.node.stop().await;
        self.db.drop_database().await;
    }
}

impl Village {
    /// `peer`'s actor `name` asks to follow the village (its Accept comes later).
    pub async fn followed_by(&self, peer: &Peer, name: &str) {
        let (status, body) = peer
            .send(
                name,
                &format!("{}/inbox", self.actor),
                &peer.follow(name, &self.actor),
            )
            .await;
        assert_eq!(status, 202, "{body}");
    }
}
