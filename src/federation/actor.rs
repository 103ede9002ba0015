//! `DbActor`: an actor as the federation library sees it (ours or remote), backed by the
//! `actors` table. Remote actors are fetched (signed, by the library), checked, cleaned
//! and stored here; signatures on incoming activities are verified with their keys.

use super::Data;
use crate::{
    clock::{now_ms, to_datetime},
    publishing::markdown::{sanitize, strip_tags},
    store::{ActorRecord, NewActor},
};
use activitypub_federation::{
    error::Error as LibraryError,
    protocol::{public_key::PublicKey, verification::verify_domains_match},
    traits::{Actor, Object},
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use url::Url;

#[derive(Clone, Debug)]
pub struct DbActor {
    pub ap_id: Url,
    pub inbox: Url,
    pub shared_inbox: Option<Url>,
    pub record: ActorRecord,
}

impl DbActor {
    pub fn from_record(record: ActorRecord) -> anyhow::Result<Self> {
        let parse = |s: &str| {
            Url::parse(s).map_err(|err| anyhow::anyhow!("stored URL {s:?} is invalid: {err}"))
        };
        Ok(Self {
            ap_id: parse(&record.ap_id)?,
            inbox: parse(&record.inbox_url)?,
            shared_inbox: record.shared_inbox_url.as_deref().map(parse).transpose()?,
            record,
        })
    }
}

/// Endpoints of a remote actor.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    pub shared_inbox: Option<Url>,
}

/// A remote actor as we read it: only the fields we use.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApActor {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    pub preferred_username: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub url: Option<serde_json::Value>,
    pub inbox: Url,
    #[serde(default)]
    pub endpoints: Option<Endpoints>,
    #[serde(default)]
    pub shared_inbox: Option<Url>,
    pub public_key: PublicKey,
    /// The account's other accounts: read when it is the target of a Move, never kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub also_known_as: Option<serde_json::Value>,
    /// Where the account itself moved: read when it is the target of a Move.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_to: Option<serde_json::Value>,
}

