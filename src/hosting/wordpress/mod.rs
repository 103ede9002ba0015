//! `kentongan site import-wordpress`: a village's WordPress site (its export, WXR) brought
//! into one of the node's sites, so that the village arrives with its archive.
//!
//! What becomes what:
//! - a published **post** becomes a post of the site's main account, at its original
//!   date, as news (`berita`), or an announcement (`pengumuman`) when one of its
//!   categories says so. It gets its Create activity (the outbox lists it at that date)
//!   but no delivery: followers are never sent old news as new;
//! - a published **page** becomes a profile page (`/halaman/SLUG`); a default page of
//!   the same address nobody wrote yet is filled, any other page keeps its own and the
//!   import takes `SLUG-2`;
//! - **categories** and **tags** become the post's categories (hashtags; "Kegiatan Desa"
//!   becomes `KegiatanDesa`), matched to the site's own case-insensitively; categories
//!   new to the site join its list; WordPress's "Uncategorized" is dropped; a post in a
//!   child category is in its parents too, as it was in their WordPress archives;
//! - **images** the posts and pages show (their `wp:attachment_url`, `--uploads` or
//!   HTTP: `images`) go into the site's media with the attachment's alt text, and the
//!   HTML points at them; a featured image becomes the post's cover;
//! - the post's **HTML** is cleaned like any remote HTML and then kept as an editor's
//!   body is (`content`), so it is sanitised exactly as what the editor writes;
//! - each item's **old addresses** (its permalink, `/?p=ID`, `/?page_id=ID`), the
//!   category and tag archives (`/category/SLUG/`, a child's `/category/PARENT/SLUG/`,
//!   `/?cat=ID`, `/tag/SLUG/`, `/?tag=SLUG`, and their later pages), the date
//!   archives of the posts (`/2023/05/` → `/arsip/2023/5`) and the feeds (`/feed/` →
//!   `/feed.rss`, which a regency portal may still poll) are kept, and the website
//!   answers them with a 301.
//!
//! Drafts, pending, private, scheduled and trashed items, password-protected ones,
//! revisions, menu items and any other type are not imported (they were never public;
//! a draft of years ago is not worth an operator's review), and the report says so.
//! Comments are not imported either: residents' replies here are fediverse replies and
//! tickets, and the old comments' authors never agreed to be published elsewhere.
//! An image that failed stays at its old address in the post; a second run does not
//! try it again (the post is known by then).
//! Importing the same export again adds nothing: each item's WordPress id is kept
//! (`store::imports`). A file that is not a readable export is refused before anything is
//! written; the rows are written in one transaction; images are stored before it, and
//! left as harmless orphans if it fails (`images`).

mod content;
mod images;
mod wxr;

pub use images::ImageFailure;
pub use wxr::WxrError;

use crate::{
    actors::find_publishing_actor,
    clock::now_ms,
    config::Config,
    media::ImageRef,
    publishing::{self, MAX_IMAGES, PostInput, PostKind, PublishError, markdown},
    store::{
        ActivityKind, ImportedPage, ImportedPost, NewActivity, PageWrite, Store, WordpressImport,
    },
    strings::{self, Lang, Text},
    text::cut,
    web::site::moved::old_address_key,
};
use anyhow::Context;
use futures::StreamExt;
use std::{
    collections::{BTreeMap, HashMap, HashSet},
    path::Path,
};
use url::Url;

/// The largest export read: a village's site of ten years is a few MB (images are not
/// in the file); anything this large is not one village's, or not an export.
pub const MAX_EXPORT_BYTES: u64 = 256 * 1024 * 1024;

/// Images fetched or read at the same time.
const IMAGES_AT_ONCE: usize = 4;

/// Why an import did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file is not an export this can read; nothing was written.
    #[error("{} / {} ({detail}); {} / {}", why.id, why.en, strings::WP_NOTHING_WRITTEN.id, strings::WP_NOTHING_WRITTEN.en)]
    BadFile { why: Text, detail: String },
    /// Reading the site or writing the import failed; nothing was written.
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

/// A post or page not imported, and why.
#[derive(Clone, Debug)]
pub struct Skipped {
    pub wp_id: i64,
    pub title: String,
    pub why: Text,
}

/// What an import did.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The WordPress site the export came from.
    pub source: String,
    pub posts: u64,
    pub pages: u64,
    pub images: u64,
    pub categories: u64,
    pub redirects: u64,
    /// Posts and pages imported by an earlier run.
    pub already: u64,
    pub skipped: Vec<Skipped>,
    pub image_failures: Vec<ImageFailure>,
    /// Items that are neither posts nor pages nor images, by WordPress type.
    pub other_items: BTreeMap<String, u64>,
}

