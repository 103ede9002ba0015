//! What every page of the village site shares: the settings, the main actor, the menu
//! (categories and profile pages), the texts in the site's language, and the views of
//! posts and images the templates read. Also the one place that renders a site page,
//! so every answer carries the same security headers.

use crate::{
    actors::{publishing_actors, urls_host},
    clock::to_rfc3339,
    error::AppError,
    publishing::{EventDetails, PostImage, PostKind, event_of, images_of, markdown::strip_tags},
    site::SiteSettings,
    state::AppState,
    store::{ActorRecord, CategoryRecord, PageRecord, PostRecord},
    strings::{self, Lang, PageTexts, Text},
    web::cache::FreshUntil,
};
use axum::{
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use minijinja::{Value, context};
use std::{collections::HashMap, sync::Arc};

/// Posts on one page of a list.
pub const PAGE_SIZE: i64 = 20;
/// Characters of an excerpt when a post has no summary.
const EXCERPT_CHARS: usize = 200;

/// One request's view of the village site.
pub struct Site {
    pub settings: SiteSettings,
    pub actor: ActorRecord,
    pub lang: Lang,
    pub texts: Arc<PageTexts>,
    pub categories: Vec<CategoryRecord>,
    pub pages: Vec<PageRecord>,
    pub host: String,
}

impl Site {
    /// The site of the node's main actor; `None` before `kentongan init` made one.
    pub async fn load(state: &AppState) -> Result<Option<Self>, AppError> {
        match publishing_actors(&state.store).await?.into_iter().next() {
            Some(actor) => Ok(Some(Self::of_actor(state, actor).await?)),
            None => Ok(None),
        }
    }

    /// The site as one actor's pages show it.
    pub async fn of_actor(state: &AppState, actor: ActorRecord) -> Result<Self, AppError> {
        let settings = crate::site::load(&state.store).await?;
        let lang = settings.language;
        Ok(Self {
            texts: settings.texts(lang),
            lang,
            categories: state.store.categories().await?,
            pages: state.store.pages().await?,
            host: urls_host(&state.urls),
            settings,
            actor,
        })
    }

    /// The site as the pages of `actor` show it, or — once that actor moved — the
    /// redirect to its new account ([`moved_away`]).
    pub async fn of_actor_page(
        state: &AppState,
        actor: &ActorRecord,
    ) -> Result<Result<Self, Response>, AppError> {
        match actor.moved_to.as_deref() {
            Some(new_home) => Ok(Err(moved_away(state, new_home).await?)),
            None => Ok(Ok(Self::of_actor(state, actor.clone()).await?)),
        }
    }

    /// The main site, or a friendly page saying the node has no account yet, or — once
    /// its account moved (`kentongan actor move`) — a permanent redirect to the new
    /// account's profile: every page of the old site sends its visitors there.
    pub async fn require(state: &AppState) -> Result<Result<Self, Response>, AppError> {
        match Self::load(state).await? {
            Some(site) => match site.actor.moved_to.as_deref() {
                Some(new_home) => Ok(Err(moved_away(state, new_home).await?)),
                None => Ok(Ok(site)),
            },
            None => Ok(Err(bare_message(
                state,
                StatusCode::NOT_FOUND,
                strings::NO_ACTOR,
            )?)),
        }
    }

    /// The pages of the village's profile: every page but the privacy policy, which
    /// the foot of every page links to instead.
    pub fn profile_pages(&self) -> impl Iterator<Item = &PageRecord> {
        self.pages
            .iter()
            .filter(|page| page.slug != crate::site::profile::PRIVACY_SLUG)
    }

    /// Until when a page of this site rendered at `now` stays right if nothing is
    /// written (`render_cache`): the next midnight in the village's time zone, when "today"
    /// and the days of dates change. Pages that change sooner (the home page's pins and
    /// coming events) take the earlier time.
    pub fn fresh_until(&self, now: i64) -> FreshUntil {
        FreshUntil(next_midnight(
            i64::from(self.settings.time_zone.offset().local_minus_utc()) * 1000,
            now,
        ))
    }

    /// `@name@host`.
    pub fn handle(&self) -> String {
        format!("@{}@{}", self.actor.username, self.host)
    }

    /// A text in the page's language, the village word put in.
    pub fn text(&self, text: Text) -> String {
        strings::with_village_word(text.get(self.lang), self.lang, &self.settings.village_word)
    }

    /// What the layout reads: name, tagline, menu, colours, contact, handle.
    pub fn base(&self, state: &AppState, current: &str) -> Value {
        let settings = &self.settings;
        let categories: Vec<Value> = self
            .categories
            .iter()
            .map(|c| context! { name => c.name, url => category_path(&c.name) })
            .collect();
        let logo = settings.logo.as_ref().map(|logo| {
            let (width, height) = variant_size(logo, "medium");
            context! {
                src => media_path(logo, "medium"),
                width => width,
                height => height,
            }
        });
        context! {
            site_name => self.actor.name,
            tagline => settings.tagline,
            lang => self.lang.code(),
            t => Value::from_dyn_object(self.texts.clone()),
            host => self.host,
            handle => self.handle(),
            actor_url => state.urls.actor(&self.actor.username).to_string(),
            colours => context! {
                primary => settings.colour_primary,
                accent => settings.colour_accent,
                on_primary => text_on(&settings.colour_primary),
            },
            logo => logo,
            categories => categories,
            current => current,
            contact => context! {
                address => settings.contact_address,
                phone => settings.contact_phone,
                email => settings.contact_email,
            },
            home_url => state.urls.base().to_string(),
        }
    }

    /// A post as a list shows it.
    pub fn card(&self, post: &PostRecord) -> Value {
        let kind = post.kind;
        let images = images_of(&post.images_json);
        let thumb = images.first().map(|cover| {
            let (width, height) = variant_size(cover, "thumb");
            context! {
                src => media_path(cover, "thumb"),
                width => width,
                height => height,
                alt => cover.alt,
            }
        });
        let event = event_of(post.event_json.as_deref())
            .filter(|_| kind == PostKind::Agenda)
            .map(|event| self.event_view(&event));
        context! {
            url => format!("/p/{}", post.public_id),
            title => post.title,
            kind => kind.as_str(),
            kind_label => kind.label().get(self.lang),
            published => to_rfc3339(post.published_at),
            date_label => self.settings.time_zone.date_label(post.published_at, self.lang),
            excerpt => excerpt(post),
            thumb => thumb,
            event => event,
            categories => category_links(post),
        }
    }

    /// When, until when, where and by whom an agenda happens.
    /// Times read in the zone the event was written in ("08.00 WIB" stays 08.00 WIB).
    pub fn event_view(&self, event: &EventDetails) -> Value {
        let tz = event.time_zone;
        let until = event.ends_at.map(|end| {
            if tz.year_month(end) == tz.year_month(event.starts_at)
                && tz.date_label(end, self.lang) == tz.date_label(event.starts_at, self.lang)
            {
                tz.time_label(end, self.lang)
            } else {
                tz.date_time_label(end, self.lang)
            }
        });
        context! {
            starts => to_rfc3339(event.starts_at),
            when => tz.date_time_label(event.starts_at, self.lang),
            until => until,
            place => event.place,
            organiser => event.organiser,
        }
    }
}

/// The first midnight after `now` (Unix ms) in a zone `offset_ms` east of UTC.
fn next_midnight(offset_ms: i64, now: i64) -> i64 {
    const DAY_MS: i64 = 86_400_000;
    ((now + offset_ms).div_euclid(DAY_MS) + 1) * DAY_MS - offset_ms
}

/// Where a page is read: the privacy policy at its own address, the others under
/// `/halaman/`.
pub fn page_path(slug: &str) -> String {
    if slug == crate::site::profile::PRIVACY_SLUG {
        format!("/{slug}")
    } else {
        format!("/halaman/{slug}")
    }
}

/// `/kategori/NAME`, the name percent-encoded.
pub fn category_path(name: &str) -> String {
    format!("/kategori/{}", encode_component(name))
}

/// A value percent-encoded for a path segment or a query value.
pub fn encode_component(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

pub fn category_links(post: &PostRecord) -> Vec<Value> {
    post.category_list()
        .into_iter()
        .map(|name| context! { url => category_path(&name), name => name })
        .collect()
}

/// The summary, or the first 200 characters of the body's text cut at a word.
pub fn excerpt(post: &PostRecord) -> String {
    if !post.summary.trim().is_empty() {
        return post.summary.clone();
    }
    text_excerpt(&strip_tags(&post.body_html), EXCERPT_CHARS)
}

pub fn text_excerpt(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_string();
    }
    let cut: String = text.chars().take(limit).collect();
    let cut = match cut.rfind(' ') {
        Some(space) if space > limit / 2 => &cut[..space],
        _ => cut.as_str(),
    };
    format!("{}…", cut.trim_end_matches([',', '.', ';', ':', ' ']))
}

/// `/media/KEY-VARIANT.EXT`
pub fn media_path(image: &PostImage, variant: &str) -> String {
    format!("/media/{}", image.file_name(variant))
}

/// The size of a variant: the stored size is the `large` one, and each smaller variant
/// was made from the one before to fit its square, never upscaled (as `media` does).
pub fn variant_size(image: &PostImage, variant: &str) -> (u32, u32) {
    let large = (image.width.max(1), image.height.max(1));
    let medium = fit(large, 800);
    match variant {
        "medium" => medium,
        "thumb" => fit(medium, 400),
        _ => large,
    }
}

fn fit((width, height): (u32, u32), side: u32) -> (u32, u32) {
    if width <= side && height <= side {
        return (width, height);
    }
    let ratio = (f64::from(side) / f64::from(width)).min(f64::from(side) / f64::from(height));
    let scale = |v: u32| ((f64::from(v) * ratio).round() as u32).max(1);
    (scale(width), scale(height))
}

/// `srcset` of an image: medium and large with their widths.
pub fn srcset(image: &PostImage) -> String {
    let (medium, _) = variant_size(image, "medium");
    let (large, _) = variant_size(image, "large");
    if medium == large {
        return format!("{} {large}w", media_path(image, "large"));
    }
    format!(
        "{} {medium}w, {} {large}w",
        media_path(image, "medium"),
        media_path(image, "large")
    )
}

/// Black or white, whichever reads better on a `#rrggbb` background.
fn text_on(colour: &str) -> &'static str {
    let channel = |i: usize| {
        let value = colour
            .get(i..i + 2)
            .and_then(|hex| u8::from_str_radix(hex, 16).ok())
            .unwrap_or(0);
        let c = f64::from(value) / 255.0;
        if c <= 0.03928 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
    // Contrast with white is (1.05)/(L+0.05), with near-black (L+0.05)/(0.0118+0.05).
    if 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.0618 {
        "#ffffff"
    } else {
        "#111111"
    }
}

/// The display names of the accounts that wrote posts, fetched once per page.
pub async fn author_names(
    state: &AppState,
    posts: &[&PostRecord],
) -> Result<HashMap<i64, String>, AppError> {
    let mut names = HashMap::new();
    for post in posts {
        if let Some(id) = post.author_user_id
            && !names.contains_key(&id)
            && let Some(user) = state.store.user_by_id(id).await?
        {
            let name = if user.display_name.trim().is_empty() {
                user.username
            } else {
                user.display_name
            };
            names.insert(id, name);
        }
    }
    Ok(names)
}

/// Renders a site page (the safety headers are added around the whole router).
pub fn render(status: StatusCode, template: &str, ctx: Value) -> Result<Response, AppError> {
    let html = crate::web::render::render_string(template, ctx)?;
    Ok((
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::VARY, "Accept"),
        ],
        html,
    )
        .into_response())
}

