//! Shared test machinery: both database backends, both shapes of network (loopback
//! HTTP with ports, and production shape behind nginx: [`production`]), in-process
//! nodes, a fake fediverse server ([`peer`]) and polling with a deadline.

pub mod hosted;
pub mod peer;
pub mod production;
pub mod residents;
pub mod session;
pub mod small_disk;

use kentongan::{
    app::Node,
    cli::{InitArgs, init},
    config::{Config, Role},
    store::PostRecord,
};
use std::{future::Future, time::Duration};
use tokio::net::TcpListener;

/// Which database a test runs on.
#[derive(Clone, Debug)]
pub enum Backend {
    Sqlite,
    Postgres(String),
}

impl Backend {
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }
}

/// SQLite always; PostgreSQL when `TEST_POSTGRES_URL` is set (it is in CI).
fn backends() -> Vec<Backend> {
    let mut list = vec![Backend::Sqlite];
    match std::env::var("TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => list.push(Backend::Postgres(url)),
        _ => eprintln!("SKIPPED the PostgreSQL half of this test: TEST_POSTGRES_URL is not set"),
    }
    list
}

/// Runs `test` on every backend of [`backends`], one after the other. A failure says
/// which backend it happened on.
pub async fn on_every_backend<F, Fut>(mut test: F)
where
    F: FnMut(Backend) -> Fut,
    Fut: Future<Output = ()>,
{
    for backend in backends() {
        let on = format!("the {} backend", backend.name());
        run_naming(&on, test(backend)).await;
    }
}

/// Runs `test` on every backend in every shape of [`setups`]. A failure says which.
pub async fn on_every_setup<F, Fut>(mut test: F)
where
    F: FnMut(Backend, Shape) -> Fut,
    Fut: Future<Output = ()>,
{
    for (backend, shape) in setups() {
        let on = format!("the {} backend, {}", backend.name(), shape.name());
        run_naming(&on, test(backend, shape)).await;
    }
}

/// Awaits `run`; if it panics, panics again with `on` in front of the message (the
/// first panic has already printed where it happened).
async fn run_naming(on: &str, run: impl Future<Output = ()>) {
    use futures::FutureExt;
    eprintln!("on {on}");
    if let Err(panic) = std::panic::AssertUnwindSafe(run).catch_unwind().await {
        let message = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("(no message)");
        panic!("failed on {on}: {message}");
    }
}

/// How a test's servers are reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// `http://localhost:PORT`, nodes with `insecure_local`: quick.
    Loopback,
    /// `https://NAME` through nginx with TLS and HTTP/2, nodes in production mode.
    Production,
}

impl Shape {
    pub fn name(&self) -> &'static str {
        match self {
            Shape::Loopback => "loopback",
            Shape::Production => "production shape",
        }
    }
}

/// Loopback always; production shape where this machine can run it (root, port 443,
/// nginx), else SKIPPED with the reason. CI can.
pub fn shapes() -> Vec<Shape> {
    match production::proxy() {
        Ok(_) => vec![Shape::Loopback, Shape::Production],
        Err(reason) => {
            eprintln!("SKIPPED the production-shaped half of this test: {reason}");
            vec![Shape::Loopback]
        }
    }
}

/// Every backend in every shape this machine can run.
fn setups() -> Vec<(Backend, Shape)> {
    let shapes = shapes();
    backends()
        .into_iter()
        .flat_map(|backend| shapes.iter().map(move |shape| (backend.clone(), *shape)))
        .collect()
}

/// Where a server listening on `port` is reached in `shape`: its domain (host, with
/// the port only on loopback) and its base URL.
pub fn address(shape: Shape, label: &str, port: u16) -> (String, String) {
    match shape {
        Shape::Loopback => {
            let domain = format!("localhost:{port}");
            let base = format!("http://{domain}");
            (domain, base)
        }
        Shape::Production => {
            let proxy = production::proxy().expect("the production shape is available");
            let domain = proxy.name_for(label, port);
            let base = format!("https://{domain}");
            (domain, base)
        }
    }
}

/// A fresh database for one node: a temporary SQLite file, or a new PostgreSQL
/// database dropped when the test ends.
pub struct TestDb {
    pub url: Option<String>,
    admin_url: Option<String>,
    name: String,
}

fn random_suffix() -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    (0..12)
        .map(|_| (b'a' + rng.gen_range(0..26)) as char)
        .collect()
}

