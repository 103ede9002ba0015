//! Activities and objects as other servers send them, read tolerantly: what the
//! fixtures in `tests/fixtures/servers` show real servers do. A field may be one value
//! or a list (GoToSocial and Ghost send a single `to` or `tag` bare), an object may come
//! inline or as its id, the audience "everyone" has three spellings, and anything we do
//! not act on is `Received::Other`. No behaviour: the handlers in `activities/` act.

use super::PUBLIC;
use crate::federation::inbox::IncomingActivity;
use serde::Deserialize;
use serde_json::{Map, Value};

/// The id of an object given inline or by reference.
pub fn object_id(value: &Value) -> Option<&str> {
    match value {
        Value::String(id) => Some(id),
        Value::Object(map) => map.get("id").and_then(Value::as_str),
        _ => None,
    }
}

/// The first id of a field that may be a string, an object or a list (`attributedTo`).
pub fn first_id(value: &Value) -> Option<&str> {
    match value {
        Value::Array(items) => items.iter().find_map(object_id),
        other => object_id(other),
    }
}

/// Reads a field that names an object (a URL, an object with an `id`, or a list whose
/// first item is either) as the URL of that object.
pub fn id_url<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<url::Url, D::Error> {
    let value = Value::deserialize(deserializer)?;
    let id = first_id(&value)
        .ok_or_else(|| serde::de::Error::custom("expected a URL or an object with an id"))?;
    url::Url::parse(id).map_err(serde::de::Error::custom)
}

/// Every id of a field that may be one value or a list.
pub fn ids(value: Option<&Value>) -> Vec<&str> {
    match value {
        Some(Value::Array(items)) => items.iter().filter_map(object_id).collect(),
        Some(other) => object_id(other).into_iter().collect(),
        None => Vec::new(),
    }
}

/// The items of a field that may be one object or a list of them.
pub fn items(value: Option<&Value>) -> Vec<&Value> {
    match value {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(Value::Null) | None => Vec::new(),
        Some(one) => vec![one],
    }
}

/// Whether an id is the audience "everyone", in any of the spellings servers use.
pub fn is_everyone(id: &str) -> bool {
    matches!(id, PUBLIC | "as:Public" | "Public")
}

/// A response to an object that is counted on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reaction {
    Like,
    Announce,
}

impl Reaction {
    fn of(kind: Option<&str>) -> Option<Self> {
        match kind? {
            "Like" => Some(Self::Like),
            "Announce" => Some(Self::Announce),
            _ => None,
        }
    }
}

/// What an Undo takes back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Undone {
    /// A Follow, embedded: its id (when it has one) and whom it followed.
    Follow { id: Option<String>, target: String },
    /// A Like or an Announce, embedded: its id and what it liked or boosted.
    Reaction {
        kind: Reaction,
        id: String,
        target: String,
    },
    /// An activity named by its id only.
    ById(String),
    /// Something else: nothing of ours to take back.
    Other,
}

/// An activity by the kind we act on, with what each kind needs.
#[derive(Clone, Debug, PartialEq)]
pub enum Received {
    Follow {
        target: String,
    },
    Undo(Undone),
    Block {
        target: String,
    },
    /// An Accept or a Reject of one of our Follows.
    Answer {
        accepted: bool,
        follow: Option<String>,
    },
    /// The object, inline (a Create carries its object).
    Create(Value),
    /// The object, inline (an edited note, or an actor's new profile).
    Update(Value),
    Delete {
        target: String,
    },
    /// A Like or an Announce of an object, named by its id.
    Reaction {
        kind: Reaction,
        target: String,
    },
    /// An account moving itself (`object`) to another account (`target`).
    Move {
        object: String,
        target: String,
    },
    /// A request to quote `target` with the note `instrument` (FEP-044f), inline or
    /// its id.
    QuoteRequest {
        target: String,
        instrument: Value,
    },
    /// Anything else (EmojiReact, …): answered, not acted on.
    Other,
}

impl Received {
    /// Reads a stored activity by its kind.
    pub fn read(activity: &IncomingActivity) -> Self {
        let object = activity.object().cloned().unwrap_or(Value::Null);
        let target = || object_id(&object).unwrap_or_default().to_string();
        match activity.kind.as_str() {
            "Follow" => Self::Follow { target: target() },
            "Undo" => Self::Undo(match &object {
                Value::Object(inner)
                    if inner.get("type").and_then(Value::as_str) == Some("Follow") =>
                {
                    Undone::Follow {
                        id: inner.get("id").and_then(Value::as_str).map(str::to_string),
                        target: inner
                            .get("object")
                            .and_then(object_id)
                            .unwrap_or_default()
                            .to_string(),
                    }
                }
                Value::Object(inner) => {
                    match Reaction::of(inner.get("type").and_then(Value::as_str)) {
                        Some(kind) => Undone::Reaction {
                            kind,
                            id: inner
                                .get("id")
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                                .to_string(),
                            target: inner
                                .get("object")
                                .and_then(object_id)
                                .unwrap_or_default()
                                .to_string(),
                        },
                        None => Undone::Other,
                    }
                }
                Value::String(id) => Undone::ById(id.clone()),
                _ => Undone::Other,
            }),
            "Block" => Self::Block { target: target() },
            "Accept" | "Reject" => Self::Answer {
                accepted: activity.kind == "Accept",
                follow: object_id(&object).map(str::to_string),
            },
            "Create" => Self::Create(object),
            "Update" => Self::Update(object),
            "Delete" => Self::Delete { target: target() },
            "Move" => Self::Move {
                object: target(),
                target: activity
                    .rest
                    .get("target")
                    .and_then(object_id)
                    .unwrap_or_default()
                    .to_string(),
            },
            "QuoteRequest" => Self::QuoteRequest {
                target: target(),
                instrument: activity.rest.get("instrument").cloned().unwrap_or_default(),
            },
            kind => match Reaction::of(Some(kind)) {
                Some(kind) => Self::Reaction {
                    kind,
                    target: target(),
                },
                None => Self::Other,
            },
        }
    }
}

