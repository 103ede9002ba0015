//! Local actors: the village itself, its institutions (Karang Taruna, BUMDes, PKK), or
//! several villages hosted on one domain; plus the instance actor that signs fetches.
//! Owns the rules for usernames and creates key pairs.

use crate::{
    clock::now_ms,
    publishing::new_public_id,
    store::{ActivityKind, ActorRecord, NewActivity, NewActor, Store},
    urls::{INSTANCE_ACTOR_USERNAME, Urls},
};
use anyhow::Context;

/// A username as Mastodon accepts it (`[a-z0-9_]+([.-]+[a-z0-9_]+)*`), lower case, that
/// also makes a Bluesky handle through Bridgy Fed: it turns `@name@host` into
/// `name.host.ap.brid.gy`, `_` into `-` (`ids.py`, `DASH_CHARS`), and refuses a result
/// that is not an AT Protocol handle, whose dot-separated parts must start and end with a
/// letter or digit. So the name starts and ends with one, and no `.` touches another
/// `.`, a `_` or a `-`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(input: &str) -> anyhow::Result<Self> {
        let name = input.trim().trim_start_matches('@').to_ascii_lowercase();
        let valid_chars = name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        let bluesky_parts_ok = name.split('.').all(|part| {
            part.starts_with(|c: char| c.is_ascii_alphanumeric())
                && part.ends_with(|c: char| c.is_ascii_alphanumeric())
        });
        if name.len() > 30 || !valid_chars || !bluesky_parts_ok {
            anyhow::bail!(
                "username {input:?} is not valid: use 1 to 30 letters a-z and digits, with '_', '-' or '.' inside and a letter or digit on each side of a '.' (for example desa-jangkarasam)"
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
        summary: if summary.trim().is_empty() {
            String::new()
        } else {
            crate::publishing::markdown::render(summary)
        },
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

/// Changes to a local actor's profile; `None` keeps the current value.
#[derive(Clone, Debug, Default)]
pub struct ProfileChanges {
    pub name: Option<String>,
    /// Markdown.
    pub summary: Option<String>,
    /// The avatar's URL; empty goes back to the drawn avatar (see `render::actor`).
    pub icon_url: Option<String>,
    /// The header picture's URL; empty removes it.
    pub image_url: Option<String>,
    /// `NAME=VALUE` pairs, shown as profile fields; replaces all fields when given.
    pub fields: Option<Vec<String>>,
}

impl ProfileChanges {
    /// Whether it changes nothing (and so needs no Update).
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.summary.is_none()
            && self.icon_url.is_none()
            && self.image_url.is_none()
            && self.fields.is_none()
    }
}

/// Mastodon shows four profile fields.
pub const MAX_PROFILE_FIELDS: usize = 4;

/// A name and value shown on the profile (Mastodon's profile metadata), as stored in
/// `fields_json`.
#[derive(Clone, Debug, serde::Deserialize, serde::Serialize)]
pub struct ProfileField {
    pub name: String,
    pub value: String,
}

fn profile_field(pair: &str) -> anyhow::Result<ProfileField> {
    let (name, value) = pair
        .split_once('=')
        .with_context(|| format!("profile field {pair:?} must look like NAME=VALUE"))?;
    let (name, value) = (name.trim(), value.trim());
    if name.is_empty() || name.chars().count() > 255 || value.chars().count() > 2_048 {
        anyhow::bail!(
            "profile field {pair:?} needs a name of 1 to 255 characters and a value of at most 2048"
        );
    }
    let escaped =
        crate::publishing::markdown::sanitize(&value.replace('<', "&lt;").replace('>', "&gt;"));
    let value = if value.starts_with("https://") || value.starts_with("http://") {
        crate::publishing::markdown::sanitize(&format!(
            "<a href=\"{escaped}\" rel=\"me\">{escaped}</a>"
        ))
    } else {
        escaped
    };
    Ok(ProfileField {
        name: name.to_string(),
        value,
    })
}

/// A picture's new URL: `None` keeps `current`, empty removes it, anything else must
/// be an http(s) URL, since followers' servers fetch it.
fn picture_url(
    what: &str,
    change: Option<&str>,
    current: &Option<String>,
) -> anyhow::Result<Option<String>> {
    match change.map(str::trim) {
        None => Ok(current.clone()),
        Some("") => Ok(None),
        Some(url) => {
            let parsed = url::Url::parse(url)
                .map_err(|_| anyhow::anyhow!("the {what} URL {url:?} is not a URL"))?;
            if !matches!(parsed.scheme(), "http" | "https") {
                anyhow::bail!("the {what} URL must start with https://");
            }
            Ok(Some(parsed.to_string()))
        }
    }
}

/// Edits a local actor's profile and queues the Update for its followers.
pub async fn edit_profile(
    store: &Store,
    actor: &ActorRecord,
    changes: &ProfileChanges,
) -> anyhow::Result<()> {
    let name = changes
        .name
        .as_deref()
        .unwrap_or(&actor.name)
        .trim()
        .to_string();
    if name.is_empty() || name.chars().count() > 100 {
        anyhow::bail!("the display name must have 1 to 100 characters");
    }
    let summary = match &changes.summary {
        Some(markdown) if markdown.chars().count() > 5_000 => {
            anyhow::bail!("the summary is longer than 5000 characters")
        }
        Some(markdown) => crate::publishing::markdown::render(markdown),
        None => actor.summary.clone(),
    };
    let icon_url = picture_url("icon", changes.icon_url.as_deref(), &actor.icon_url)?;
    let image_url = picture_url(
        "header image",
        changes.image_url.as_deref(),
        &actor.image_url,
    )?;
    let fields_json = match &changes.fields {
        Some(pairs) if pairs.len() > MAX_PROFILE_FIELDS => {
            anyhow::bail!("a profile has at most {MAX_PROFILE_FIELDS} fields")
        }
        Some(pairs) => {
            let fields = pairs
                .iter()
                .map(|p| profile_field(p))
                .collect::<anyhow::Result<Vec<_>>>()?;
            serde_json::to_string(&fields).context("encoding profile fields")?
        }
        None => actor.fields_json.clone(),
    };
    let profile = crate::store::ActorProfile {
        name,
        summary,
        icon_url,
        image_url,
        fields_json,
    };
    let update = crate::store::NewActivity {
        public_id: new_public_id(),
        actor_id: actor.id,
        kind: crate::store::ActivityKind::Update,
        post_id: None,
        object_json: None,
    };
    store
        .update_actor_profile(actor.id, &profile, &update, now_ms())
        .await
}

// Moving house, the local side: an account lists its other accounts (`alsoKnownAs`) and,
// once it has moved, says where (`movedTo`) and tells every follower (`Move`). Finding
// and checking the other account is federation's (`federation::moving`).

/// Mastodon keeps a handful of aliases; more is a mistake, not a use.
pub const MAX_ALIASES: usize = 10;

/// What changing the aliases did.
#[derive(Debug, PartialEq, Eq)]
pub enum AliasChange {
    Added,
    Removed,
    /// The alias was already there (adding) or was not (removing): nothing sent.
    Unchanged,
}

/// An activity of `actor` about no post.
fn own_activity(
    actor: &ActorRecord,
    kind: ActivityKind,
    object_json: Option<String>,
) -> NewActivity {
    NewActivity {
        public_id: new_public_id(),
        actor_id: actor.id,
        kind,
        post_id: None,
        object_json,
    }
}

/// Adds (`add`) or removes an account id to `actor`'s aliases; a change is sent to its
/// followers as a profile Update.
pub async fn change_alias(
    store: &Store,
    actor: &ActorRecord,
    account_id: &str,
    add: bool,
) -> anyhow::Result<AliasChange> {
    let mut aliases = actor.aliases();
    let present = aliases.iter().any(|alias| alias == account_id);
    let change = match (add, present) {
        (true, false) => {
            if account_id == actor.ap_id {
                anyhow::bail!(
                    "akun tidak bisa menjadi alias dirinya sendiri / an account cannot be its own alias"
                );
            }
            if aliases.len() >= MAX_ALIASES {
                anyhow::bail!(
                    "sudah ada {MAX_ALIASES} alias; hapus satu dulu / there are already {MAX_ALIASES} aliases; remove one first"
                );
            }
            aliases.push(account_id.to_string());
            AliasChange::Added
        }
        (false, true) => {
            aliases.retain(|alias| alias != account_id);
            AliasChange::Removed
        }
        _ => return Ok(AliasChange::Unchanged),
    };
    let json = serde_json::to_string(&aliases).context("encoding the aliases")?;
    let update = own_activity(actor, ActivityKind::Update, None);
    store
        .set_actor_aliases(actor.id, &json, &update, now_ms())
        .await?;
    Ok(change)
}

/// Marks `actor` as moved to `target_id` (already checked to name `actor` among its
/// aliases) and queues its profile Update and the Move to every follower; returns how
/// many follower inboxes the Move goes to.
pub async fn record_move(
    store: &Store,
    actor: &ActorRecord,
    target_id: &str,
) -> anyhow::Result<u64> {
    if target_id == actor.ap_id {
        anyhow::bail!(
            "akun tidak bisa pindah ke dirinya sendiri / an account cannot move to itself"
        );
    }
    let update = own_activity(actor, ActivityKind::Update, None);
    let moving = own_activity(actor, ActivityKind::Move, Some(target_id.to_string()));
    store
        .move_actor(actor.id, target_id, &update, &moving, now_ms())
        .await
}
