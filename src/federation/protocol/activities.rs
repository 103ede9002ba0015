//! Activities we send. One shape for all of them: who did what to which object, and to
//! whom; the fields a kind does not use are left out.

use serde::Serialize;

/// The kinds of activity we send.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Kind {
    Create,
    Update,
    Delete,
    Follow,
    Accept,
    Undo,
    Announce,
    Move,
    /// A refused QuoteRequest (FEP-044f).
    Reject,
}

#[derive(Clone, Debug, Serialize)]
pub struct Activity<O: Serialize> {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: Kind,
    pub actor: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cc: Option<Vec<String>>,
    pub object: O,
    /// Where a Move goes: the account moved to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
    /// What an Accept of a QuoteRequest grants: the QuoteAuthorization's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
}

impl<O: Serialize> Activity<O> {
    /// An activity of `kind` by `actor` about `object`, addressed to no one yet.
    pub fn new(id: String, kind: Kind, actor: &str, object: O) -> Self {
        Self {
            id,
            kind,
            actor: actor.to_string(),
            published: None,
            to: None,
            cc: None,
            object,
            target: None,
            updated: None,
            result: None,
        }
    }

    /// Published at `published`, to `to` with `cc`.
    pub fn addressed(mut self, published: String, to: Vec<String>, cc: Vec<String>) -> Self {
        self.published = Some(published);
        self.to = Some(to);
        self.cc = Some(cc);
        self
    }
}
