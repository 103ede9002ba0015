//! A Move: an account tells its followers it moved to another (Mastodon's account
//! migration, `kentongan actor move` on our side). A portal that follows the moving
//! village follows it at its new account, on the same registry entry, so the village's
//! monitoring history stays whole. Anywhere else there is nothing to do: a village node
//! follows no one, and residents' own servers move their follows themselves.

use super::{ActError, Data, IncomingActivity, village_of};
use crate::{
    aspirations::moderation::NotAccepted,
    federation::moving::{fetch_fresh, refusal},
    portal::jobs::VillageMoved,
};
use url::Url;

pub async fn act(
    data: &Data,
    activity: &IncomingActivity,
    object: &str,
    target: &str,
) -> Result<(), ActError> {
    // The signature proved who sent it: only that account may be moved by it.
    if object != activity.actor.as_str() {
        return Err(NotAccepted("a Move must move the account that sends it".into()).into());
    }
    let Some(village) = village_of(data, object).await? else {
        return Ok(());
    };
    let target =
        Url::parse(target).map_err(|_| NotAccepted("the Move has no target account".into()))?;
    // Judged on the target as it is now: a forged Move to an account that does not
    // name the village among its aliases moves nothing. A target that cannot be fetched
    // now may be later: that is retried.
    let fresh = fetch_fresh(data, &target).await?;
    if let Some(reason) = refusal(&fresh, object, &target) {
        return Err(NotAccepted(reason).into());
    }
    match crate::portal::jobs::move_village(data.app_data(), &village, &fresh.actor.record).await? {
        VillageMoved::Followed => Ok(()),
        VillageMoved::AlreadyRegistered { handle } => Err(NotAccepted(format!(
            "the village moved to {handle}, which is registered as another village"
        ))
        .into()),
    }
}
