//! States kept as words in the database, as types in the code: a row read with a word
//! the code does not know fails to read (and says which), and no one compares a state
//! with a string literal. Each word is the column's value, for SQLite and PostgreSQL.

/// An enum whose values are kept as fixed words in a TEXT column.
macro_rules! kept_as_words {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $word:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The word kept in the database.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $word),+
                }
            }
        }

        /// As the word kept in the database, so JSON and the column say the same.
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl TryFrom<String> for $name {
            type Error = UnknownWord;

            fn try_from(word: String) -> Result<Self, Self::Error> {
                match word.as_str() {
                    $($word => Ok(Self::$variant),)+
                    _ => Err(UnknownWord { kind: stringify!($name), word }),
                }
            }
        }
    };
}

/// A state word the code does not know (a database written by a newer version, or by hand).
#[derive(Debug, thiserror::Error)]
#[error("{word:?} is not a {kind} this version knows")]
pub struct UnknownWord {
    kind: &'static str,
    word: String,
}

kept_as_words! {
    /// Where one delivery of an activity to one inbox stands.
    DeliveryState {
        /// Not sent yet, or to be tried again (`attempts` says which).
        Pending => "pending",
        Delivered => "delivered",
        /// Refused for good, or given up on at the end of the retry window.
        Failed => "failed",
    }
}

kept_as_words! {
    /// Where one received activity stands.
    InboxState {
        Pending => "pending",
        /// Acted on.
        Done => "done",
        /// Understood and deliberately not acted on (a blocked author, a reply to nothing).
        Dropped => "dropped",
        /// Could not be acted on after its retries.
        Failed => "failed",
    }
}

kept_as_words! {
    /// What one of our outgoing activities does: its ActivityStreams type.
    ActivityKind {
        Create => "Create",
        Update => "Update",
        Delete => "Delete",
        /// Our answer to a remote Follow.
        Accept => "Accept",
        /// The portal's Follow of a village.
        Follow => "Follow",
        /// The portal taking its Follow back.
        Undo => "Undo",
        /// The portal sharing a village's post.
        Announce => "Announce",
    }
}

kept_as_words! {
    /// Where a village is on the portal: how it is known, not how active it is.
    FollowState {
        /// Our Follow is to be sent, or was sent and not answered yet.
        Pending => "pending",
        Accepted => "accepted",
        Rejected => "rejected",
        /// It has not answered for over a day; tried again every few hours.
        Unreachable => "unreachable",
        /// Not followed but polled: an RSS/Atom feed.
        Feed => "feed",
    }
}

kept_as_words! {
    /// How the portal reads a village.
    SourceKind {
        /// A fediverse actor, followed.
        Actor => "actor",
        /// An RSS or Atom feed, polled.
        Feed => "feed",
    }
}

kept_as_words! {
    /// How a resident's message reached the village.
    TicketChannel {
        /// A public reply to one of the village's posts.
        Reply => "reply",
        /// A public post that mentions the village.
        Mention => "mention",
        /// A message addressed only to the village (and perhaps other people), not public.
        Direct => "direct",
        /// The website's form.
        Web => "web",
    }
}

kept_as_words! {
    /// Where an unpublished post stands.
    DraftStatus {
        /// Being written.
        Draft => "draft",
        /// Written by a contributor, waiting for an editor or admin to publish it.
        Review => "review",
        /// To be published by the node at `publish_at`.
        Scheduled => "scheduled",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_reads_back_and_an_unknown_one_says_so() {
        for state in DeliveryState::ALL {
            assert_eq!(
                DeliveryState::try_from(state.as_str().to_string()).expect("reads"),
                *state
            );
        }
        for kind in ActivityKind::ALL {
            assert_eq!(
                ActivityKind::try_from(kind.as_str().to_string()).expect("reads"),
                *kind
            );
        }
        for state in FollowState::ALL {
            assert_eq!(
                FollowState::try_from(state.as_str().to_string()).expect("reads"),
                *state
            );
        }
        for kind in SourceKind::ALL {
            assert_eq!(
                SourceKind::try_from(kind.as_str().to_string()).expect("reads"),
                *kind
            );
        }
        assert_eq!(
            serde_json::to_string(&ActivityKind::Create).expect("json"),
            "\"Create\""
        );
        for channel in TicketChannel::ALL {
            assert_eq!(
                TicketChannel::try_from(channel.as_str().to_string()).expect("reads"),
                *channel
            );
        }
        for status in DraftStatus::ALL {
            assert_eq!(
                DraftStatus::try_from(status.as_str().to_string()).expect("reads"),
                *status
            );
        }
        for state in InboxState::ALL {
            assert_eq!(
                InboxState::try_from(state.as_str().to_string()).expect("reads"),
                *state
            );
        }
        let err = DeliveryState::try_from("sent".to_string()).expect_err("unknown");
        assert_eq!(
            err.to_string(),
            "\"sent\" is not a DeliveryState this version knows"
        );
    }
}