impl Report {
    /// The report in one language, a line each.
    pub fn lines(&self, lang: Lang) -> Vec<String> {
        let n = |text: Text, count: u64| text.get(lang).replace("{n}", &count.to_string());
        let mut lines = vec![
            strings::WP_REPORT_TITLE
                .get(lang)
                .replace("{source}", &self.source),
        ];
        for (text, count) in [
            (strings::WP_REPORT_POSTS, self.posts),
            (strings::WP_REPORT_PAGES, self.pages),
            (strings::WP_REPORT_IMAGES, self.images),
            (strings::WP_REPORT_CATEGORIES, self.categories),
            (strings::WP_REPORT_REDIRECTS, self.redirects),
        ] {
            lines.push(format!("  {}", n(text, count)));
        }
        if self.already > 0 {
            lines.push(format!("  {}", n(strings::WP_REPORT_ALREADY, self.already)));
        }
        if !self.skipped.is_empty() {
            lines.push(format!(
                "  {}",
                n(strings::WP_REPORT_SKIPPED, self.skipped.len() as u64)
            ));
            for skipped in &self.skipped {
                lines.push(format!(
                    "    #{} {}: {}",
                    skipped.wp_id,
                    skipped.title,
                    skipped.why.get(lang)
                ));
            }
        }
        if !self.image_failures.is_empty() {
            lines.push(format!(
                "  {}",
                n(
                    strings::WP_REPORT_IMAGES_FAILED,
                    self.image_failures.len() as u64
                )
            ));
            for failure in &self.image_failures {
                lines.push(format!(
                    "    {}: {} ({})",
                    failure.url,
                    failure.why.get(lang),
                    failure.detail
                ));
            }
        }
        if !self.other_items.is_empty() {
            let count = self.other_items.values().sum();
            let types = self
                .other_items
                .iter()
                .map(|(kind, count)| format!("{kind} {count}"))
                .collect::<Vec<_>>()
                .join(", ");
            lines.push(format!(
                "  {}",
                n(strings::WP_REPORT_OTHER, count).replace("{types}", &types)
            ));
        }
        lines.push(format!("  {}", strings::WP_REPORT_NOT_SENT.get(lang)));
        lines
    }

    /// The report in Bahasa Indonesia, then in English.
    pub fn to_text(&self) -> String {
        let mut text = self.lines(Lang::Id).join("\n");
        text.push_str("\n\n");
        text.push_str(&self.lines(Lang::En).join("\n"));
        text
    }
}

/// Reads and parses the export, refusing what is not one.
fn read_export(from: &Path) -> Result<wxr::Export, ImportError> {
    let bad = |why: Text, detail: String| ImportError::BadFile { why, detail };
    let metadata = std::fs::metadata(from).map_err(|err| {
        bad(
            strings::WP_FILE_UNREADABLE,
            format!("{}: {err}", from.display()),
        )
    })?;
    if !metadata.is_file() {
        return Err(bad(
            strings::WP_FILE_UNREADABLE,
            format!("{} is not a file", from.display()),
        ));
    }
    if metadata.len() > MAX_EXPORT_BYTES {
        return Err(bad(
            strings::WP_FILE_TOO_LARGE,
            format!("{}: {} bytes", from.display(), metadata.len()),
        ));
    }
    let bytes = std::fs::read(from).map_err(|err| {
        bad(
            strings::WP_FILE_UNREADABLE,
            format!("{}: {err}", from.display()),
        )
    })?;
    let text = String::from_utf8(bytes)
        .map_err(|_| bad(strings::WP_FILE_NOT_XML, wxr::WxrError::NotText.to_string()))?;
    wxr::parse(&text).map_err(|err| {
        let why = match err {
            WxrError::NotText | WxrError::NotXml(_) => strings::WP_FILE_NOT_XML,
            WxrError::Truncated => strings::WP_FILE_TRUNCATED,
            WxrError::NotWxr(_) => strings::WP_FILE_NOT_WXR,
        };
        let detail = match err {
            WxrError::NotXml(detail) => detail,
            WxrError::NotWxr(detail) => detail.to_string(),
            err => err.to_string(),
        };
        bad(why, detail)
    })
}

/// An attachment of the export: its file's address, alt text and title.
struct Attachment {
    url: String,
    alt: String,
    title: String,
}

/// The export's attachments by id and by their file's address without WordPress's size
/// suffix (`foto-300x200.jpg` is `foto.jpg`).
struct AttachmentIndex {
    by_id: HashMap<i64, Attachment>,
    by_file: HashMap<String, i64>,
}