/// A page of the site holding one sentence (not found, refused, deleted).
pub fn message(
    site: &Site,
    state: &AppState,
    status: StatusCode,
    text: Text,
) -> Result<Response, AppError> {
    render(
        status,
        "site/message.html",
        context! { message => site.text(text), ..site.base(state, "") },
    )
}

/// A message page before the site exists (no actor yet).
pub fn bare_message(
    state: &AppState,
    status: StatusCode,
    text: Text,
) -> Result<Response, AppError> {
    render(
        status,
        "message.html",
        context! { message => text, ..shared_base(state, "Kentongan") },
    )
}

/// The answer of a page of an account that moved: 301 to the new account's profile page
/// as its server gave it when the move was checked (its id when it gave none).
pub async fn moved_away(state: &AppState, target: &str) -> Result<Response, AppError> {
    let profile = state
        .store
        .actor_by_ap_id(target)
        .await?
        .and_then(|new_home| new_home.profile_url)
        .unwrap_or_else(|| target.to_string());
    Ok((StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, profile)]).into_response())
}

/// What pages outside the village site (the portal's timeline, monitoring) need from
/// the shared skeleton: the name, the strings, the host.
pub fn shared_base(state: &AppState, site_name: &str) -> Value {
    let lang = Lang::Id;
    context! {
        site_name => site_name,
        t => Value::from_dyn_object(strings::for_page(lang, "desa")),
        lang => lang.code(),
        host => urls_host(&state.urls),
    }
}

