//! Moving house, the local side: an account lists its other accounts (`alsoKnownAs`) and,
//! once it has moved, says where (`movedTo`) and tells every follower (`Move`). The rules
//! that need no network are here; finding and checking the other account is federation's
//! (`federation::moving`).

use crate::{
    clock::now_ms,
    publishing::new_public_id,
    store::{ActivityKind, ActorRecord, NewActivity, Store},
};
use anyhow::Context;

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

fn activity(actor: &ActorRecord, kind: ActivityKind, object_json: Option<String>) -> NewActivity {
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
    let update = activity(actor, ActivityKind::Update, None);
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
    let update = activity(actor, ActivityKind::Update, None);
    let moving = activity(actor, ActivityKind::Move, Some(target_id.to_string()));
    store
        .move_actor(actor.id, target_id, &update, &moving, now_ms())
        .await
}