/// What can go wrong with actors, for the library's generic code.
#[derive(Debug, thiserror::Error)]
pub enum ActorError {
    #[error(transparent)]
    Library(#[from] LibraryError),
    #[error("{0}")]
    Invalid(String),
    #[error("{0:#}")]
    Store(#[from] anyhow::Error),
}

/// What is kept of a remote actor's display name and bio (before cleaning).
const MAX_NAME_CHARS: usize = 200;
const MAX_SUMMARY_CHARS: usize = 5_000;

/// At most `max` characters of an optional text.
fn capped(text: Option<&str>, max: usize) -> String {
    text.unwrap_or_default().chars().take(max).collect()
}

const ACTOR_TYPES: [&str; 5] = ["Person", "Organization", "Service", "Application", "Group"];

/// `host[:port]` of a URL.
pub fn host_of(url: &Url) -> String {
    match url.port() {
        Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_string(),
    }
}

fn profile_url(value: &Option<serde_json::Value>) -> Option<String> {
    match value {
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(serde_json::Value::Object(map)) => {
            map.get("href").and_then(|h| h.as_str()).map(str::to_string)
        }
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .find_map(|item| profile_url(&Some(item.clone()))),
        _ => None,
    }
}

#[async_trait::async_trait]
impl Object for DbActor {
    type DataType = crate::state::AppState;
    type Kind = ApActor;
    type Error = ActorError;

    fn id(&self) -> &Url {
        &self.ap_id
    }

    fn last_refreshed_at(&self) -> Option<DateTime<Utc>> {
        // Our own actors are never refetched.
        (!self.record.is_local).then(|| to_datetime(self.record.refreshed_at))
    }

    async fn read_from_id(object_id: Url, data: &Data) -> Result<Option<Self>, Self::Error> {
        match data.store.actor_by_ap_id(object_id.as_str()).await? {
            Some(record) => Ok(Some(Self::from_record(record)?)),
            None => Ok(None),
        }
    }

    async fn into_json(self, _data: &Data) -> Result<ApActor, Self::Error> {
        Ok(ApActor {
            id: self.ap_id.clone(),
            kind: self.record.kind.clone(),
            preferred_username: self.record.username.clone(),
            name: Some(self.record.name.clone()),
            summary: Some(self.record.summary.clone()),
            url: self
                .record
                .profile_url
                .clone()
                .map(serde_json::Value::String),
            inbox: self.inbox.clone(),
            endpoints: Some(Endpoints {
                shared_inbox: self.shared_inbox.clone(),
            }),
            shared_inbox: None,
            public_key: self.public_key(),
            also_known_as: None,
            moved_to: None,
        })
    }

    async fn verify(json: &ApActor, expected_domain: &Url, data: &Data) -> Result<(), Self::Error> {
        verify_domains_match(&json.id, expected_domain)?;
        let host = host_of(&json.id);
        if host != host_of(expected_domain) {
            return Err(ActorError::Invalid(
                "actor id is on another server than its URL".into(),
            ));
        }
        if json.public_key.owner != json.id {
            return Err(ActorError::Invalid(
                "the actor's publicKey belongs to another actor".into(),
            ));
        }
        if !ACTOR_TYPES.contains(&json.kind.as_str()) {
            return Err(ActorError::Invalid(format!(
                "{} is not an actor type",
                json.kind
            )));
        }
        if [
            Some(&json.id),
            Some(&json.inbox),
            json.endpoints
                .as_ref()
                .and_then(|e| e.shared_inbox.as_ref()),
            json.shared_inbox.as_ref(),
        ]
        .into_iter()
        .flatten()
        .any(|url| url.as_str().len() > super::MAX_ID_BYTES)
        {
            return Err(ActorError::Invalid(format!(
                "the actor's id or inbox is longer than {} bytes",
                super::MAX_ID_BYTES
            )));
        }
        if json.public_key.public_key_pem.len() > super::MAX_PUBLIC_KEY_BYTES {
            return Err(ActorError::Invalid(format!(
                "the actor's public key is larger than {} bytes",
                super::MAX_PUBLIC_KEY_BYTES
            )));
        }
        if json.preferred_username.is_empty() || json.preferred_username.len() > 100 {
            return Err(ActorError::Invalid(
                "the actor has no usable preferredUsername".into(),
            ));
        }
        // We will POST to these: they must be on the actor's own server, at an address we
        // deliver to (not a private one chosen by whoever wrote this document).
        let shared = json
            .endpoints
            .as_ref()
            .and_then(|e| e.shared_inbox.as_ref())
            .or(json.shared_inbox.as_ref());
        for inbox in std::iter::once(&json.inbox).chain(shared) {
            if host_of(inbox) != host {
                return Err(ActorError::Invalid(format!(
                    "inbox {inbox} is not on the actor's server"
                )));
            }
            super::check_remote_url(inbox, &data.config).map_err(ActorError::Invalid)?;
        }
        Ok(())
    }

    async fn from_json(json: ApActor, data: &Data) -> Result<Self, Self::Error> {
        let shared_inbox = json
            .endpoints
            .and_then(|e| e.shared_inbox)
            .or(json.shared_inbox);
        let record = NewActor {
            ap_id: json.id.to_string(),
            is_local: false,
            kind: json.kind,
            username: strip_tags(&json.preferred_username),
            host: host_of(&json.id),
            name: strip_tags(&capped(json.name.as_deref(), MAX_NAME_CHARS))
                .chars()
                .take(MAX_NAME_CHARS)
                .collect(),
            // Cut before it is cleaned, so the cleaned HTML stays whole (no tag cut open).
            summary: sanitize(&capped(json.summary.as_deref(), MAX_SUMMARY_CHARS)),
            icon_url: None,
            // Shown as a link on admin pages: only an http(s) URL is kept.
            profile_url: profile_url(&json.url)
                .filter(|url| url.len() <= super::MAX_ID_BYTES)
                .filter(|url| crate::publishing::markdown::web_link(url).is_some()),
            inbox_url: json.inbox.to_string(),
            shared_inbox_url: shared_inbox.map(|u| u.to_string()),
            public_key_pem: json.public_key.public_key_pem,
            private_key_pem: None,
            fields_json: "[]".to_string(),
        };
        let copies = crate::quota::actor_copies_of(&record.host);
        let stored = data
            .store
            .upsert_remote_actor(&record, (&copies, &crate::quota::ACTOR_COPIES), now_ms())
            .await?;
        Ok(Self::from_record(stored)?)
    }
}

impl Actor for DbActor {
    fn public_key_pem(&self) -> &str {
        &self.record.public_key_pem
    }

    fn private_key_pem(&self) -> Option<String> {
        self.record.private_key_pem.clone()
    }

    fn inbox(&self) -> Url {
        self.inbox.clone()
    }

    fn shared_inbox(&self) -> Option<Url> {
        self.shared_inbox.clone()
    }
}
