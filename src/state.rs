//! `AppState`: the one cheap-to-clone value every handler and worker shares. It is
//! also the `app_data` of the federation library's `Data`.

use crate::{config::Config, store::Store, urls::Urls};
use std::sync::Arc;
use tokio::sync::Notify;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub store: Store,
    pub urls: Urls,
    /// Wakes the delivery worker when this process queued something; deliveries queued
    /// by another process (the command line) are found by polling.
    pub wake_delivery: Arc<Notify>,
    /// Wakes the inbox worker when an activity was stored.
    pub wake_inbox: Arc<Notify>,
}

impl AppState {
    pub fn new(config: Config, store: Store) -> Self {
        let urls = Urls::new(config.base_url.clone());
        Self {
            config: Arc::new(config),
            store,
            urls,
            wake_delivery: Arc::new(Notify::new()),
            wake_inbox: Arc::new(Notify::new()),
        }
    }
}