impl content::Attachments for AttachmentIndex {
    fn by_id(&self, id: i64) -> Option<(&str, &str)> {
        self.by_id
            .get(&id)
            .map(|a| (a.url.as_str(), a.alt.as_str()))
    }
}

/// An image file's address without the size WordPress put in its name (`-300x200`) and
/// without `-scaled`, so that every size of an upload names the same attachment.
fn file_key(url: &Url) -> String {
    let path = url.path();
    let (stem, extension) = match path.rfind('.') {
        Some(dot) if !path[dot..].contains('/') => (&path[..dot], &path[dot..]),
        _ => (path, ""),
    };
    let stem = stem.strip_suffix("-scaled").unwrap_or(stem);
    let stem = match stem.rfind('-') {
        Some(dash) => {
            let size = &stem[dash + 1..];
            let sized = size.split_once('x').is_some_and(|(w, h)| {
                !w.is_empty()
                    && !h.is_empty()
                    && w.bytes().all(|b| b.is_ascii_digit())
                    && h.bytes().all(|b| b.is_ascii_digit())
            });
            if sized { &stem[..dash] } else { stem }
        }
        None => stem,
    };
    format!(
        "{}{stem}{}",
        url.host_str().unwrap_or_default(),
        extension.to_ascii_lowercase()
    )
}

impl AttachmentIndex {
    fn of(export: &wxr::Export) -> Self {
        let mut index = Self {
            by_id: HashMap::new(),
            by_file: HashMap::new(),
        };
        for item in export.items.iter().filter(|i| i.post_type == "attachment") {
            let Ok(url) = Url::parse(&item.attachment_url) else {
                continue;
            };
            index.by_file.insert(file_key(&url), item.wp_id);
            index.by_id.insert(
                item.wp_id,
                Attachment {
                    url: url.to_string(),
                    alt: markdown::strip_tags(item.meta("_wp_attachment_image_alt").unwrap_or("")),
                    title: markdown::strip_tags(&item.title),
                },
            );
        }
        index
    }
}

/// Why a post or page is not imported, if it is not: it was never public.
fn not_public(item: &wxr::Item) -> Option<Text> {
    let why = match item.status.as_str() {
        "publish" => None,
        "draft" | "auto-draft" => Some(strings::WP_SKIP_DRAFT),
        "pending" => Some(strings::WP_SKIP_PENDING),
        "private" => Some(strings::WP_SKIP_PRIVATE),
        "future" => Some(strings::WP_SKIP_SCHEDULED),
        "trash" => Some(strings::WP_SKIP_TRASH),
        _ => Some(strings::WP_SKIP_NOT_PUBLISHED),
    };
    why.or_else(|| (!item.password.is_empty()).then_some(strings::WP_SKIP_PASSWORD))
}

/// When an item was published, in Unix ms: its GMT date, else the RSS date, else its
/// local date read in the site's time zone.
fn published_at(item: &wxr::Item, offset: chrono::FixedOffset) -> Option<i64> {
    let format = "%Y-%m-%d %H:%M:%S";
    let gmt = chrono::NaiveDateTime::parse_from_str(&item.post_date_gmt, format)
        .ok()
        .map(|at| at.and_utc().timestamp_millis());
    let rss = || {
        chrono::DateTime::parse_from_rfc2822(&item.pub_date)
            .ok()
            .map(|at| at.timestamp_millis())
    };
    let local = || {
        chrono::NaiveDateTime::parse_from_str(&item.post_date, format)
            .ok()
            .and_then(|at| at.and_local_timezone(offset).single())
            .map(|at| at.timestamp_millis())
    };
    gmt.or_else(rss).or_else(local)
}

/// A WordPress category or tag name as a Kentongan category (a hashtag): the words
/// joined, each capitalised when there are several ("Kegiatan Desa" → `KegiatanDesa`).
fn category_name(name: &str) -> Option<String> {
    let plain = markdown::strip_tags(name);
    let words: Vec<&str> = plain
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|word| !word.is_empty())
        .collect();
    let joined = match words.as_slice() {
        [word] => word.to_string(),
        words => words
            .iter()
            .map(|word| {
                let mut chars = word.chars();
                chars
                    .next()
                    .map(|first| first.to_uppercase().chain(chars).collect::<String>())
                    .unwrap_or_default()
            })
            .collect(),
    };
    publishing::parse_category(&joined).ok()
}

