//! Reads each followed village's public aspiration figures (`/aspirasi/angka.json` on
//! the village's server, see `aspirations::figures`) after each backfill sweep, so the
//! monitoring can show open and overdue tickets and response times per village. A
//! village that publishes none (not a Kentongan node, or an older one) simply has no
//! figures; a failure to read them never fails the sweep.

use super::feeds::read_bounded;
use crate::{
    aspirations::figures::parse_published, clock::now_ms, federation::check_remote_url,
    state::AppState, store::VillageRecord,
};
use anyhow::Context;
use reqwest::{StatusCode, header::ACCEPT};
use url::Url;

/// The path of the figures on a village's server.
pub const FIGURES_PATH: &str = "/aspirasi/angka.json";
/// The figures are a few hundred bytes; anything much larger is not them.
const MAX_FIGURES_BYTES: usize = 16 * 1024;

/// Where a village whose actor is `actor_ap_id` publishes its figures.
pub fn figures_url(actor_ap_id: &str) -> anyhow::Result<Url> {
    let actor = Url::parse(actor_ap_id).context("the village's actor id is not a URL")?;
    actor.join(FIGURES_PATH).context("making the figures URL")
}

/// Reads and keeps the village's figures; logs, and keeps the previous ones, when they
/// cannot be read. A 404 or 410 means the village publishes none: they are forgotten.
#[tracing::instrument(skip_all, fields(village = %village.name))]
pub async fn refresh(state: &AppState, client: &reqwest::Client, village: &VillageRecord) {
    if let Err(err) = try_refresh(state, client, village).await {
        tracing::info!(error = %format!("{err:#}"), "aspiration figures not read");
    }
}

async fn try_refresh(
    state: &AppState,
    client: &reqwest::Client,
    village: &VillageRecord,
) -> anyhow::Result<()> {
    let actor = super::registry::village_actor(&state.store, village).await?;
    let url = figures_url(&actor.ap_id)?;
    if let Err(reason) = check_remote_url(&url, &state.config) {
        anyhow::bail!("the figures URL is refused: {reason}");
    }
    let mut response = client
        .get(url.clone())
        .header(ACCEPT, "application/json")
        .send()
        .await
        .with_context(|| format!("fetching {url}"))?;
    match response.status() {
        StatusCode::NOT_FOUND | StatusCode::GONE => {
            state
                .store
                .forget_village_ticket_figures(village.id)
                .await?;
            return Ok(());
        }
        status if !status.is_success() => anyhow::bail!("{url} answered {status}"),
        _ => {}
    }
    let body = read_bounded(&mut response, MAX_FIGURES_BYTES, "the figures", &url).await?;
    let figures = parse_published(&body, village.id, now_ms())
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
