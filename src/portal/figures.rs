//! Each followed village's public aspiration figures (`/aspirasi/angka.json` on the
//! village's server, see `aspirations::figures`), read after each backfill sweep
//! (`federation::fetch`), so the monitoring can show open and overdue tickets and
//! response times per village. A village that publishes none (not a Kentongan node, or
//! an older one) simply has no figures; a failure to read them never fails the sweep.

use crate::{
    aspirations::figures::parse_published, clock::now_ms, state::AppState, store::VillageRecord,
};
use anyhow::Context;
use url::Url;

/// The path of the figures on a village's server.
pub const FIGURES_PATH: &str = "/aspirasi/angka.json";

/// Where a village whose actor is `actor_ap_id` publishes its figures.
pub fn figures_url(actor_ap_id: &str) -> anyhow::Result<Url> {
    let actor = Url::parse(actor_ap_id).context("the village's actor id is not a URL")?;
    actor.join(FIGURES_PATH).context("making the figures URL")
}

/// Where the village publishes its figures.
pub async fn url_of(state: &AppState, village: &VillageRecord) -> anyhow::Result<Url> {
    let actor = super::registry::village_actor(&state.store, village).await?;
    figures_url(&actor.ap_id)
}

/// The village publishes no figures (any more): forget those we had.
pub async fn forget(state: &AppState, village: &VillageRecord) -> anyhow::Result<()> {
    state.store.forget_village_ticket_figures(village.id).await
}

/// Keeps the figures `body` read from `url`, when they are coherent.
pub async fn keep(
    state: &AppState,
    village: &VillageRecord,
    url: &Url,
    body: &[u8],
) -> anyhow::Result<()> {
    let figures = parse_published(body, village.id, now_ms())
        .with_context(|| format!("reading the figures at {url}"))?;
    state.store.record_village_ticket_figures(&figures).await?;
    tracing::debug!(
        open = figures.open_tickets,
        overdue = figures.overdue_tickets,
        "aspiration figures read"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_live_at_the_root_of_the_village_server() {
        let url = figures_url("https://desa.example/u/lalang").expect("url");
        assert_eq!(url.as_str(), "https://desa.example/aspirasi/angka.json");
        let url = figures_url("http://localhost:8081/u/desa").expect("url");
        assert_eq!(url.as_str(), "http://localhost:8081/aspirasi/angka.json");
    }
}
