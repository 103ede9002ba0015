//! The old site's images brought into the site's media: read from a copy of its
//! `wp-content/uploads` folder (matched by the path after `/uploads/`) or fetched over
//! HTTP(S) from their address, then made safe by `media` (its limits, re-encoding,
//! sizes) and stored under content-addressed names. An image that cannot be had is a
//! [`ImageFailure`] in the report; it never stops the import.
//!
//! Files are written before the database rows: if the import then fails, they stay as
//! harmless orphans (content-addressed, unreferenced, never listed), and a second import
//! of the same export finds them again under the same names.

use crate::{
    config::Config,
    disk::DiskGuard,
    federation::addresses::PolicyResolver,
    media::{ImageRef, MAX_UPLOAD_BYTES, MediaError, MediaStore, process_upload},
    strings::{self, Text},
};
use anyhow::Context;
use std::{
    path::{Component, Path, PathBuf},
    time::Duration,
};
use url::Url;

/// An image that was not brought in, and why.
#[derive(Clone, Debug)]
pub struct ImageFailure {
    pub url: String,
    pub why: Text,
    pub detail: String,
}

/// Where the old site's images come from.
pub struct ImageSources {
    uploads: Option<PathBuf>,
    client: reqwest::Client,
    media: MediaStore,
    /// Nothing is written to a nearly full disk (`crate::disk`), as for an upload.
    disk: DiskGuard,
}

impl ImageSources {
    /// Images from `uploads` when given and holding the file, else over HTTP(S) to the
    /// addresses the node's address policy allows (`federation::addresses`).
    pub fn new(
        config: &Config,
        uploads: Option<&Path>,
        database_file: Option<&Path>,
    ) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::limited(5))
            .timeout(Duration::from_secs(20))
            .connect_timeout(Duration::from_secs(5))
            .user_agent(format!(
                "Kentongan/{} (+{}) WordPress import",
                env!("CARGO_PKG_VERSION"),
                config.base_url
            ))
            .tls_certs_merge(config.extra_roots.iter().cloned())
            .dns_resolver(PolicyResolver::new(config.addresses))
            .build()
            .context("building the HTTP client for images")?;
        Ok(Self {
            uploads: uploads.map(Path::to_path_buf),
            client,
            media: MediaStore::new(&config.dir),
            disk: DiskGuard::new(&config.dir, database_file),
        })
    }

    /// Whether the database may take the import's rows: not on a nearly full disk.
    pub fn database_may_grow(&self) -> Result<(), crate::disk::Low> {
        self.disk.database_may_grow()
    }

    /// Brings the image at `url` into the site's media; `alt` is kept with it.
    pub async fn bring_in(&self, url: &Url, alt: &str) -> Result<ImageRef, ImageFailure> {
        let failure = |why: Text, detail: String| ImageFailure {
            url: url.to_string(),
            why,
            detail,
        };
        let bytes = match self.read_from_uploads(url) {
            Some(read) => read.map_err(|detail| failure(strings::WP_IMAGE_UNREADABLE, detail))?,
            // The address is in the report already: the deepest cause says the rest
            // ("Name or service not known", "answered 404 Not Found").
            None => self.fetch(url).await.map_err(|err| {
                failure(strings::WP_IMAGE_UNREACHABLE, err.root_cause().to_string())
            })?,
        };
        if let Err(low) = self.disk.files_may_grow() {
            return Err(failure(MediaError::NoSpace.text(), low.to_string()));
        }
        let media = self.media.clone();
        let stored = tokio::task::spawn_blocking(move || {
            let processed = process_upload(&bytes).map_err(|err| (err.text(), err.to_string()))?;
            media
                .save(&processed)
                .map_err(|err| (strings::WP_IMAGE_UNREADABLE, err.to_string()))
        })
        .await
        .map_err(|err| failure(strings::WP_IMAGE_UNREADABLE, err.to_string()))?
        .map_err(|(why, detail)| failure(why, detail))?;
        Ok(ImageRef::from_stored(&stored, alt))
    }

    /// The file of `url` in the uploads copy: `None` when there is no copy or it lacks
    /// the file (then the image is fetched), else its bytes or why they cannot be read.
    fn read_from_uploads(&self, url: &Url) -> Option<Result<Vec<u8>, String>> {
        let uploads = self.uploads.as_ref()?;
        let path = percent_encoding::percent_decode_str(url.path())
            .decode_utf8()
            .ok()?;
        let relative = path.split_once("/uploads/")?.1;
        let relative = Path::new(relative);
        // Only plain names below the folder: no `..`, no root, no prefix.
        if !relative
            .components()
            .all(|part| matches!(part, Component::Normal(_)))
        {
            return None;
        }
        let file = uploads.join(relative);
        let metadata = std::fs::metadata(&file).ok()?;
        if !metadata.is_file() {
            return None;
        }
        if metadata.len() > MAX_UPLOAD_BYTES as u64 {
            return Some(Err(format!(
                "{} is larger than {} MiB",
                file.display(),
                MAX_UPLOAD_BYTES / (1024 * 1024)
            )));
        }
        Some(std::fs::read(&file).map_err(|err| format!("reading {}: {err}", file.display())))
    }

    async fn fetch(&self, url: &Url) -> anyhow::Result<Vec<u8>> {
        if !matches!(url.scheme(), "http" | "https") {
            anyhow::bail!("not an http(s) address");
        }
        let mut response = self
            .client
            .get(url.clone())
            .send()
            .await
            .with_context(|| format!("fetching {url}"))?;
        if !response.status().is_success() {
            anyhow::bail!("answered {}", response.status());
        }
        crate::federation::fetch::read_bounded(&mut response, MAX_UPLOAD_BYTES, "the image", url)
            .await
    }
}
