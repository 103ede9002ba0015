//! Admin accounts: roles, passwords (argon2id), login slowed down per account and address
//! (`throttle`), sessions and their CSRF tokens. The web layer turns these into cookies
//! and forms (and an [`AuthError`] into words on the form) and tells us the client's
//! address; nothing here knows HTTP.

pub mod password;
pub mod permissions;
pub mod throttle;

pub use permissions::{Permission, Reach, allows, reach};

use crate::{
    clock::now_ms,
    refusal::InvalidInput,
    store::{SessionRecord, Store, UserRecord},
    strings::{self, Text},
};
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// A session ends after this long without use.
pub const SESSION_IDLE_MS: i64 = 14 * 24 * 3600 * 1000;

/// An account's role (kept with it); what each may do is [`permissions::reach`].
pub use crate::store::AccountRole as Role;

impl Role {
    pub fn label(self) -> Text {
        match self {
            Self::Admin => strings::ROLE_ADMIN,
            Self::Editor => strings::ROLE_EDITOR,
            Self::Kontributor => strings::ROLE_KONTRIBUTOR,
        }
    }
}

/// Why an account was not created or its password not set.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The name or password breaks a rule, or the name is taken; the sentence says which.
    #[error("{0}")]
    Refused(InvalidInput),
    /// The database or the password hashing failed; trying again may work.
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

impl From<InvalidInput> for AuthError {
    fn from(refusal: InvalidInput) -> Self {
        Self::Refused(refusal)
    }
}

fn refuse<T>(text: Text) -> Result<T, AuthError> {
    Err(InvalidInput(text).into())
}

/// An account name: 3 to 32 of a-z, 0-9, `.`, `_`, `-`, starting with a letter.
pub fn parse_username(input: &str) -> Result<String, AuthError> {
    let name = input.trim().to_lowercase();
    let valid = (3..=32).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if !valid {
        return refuse(strings::USERNAME_INVALID);
    }
    Ok(name)
}

/// Creates an account; the password must follow [`password::check_strength`].
pub async fn create_user(
    store: &Store,
    username: &str,
    display_name: &str,
    role: Role,
    password: &str,
) -> Result<UserRecord, AuthError> {
    let username = parse_username(username)?;
    password::check_strength(password)?;
    if store.user_by_username(&username).await?.is_some() {
        return refuse(strings::USERNAME_TAKEN);
    }
    let hash = password::hash(password).await?;
    let display_name = match display_name.trim() {
        "" => username.clone(),
        name => name.chars().take(100).collect(),
    };
    Ok(store
        .create_user(&username, &display_name, &hash, role, now_ms())
        .await?)
}

/// Sets a new password, ends the account's sessions and lifts any slowing of its
/// sign-ins (the guesses it was against were guesses of the old password).
pub async fn set_password(
    store: &Store,
    user: &UserRecord,
    password: &str,
) -> Result<(), AuthError> {
    password::check_strength(password)?;
    let hash = password::hash(password).await?;
    store.set_password(user.id, &hash).await?;
    store.clear_login_failures(&user.username).await?;
    Ok(())
}

/// Why a login was refused. Deliberately vague about which half was wrong, and the same
/// for a name without an account as for a real one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginRefusal {
    WrongCredentials,
    /// Too many failures of this name or from this address: no attempt is checked
    /// before this time (Unix ms).
    Slowed(i64),
}

/// Checks a username and password sent from `address` (the client's, as the web room
/// read it). Throttled first ([`throttle`]); then every attempt costs one argon2
/// verification, against a dummy hash for a name without an (enabled) account, so
/// neither the answer nor its timing tells which names exist.
pub async fn login(
    store: &Store,
    username: &str,
    password: &str,
    address: &str,
) -> anyhow::Result<Result<UserRecord, LoginRefusal>> {
    let now = now_ms();
    let name = throttle::name_key(username);
    let address = throttle::address_key(address);
    let weighed = store
        .weigh_login_attempt(
            &name,
            &address,
            now,
            now - throttle::FORGET_AFTER_MS,
            |pair, from_address| match throttle::open_at(pair, from_address) {
                open_at if open_at > now => Err(open_at),
                _ => Ok(throttle::starts_pausing(pair, from_address)),
            },
        )
        .await?;
    let starts_pausing = match weighed {
        Ok(starts_pausing) => starts_pausing,
        Err(open_at) => return Ok(Err(LoginRefusal::Slowed(open_at))),
    };
    let user = store.user_by_username(&name).await?;
    let user = user.filter(|u| !u.disabled);
    let verified = match &user {
        Some(user) => password::verify(&user.password_hash, password).await,
        None => {
            password::verify_against_dummy(password).await;
            false
        }
    };
    match user {
        Some(user) if verified => {
            store.login_succeeded(&name, &address).await?;
            Ok(Ok(user))
        }
        user => {
            // Once per run of failures, for the operator's log (and fail2ban, say).
            if starts_pausing {
                let account = user.map(|u| u.username);
                tracing::warn!(%address, ?account, "sign-ins slowed after repeated failures");
            }
            Ok(Err(LoginRefusal::WrongCredentials))
        }
    }
}

