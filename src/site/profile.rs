//! What a node shows the fediverse and its visitors before anyone edits anything, and
//! how the website's pictures become the account's:
//!
//! - a default bio in both languages, naming the account and linking to the website,
//!   for a new account and for any account whose bio is empty (given at start, so nodes
//!   made before it get one too; a bio someone wrote is never touched);
//! - the website's logo is the main account's `icon` and its banner the `image`. An
//!   uploaded or replaced logo always becomes the icon, even over a URL set with
//!   `kentongan actor edit --icon-url`: the most recent choice wins, and that URL wins
//!   in turn until the logo changes again. Removing the logo (when it was the icon) or
//!   `--icon-url ""` goes back to the logo, or to the avatar drawn for the account;
//! - the privacy policy page, `/kebijakan-privasi`, a page like the profile pages but
//!   never missing.
//!
//! Every change of a profile goes through `actors::edit_profile`: the change and the
//! Update for the followers in one transaction, delivered by the queue.

use super::SiteSettings;
use crate::{
    actors::{self, ProfileChanges},
    auth,
    clock::now_ms,
    config::Role,
    media::ImageRef,
    publishing::markdown,
    store::{ActorRecord, NewPage, Store},
    strings::{self, Lang, Text},
    urls::Urls,
};
use url::Url;

/// The privacy policy's slug among the pages (also its path: `/kebijakan-privasi`).
pub const PRIVACY_SLUG: &str = "kebijakan-privasi";
/// After the profile pages in the admin's list.
const PRIVACY_POSITION: i64 = 100;
const DAY_MS: i64 = 24 * 3600 * 1000;

/// The bio of an account nobody described yet (Markdown): Bahasa Indonesia, then
/// English, each naming the account and linking to the website.
pub fn default_bio(name: &str, website: &Url, village_word: &str, portal: bool) -> String {
    let text = if portal {
        strings::PORTAL_DEFAULT_BIO
    } else {
        strings::DEFAULT_BIO
    };
    let link = format!("<{website}>");
    both_languages(text, village_word, |text| {
        text.replace("{url}", &link)
            .replace("{name}", &escape_markdown(name))
    })
}

/// The default privacy policy: its title and its text (Markdown), Bahasa Indonesia
/// first. A portal's also says what it keeps of the villages' posts.
pub fn privacy_page(name: &str, village_word: &str, role: Role) -> (String, String) {
    let title = format!(
        "{} / {}",
        strings::PRIVACY_TITLE.id,
        strings::PRIVACY_TITLE.en
    );
    let session_days = (auth::SESSION_IDLE_MS / DAY_MS).to_string();
    let login_forget_hours = (auth::throttle::FORGET_AFTER_MS / 3_600_000).to_string();
    let fill = |lang: Lang| {
        let policy =
            strings::with_village_word(strings::PRIVACY_POLICY.get(lang), lang, village_word)
                .replace("{session_days}", &session_days)
                .replace("{login_forget_hours}", &login_forget_hours)
                .replace("{name}", &escape_markdown(name));
        let heading = match lang {
            Lang::Id => "## Bahasa Indonesia",
            Lang::En => "## English",
        };
        let portal = match role {
            Role::Portal => format!(
                "\n\n{}",
                strings::with_village_word(
                    strings::PRIVACY_POLICY_PORTAL.get(lang),
                    lang,
                    village_word
                )
            ),
            Role::Village => String::new(),
        };
        format!("{heading}\n\n{policy}{portal}")
    };
    (title, format!("{}\n\n{}\n", fill(Lang::Id), fill(Lang::En)))
}

/// A text in Bahasa Indonesia, then in English, as two paragraphs.
fn both_languages(text: Text, village_word: &str, fill: impl Fn(String) -> String) -> String {
    let one = |lang: Lang| {
        fill(strings::with_village_word(
            text.get(lang),
            lang,
            village_word,
        ))
    };
    format!("{}\n\n{}", one(Lang::Id), one(Lang::En))
}