/// A post's likes, boosts and public replies, for `counts.html` (the public page and
/// the admin's page of the post).
pub fn counts_view(post: &PostRecord) -> Value {
    context! {
        likes => post.counts.likes,
        shares => post.counts.shares,
        replies => post.counts.replies,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_on_a_colour_keeps_contrast() {
        assert_eq!(text_on("#7a3b10"), "#ffffff");
        assert_eq!(text_on("#f3cd4b"), "#111111");
        assert_eq!(text_on("#ffffff"), "#111111");
    }

    #[test]
    fn variants_fit_their_squares() {
        let image = PostImage {
            key: String::new(),
            extension: "jpg".into(),
            mime: "image/jpeg".into(),
            width: 1600,
            height: 1200,
            alt: String::new(),
        };
        assert_eq!(variant_size(&image, "medium"), (800, 600));
        assert_eq!(variant_size(&image, "thumb"), (400, 300));
        let small = PostImage {
            width: 300,
            height: 200,
            ..image
        };
        assert_eq!(variant_size(&small, "thumb"), (300, 200));
    }

    #[test]
    fn pages_stay_right_until_the_village_midnight() {
        // 2026-12-03 16:30 UTC is 23:30 WIB: WIB's midnight is half an hour away, and
        // WIT's (UTC+9) has passed already, so its next one is a day later less 1.5 h.
        let now = 1_796_315_400_000;
        let hour = 3_600_000;
        assert_eq!(next_midnight(7 * hour, now), now + hour / 2);
        assert_eq!(next_midnight(9 * hour, now), now + 22 * hour + hour / 2);
        assert_eq!(next_midnight(0, now), now + 7 * hour + hour / 2);
        // At midnight exactly, the next one.
        let midnight = now + hour / 2;
        assert_eq!(next_midnight(7 * hour, midnight), midnight + 24 * hour);
    }

    #[test]
    fn excerpts_cut_at_a_word() {
        let text = "kata ".repeat(100);
        let cut = text_excerpt(&text, 200);
        assert!(cut.ends_with("kata…"), "{cut}");
        assert!(cut.chars().count() <= 201);
        assert_eq!(text_excerpt("pendek", 200), "pendek");
    }
}