/// The accounts whose sign-ins are being slowed down from some address right now, with
/// the latest time one of those pauses ends.
pub async fn slowed_accounts(store: &Store) -> anyhow::Result<BTreeMap<String, i64>> {
    let now = now_ms();
    let mut slowed = BTreeMap::new();
    for counter in store
        .login_pair_counters(now - throttle::FORGET_AFTER_MS)
        .await?
    {
        let open_at = throttle::next_attempt_at(counter.counter, throttle::FREE_FAILURES_PER_NAME);
        if open_at > now {
            let until = slowed.entry(counter.username).or_insert(open_at);
            *until = (*until).max(open_at);
        }
    }
    Ok(slowed)
}

/// `kentongan admin unlock`: forgets the failures counted against an account, and the
/// counters of the addresses they came from, so its operator can sign in at once from
/// wherever they are. Returns how many addresses had failed on it.
pub async fn lift_slowdown(store: &Store, user: &UserRecord) -> anyhow::Result<u64> {
    store.clear_login_failures(&user.username).await
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Sessions are stored by the SHA-256 of their token, so a leaked database holds no
/// usable cookie.
fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A new session: the cookie's token (only ever sent to the browser) and its row.
pub async fn start_session(store: &Store, user: &UserRecord) -> anyhow::Result<String> {
    start_session_as(store, user, None).await
}

/// A new session, marked as written `on_behalf_of` someone when it is (the regency's
/// hosting admin writing for a village: `regency_staff`).
pub async fn start_session_as(
    store: &Store,
    user: &UserRecord,
    on_behalf_of: Option<&str>,
) -> anyhow::Result<String> {
    let token = random_token();
    let now = now_ms();
    store
        .create_session(
            &token_hash(&token),
            user.id,
            &random_token(),
            now,
            now + SESSION_IDLE_MS,
            on_behalf_of,
        )
        .await?;
    Ok(token)
}

/// The live session of a cookie's token; using a session keeps it alive.
pub async fn session(store: &Store, token: &str) -> anyhow::Result<Option<SessionRecord>> {
    let now = now_ms();
    let Some(session) = store.session_by_token_hash(&token_hash(token), now).await? else {
        return Ok(None);
    };
    // Extend at most once an hour, not on every request.
    if session.expires_at - now < SESSION_IDLE_MS - 3_600_000 {
        store
            .extend_session(session.session_id, now + SESSION_IDLE_MS)
            .await?;
    }
    Ok(Some(session))
}

/// A one-time sign-in to `user`'s account on behalf of `on_behalf_of` (the regency's
/// hosting admin: `regency_staff`), usable for `lifetime_ms`: its token, to be sent once
/// in a link (kept only as its hash).
pub async fn grant_sign_in_on_behalf(
    store: &Store,
    user: &UserRecord,
    on_behalf_of: &str,
    lifetime_ms: i64,
) -> anyhow::Result<String> {
    let token = random_token();
    let now = now_ms();
    store
        .create_hosting_sign_in(
            &token_hash(&token),
            user.id,
            on_behalf_of,
            now,
            now + lifetime_ms,
        )
        .await?;
    Ok(token)
}

/// Uses a one-time sign-in: a new session of its account, marked on behalf of whom the
/// grant named; `None` for a token unknown, used or expired, or an account disabled since.
pub async fn sign_in_on_behalf(store: &Store, token: &str) -> anyhow::Result<Option<String>> {
    let Some((user_id, on_behalf_of)) = store
        .take_hosting_sign_in(&token_hash(token), now_ms())
        .await?
    else {
        return Ok(None);
    };
    let Some(user) = store.user_by_id(user_id).await?.filter(|u| !u.disabled) else {
        return Ok(None);
    };
    start_session_as(store, &user, Some(&on_behalf_of))
        .await
        .map(Some)
}

pub async fn end_session(store: &Store, session: &SessionRecord) -> anyhow::Result<()> {
    store.delete_session(session.session_id).await
}

/// A random token for forms shown before login (double-submit with a cookie).
pub fn new_form_token() -> String {
    random_token()
}

/// Compares a submitted CSRF token with the expected one in constant time.
pub fn tokens_match(expected: &str, submitted: &str) -> bool {
    let (a, b) = (expected.as_bytes(), submitted.as_bytes());
    if a.len() != b.len() || a.is_empty() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_checked() {
        assert_eq!(
            parse_username(" Operator.Desa ").ok().as_deref(),
            Some("operator.desa")
        );
        for bad in ["ab", "1abc", "a b c", "<script>", &"a".repeat(33)] {
            assert!(parse_username(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn csrf_tokens_compare_whole() {
        assert!(tokens_match("abc", "abc"));
        assert!(!tokens_match("abc", "abd"));
        assert!(!tokens_match("abc", "ab"));
        assert!(!tokens_match("", ""));
    }
}