impl TestDb {
    pub async fn create(backend: &Backend) -> Self {
        match backend {
            Backend::Sqlite => Self {
                url: None,
                admin_url: None,
                name: String::new(),
            },
            Backend::Postgres(admin_url) => {
                use sqlx::Connection;
                let name = format!("kentongan_test_{}", random_suffix());
                let mut conn = sqlx::PgConnection::connect(admin_url)
                    .await
                    .expect("connect to TEST_POSTGRES_URL");
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await
                    .expect("create a test database");
                let mut url = url::Url::parse(admin_url).expect("TEST_POSTGRES_URL is a URL");
                url.set_path(&format!("/{name}"));
                Self {
                    url: Some(url.to_string()),
                    admin_url: Some(admin_url.clone()),
                    name,
                }
            }
        }
    }

    pub async fn drop_database(&self) {
        if let Some(admin_url) = &self.admin_url {
            use sqlx::Connection;
            if let Ok(mut conn) = sqlx::PgConnection::connect(admin_url).await {
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                )))
                .execute(&mut conn)
                .await;
            }
        }
    }
}

/// A Kentongan node running in this process on a loopback port: federating as
/// `localhost:PORT` with `--insecure-local`, or in production shape as a name behind
/// the test nginx, in production mode.
pub struct TestNode {
    pub node: Option<Node>,
    /// Kept so the data directory lives as long as the node.
    _dir: tempfile::TempDir,
    pub domain: String,
    pub base: String,
    pub username: String,
    pub db: TestDb,
    pub token: String,
    pub shape: Shape,
}

pub async fn loopback_listener() -> (TcpListener, u16) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let port = listener.local_addr().expect("address").port();
    (listener, port)
}

impl TestNode {
    pub async fn start(backend: &Backend, username: &str) -> Self {
        Self::start_with_role(backend, username, Role::Village).await
    }

    pub async fn start_with_role(backend: &Backend, username: &str, role: Role) -> Self {
        Self::start_configured(backend, username, role, &[]).await
    }

    /// A node whose kentongan.toml gets, before it starts, each `(table, lines)`: the
    /// lines go right under the table's header (`[inbox]`, `[delivery]`, …).
    pub async fn start_configured(
        backend: &Backend,
        username: &str,
        role: Role,
        settings: &[(&str, &str)],
    ) -> Self {
        Self::start_shaped(backend, Shape::Loopback, username, role, settings).await
    }

    /// A village node in `shape`.
    pub async fn start_in(backend: &Backend, shape: Shape, username: &str) -> Self {
        Self::start_shaped(backend, shape, username, Role::Village, &[]).await
    }

    /// A node in `shape`, configured as [`TestNode::start_configured`] does.
    pub async fn start_shaped(
        backend: &Backend,
        shape: Shape,
        username: &str,
        role: Role,
        settings: &[(&str, &str)],
    ) -> Self {
        let db = TestDb::create(backend).await;
        let dir = tempfile::tempdir().expect("temp dir");
        let (listener, port) = loopback_listener().await;
        let (domain, base) = address(shape, username, port);
        let token = init(InitArgs {
            dir: dir.path().to_path_buf(),
            domain: domain.clone(),
            username: username.to_string(),
            name: format!("Desa {username}"),
            role,
            listen: format!("127.0.0.1:{port}"),
            database_url: db.url.clone(),
            insecure_local: shape == Shape::Loopback,
            admin_username: "admin".into(),
        })
        .await
        .expect("init")
        .token;
        let path = dir.path().join("kentongan.toml");
        if shape == Shape::Production {
            // The test CA, trusted as a regency trusts its own.
            let proxy = production::proxy().expect("the production shape is available");
            let text = std::fs::read_to_string(&path).expect("config");
            let setting = format!(
                "extra_ca_certificates = [{:?}]\n",
                proxy.ca_file().display().to_string()
            );
            let text = text.replacen("\n[delivery]\n", &format!("{setting}\n[delivery]\n"), 1);
            std::fs::write(&path, text).expect("write config");
        }
        for (table, lines) in settings {
            let text = std::fs::read_to_string(&path).expect("config");
            assert!(
                text.contains(&format!("{table}\n")),
                "the config has no {table}"
            );
            let text = text.replacen(&format!("{table}\n"), &format!("{table}\n{lines}\n"), 1);
            std::fs::write(&path, text).expect("write config");
        }
        let config = load_config(dir.path(), shape);
        let node = Node::start(config, listener).await.expect("start node");
        Self {
            node: Some(node),
            base,
            domain,
            _dir: dir,
            username: username.to_string(),
            db,
            token,
            shape,
        }
    }

    pub fn state(&self) -> &kentongan::state::AppState {
        &self.node.as_ref().expect("running").state
    }

    /// Publishes a post as the node's actor, as an operator would.
    pub async fn publish(&self, input: &kentongan::publishing::PostInput) -> PostRecord {
        let store = &self.state().store;
        let actor = kentongan::actors::find_publishing_actor(store, None)
            .await
            .expect("the node's actor");
        kentongan::publishing::publish(store, &actor, input)
            .await
            .expect("publish")
    }