/// WordPress's name for posts in no category.
fn is_uncategorized(term: &wxr::ItemTerm) -> bool {
    matches!(
        term.slug.as_str(),
        "uncategorized" | "uncategorised" | "tak-berkategori" | "tidak-berkategori"
    )
}

/// A page's address on this site from its WordPress slug (which may be
/// percent-encoded): lower-case letters, digits and `-`, at most 60.
fn page_slug(post_name: &str, wp_id: i64) -> String {
    let decoded = percent_encoding::percent_decode_str(post_name).decode_utf8_lossy();
    let mut slug = String::new();
    for c in decoded.to_lowercase().chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug: String = slug.trim_end_matches('-').chars().take(56).collect();
    let slug = slug.trim_end_matches('-').to_string();
    if slug.is_empty() {
        format!("halaman-{wp_id}")
    } else {
        slug
    }
}

/// A category or tag a post is filed under, as the import needs it.
#[derive(Debug, PartialEq, Eq)]
struct Filed {
    is_category: bool,
    /// As WordPress writes it: lower case, percent-encoded beyond ASCII.
    slug: String,
    name: String,
    /// A category's slugs from the top category down to its own
    /// (`kegiatan-warga/dusun-sukamaju`), as its archive's address has them.
    path: String,
    /// What WordPress's plain link names it by: a category's id, a tag's slug.
    plain: Option<String>,
}

/// Categories deeper than this are a loop in a damaged export, not a site's tree.
const MAX_CATEGORY_DEPTH: usize = 16;

/// What an item's term stands for: a tag is itself; a category is itself and every
/// category above it, the top one first. WordPress lists a child category's posts in
/// its parents' archives too, and this site's categories are flat, so a post in
/// "Kegiatan Warga › Dusun Sukamaju" is filed under both: `/category/kegiatan-warga/`
/// then leads to a page with the posts it listed. WordPress's "Uncategorized" and any
/// other taxonomy stand for nothing.
fn filed_under(export: &wxr::Export, term: &wxr::ItemTerm) -> Vec<Filed> {
    match term.domain.as_str() {
        "post_tag" => vec![Filed {
            is_category: false,
            slug: term.slug.clone(),
            name: term.name.clone(),
            path: term.slug.clone(),
            plain: Some(term.slug.clone()),
        }],
        "category" if !is_uncategorized(term) => {
            let known = |slug: &str| export.categories.iter().find(|c| c.slug == slug);
            // The term as the item names it, then its parents as the channel does.
            let mut chain: Vec<(String, String, Option<i64>)> = vec![(
                term.slug.clone(),
                term.name.clone(),
                known(&term.slug).and_then(|c| c.id),
            )];
            let mut parent = known(&term.slug).map(|c| c.parent.as_str());
            while let Some(slug) = parent.filter(|slug| !slug.is_empty()) {
                let Some(category) = known(slug) else { break };
                if chain.len() >= MAX_CATEGORY_DEPTH || chain.iter().any(|(s, ..)| s == slug) {
                    break;
                }
                chain.push((category.slug.clone(), category.name.clone(), category.id));
                parent = Some(category.parent.as_str());
            }
            chain.reverse();
            let mut path = String::new();
            chain
                .into_iter()
                .map(|(slug, name, id)| {
                    if !path.is_empty() {
                        path.push('/');
                    }
                    path.push_str(&slug);
                    Filed {
                        is_category: true,
                        slug,
                        name,
                        path: path.clone(),
                        plain: id.map(|id| id.to_string()),
                    }
                })
                .collect()
        }
        _ => Vec::new(),
    }
}

impl Filed {
    /// The old site's addresses of this category's or tag's archive: `/category/PATH/`,
    /// for a child category also `/category/SLUG/` (WordPress answers both), and the
    /// plain link (`/?cat=ID`, `/?tag=SLUG`). Their later pages (`…/page/2/`) are
    /// found from these when asked (`web::site::moved`).
    fn old_addresses(&self, old: &OldSite) -> Vec<String> {
        let (archive, plain) = if self.is_category {
            ("category", "cat")
        } else {
            ("tag", "tag")
        };
        let mut paths = vec![&self.path];
        if self.path != self.slug {
            paths.push(&self.slug);
        }
        paths
            .into_iter()
            .filter_map(|path| {
                old_address_key(&format!("{}/{archive}/{path}/", old.blog_path), None)
            })
            .chain(
                self.plain
                    .as_deref()
                    .and_then(|value| old.plain(plain, value)),
            )
            .collect()
    }
}

/// What the old site is, for telling its addresses: its base URL and the path the blog
/// lives under (empty at the root).
struct OldSite {
    base: Url,
    blog_path: String,
}

