//! `/admin/settings` (admins only): the village's name and description (its actor's:
//! a change federates an Update), and the website's own settings, logo and banner
//! (also the actor's avatar and header: `site::profile` says how).

use super::{
    fields::Fields,
    session::{Admin, AdminMultipart, AdminPost},
    view::{self, OkQuery},
};
use crate::{
    actors::{self, ProfileChanges},
    media::{MediaError, MediaStore, process_upload},
    publishing::{PostImage, markdown},
    site::{self, SiteSettings, TimeZone, VILLAGE_WORDS, profile},
    state::AppState,
    store::QuotePolicy,
    strings::{self, Lang, Text},
};
use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::Response,
};
use minijinja::{Value, context};

const MAX_NAME_CHARS: usize = 100;
const MAX_DESCRIPTION_CHARS: usize = 5_000;

/// The form's values as typed.
#[derive(Clone, Debug, serde::Serialize)]
struct SettingsForm {
    name: String,
    description: String,
    tagline: String,
    village_word: String,
    language: String,
    time_zone: String,
    colour_primary: String,
    colour_accent: String,
    contact_address: String,
    contact_phone: String,
    contact_email: String,
    /// The regency's hosting staff may write on the village's behalf.
    hosting_may_write: bool,
    /// Who may quote new posts: a `QuotePolicy` word.
    quote_policy: String,
}

impl SettingsForm {
    fn current(admin: &Admin) -> Self {
        let s = &admin.settings;
        Self {
            name: admin.actor.name.clone(),
            description: markdown::strip_tags(&admin.actor.summary),
            tagline: s.tagline.clone(),
            village_word: s.village_word.clone(),
            language: s.language.code().to_string(),
            time_zone: s.time_zone.code().to_string(),
            colour_primary: s.colour_primary.clone(),
            colour_accent: s.colour_accent.clone(),
            contact_address: s.contact_address.clone(),
            contact_phone: s.contact_phone.clone(),
            contact_email: s.contact_email.clone(),
            hosting_may_write: s.hosting_may_write,
            quote_policy: s.quote_policy.as_str().to_string(),
        }
    }

    fn of_fields(fields: &Fields) -> Self {
        let get = |name: &str| fields.get(name).trim().to_string();
        Self {
            name: get("name"),
            description: fields.get("description").to_string(),
            tagline: get("tagline"),
            village_word: get("village_word"),
            language: get("language"),
            time_zone: get("time_zone"),
            colour_primary: get("colour_primary").to_lowercase(),
            colour_accent: get("colour_accent").to_lowercase(),
            contact_address: get("contact_address"),
            contact_phone: get("contact_phone"),
            contact_email: get("contact_email"),
            hosting_may_write: fields.checked("hosting_may_write"),
            quote_policy: get("quote_policy"),
        }
    }

    fn apply(&self, current: &SiteSettings) -> SiteSettings {
        SiteSettings {
            village_word: self.village_word.clone(),
            tagline: self.tagline.clone(),
            language: Lang::parse(&self.language).unwrap_or(current.language),
            time_zone: TimeZone::parse(&self.time_zone).unwrap_or(current.time_zone),
            colour_primary: self.colour_primary.clone(),
            colour_accent: self.colour_accent.clone(),
            contact_address: self.contact_address.clone(),
            contact_phone: self.contact_phone.clone(),
            contact_email: self.contact_email.clone(),
            hosting_may_write: self.hosting_may_write,
            // A word that is no policy (a hand-edited form) keeps the current one.
            quote_policy: QuotePolicy::parse(&self.quote_policy).unwrap_or(current.quote_policy),
            ..current.clone()
        }
    }
}

fn show(
    admin: &Admin,
    status: StatusCode,
    form: &SettingsForm,
    error: Option<String>,
    ok: Option<&str>,
) -> Response {
    let lang = admin.lang;
    let image = |image: &Option<PostImage>| {
        image
            .as_ref()
            .map(|i| context! { src => format!("/media/{}", i.file_name("thumb")), alt => i.alt.clone() })
    };
    view::page(
        admin,
        status,
        "admin/settings.html",
        context! {
            form => Value::from_serialize(form),
            error => error,
            flash => view::flash(ok, lang),
            village_words => VILLAGE_WORDS,
            languages => [
                context! { value => "id", label => strings::ADMIN_LANG_ID.get(lang) },
                context! { value => "en", label => strings::ADMIN_LANG_EN.get(lang) },
            ],
            time_zones => TimeZone::ALL.iter().map(|tz| tz.code()).collect::<Vec<_>>(),
            quote_policies => super::editor::quote_policy_choices(
                &form.quote_policy,
                false,
                lang,
                &admin.settings.village_word,
            ),
            logo => image(&admin.settings.logo),
            banner => image(&admin.settings.banner),
        },
    )
}

