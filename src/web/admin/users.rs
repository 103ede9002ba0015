//! `/admin/users` (admins only): accounts, their roles, disabling them, and new or reset
//! passwords, generated here and shown once. The last enabled admin cannot be demoted or
//! disabled, and nobody demotes or disables themselves.

use super::{
    session::{Admin, AdminPost},
    view::{self, OkQuery},
};
use crate::{
    auth::{self, AuthError, Permission::ManageAccounts, Role},
    state::AppState,
    store::UserRecord,
    strings::{self, Text},
};
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use minijinja::{Value, context};

/// One account as the pages show it; `slowed` is when the latest pause of its sign-ins
/// from some address ends (`auth::slowed_accounts`).
fn user_row(admin: &Admin, user: &UserRecord, slowed: Option<i64>) -> Value {
    let lang = admin.lang;
    let language = match user.language.as_str() {
        "id" => strings::ADMIN_LANG_ID,
        "en" => strings::ADMIN_LANG_EN,
        _ => strings::ADMIN_LANG_SITE,
    };
    context! {
        id => user.id,
        username => user.username.clone(),
        display_name => user.display_name.clone(),
        role => user.role,
        role_label => user.role.label().get(lang),
        language => language.get(lang),
        slowed => slowed.map(|until| admin.settings.time_zone.date_time_label(until, lang)),
        disabled => user.disabled,
        is_me => user.id == admin.user_id(),
    }
}

/// The roles to choose from, `selected` chosen (none when the form sent a word that is
/// not a role).
fn roles(admin: &Admin, selected: Option<Role>) -> Vec<Value> {
    Role::ALL
        .iter()
        .map(|role| {
            context! {
                value => role,
                label => role.label().get(admin.lang),
                selected => Some(*role) == selected,
            }
        })
        .collect()
}

async fn show_list(
    state: &AppState,
    admin: &Admin,
    status: StatusCode,
    error: Option<Text>,
    typed: (&str, &str, &str),
    ok: Option<&str>,
) -> Result<Response, Response> {
    let users = state.store.users().await.map_err(view::failure)?;
    let slowed = auth::slowed_accounts(&state.store)
        .await
        .map_err(view::failure)?;
    let (username, display_name, role) = typed;
    Ok(view::page(
        admin,
        status,
        "admin/users.html",
        context! {
            users => users
                .iter()
                .map(|u| user_row(admin, u, slowed.get(&u.username).copied()))
                .collect::<Vec<_>>(),
            roles => roles(admin, if role.is_empty() { Some(Role::Kontributor) } else { Role::parse(role) }),
            username => username,
            display_name => display_name,
            error => error.map(|t| t.get(admin.lang)),
            flash => view::flash(ok, admin.lang),
        },
    ))
}

pub async fn list(
    State(state): State<AppState>,
    admin: Admin,
    Query(query): Query<OkQuery>,
) -> Result<Response, Response> {
    show_list(
        &state,
        &admin,
        StatusCode::OK,
        None,
        ("", "", ""),
        query.ok.as_deref(),
    )
    .await
}

fn password_once(admin: &Admin, user: &UserRecord, password: &str, is_new: bool) -> Response {
    view::page(
        admin,
        StatusCode::OK,
        "admin/password_once.html",
        context! {
            user => user_row(admin, user, None),
            password => password,
            is_new => is_new,
        },
    )
}

pub async fn add(
    State(state): State<AppState>,
    AdminPost { admin, fields }: AdminPost,
) -> Result<Response, Response> {
    let typed = (
        fields.get("username"),
        fields.get("display_name"),
        fields.get("role"),
    );
    let refuse = async |text: Text| {
        show_list(
            &state,
            &admin,
            StatusCode::BAD_REQUEST,
            Some(text),
            typed,
            None,
        )
        .await
    };
    let Some(role) = Role::parse(fields.get("role")) else {
        return refuse(strings::ADMIN_ROLE_INVALID).await;
    };
    let password = auth::password::generate();
    match auth::create_user(&state.store, typed.0, typed.1, role, &password).await {
        Ok(user) => {
            tracing::info!(user = %user.username, by = %admin.session.user.username, "account created");
            Ok(password_once(&admin, &user, &password, true))
        }
        Err(AuthError::Refused(invalid)) => refuse(invalid.0).await,
        Err(AuthError::Failed(err)) => Err(view::failure(err)),
    }
}

async fn target_user(state: &AppState, admin: &Admin, id: i64) -> Result<UserRecord, Response> {
    match state.store.user_by_id(id).await {
        Ok(Some(user)) => Ok(user),
        Ok(None) => Err(view::not_found(admin)),
        Err(err) => Err(view::failure(err)),
    }
}

fn show_edit(
    admin: &Admin,
    status: StatusCode,
    user: &UserRecord,
    error: Option<Text>,
) -> Response {
    view::page(
        admin,
        status,
        "admin/user_edit.html",
        context! {
            user => user_row(admin, user, None),
            roles => roles(admin, Some(user.role)),
            error => error.map(|t| t.get(admin.lang)),
        },
    )
}

pub async fn edit_form(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<i64>,
) -> Result<Response, Response> {
    let user = target_user(&state, &admin, id).await?;
    Ok(show_edit(&admin, StatusCode::OK, &user, None))
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    AdminPost { admin, fields }: AdminPost,
) -> Result<Response, Response> {
    let user = target_user(&state, &admin, id).await?;
    let refuse = |text: Text| show_edit(&admin, StatusCode::BAD_REQUEST, &user, Some(text));
    let Some(role) = Role::parse(fields.get("role")) else {
        return Err(refuse(strings::ADMIN_ROLE_INVALID));
    };
    let disabled = fields.checked("disabled");
    let display_name: String = match fields.get("display_name").trim() {
        "" => user.username.clone(),
        name => name.chars().take(100).collect(),
    };
    // The node keeps at least one enabled account that can manage accounts.
    let manages = |role: Role, disabled: bool| !disabled && auth::allows(role, ManageAccounts);
    let was_admin = manages(user.role, user.disabled);
    let stays_admin = manages(role, disabled);
    if was_admin && !stays_admin {
        if user.id == admin.user_id() {
            return Err(refuse(strings::ADMIN_NOT_YOURSELF));
        }
        let users = state.store.users().await.map_err(view::failure)?;
        let enabled_admins = users.iter().filter(|u| manages(u.role, u.disabled)).count();
        if enabled_admins <= 1 {
            return Err(refuse(strings::ADMIN_LAST_ADMIN));
        }
    }
    if user.id == admin.user_id() && (disabled || role != admin.role) {
        return Err(refuse(strings::ADMIN_NOT_YOURSELF));
    }
    state
        .store
        .update_user(user.id, &display_name, role, &user.language, disabled)
        .await
        .map_err(view::failure)?;
    Ok(view::done("/admin/users", "user_saved"))
}

pub async fn reset_password(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    AdminPost { admin, .. }: AdminPost,
) -> Result<Response, Response> {
    let user = target_user(&state, &admin, id).await?;
    let password = auth::password::generate();
    auth::set_password(&state.store, &user, &password)
        .await
        .map_err(view::failure)?;
    tracing::info!(user = %user.username, by = %admin.session.user.username, "password reset");
    Ok(password_once(&admin, &user, &password, false))
}