impl OldSite {
    fn of(export: &wxr::Export) -> Result<Self, ImportError> {
        let bad = |detail: String| ImportError::BadFile {
            why: strings::WP_FILE_NOT_WXR,
            detail,
        };
        let site = if export.base_site_url.is_empty() {
            &export.link
        } else {
            &export.base_site_url
        };
        let base = Url::parse(site).map_err(|err| bad(format!("{site:?}: {err}")))?;
        let blog = Url::parse(if export.base_blog_url.is_empty() {
            site
        } else {
            &export.base_blog_url
        })
        .unwrap_or_else(|_| base.clone());
        Ok(Self {
            blog_path: blog.path().trim_end_matches('/').to_string(),
            base,
        })
    }

    /// The site's name in the report and in the import records.
    fn source(&self) -> String {
        self.base.as_str().trim_end_matches('/').to_string()
    }

    /// The address of one of the old site's URLs, as kept.
    fn key_of(&self, url: &str) -> Option<String> {
        let url = self.base.join(url).ok()?;
        old_address_key(url.path(), url.query())
    }

    /// WordPress's plain link `/?KEY=VALUE` under the blog's path.
    fn plain(&self, key: &str, value: &str) -> Option<String> {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair(key, value)
            .finish();
        old_address_key(&format!("{}/", self.blog_path), Some(&query))
    }

    /// An image address of a post, absolute.
    fn resolve(&self, src: &str) -> Option<Url> {
        self.base
            .join(src)
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https"))
    }
}

/// A post or page chosen for import, its HTML cleaned.
struct Candidate<'a> {
    item: &'a wxr::Item,
    html: String,
}

