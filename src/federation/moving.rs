//! Moving house, the network side: finding the other account an operator names (a
//! handle, by WebFinger, or its id) and checking a move's target as Mastodon does —
//! fetched afresh, it must name the moving account in its `alsoKnownAs` and must not
//! itself have moved. Used by `kentongan actor alias`/`move` for our accounts and by the
//! inbox for a Move another server sends (`activities::moving`).

use super::{
    Data,
    actor::{ApActor, DbActor},
    protocol::incoming::ids,
};
use crate::{
    actors::{self as local, AliasChange},
    store::ActorRecord,
};
use activitypub_federation::{fetch::fetch_object_http, traits::Object};
use anyhow::Context;
use url::Url;

/// The id of the account `account` names: an `http(s)` URL as it is, a handle
/// (`@name@host` or `name@host`) by WebFinger at its host.
pub async fn account_id(data: &Data, account: &str) -> anyhow::Result<Url> {
    let account = account.trim();
    if account.starts_with("https://") || account.starts_with("http://") {
        let url = Url::parse(account).with_context(|| format!("{account:?} is not a URL"))?;
        super::check_remote_url(&url, &data.config).map_err(anyhow::Error::msg)?;
        return Ok(url);
    }
    super::lookup::actor_id_of(account, data).await
}

/// A remote account fetched afresh (never from the store: a move is judged on what the
/// account says now), checked and stored as any actor, with what it says of moving.
pub struct FreshAccount {
    pub actor: DbActor,
    /// Its `alsoKnownAs` ids.
    pub aliases: Vec<String>,
    /// Its own `movedTo`, if it moved.
    pub moved_to: Option<String>,
}

pub async fn fetch_fresh(data: &Data, id: &Url) -> anyhow::Result<FreshAccount> {
    if super::actor::host_of(id) == data.config.domain {
        anyhow::bail!("{id} adalah akun situs ini sendiri / {id} is an account of this very site");
    }
    let fetched = fetch_object_http::<_, ApActor>(id, data)
        .await
        .map_err(|err| anyhow::anyhow!("fetching {id}: {err}"))?;
    let json = fetched.object;
    let aliases = ids(json.also_known_as.as_ref())
        .into_iter()
        .map(str::to_string)
        .collect();
    let moved_to = json
        .moved_to
        .as_ref()
        .and_then(super::protocol::incoming::object_id)
        .map(str::to_string);
    DbActor::verify(&json, id, data)
        .await
        .map_err(|err| anyhow::anyhow!("{id} is not a usable account: {err}"))?;
    let actor = DbActor::from_json(json, data)
        .await
        .map_err(|err| anyhow::anyhow!("keeping {id}: {err}"))?;
    Ok(FreshAccount {
        actor,
        aliases,
        moved_to,
    })
}

/// Why `fresh`, fetched at `target`, is no new home for the account `origin`, as Mastodon
/// judges it: it must be the account asked for, list `origin` among its aliases and not
/// have moved on itself. `None` when it may be moved to.
pub fn refusal(fresh: &FreshAccount, origin: &str, target: &Url) -> Option<String> {
    if fresh.actor.ap_id.as_str() != target.as_str() {
        return Some(format!(
            "{target} answered as another account ({})",
            fresh.actor.ap_id
        ));
    }
    if !fresh.aliases.iter().any(|alias| alias == origin) {
        return Some(format!(
            "{target} tidak menyebut {origin} sebagai alias (alsoKnownAs): tambahkan dulu di sana / {target} does not name {origin} among its aliases (alsoKnownAs): add it there first"
        ));
    }
    fresh.moved_to.as_ref().map(|onwards| {
        format!(
            "{target} sendiri sudah pindah ke {onwards} / {target} has itself moved to {onwards}"
        )
    })
}

/// `kentongan actor alias`: adds or removes the account `account` as one of `actor`'s
/// aliases. Adding looks the account up (it must exist); removing takes the id as kept
/// when the account cannot be found any more.
pub async fn change_alias(
    data: &Data,
    actor: &ActorRecord,
    account: &str,
    add: bool,
) -> anyhow::Result<(String, AliasChange)> {
    let id = match account_id(data, account).await {
        Ok(id) => id.to_string(),
        Err(_) if !add && actor.aliases().iter().any(|alias| alias == account.trim()) => {
            account.trim().to_string()
        }
        Err(err) => return Err(err),
    };
    if add {
        fetch_fresh(data, &Url::parse(&id).context("an account id")?).await?;
    }
    let change = local::change_alias(&data.store, actor, &id, add).await?;
    Ok((id, change))
}

/// `kentongan actor move`: checks that the account `account` names `actor` among its
/// aliases, then marks `actor` moved there and tells its followers. Returns the new
/// account's id and how many follower inboxes the Move goes to.
pub async fn move_to(
    data: &Data,
    actor: &ActorRecord,
    account: &str,
) -> anyhow::Result<(String, u64)> {
    let target = account_id(data, account).await?;
    let fresh = fetch_fresh(data, &target).await?;
    if let Some(reason) = refusal(&fresh, &actor.ap_id, &target) {
        anyhow::bail!(reason);
    }
    let told = local::record_move(&data.store, actor, fresh.actor.ap_id.as_str()).await?;
    Ok((fresh.actor.ap_id.to_string(), told))
}
