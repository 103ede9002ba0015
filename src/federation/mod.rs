//! ActivityPub lives here and only here: actors and objects on the wire, HTTP
//! signatures, the inbox, the delivery worker, WebFinger and NodeInfo. It turns wire
//! JSON into domain values and back; it renders no HTML.
//!
//! Built on activitypub_federation: it dereferences remote actors (signing those fetches
//! with our instance actor). Incoming signatures and digests, draft-cavage or RFC 9421,
//! are checked by [`inbox`] with [`signature_policy`]; outgoing POSTs are signed by
//! [`signing`] (RFC 9421 first, draft-cavage for the servers that want it), so that the
//! delivery worker sees status codes and `Retry-After`. Which addresses any request may reach is
//! decided in one place, [`addresses`]; WebFinger lookups of remote accounts are
//! [`lookup`]'s.

pub mod activities;
pub mod actor;
pub mod addresses;
pub mod delivery;
pub mod fetch;
#[cfg(test)]
mod golden;
pub mod inbox;
pub mod lookup;
pub mod message_signatures;
pub mod moving;
pub mod outbox_reader;
pub mod portal_jobs;
pub mod process;
pub mod protocol;
pub mod render;
pub mod signature_policy;
pub mod signing;
pub mod verifying;
pub mod village_post;
pub mod wellknown;

use crate::{actors::ensure_instance_actor, state::AppState};
use activitypub_federation::{
    config::{FederationConfig, UrlVerifier},
    error::Error as LibraryError,
};
use anyhow::Context;
use std::{collections::HashMap, time::Duration};

pub type Data = activitypub_federation::config::Data<AppState>;

pub const ACTIVITY_JSON: &str = "application/activity+json";
pub use protocol::PUBLIC;
/// The longest id or URL kept from another server (an activity's `id`, an actor's
/// `inbox`, a note's `url`). Real ones are under 200 bytes; the portal's feed reader
/// keeps the same 2,000.
pub const MAX_ID_BYTES: usize = 2_000;
/// The longest public key kept for a remote actor: an RSA key of 8192 bits is about
/// 1.5 KB in PEM.
pub const MAX_PUBLIC_KEY_BYTES: usize = 16 * 1024;

/// The HTTP client of a site's outgoing requests, made when the site opened
/// ([`HttpClients`]).
pub fn http_client(state: &AppState) -> anyhow::Result<reqwest::Client> {
    Ok(state.http.clone())
}

/// The HTTP clients of the sites a process serves, one per distinct setting: no
/// redirects followed automatically, a timeout, TLS that trusts the system's certificate
/// store plus `extra_ca_certificates`, HTTP/2 where the server offers it (ALPN), and a
/// resolver that connects only to the addresses [`addresses`] allows.
///
/// The sites of a hosting node share one (docs/adr/0002 point 5): its connection pool
/// and its parsed certificate store cost about a megabyte, paid once rather than by
/// every site each time it opens.
#[derive(Clone, Default)]
pub struct HttpClients {
    made: std::sync::Arc<std::sync::Mutex<HashMap<ClientSettings, reqwest::Client>>>,
}

impl HttpClients {
    /// The client for a site of `config`, made the first time these settings are seen.
    pub fn for_config(&self, config: &crate::config::Config) -> anyhow::Result<reqwest::Client> {
        let settings = ClientSettings {
            request_timeout: config.delivery.request_timeout,
            addresses: config.addresses,
            extra_roots_digest: config.extra_roots_digest,
            user_agent_url: config.user_agent_url.to_string(),
        };
        let mut made = self
            .made
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(client) = made.get(&settings) {
            return Ok(client.clone());
        }
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.request_timeout)
            .connect_timeout(Duration::from_secs(5))
            .user_agent(format!(
                "Kentongan/{} (+{})",
                env!("CARGO_PKG_VERSION"),
                settings.user_agent_url
            ))
            .tls_certs_merge(config.extra_roots.iter().cloned())
            .dns_resolver(addresses::PolicyResolver::new(config.addresses))
            .build()
            .context("building the HTTP client")?;
        made.insert(settings, client.clone());
        Ok(client)
    }
}

/// What makes one HTTP client differ from another.
#[derive(PartialEq, Eq, Hash)]
struct ClientSettings {
    request_timeout: Duration,
    addresses: addresses::AddressPolicy,
    extra_roots_digest: [u8; 32],
    user_agent_url: String,
}

