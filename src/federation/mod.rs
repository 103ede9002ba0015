//! ActivityPub lives here and only here: actors and objects on the wire, HTTP
//! signatures, the inbox, the delivery worker, WebFinger and NodeInfo. It turns wire
//! JSON into domain values and back; it renders no HTML.
//!
//! Built on activitypub_federation: it verifies incoming signatures and digests,
//! dereferences remote actors (signing those fetches with our instance actor), and
//! provides WebFinger helpers. Outgoing POSTs are signed by [`signing`] with the same
//! underlying library, so that the delivery worker sees status codes and `Retry-After`.

pub mod actor;
pub mod delivery;
pub mod inbox;
pub mod outbox_reader;
pub mod process;
pub mod render;
pub mod signature_policy;
pub mod signing;
pub mod village_post;
pub mod wellknown;

use crate::{actors::ensure_instance_actor, state::AppState};
use activitypub_federation::{config::FederationConfig, resolver::ValidatingDnsResolver};
use anyhow::Context;
use std::time::Duration;

pub type Data = activitypub_federation::config::Data<AppState>;

pub const ACTIVITY_JSON: &str = "application/activity+json";
pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// The HTTP client for every outgoing request: no redirects followed automatically, a
/// timeout, and (unless local federation or private networks are allowed) a resolver
/// that refuses private and loopback addresses.
pub fn http_client(state: &AppState) -> anyhow::Result<reqwest::Client> {
    let config = &state.config;
    let refuse_private = !(config.insecure_local || config.allow_private_addresses);
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(config.delivery.request_timeout)
        .connect_timeout(Duration::from_secs(5))
        .user_agent(format!(
            "Kentongan/{} (+{})",
            env!("CARGO_PKG_VERSION"),
            state.urls.base()
        ))
        .dns_resolver(ValidatingDnsResolver::new(vec![], refuse_private))
        .build()
        .context("building the HTTP client")
}

/// The federation library's configuration for this node.
pub async fn federation_config(state: AppState) -> anyhow::Result<FederationConfig<AppState>> {
    let instance = ensure_instance_actor(&state.store, &state.urls).await?;
    let instance = actor::DbActor::from_record(instance)?;
    let client = http_client(&state)?;
    let timeout = state.config.delivery.request_timeout;
    let insecure = state.config.insecure_local;
    if state.config.allow_private_addresses
        && !insecure
        && std::env::var_os("DANGER_FEDERATION_ALLOW_LOCAL_IP").is_none()
    {
        // The library checks addresses itself outside debug mode and reads only this
        // variable; we may not set it for the process (no unsafe code here).
        tracing::warn!(
            "allow_private_addresses is on but DANGER_FEDERATION_ALLOW_LOCAL_IP=1 is not set: \
             fetches of actors on private addresses will still be refused"
        );
    }
    FederationConfig::builder()
        .domain(state.config.domain.clone())
        .app_data(state)
        .client(client.into())
        .debug(insecure)
        .allow_http_urls(insecure)
        .http_signature_compat(true)
        .request_timeout(timeout)
        .signed_fetch_actor(&instance)
        .build()
        .await
        .map_err(|err| anyhow::anyhow!("building the federation configuration: {err}"))
}

/// Whether we may fetch from or deliver to `url`: https (http only for local federation),
/// and no literal loopback, private or link-local address unless allowed. Names that
/// resolve to such addresses are refused by the client's resolver; literals never reach
/// a resolver, so they are checked here.
pub fn check_remote_url(url: &url::Url, config: &crate::config::Config) -> Result<(), String> {
    if config.insecure_local {
        return match url.scheme() {
            "http" | "https" => Ok(()),
            other => Err(format!("{other}: URLs are not fetched")),
        };
    }
    if url.scheme() != "https" {
        return Err(format!("{url} is not https"));
    }
    let private = match url.host() {
        Some(url::Host::Ipv4(ip)) => {
            ip.is_loopback()
                || ip.is_private()
                || ip.is_link_local()
                || ip.is_unspecified()
                || ip.is_broadcast()
        }
        Some(url::Host::Ipv6(ip)) => {
            let segments = ip.segments();
            ip.is_loopback()
                || ip.is_unspecified()
                || (segments[0] & 0xfe00) == 0xfc00
                || (segments[0] & 0xffc0) == 0xfe80
                || ip
                    .to_ipv4_mapped()
                    .is_some_and(|v4| v4.is_loopback() || v4.is_private())
        }
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => return Err(format!("{url} has no host")),
    };
    if private && !config.allow_private_addresses {
        return Err(format!("{url} is a private or loopback address"));
    }
    Ok(())
}