pub async fn form(
    State(_state): State<AppState>,
    admin: Admin,
    Query(query): Query<OkQuery>,
) -> Result<Response, Response> {
    let current = SettingsForm::current(&admin);
    Ok(show(
        &admin,
        StatusCode::OK,
        &current,
        None,
        query.ok.as_deref(),
    ))
}

async fn store_image(
    state: &AppState,
    bytes: Vec<u8>,
    alt: &str,
) -> Result<PostImage, Result<MediaError, anyhow::Error>> {
    if state.disk.files_may_grow().is_err() {
        return Err(Ok(MediaError::NoSpace));
    }
    let media = MediaStore::new(&state.config.dir);
    let stored = tokio::task::spawn_blocking(move || {
        let processed = process_upload(&bytes).map_err(Ok)?;
        media.save(&processed).map_err(|err| Err(err.into()))
    })
    .await
    .map_err(|err| Err(err.into()))??;
    Ok(PostImage {
        key: stored.key,
        extension: stored.extension.to_string(),
        mime: stored.mime.to_string(),
        width: stored.width,
        height: stored.height,
        alt: alt.to_string(),
    })
}

fn check_profile(form: &SettingsForm) -> Result<(), Text> {
    let chars = form.name.chars().count();
    if chars == 0 || chars > MAX_NAME_CHARS {
        return Err(strings::ADMIN_SETTINGS_NAME_INVALID);
    }
    if form.description.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(strings::ADMIN_SETTINGS_DESCRIPTION_TOO_LONG);
    }
    Ok(())
}

pub async fn submit(
    State(state): State<AppState>,
    AdminMultipart(AdminPost { admin, fields }): AdminMultipart,
) -> Result<Response, Response> {
    let lang = admin.lang;
    let form = SettingsForm::of_fields(&fields);
    let refuse =
        |status: StatusCode, message: String| show(&admin, status, &form, Some(message), None);
    // A refusal the operator can fix is shown on the form; anything else is a failure.
    let refused = |err: site::SettingsError| match err {
        site::SettingsError::Refused(invalid) => {
            refuse(StatusCode::BAD_REQUEST, invalid.0.get(lang).to_string())
        }
        site::SettingsError::Failed(err) => view::failure(err),
    };
    if let Err(text) = check_profile(&form) {
        return Err(refuse(StatusCode::BAD_REQUEST, text.get(lang).to_string()));
    }
    let mut settings = form.apply(&admin.settings);
    settings.validate().map_err(refused)?;

    for (input, slot) in [("logo", 0), ("banner", 1)] {
        let remove = fields.checked(&format!("{input}_remove"));
        let mut image = if slot == 0 {
            settings.logo.take()
        } else {
            settings.banner.take()
        };
        if remove {
            image = None;
        }
        if let Some(upload) = fields.files_of(input).next() {
            let result = if upload.too_large {
                Err(Ok(MediaError::TooLarge))
            } else {
                store_image(&state, upload.bytes.clone(), &form.name).await
            };
            match result {
                Ok(stored) => image = Some(stored),
                Err(Ok(err)) => {
                    let status = match err {
                        MediaError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
                        MediaError::NotAnImage => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                        MediaError::NoSpace => StatusCode::INSUFFICIENT_STORAGE,
                        _ => StatusCode::BAD_REQUEST,
                    };
                    return Err(refuse(status, err.text().get(lang).to_string()));
                }
                Err(Err(err)) => return Err(view::failure(err)),
            }
        } else if let Some(kept) = image.as_mut() {
            kept.alt = form.name.clone();
        }
        if slot == 0 {
            settings.logo = image;
        } else {
            settings.banner = image;
        }
    }

    site::save(&state.store, &settings).await.map_err(refused)?;
    let current = SettingsForm::current(&admin);
    let name_changed = form.name != current.name;
    let description_changed = form.description.trim() != current.description.trim();
    // The logo is the account's avatar and the banner its header: a new one reaches
    // the followers with the name and description, in one Update.
    let changes = ProfileChanges {
        name: name_changed.then(|| form.name.clone()),
        summary: description_changed.then(|| form.description.clone()),
        ..profile::picture_changes(&admin.settings, &settings, &admin.actor, &state.urls)
    };
    if !changes.is_empty() {
        actors::edit_profile(&state.store, &admin.actor, &changes)
            .await
            .map_err(view::failure)?;
        state.wake_delivery.notify_one();
    }
    Ok(view::done("/admin/settings", "settings"))
}