/// The library's last check of every URL it fetches or receives, ours: https (http only
/// for local federation), no explicit port outside local federation, and no IP literal
/// the address policy refuses. Names are judged when they are resolved.
#[derive(Clone)]
struct RemoteUrlCheck {
    config: std::sync::Arc<crate::config::Config>,
}

#[async_trait::async_trait]
impl UrlVerifier for RemoteUrlCheck {
    async fn verify(&self, url: &url::Url) -> Result<(), LibraryError> {
        remote_url_verdict(url, &self.config)
    }
}

fn remote_url_verdict(url: &url::Url, config: &crate::config::Config) -> Result<(), LibraryError> {
    if !config.insecure_local && url.port().is_some() {
        return Err(LibraryError::UrlVerificationError(
            "explicit ports are only allowed for local federation",
        ));
    }
    check_remote_url(url, config).map_err(|reason| {
        tracing::info!(%url, %reason, "refused a remote URL");
        LibraryError::UrlVerificationError("the URL's address is not one we connect to")
    })
}

/// What the library checks of an incoming activity's id before it fetches the actor
/// (its `verify_url_and_domain`, not public), for the inbox, which verifies signatures
/// itself since it reads RFC 9421 too: on the actor's domain, https (http only for local
/// federation), a name and not an address, not one of ours, and one [`RemoteUrlCheck`]
/// accepts.
pub fn check_activity_id(
    id: &url::Url,
    actor: &url::Url,
    config: &crate::config::Config,
) -> Result<(), LibraryError> {
    activitypub_federation::protocol::verification::verify_domains_match(id, actor)?;
    match id.scheme() {
        "https" => {}
        "http" if config.insecure_local => {}
        "http" => {
            return Err(LibraryError::UrlVerificationError(
                "Http urls are only allowed in debug mode",
            ));
        }
        _ => return Err(LibraryError::UrlVerificationError("Invalid url scheme")),
    }
    let Some(domain) = id.domain() else {
        return Err(LibraryError::UrlVerificationError("Url must have a domain"));
    };
    let authority = match id.port() {
        Some(port) => format!("{domain}:{port}"),
        None => domain.to_string(),
    };
    if authority == config.domain {
        return Err(LibraryError::UrlVerificationError(
            "Activity was sent from local instance",
        ));
    }
    remote_url_verdict(id, config)
}

/// The federation library's configuration for this node.
///
/// The library runs in its `debug` mode in every mode of ours: in 0.7.0-beta.14 that
/// switch only turns off its own address checks (which refuse every private address
/// unless a process-wide environment variable is set, and so could not honour
/// `allow_private_addresses`) and makes its WebFinger use http, which we do not use
/// (see [`lookup`]). Addresses are checked by [`RemoteUrlCheck`] and, at connect time,
/// by the client's resolver. docs/adr/0001-address-checks.md says more.
pub async fn federation_config(state: AppState) -> anyhow::Result<FederationConfig<AppState>> {
    let instance = ensure_instance_actor(&state.store, &state.urls).await?;
    let instance = actor::DbActor::from_record(instance)?;
    let client = http_client(&state)?;
    let timeout = state.config.delivery.request_timeout;
    let insecure = state.config.insecure_local;
    let check = RemoteUrlCheck {
        config: state.config.clone(),
    };
    FederationConfig::builder()
        .domain(state.config.domain.clone())
        .app_data(state)
        .client(client.into())
        .debug(true)
        .allow_http_urls(insecure)
        .url_verifier(Box::new(check))
        .http_signature_compat(true)
        .request_timeout(timeout)
        .signed_fetch_actor(&instance)
        .build()
        .await
        .map_err(|err| anyhow::anyhow!("building the federation configuration: {err}"))
}

/// Whether we may fetch from or deliver to `url`: https (http only for local
/// federation), and no IP literal that the address policy refuses. Names are judged by
/// the client's resolver when it connects, since only then are their addresses known.
pub fn check_remote_url(url: &url::Url, config: &crate::config::Config) -> Result<(), String> {
    match url.scheme() {
        "https" => {}
        "http" if config.insecure_local => {}
        "http" => return Err(format!("{url} is not https")),
        other => return Err(format!("{other}: URLs are not fetched")),
    }
    let ip = match url.host() {
        Some(url::Host::Ipv4(ip)) => std::net::IpAddr::V4(ip),
        Some(url::Host::Ipv6(ip)) => std::net::IpAddr::V6(ip),
        Some(url::Host::Domain(_)) => return Ok(()),
        None => return Err(format!("{url} has no host")),
    };
    match config.addresses.refusal(&ip.to_string(), ip.to_canonical()) {
        Some(reason) => Err(reason),
        None => Ok(()),
    }
}