/// Text put into Markdown as itself: a village named `*Maju*` is not set in italics.
fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\`*_{}[]<>()#+-.!|~&".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The logo as an avatar: the medium size (at most 800 px), plenty for any server.
pub fn logo_url(urls: &Urls, logo: &ImageRef) -> String {
    urls.media(&logo.file_name("medium")).to_string()
}

/// The banner as a header picture: the large size, since headers are shown wide.
pub fn banner_url(urls: &Urls, banner: &ImageRef) -> String {
    urls.media(&banner.file_name("large")).to_string()
}

/// The changes to the main account's pictures when the website's settings go from
/// `before` to `after` (pass the same settings twice to catch up with pictures that
/// never reached the account). Empty when nothing changes.
pub fn picture_changes(
    before: &SiteSettings,
    after: &SiteSettings,
    actor: &ActorRecord,
    urls: &Urls,
) -> ProfileChanges {
    let old_logo = before.logo.as_ref().map(|logo| logo_url(urls, logo));
    let new_logo = after.logo.as_ref().map(|logo| logo_url(urls, logo));
    let icon_url = match (old_logo, new_logo) {
        // A new logo: the operator's latest choice.
        (old, Some(new)) if old.as_ref() != Some(&new) => Some(new),
        // A logo that never reached the account (set before logos did).
        (_, Some(new)) if actor.icon_url.is_none() => Some(new),
        // The logo went away: so does the icon it was, back to the drawn avatar. An
        // icon set on purpose elsewhere stays.
        (Some(old), None) if actor.icon_url.as_deref() == Some(old.as_str()) => Some(String::new()),
        _ => None,
    };
    let banner = after.banner.as_ref().map(|banner| banner_url(urls, banner));
    let image_url = (banner != actor.image_url).then(|| banner.unwrap_or_default());
    ProfileChanges {
        icon_url,
        image_url,
        ..Default::default()
    }
}

/// What `--icon-url ""` sets: the logo, for the main account when the site has one;
/// empty (the drawn avatar) otherwise.
pub async fn default_icon_url(
    store: &Store,
    urls: &Urls,
    actor: &ActorRecord,
) -> anyhow::Result<String> {
    let main = actors::publishing_actors(store).await?.into_iter().next();
    if main.is_some_and(|main| main.id == actor.id)
        && let Some(logo) = super::load(store).await?.logo
    {
        return Ok(logo_url(urls, &logo));
    }
    Ok(String::new())
}

/// Brings a node up to what a fresh one has: a bio for every account without one, the
/// website's logo and banner on the main account, the privacy policy page. Run at
/// `init` and at every start; changes nothing that is already there.
pub async fn ensure(store: &Store, urls: &Urls, role: Role) -> anyhow::Result<()> {
    let settings = super::load(store).await?;
    let accounts = actors::publishing_actors(store).await?;
    for (position, actor) in accounts.iter().enumerate() {
        let main = position == 0;
        let mut changes = if main {
            picture_changes(&settings, &settings, actor, urls)
        } else {
            ProfileChanges::default()
        };
        if markdown::strip_tags(&actor.summary).trim().is_empty() {
            let portal = main && role == Role::Portal;
            changes.summary = Some(default_bio(
                &actor.name,
                urls.base(),
                &settings.village_word,
                portal,
            ));
        }
        if !changes.is_empty() {
            actors::edit_profile(store, actor, &changes).await?;
            tracing::info!(actor = %actor.username, "profile completed; Update queued");
        }
    }
    if let Some(main) = accounts.first() {
        let (title, body) = privacy_page(&main.name, &settings.village_word, role);
        let html = markdown::render(&body);
        let page = NewPage {
            slug: PRIVACY_SLUG,
            title: &title,
            body_markdown: &body,
            body_html: &html,
            position: PRIVACY_POSITION,
        };
        let added = store.add_page_if_missing(&page, now_ms()).await?;
        if added {
            tracing::info!("privacy policy page added");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(key: char) -> ImageRef {
        ImageRef {
            key: key.to_string().repeat(32),
            extension: "png".into(),
            mime: "image/png".into(),
            width: 800,
            height: 800,
            alt: String::new(),
        }
    }

    fn actor(icon_url: Option<&str>, image_url: Option<&str>) -> ActorRecord {
        ActorRecord {
            id: 1,
            ap_id: "https://desa.example/u/desa".into(),
            is_local: true,
            kind: actors::LOCAL_ACTOR_KIND.into(),
            username: "desa".into(),
            host: "desa.example".into(),
            name: "Desa".into(),
            summary: String::new(),
            icon_url: icon_url.map(str::to_string),
            image_url: image_url.map(str::to_string),
            profile_url: None,
            inbox_url: String::new(),
            shared_inbox_url: None,
            public_key_pem: String::new(),
            private_key_pem: None,
            fields_json: "[]".into(),
            created_at: 0,
            refreshed_at: 0,
            also_known_as: "[]".into(),
            moved_to: None,
        }
    }

    fn urls() -> Urls {
        Urls::new(Url::parse("https://desa.example/").expect("url"))
    }

    fn with(logo: Option<char>, banner: Option<char>) -> SiteSettings {
        SiteSettings {
            logo: logo.map(image),
            banner: banner.map(image),
            ..Default::default()
        }
    }

    #[test]
    fn the_latest_choice_of_icon_wins() {
        let urls = urls();
        let a_url = logo_url(&urls, &image('a'));
        let b_url = logo_url(&urls, &image('b'));
        assert!(a_url.ends_with("/media/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-medium.png"));
        let explicit = "https://elsewhere.example/logo.png";
        // A new logo replaces an explicit icon, and a replaced logo the old one.
        let changes = picture_changes(
            &with(None, None),
            &with(Some('a'), None),
            &actor(Some(explicit), None),
            &urls,
        );
        assert_eq!(changes.icon_url.as_deref(), Some(a_url.as_str()));
        let changes = picture_changes(
            &with(Some('a'), None),
            &with(Some('b'), None),
            &actor(Some(&a_url), None),
            &urls,
        );
        assert_eq!(changes.icon_url.as_deref(), Some(b_url.as_str()));
        // An explicit icon set after the logo stays while the logo does not change.
        let same = with(Some('a'), None);
        assert!(picture_changes(&same, &same, &actor(Some(explicit), None), &urls).is_empty());
        // A logo that never reached the account does at start.
        let changes = picture_changes(&same, &same, &actor(None, None), &urls);
        assert_eq!(changes.icon_url.as_deref(), Some(a_url.as_str()));
        // Removing the logo removes the icon it was, not an explicit one.
        let changes = picture_changes(&same, &with(None, None), &actor(Some(&a_url), None), &urls);
        assert_eq!(changes.icon_url.as_deref(), Some(""));
        let changes = picture_changes(
            &same,
            &with(None, None),
            &actor(Some(explicit), None),
            &urls,
        );
        assert_eq!(changes.icon_url, None);
    }

    #[test]
    fn the_banner_is_the_header() {
        let urls = urls();
        let banner = banner_url(&urls, &image('c'));
        assert!(banner.ends_with("-large.png"));
        let none = with(None, None);
        let set = with(None, Some('c'));
        let changes = picture_changes(&none, &set, &actor(None, None), &urls);
        assert_eq!(changes.image_url.as_deref(), Some(banner.as_str()));
        assert!(picture_changes(&set, &set, &actor(None, Some(&banner)), &urls).is_empty());
        let changes = picture_changes(&set, &none, &actor(None, Some(&banner)), &urls);
        assert_eq!(changes.image_url.as_deref(), Some(""));
    }

    #[test]
    fn the_default_bio_names_the_account_and_links_the_site() {
        let site = Url::parse("https://jangkarasam.example/").expect("url");
        let bio = default_bio("Desa *Jangkarasam*", &site, "desa", false);
        let html = markdown::render(&bio);
        assert!(html.contains("Akun resmi Desa *Jangkarasam*"), "{html}");
        assert!(
            html.contains("official fediverse account of Desa *Jangkarasam*"),
            "{html}"
        );
        assert!(
            html.contains("href=\"https://jangkarasam.example/\""),
            "{html}"
        );
        assert!(
            html.find("Akun resmi") < html.find("official"),
            "Bahasa Indonesia first"
        );
        let portal = default_bio("Portal Beltim", &site, "desa", true);
        assert!(portal.contains("desa-desa"), "{portal}");
    }

    #[test]
    fn the_privacy_policy_fills_in_its_facts() {
        let (title, body) = privacy_page("Nagari Koto", "nagari", Role::Village);
        assert_eq!(title, "Kebijakan Privasi / Privacy Policy");
        assert!(!body.contains('{'), "a placeholder is left: {body}");
        assert!(
            body.contains("14 hari") && body.contains("14 days"),
            "{body}"
        );
        assert!(body.contains("6 jam") && body.contains("6 hours"), "{body}");
        assert!(body.contains("kantor nagari"), "{body}");
        assert!(body.find("## Bahasa Indonesia") < body.find("## English"));
        assert!(!body.contains("### Portal kabupaten"));
        let (_, portal) = privacy_page("Portal", "desa", Role::Portal);
        assert!(
            portal.contains("### Portal kabupaten") && portal.contains("### The regency portal")
        );
    }
}