/// The kinds of object that carry a resident's words.
pub const NOTE_TYPES: [&str; 4] = ["Note", "Article", "Page", "Question"];

/// A note as another server sends it, read field by field.
#[derive(Clone, Copy, Debug)]
pub struct NoteIn<'a> {
    map: &'a Map<String, Value>,
}

impl<'a> NoteIn<'a> {
    /// The object as a note, when it is one of [`NOTE_TYPES`].
    pub fn of(object: &'a Value) -> Option<Self> {
        let Value::Object(map) = object else {
            return None;
        };
        map.get("type")
            .and_then(Value::as_str)
            .is_some_and(|kind| NOTE_TYPES.contains(&kind))
            .then_some(Self { map })
    }

    pub fn id(&self) -> Option<&'a str> {
        self.map.get("id").and_then(Value::as_str)
    }

    pub fn in_reply_to(&self) -> Option<&'a str> {
        self.map.get("inReplyTo").and_then(object_id)
    }

    pub fn attributed_to(&self) -> Option<&'a str> {
        self.map.get("attributedTo").and_then(first_id)
    }

    /// What it quotes: FEP-044f's `quote`, else the older spellings FEP-044f lists
    /// (`quoteUrl`, `quoteUri`, `_misskey_quote`).
    pub fn quote(&self) -> Option<&'a str> {
        ["quote", "quoteUrl", "quoteUri", "_misskey_quote"]
            .iter()
            .find_map(|field| self.map.get(*field).and_then(object_id))
    }

    /// The thread it belongs to (FEP-7888 `context`, an id or an object with one).
    pub fn context(&self) -> Option<&'a str> {
        self.map.get("context").and_then(object_id)
    }

    /// The HTML as sent (not yet cleaned).
    pub fn content(&self) -> &'a str {
        self.map
            .get("content")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// The page of the note: a URL, a Link's `href`, or the first of a list.
    pub fn url(&self) -> Option<&'a str> {
        match self.map.get("url")? {
            Value::Array(items) => items.iter().find_map(|item| match item {
                Value::String(url) => Some(url.as_str()),
                Value::Object(link) => link.get("href").and_then(Value::as_str),
                _ => None,
            }),
            Value::Object(link) => link.get("href").and_then(Value::as_str),
            other => first_id(other),
        }
    }

    /// The actors it mentions (`Mention` tags).
    pub fn mentions(&self) -> Vec<&'a str> {
        items(self.map.get("tag"))
            .into_iter()
            .filter(|tag| tag.get("type").and_then(Value::as_str) == Some("Mention"))
            .filter_map(|tag| tag.get("href").and_then(Value::as_str))
            .collect()
    }

    /// Everyone it is addressed to, `to` then `cc`.
    pub fn audience(&self) -> Vec<&'a str> {
        let mut all = ids(self.map.get("to"));
        all.extend(ids(self.map.get("cc")));
        all
    }

    /// Addressed to everyone.
    pub fn is_public(&self) -> bool {
        self.audience().into_iter().any(is_everyone)
    }

    /// When it was published, in milliseconds, if the date reads.
    pub fn published_ms(&self) -> Option<i64> {
        self.map
            .get("published")
            .and_then(Value::as_str)
            .and_then(read_time)
    }
}

/// An RFC 3339 time, also in the forms some servers send (`+0000` without a colon).
pub fn read_time(text: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(text)
        .or_else(|_| chrono::DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%z"))
        .or_else(|_| chrono::DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .ok()
        .map(|d| d.timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn one_value_or_a_list_and_every_spelling_of_everyone() {
        let gts = json!({"type": "Note", "to": "https://www.w3.org/ns/activitystreams#Public", "tag": {"type": "Mention", "href": "https://desa.example/u/a"}});
        let note = NoteIn::of(&gts).expect("a note");
        assert!(note.is_public());
        assert_eq!(note.mentions(), vec!["https://desa.example/u/a"]);
        let ghost = json!({"type": "Article", "to": "as:Public", "cc": ["x"]});
        assert!(NoteIn::of(&ghost).expect("a note").is_public());
        let dm = json!({"type": "Note", "to": ["https://desa.example/u/a"], "cc": []});
        assert!(!NoteIn::of(&dm).expect("a note").is_public());
        assert!(NoteIn::of(&json!({"type": "Person"})).is_none());
    }

    #[test]
    fn times_read_with_or_without_the_colon() {
        assert_eq!(read_time("2025-05-12T03:14:15Z"), Some(1_747_019_655_000));
        assert_eq!(
            read_time("2025-05-12T03:14:15+0000"),
            Some(1_747_019_655_000)
        );
        assert_eq!(
            read_time("2025-05-12T03:14:15.000Z"),
            Some(1_747_019_655_000)
        );
        assert_eq!(read_time("gisteren"), None);
    }
}