    /// Publishes a post with only a title and a body, everything else as the editor's
    /// defaults.
    pub async fn publish_text(&self, title: &str, body_markdown: &str) -> PostRecord {
        self.publish(&kentongan::publishing::PostInput {
            title: title.into(),
            body_markdown: body_markdown.into(),
            ..Default::default()
        })
        .await
    }

    /// A post's likes, boosts and public replies as the store counts them.
    pub async fn post_counts(&self, post_id: i64) -> kentongan::store::PostCounts {
        self.state()
            .store
            .post_by_id(post_id)
            .await
            .expect("read a post")
            .expect("the post")
            .counts
    }

    /// A ticket of this node by its registration number; it must exist.
    pub async fn ticket(&self, number: &str) -> kentongan::store::TicketRow {
        self.state()
            .store
            .ticket_by_number(number)
            .await
            .expect("read a ticket")
            .expect("the ticket exists")
    }

    /// Registers a village on this portal by its handle or feed, as `villages add` does
    /// (the worker takes it up on its next round).
    pub async fn register_village(
        &self,
        name: &str,
        source: &str,
    ) -> kentongan::store::VillageRecord {
        let input = kentongan::portal::registry::VillageInput {
            name: name.into(),
            source: source.into(),
            district: String::new(),
            code: String::new(),
        };
        kentongan::portal::registry::add(&self.state().store, &input)
            .await
            .expect("register a village")
    }

    pub fn actor_id(&self) -> String {
        format!("{}/u/{}", self.base, self.username)
    }

    pub async fn stop(mut self) {
        if let Some(node) = self.node.take() {
            node.stop().await;
        }
        self.db.drop_database().await;
    }

    /// Stops serving (the node is unreachable) but keeps its data and port.
    pub async fn go_offline(&mut self) {
        if let Some(node) = self.node.take() {
            node.stop().await;
        }
    }

    /// Serves again on the same port, with the same data.
    pub async fn come_back(&mut self) {
        self.come_back_with(|_| {}).await;
    }

    /// Serves again on the same port, with the same data and `change` made to the
    /// configuration.
    pub async fn come_back_with(&mut self, change: impl FnOnce(&mut Config)) {
        let mut config = load_config(self._dir.path(), self.shape);
        change(&mut config);
        let listener = TcpListener::bind(config.listen)
            .await
            .expect("bind the same port again");
        self.node = Some(Node::start(config, listener).await.expect("restart node"));
    }

    pub fn dir(&self) -> &std::path::Path {
        self._dir.path()
    }
}

/// The node's configuration; in production shape it may also reach loopback addresses
/// (every test name resolves to 127.0.0.1), as `DANGER_FEDERATION_ALLOW_LOCAL_IP` allows
/// a real process.
fn load_config(dir: &std::path::Path, shape: Shape) -> Config {
    let mut config = Config::load(dir).expect("config");
    if shape == Shape::Production {
        assert!(
            !config.insecure_local,
            "production shape runs in production mode"
        );
        config.addresses.loopback = true;
    }
    config
}

/// Polls `check` until it returns `Some`, failing the test with `what` after `limit`.
pub async fn eventually<T, F, Fut>(what: &str, limit: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        if tokio::time::Instant::now() > deadline {
            panic!("timed out after {limit:?} waiting for: {what}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub const WAIT: Duration = Duration::from_secs(30);

/// A client as a browser or another server would be: it trusts the test CA once the
/// production shape runs, and speaks HTTP/2 where the server offers it.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .tls_certs_merge(production::ca_certificate())
        .build()
        .expect("client")
}

pub const AP: &str = "application/activity+json";

/// GETs `url` as ActivityPub JSON: the status and the document (`null` when not JSON).
pub async fn get_json(url: &str) -> (u16, serde_json::Value) {
    let response = client()
        .get(url)
        .header("accept", AP)
        .send()
        .await
        .expect("GET");
    let status = response.status().as_u16();
    (
        status,
        response.json().await.unwrap_or(serde_json::Value::Null),
    )
}

/// `kentongan post --dir DIR --site SITE`, as an operator runs it beside the node (in this
/// process; it wakes the node through the directory's wake socket).
pub async fn post_from_the_command_line(dir: &std::path::Path, site: &str, title: &str) {
    kentongan::cli::run(
        <kentongan::cli::Cli as clap::Parser>::try_parse_from([
            "kentongan",
            "post",
            "--dir",
            dir.to_str().expect("path"),
            "--site",
            site,
            "--title",
            title,
            "--body",
            "Di balai desa.",
        ])
        .expect("arguments"),
    )
    .await
    .expect("kentongan post");
}
