//! The whole node as `kentongan serve` runs it: every site of the data directory
//! (`hosting`), with the regency's hosting pages in front on their own host name when the
//! first site's config names one (`[hosting] domain`; docs/adr/0002 decision 7). It sits
//! above `hosting` and `web` and puts them together: the pages know the staff's desk only
//! as `regency_staff::Desk`, and this hands them the hosting runtime's
//! (`hosting::staff::SitesDesk`), so that neither room imports the other. Only the
//! command line and the demo use it.

use crate::{
    config::Config,
    hosting::{HostingNode, HostingOptions, Sites, in_front, staff::SitesDesk},
    web,
};
use anyhow::Context;
use axum::Router;
use futures::future::BoxFuture;
use std::path::Path;

/// The node's router: its sites by host, with the hosting staff's pages in front on the
/// hosting host name when the first site's config names one.
pub fn with_staff_pages<'a>(
    dir: &'a Path,
    sites: &'a Sites,
) -> BoxFuture<'a, anyhow::Result<Router>> {
    Box::pin(async move {
        Ok(match SitesDesk::open(dir, sites).await? {
            Some(desk) => {
                let domain = desk.domain().to_string();
                in_front(&domain, web::hosting::routes(desk), sites.router())
            }
            None => sites.router(),
        })
    })
}

/// Serves every site of `dir` on `listener`, with the hosting pages (for tests and the
/// demo, which give their own listener).
pub async fn start(dir: &Path, listener: tokio::net::TcpListener) -> anyhow::Result<HostingNode> {
    HostingNode::start_with(
        dir,
        listener,
        HostingOptions {
            front: with_staff_pages,
            ..HostingOptions::default()
        },
    )
    .await
}

/// `kentongan serve --dir DIR`: every site of the directory, on the address the first
/// site's config names, until the process ends.
pub async fn serve(dir: &Path) -> anyhow::Result<()> {
    let config = Config::load(dir)?;
    crate::app::refuse_if_served(&config)?;
    crate::app::warn_about_readable_files(dir);
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let node = start(dir, listener).await?;
    for (domain, url) in node.sites.addresses().await {
        tracing::info!(%domain, %url, local_addr = %node.local_addr, "kentongan is serving");
        println!(
            "Kentongan berjalan di / is running at {url} (listening on {})",
            node.local_addr
        );
    }
    node.wait().await;
    Ok(())
}