/// Imports the export at `from` into the site whose configuration and database these
/// are; images from `uploads` (a copy of `wp-content/uploads`) where it has them.
#[tracing::instrument(skip_all, fields(site = %config.domain))]
pub async fn import(
    config: &Config,
    store: &Store,
    from: &Path,
    uploads: Option<&Path>,
) -> Result<Report, ImportError> {
    let export = read_export(from)?;
    let old = OldSite::of(&export)?;
    let source = old.source();
    let now = now_ms();
    let mut report = Report {
        source: source.clone(),
        ..Default::default()
    };
    let known: HashSet<i64> = store
        .imported_wordpress_ids(&source)
        .await?
        .into_iter()
        .collect();
    let actor = find_publishing_actor(store, None).await?;
    let offset = crate::site::load(store).await?.time_zone.offset();
    let attachments = AttachmentIndex::of(&export);

    let mut candidates = Vec::new();
    for item in &export.items {
        match item.post_type.as_str() {
            "post" | "page" => {}
            "attachment" => continue,
            other => {
                *report.other_items.entry(other.to_string()).or_default() += 1;
                continue;
            }
        }
        if known.contains(&item.wp_id) {
            report.already += 1;
            continue;
        }
        if let Some(why) = not_public(item) {
            report.skipped.push(Skipped {
                wp_id: item.wp_id,
                title: markdown::strip_tags(&item.title),
                why,
            });
            continue;
        }
        candidates.push(Candidate {
            item,
            html: content::clean(&item.content, &attachments),
        });
    }

    // The images the chosen items show, each brought in once: an attachment's file
    // (whichever size the post shows), or a file of the old site no attachment names.
    let image_of = |src: &str| -> Option<(Url, String)> {
        let url = old.resolve(src)?;
        if let Some(id) = attachments.by_file.get(&file_key(&url))
            && let Some(attachment) = attachments.by_id.get(id)
            && let Ok(file) = Url::parse(&attachment.url)
        {
            return Some((file, attachment.alt.clone()));
        }
        let of_old_site =
            url.host_str() == old.base.host_str() || url.path().contains("/wp-content/uploads/");
        of_old_site.then(|| (url, String::new()))
    };
    let mut wanted: Vec<(Url, String)> = Vec::new();
    for candidate in &candidates {
        let thumbnail = candidate
            .item
            .meta("_thumbnail_id")
            .and_then(|id| id.trim().parse::<i64>().ok())
            .and_then(|id| attachments.by_id.get(&id))
            .and_then(|a| Url::parse(&a.url).ok().map(|url| (url, a.alt.clone())));
        let shown = content::image_sources(&candidate.html)
            .into_iter()
            .filter_map(|src| image_of(&src));
        for (url, alt) in thumbnail.into_iter().chain(shown) {
            if !wanted.iter().any(|(known, _)| known == &url) {
                wanted.push((url, alt));
            }
        }
    }
    let sources = images::ImageSources::new(config, uploads, store.database_file().as_deref())?;
    // A few at a time: an old site that answers slowly holds up one of them, not all.
    let results: Vec<(Url, Result<ImageRef, ImageFailure>)> = futures::stream::iter(wanted)
        .map(|(url, alt)| {
            let sources = &sources;
            async move {
                let result = sources.bring_in(&url, &alt).await;
                (url, result)
            }
        })
        .buffer_unordered(IMAGES_AT_ONCE)
        .collect()
        .await;
    let mut brought: HashMap<Url, ImageRef> = HashMap::new();
    for (url, result) in results {
        match result {
            Ok(image) => {
                brought.insert(url, image);
            }
            Err(failure) => {
                tracing::warn!(url = %failure.url, detail = %failure.detail, "an image was not imported");
                report.image_failures.push(failure);
            }
        }
    }
    report.image_failures.sort_by(|a, b| a.url.cmp(&b.url));
    report.images = brought.len() as u64;
    let media_url = |image: &ImageRef| {
        let mut url = config.base_url.clone();
        url.set_path(&format!("/media/{}", image.file_name("large")));
        url.to_string()
    };
    // An image brought in is shown from the site's media; one that failed keeps its old
    // address, but still gets its attachment's alt text.
    let new_image = |src: &str| -> Option<content::NewImage> {
        let (url, alt) = image_of(src)?;
        let url = match brought.get(&url) {
            Some(image) => media_url(image),
            None => src.to_string(),
        };
        Some(content::NewImage { url, alt })
    };

    let existing_categories = store.categories().await?;
    let mut new_categories: Vec<(String, i64)> = Vec::new();
    let mut term_addresses: Vec<(String, String)> = Vec::new();
    let mut next_position = existing_categories
        .iter()
        .map(|c| c.position + 1)
        .max()
        .unwrap_or(0);
    let mut existing_pages: HashMap<String, (i64, bool)> = store
        .pages()
        .await?
        .into_iter()
        .map(|page| (page.slug, (page.id, page.body_markdown.trim().is_empty())))
        .collect();
    let mut page_position = existing_pages.len() as i64;
    let mut plan = WordpressImport {
        source: source.clone(),
        ..Default::default()
    };

    for candidate in &candidates {
        let item = candidate.item;
        let html = content::rewrite_images(&candidate.html, &new_image);
        // Block-editor posts carry their `<p>`; classic ones rely on line breaks.
        let classic = !item.content.contains("<!-- wp:") && !item.content.contains("<p");
        let body = content::as_body(&html, classic);
        let title = cut(
            &markdown::strip_tags(&item.title),
            publishing::input::MAX_TITLE_CHARS,
        );
        let title = if title.is_empty() {
            cut(&markdown::plain_text(&html), 80)
        } else {
            title
        };
        let skip = |why: Text| Skipped {
            wp_id: item.wp_id,
            title: title.clone(),
            why,
        };
        if body.is_empty() || title.is_empty() {
            report.skipped.push(skip(strings::WP_SKIP_EMPTY));
            continue;
        }
        let mut old_paths: Vec<String> = [item.link.as_str(), item.guid.as_str()]
            .into_iter()
            .filter(|url| !url.is_empty())
            .filter_map(|url| old.key_of(url))
            .collect();
        let plain_key = if item.post_type == "page" {
            "page_id"
        } else {
            "p"
        };
        old_paths.extend(old.plain(plain_key, &item.wp_id.to_string()));
        old_paths.sort_unstable();
        old_paths.dedup();

        if item.post_type == "page" {
            let body_html = markdown::render(&body);
            let slug = page_slug(&item.post_name, item.wp_id);
            let write = match existing_pages.get(&slug) {
                Some(&(id, true)) => {
                    existing_pages.insert(slug.clone(), (id, false));
                    (slug, PageWrite::FillEmpty { page_id: id })
                }
                None => {
                    existing_pages.insert(slug.clone(), (0, false));
                    page_position += 1;
                    (
                        slug,
                        PageWrite::New {
                            position: page_position,
                        },
                    )
                }
                Some(_) => {
                    let free = (2..)
                        .map(|n| format!("{slug}-{n}"))
                        .find(|candidate| !existing_pages.contains_key(candidate))
                        .unwrap_or_else(|| format!("halaman-{}", item.wp_id));
                    existing_pages.insert(free.clone(), (0, false));
                    page_position += 1;
                    (
                        free,
                        PageWrite::New {
                            position: page_position,
                        },
                    )
                }
            };
            plan.pages.push(ImportedPage {
                wp_id: item.wp_id,
                slug: write.0,
                title: cut(&title, 200),
                body_markdown: body,
                body_html,
                write: write.1,
                old_paths,
            });
            continue;
        }

        // Categories first, then tags, as the post's hashtags.
        let mut categories: Vec<String> = Vec::new();
        let mut announcement = false;
        for filed in item
            .terms
            .iter()
            .flat_map(|term| filed_under(&export, term))
        {
            let words = format!("{} {}", filed.slug, filed.name).to_lowercase();
            if filed.is_category && (words.contains("pengumuman") || words.contains("announcement"))
            {
                announcement = true;
            }
            let Some(name) = category_name(&filed.name) else {
                continue;
            };
            let name = existing_categories
                .iter()
                .map(|c| c.name.clone())
                .chain(new_categories.iter().map(|(n, _)| n.clone()))
                .find(|known| known.to_lowercase() == name.to_lowercase())
                .unwrap_or_else(|| {
                    if filed.is_category {
                        new_categories.push((name.clone(), next_position));
                        next_position += 1;
                    }
                    name
                });
            let page = if filed.is_category {
                "kategori"
            } else {
                "tags"
            };
            let target = format!("/{page}/{name}");
            term_addresses.extend(
                filed
                    .old_addresses(&old)
                    .into_iter()
                    .map(|path| (path, target.clone())),
            );
            if !categories.iter().any(|c| c.eq_ignore_ascii_case(&name)) {
                categories.push(name);
            }
        }
        categories.truncate(publishing::input::MAX_CATEGORIES);

        let cover = item
            .meta("_thumbnail_id")
            .and_then(|id| id.trim().parse::<i64>().ok())
            .and_then(|id| attachments.by_id.get(&id))
            .and_then(|attachment| {
                let url = Url::parse(&attachment.url).ok()?;
                let image = brought.get(&url)?;
                let alt = [&attachment.alt, &attachment.title, &title]
                    .into_iter()
                    .map(|alt| alt.trim())
                    .find(|alt| !alt.is_empty())
                    .unwrap_or_default();
                Some(ImageRef {
                    alt: cut(alt, publishing::input::MAX_ALT_CHARS),
                    ..image.clone()
                })
            });
        let input = PostInput {
            title: title.clone(),
            body_markdown: body,
            summary: cut(
                &markdown::strip_tags(&item.excerpt),
                publishing::input::MAX_SUMMARY_CHARS,
            ),
            categories,
            kind: if announcement {
                PostKind::Pengumuman
            } else {
                PostKind::Berita
            },
            images: cover.into_iter().take(MAX_IMAGES).collect(),
            published_at: Some(published_at(item, offset).unwrap_or(now)),
            ..Default::default()
        };
        let content = match publishing::input::validate(&input, now) {
            Ok(content) => content,
            Err(PublishError::Refused(refusal)) => {
                report.skipped.push(skip(refusal.0));
                continue;
            }
            Err(PublishError::Failed(err)) => return Err(err.into()),
        };
        // WordPress's date archives (`/2023/05/`, `/2023/05/17/`, `/2023/`) of the
        // post's local date: the village's month archive has the same posts.
        let local_date = item.post_date.get(..10).unwrap_or_default();
        if let [year, month, day] = local_date.split('-').collect::<Vec<_>>()[..]
            && let (Ok(year_number), Ok(month_number)) = (year.parse::<i32>(), month.parse::<u32>())
        {
            let month_archive = format!("/arsip/{year_number}/{month_number}");
            for (path, target) in [
                (
                    format!("{}/{year}/{month}/", old.blog_path),
                    month_archive.clone(),
                ),
                (
                    format!("{}/{year}/{month}/{day}/", old.blog_path),
                    month_archive,
                ),
                (format!("{}/{year}/", old.blog_path), "/arsip".to_string()),
            ] {
                term_addresses.extend(old_address_key(&path, None).map(|key| (key, target)));
            }
        }
        plan.posts.push(ImportedPost {
            wp_id: item.wp_id,
            public_id: publishing::new_public_id(),
            content,
            create: NewActivity {
                public_id: publishing::new_public_id(),
                actor_id: actor.id,
                kind: ActivityKind::Create,
                post_id: None,
                object_json: None,
            },
            old_paths,
        });
    }
    // Oldest first, so that ids follow the dates as they would have.
    plan.posts
        .sort_by_key(|post| (post.content.published_at, post.wp_id));
    // The old site's feeds, which readers and a regency portal may still poll.
    for (feed, target) in [
        ("/feed/", "/feed.rss"),
        ("/feed/rss2/", "/feed.rss"),
        ("/feed/atom/", "/feed.atom"),
    ] {
        let path = format!("{}{feed}", old.blog_path);
        term_addresses.extend(old_address_key(&path, None).map(|key| (key, target.to_string())));
    }
    plan.categories = new_categories;
    plan.term_addresses = term_addresses;

    sources.database_may_grow().map_err(|low| {
        let full = strings::WP_DISK_FULL;
        anyhow::anyhow!(
            "{} / {} ({low}); {} / {}",
            full.id,
            full.en,
            strings::WP_NOTHING_WRITTEN.id,
            strings::WP_NOTHING_WRITTEN.en
        )
    })?;
    let written = store
        .import_wordpress(&plan, now)
        .await
        .context("writing the import")?;
    report.posts = written.posts;
    report.pages = written.pages;
    report.categories = written.categories;
    report.redirects = written.redirects;
    report.already += written.already.len() as u64;
    tracing::info!(
        posts = report.posts,
        pages = report.pages,
        images = report.images,
        redirects = report.redirects,
        "WordPress export imported"
    );
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_size_of_an_upload_names_the_same_file() {
        let key = |url: &str| file_key(&Url::parse(url).expect("url"));
        let original = key("https://desa.id/wp-content/uploads/2023/05/kerja-bakti.jpg");
        assert_eq!(
            key("https://desa.id/wp-content/uploads/2023/05/kerja-bakti-300x200.jpg"),
            original
        );
        assert_eq!(
            key("https://desa.id/wp-content/uploads/2023/05/kerja-bakti-scaled.JPG"),
            original
        );
        assert_ne!(
            key("https://desa.id/wp-content/uploads/2023/05/kerja-bakti-2.jpg"),
            original
        );
    }

    #[test]
    fn category_names_become_hashtags() {
        assert_eq!(
            category_name("Kegiatan Desa").as_deref(),
            Some("KegiatanDesa")
        );
        assert_eq!(category_name("Berita").as_deref(), Some("Berita"));
        assert_eq!(
            category_name("UMKM &amp; Wisata").as_deref(),
            Some("UMKMWisata")
        );
        assert_eq!(category_name("&amp;"), None);
    }

    #[test]
    fn a_child_category_is_filed_under_every_category_above_it() {
        let category = |id: i64, slug: &str, parent: &str| wxr::Term {
            id: Some(id),
            slug: slug.into(),
            name: slug.to_uppercase(),
            parent: parent.into(),
        };
        let export = wxr::Export {
            categories: vec![
                category(2, "budaya", ""),
                category(9, "%e5%ae%a2%e5%ae%b6", "budaya"),
                category(11, "cap-go-meh", "%e5%ae%a2%e5%ae%b6"),
                // A damaged export's loop ends where it repeats.
                category(20, "a", "b"),
                category(21, "b", "a"),
            ],
            ..Default::default()
        };
        let filed = |domain: &str, slug: &str| {
            let term = wxr::ItemTerm {
                domain: domain.into(),
                slug: slug.into(),
                name: "Cap Go Meh".into(),
            };
            filed_under(&export, &term)
                .into_iter()
                .map(|f| (f.path, f.plain))
                .collect::<Vec<_>>()
        };
        let plain = |id: &str| Some(id.to_string());
        assert_eq!(
            filed("category", "cap-go-meh"),
            vec![
                ("budaya".to_string(), plain("2")),
                ("budaya/%e5%ae%a2%e5%ae%b6".to_string(), plain("9")),
                (
                    "budaya/%e5%ae%a2%e5%ae%b6/cap-go-meh".to_string(),
                    plain("11")
                ),
            ]
        );
        assert_eq!(
            filed("category", "a"),
            vec![
                ("b".to_string(), plain("21")),
                ("b/a".to_string(), plain("20"))
            ]
        );
        assert_eq!(
            filed("category", "tidak-dikenal"),
            vec![("tidak-dikenal".to_string(), None)]
        );
        assert_eq!(
            filed("post_tag", "imlek"),
            vec![("imlek".to_string(), plain("imlek"))]
        );
        assert!(filed("category", "uncategorized").is_empty());
        assert!(filed("nav_menu", "menu-utama").is_empty());
    }

    #[test]
    fn page_slugs_are_plain() {
        assert_eq!(page_slug("sejarah-desa", 3), "sejarah-desa");
        assert_eq!(page_slug("Visi_Misi%20Desa", 3), "visi-misi-desa");
        assert_eq!(page_slug("%e2%80%94", 9), "halaman-9");
    }
}
