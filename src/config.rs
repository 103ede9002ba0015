//! Reads `DIR/kentongan.toml` (plus `KENTONGAN_DATABASE_URL` from the environment) into
//! a validated [`Config`]. Two steps: a raw serde shape that mirrors the file, then the
//! checked values the rest of the program uses. Secrets never appear in `Debug`.

use crate::store::Store;
use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::{
    fmt,
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};
use url::Url;

pub const CONFIG_FILE: &str = "kentongan.toml";

/// What a node is for: a village publishes; a portal also follows villages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Village,
    Portal,
}

/// The file as written on disk. Every field is documented in the file `init` writes.
#[derive(Debug, Deserialize, Serialize)]
pub struct RawConfig {
    pub domain: String,
    pub listen: String,
    #[serde(default = "default_role")]
    pub role: Role,
    #[serde(default)]
    pub database_url: Option<String>,
    #[serde(default)]
    pub insecure_local: bool,
    #[serde(default)]
    pub allow_private_addresses: bool,
    #[serde(default)]
    pub delivery: RawDelivery,
}

fn default_role() -> Role {
    Role::Village
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct RawDelivery {
    pub concurrency: Option<usize>,
    pub request_timeout_secs: Option<u64>,
    pub retry_hours: Option<u64>,
}

/// How outgoing deliveries behave.
#[derive(Clone, Debug)]
pub struct DeliverySettings {
    /// Requests in flight at once, across all servers.
    pub concurrency: usize,
    /// A server that has not answered by then counts as failed for this attempt.
    pub request_timeout: Duration,
    /// How long a delivery is retried before it is given up.
    pub retry_window: Duration,
}

#[derive(Clone)]
pub struct Config {
    pub dir: PathBuf,
    /// `host` or `host:port`, as it appears in every id of this node.
    pub domain: String,
    pub base_url: Url,
    pub listen: SocketAddr,
    pub role: Role,
    database_url: String,
    pub insecure_local: bool,
    pub allow_private_addresses: bool,
    pub delivery: DeliverySettings,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("dir", &self.dir)
            .field("domain", &self.domain)
            .field("listen", &self.listen)
            .field("role", &self.role)
            .field("database", &"<hidden>")
            .field("insecure_local", &self.insecure_local)
            .finish()
    }
}

impl Config {
    /// Loads and validates `DIR/kentongan.toml`.
    pub fn load(dir: &Path) -> anyhow::Result<Self> {
        let path = dir.join(CONFIG_FILE);
        let text = std::fs::read_to_string(&path).map_err(|err| {
            anyhow::anyhow!(
                "cannot read {} ({err}); run `kentongan init --dir {}` first",
                path.display(),
                dir.display()
            )
        })?;
        let raw: RawConfig =
            toml::from_str(&text).with_context(|| format!("{} is not valid", path.display()))?;
        Self::from_raw(dir, raw)
    }

    pub fn from_raw(dir: &Path, raw: RawConfig) -> anyhow::Result<Self> {
        let domain = parse_domain(&raw.domain, raw.insecure_local)?;
        let scheme = if raw.insecure_local { "http" } else { "https" };
        let base_url = Url::parse(&format!("{scheme}://{domain}/"))
            .with_context(|| format!("{domain:?} does not make a valid URL"))?;
        let listen: SocketAddr = raw
            .listen
            .parse()
            .with_context(|| format!("listen address {:?} is not IP:PORT", raw.listen))?;
        let database_url = std::env::var("KENTONGAN_DATABASE_URL")
            .ok()
            .or(raw.database_url)
            .unwrap_or_else(|| Store::default_url(dir));
        crate::store::BackendKind::of_url(&database_url)?;
        let delivery = DeliverySettings {
            concurrency: raw.delivery.concurrency.unwrap_or(64).clamp(1, 1024),
            request_timeout: Duration::from_secs(
                raw.delivery
                    .request_timeout_secs
                    .unwrap_or(10)
                    .clamp(1, 120),
            ),
            retry_window: Duration::from_secs(
                3600 * raw.delivery.retry_hours.unwrap_or(96).clamp(1, 24 * 30),
            ),
        };
        Ok(Self {
            dir: dir.to_path_buf(),
            domain,
            base_url,
            listen,
            role: raw.role,
            database_url,
            insecure_local: raw.insecure_local,
            allow_private_addresses: raw.allow_private_addresses,
            delivery,
        })
    }

    pub fn database_url(&self) -> &str {
        &self.database_url
    }
}

/// Accepts `host` or, only for local federation, `host:port`.
pub fn parse_domain(input: &str, insecure_local: bool) -> anyhow::Result<String> {
    let domain = input.trim().trim_end_matches('/').to_ascii_lowercase();
    if domain.is_empty() || domain.contains("://") || domain.contains('/') {
        anyhow::bail!(
            "domain must be a host name such as desa.example (without http:// or a path), got {input:?}"
        );
    }
    let url = Url::parse(&format!("http://{domain}/"))
        .map_err(|_| anyhow::anyhow!("domain {input:?} is not a valid host name"))?;
    let host = url.host_str().unwrap_or_default();
    if host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
        anyhow::bail!(
            "domain must be a name, not an IP address (use localhost:PORT for local tests), got {input:?}"
        );
    }
    if url.port().is_some() && !insecure_local {
        anyhow::bail!("domain {input:?} has a port; ports are only allowed with --insecure-local");
    }
    Ok(domain)
}

/// The commented file `init` writes.
pub fn render_config_file(raw: &RawConfig) -> String {
    let database = match &raw.database_url {
        Some(url) => format!("database_url = {url:?}"),
        None => "# database_url = \"postgres://user@localhost/kentongan\"  # default: SQLite file kentongan.db here".to_string(),
    };
    format!(
        "# Kentongan node configuration.\n\
         # Host name (and, with insecure_local only, port) in every URL of this node.\n\
         domain = {domain:?}\n\
         # Address and port the HTTP server listens on (put a reverse proxy with HTTPS in front).\n\
         listen = {listen:?}\n\
         # village: publishes posts. portal: also follows villages.\n\
         role = {role:?}\n\
         # Database. KENTONGAN_DATABASE_URL in the environment takes precedence.\n\
         {database}\n\
         # Only for several nodes on one machine: http, explicit ports, loopback addresses.\n\
         insecure_local = {insecure}\n\
         # Allow fetching from and delivering to private network addresses (regency networks).\n\
         allow_private_addresses = {private}\n\
         \n\
         [delivery]\n\
         # Requests in flight at once.\n\
         # concurrency = 64\n\
         # Seconds a server may take to answer one delivery.\n\
         # request_timeout_secs = 10\n\
         # Hours a delivery is retried before it is given up.\n\
         # retry_hours = 96\n",
        domain = raw.domain,
        listen = raw.listen,
        role = match raw.role {
            Role::Village => "village",
            Role::Portal => "portal",
        },
        insecure = raw.insecure_local,
        private = raw.allow_private_addresses,
    )
}
