//! Local actors: the village itself, its institutions (Karang Taruna, BUMDes, PKK), or
//! several villages hosted on one domain; plus the instance actor that signs fetches.
//! Owns the rules for usernames and creates key pairs.

use crate::{
    clock::now_ms,
    store::{ActorRecord, NewActor, Store},
    urls::{INSTANCE_ACTOR_USERNAME, Urls},
};
use anyhow::Context;

/// A username as Mastodon accepts it (`[a-z0-9_]+([.-]+[a-z0-9_]+)*`), lower case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(input: &str) -> anyhow::Result<Self> {
        let name = input.trim().trim_start_matches('@').to_ascii_lowercase();
        let valid_chars = name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        let starts_ends_well = edge_ok(name.chars().next()) && edge_ok(name.chars().last());
        if name.is_empty() || name.len() > 30 || !valid_chars || !starts_ends_well {
            anyhow::bail!(
                "username {input:?} is not valid: use 1 to 30 letters a-z, digits, '_' and, inside, '-' or '.' (for example desa-jangkarasam)"
            );
        }
        if name == INSTANCE_ACTOR_USERNAME {
            anyhow::bail!("username {input:?} is reserved for the node itself");
        }
        Ok(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The ActivityPub type of a local actor. Mastodon shows `Organization` like a person's
/// account, without the bot or group badge: right for a village office.
pub const LOCAL_ACTOR_KIND: &str = "Organization";
pub const INSTANCE_ACTOR_KIND: &str = "Application";

fn generate_keys() -> anyhow::Result<activitypub_federation::http_signatures::Keypair> {
    activitypub_federation::http_signatures::generate_actor_keypair()
        .map_err(|err| anyhow::anyhow!("generating an RSA key pair failed: {err}"))
}

/// Creates a publishing actor with a fresh key pair.
pub async fn create_local_actor(
    store: &Store,
    urls: &Urls,
    username: &Username,
    name: &str,
    summary: &str,
) -> anyhow::Result<ActorRecord> {
    if store
        .local_actor_by_username(username.as_str())
        .await?
        .is_some()
    {
        anyhow::bail!(
            "an actor named {} already exists on this node",
            username.as_str()
        );
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        anyhow::bail!("the display name must have 1 to 100 characters");
    }
    let keys = tokio::task::spawn_blocking(generate_keys)
        .await
        .context("generating keys")??;
    let ap_id = urls.actor(username.as_str());
    let actor = NewActor {
        ap_id: ap_id.to_string(),
        is_local: true,
        kind: LOCAL_ACTOR_KIND.to_string(),
        username: username.as_str().to_string(),
        host: urls_host(urls),
        name: name.to_string(),
        summary: summary.to_string(),
        icon_url: None,
        profile_url: Some(ap_id.to_string()),
        inbox_url: urls.inbox(username.as_str()).to_string(),
        shared_inbox_url: Some(urls.shared_inbox().to_string()),
        public_key_pem: keys.public_key,
        private_key_pem: Some(keys.private_key),
        fields_json: "[]".to_string(),
    };
    store.upsert_actor(&actor, now_ms()).await
}

/// The instance actor (`/actor`), created on first use.
pub async fn ensure_instance_actor(store: &Store, urls: &Urls) -> anyhow::Result<ActorRecord> {
    if let Some(actor) = store.actor_by_ap_id(urls.instance_actor().as_str()).await? {
        return Ok(actor);
    }
    let keys = tokio::task::spawn_blocking(generate_keys)
        .await
        .context("generating keys")??;
    let actor = NewActor {
        ap_id: urls.instance_actor().to_string(),
        is_local: true,
        kind: INSTANCE_ACTOR_KIND.to_string(),
        username: INSTANCE_ACTOR_USERNAME.to_string(),
        host: urls_host(urls),
        name: urls_host(urls),
        summary: String::new(),
        icon_url: None,
        profile_url: Some(urls.base().to_string()),
        inbox_url: urls.shared_inbox().to_string(),
        shared_inbox_url: Some(urls.shared_inbox().to_string()),
        public_key_pem: keys.public_key,
        private_key_pem: Some(keys.private_key),
        fields_json: "[]".to_string(),
    };
    store.upsert_actor(&actor, now_ms()).await
}

/// Local actors that publish (everyone but the instance actor), oldest first.
pub async fn publishing_actors(store: &Store) -> anyhow::Result<Vec<ActorRecord>> {
    Ok(store
        .local_actors()
        .await?
        .into_iter()
        .filter(|actor| actor.kind != INSTANCE_ACTOR_KIND)
        .collect())
}

/// Finds a publishing actor by username, or the node's main actor when none is named.
pub async fn find_publishing_actor(
    store: &Store,
    username: Option<&str>,
) -> anyhow::Result<ActorRecord> {
    let actors = publishing_actors(store).await?;
    match username {
        None => actors
            .into_iter()
            .next()
            .context("this node has no actor yet; run `kentongan init`"),
        Some(name) => {
            let name = name.trim_start_matches('@').to_ascii_lowercase();
            actors
                .into_iter()
                .find(|actor| actor.username == name)
                .with_context(|| format!("there is no actor named {name:?} on this node"))
        }
    }
}

/// `host[:port]` of the node, as stored for local actors.
pub fn urls_host(urls: &Urls) -> String {
    let base = urls.base();
    match base.port() {
        Some(port) => format!("{}:{port}", base.host_str().unwrap_or_default()),
        None => base.host_str().unwrap_or_default().to_string(),
    }
}
