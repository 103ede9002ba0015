//! `kentongan actor alias` and `kentongan actor move`: moving an account to another
//! domain (a regency subdomain to the village's own `desa.id`, into or out of the
//! regency's hosting) without losing a follower. Both look other accounts up on the
//! network, so they open the site as the node does (its keys sign the lookups); what
//! they queue leaves through the running node's delivery worker, as a post does.

use super::{SiteDir, open};
use crate::{
    actors::{AliasChange, find_publishing_actor},
    federation::{self, HttpClients, moving},
    state::AppState,
};
use clap::Args;

#[derive(Args, Debug)]
pub struct AliasArgs {
    #[command(flatten)]
    pub dir: SiteDir,
    /// The account (the new home); the site's main account when omitted.
    #[arg(long)]
    pub username: Option<String>,
    /// An old account this one also is (`@name@host` or its URL), for the old one to
    /// move here.
    #[arg(long, conflicts_with = "remove")]
    pub add: Option<String>,
    /// An alias to take away.
    #[arg(long)]
    pub remove: Option<String>,
}

#[derive(Args, Debug)]
pub struct MoveArgs {
    #[command(flatten)]
    pub dir: SiteDir,
    /// The account that moves; the site's main account when omitted.
    #[arg(long)]
    pub username: Option<String>,
    /// The new account (`@name@host` or its URL); it must already list this one as an
    /// alias (`kentongan actor alias --add` there).
    #[arg(long)]
    pub to: String,
}

/// The site of `dir` opened for federation: its store, and the federation library's
/// data for signed lookups.
async fn federation_data(dir: &SiteDir) -> anyhow::Result<federation::Data> {
    let (config, store, _) = open(dir).await?;
    let http = HttpClients::default().for_config(&config)?;
    let state = AppState::new(config, store, http);
    Ok(federation::federation_config(state)
        .await?
        .to_request_data())
}

pub async fn alias(args: AliasArgs) -> anyhow::Result<()> {
    let data = federation_data(&args.dir).await?;
    let actor = find_publishing_actor(&data.store, args.username.as_deref()).await?;
    let (account, add) = match (&args.add, &args.remove) {
        (Some(account), _) => (account, true),
        (None, Some(account)) => (account, false),
        (None, None) => {
            for alias in actor.aliases() {
                println!("{alias}");
            }
            eprintln!(
                "{} alias untuk / aliases for {}",
                actor.aliases().len(),
                actor.ap_id
            );
            data.store.close().await;
            return Ok(());
        }
    };
    let (id, change) = moving::change_alias(&data, &actor, account, add).await?;
    let said = match change {
        AliasChange::Added => "ditambahkan / added",
        AliasChange::Removed => "dihapus / removed",
        AliasChange::Unchanged => "tidak berubah / unchanged",
    };
    println!("{id}\t{said}");
    data.store.close().await;
    Ok(())
}

pub async fn move_account(args: MoveArgs) -> anyhow::Result<()> {
    let data = federation_data(&args.dir).await?;
    let actor = find_publishing_actor(&data.store, args.username.as_deref()).await?;
    let (target, told) = moving::move_to(&data, &actor, &args.to).await?;
    println!("{}\t{target}", actor.ap_id);
    eprintln!(
        "Pindah ke {target}; {told} server pengikut diberi tahu / Moved to {target}; {told} follower servers told"
    );
    data.store.close().await;
    Ok(())
}
