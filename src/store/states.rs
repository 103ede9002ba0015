//! States and kinds kept as words in the database, as types in the code: a row read with
//! a word the code does not know fails to read (and says which), and no one compares a
//! state or a kind with a string literal. Each word is the column's value, for SQLite and
//! PostgreSQL, and the same word in JSON.

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

            /// The value a word stands for (a form's field, say); `None` for any other.
            pub fn parse(word: &str) -> Option<Self> {
                match word {
                    $($word => Some(Self::$variant),)+
                    _ => None,
                }
            }

            /// These values' words as an SQL list for `IN`: `('a', 'b')`. The words are
            /// the literals above, none with a quote (a test checks), so the list is safe
            /// to put in SQL text.
            #[allow(dead_code)]
            pub(crate) fn sql_list(values: &[Self]) -> String {
                let words: Vec<String> =
                    values.iter().map(|value| format!("'{}'", value.as_str())).collect();
                format!("({})", words.join(", "))
            }
        }

        /// As the word kept in the database, so JSON and the column say the same.
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        /// From the word kept in the database (a draft's JSON, say); any other word is
        /// refused and named.
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let word = String::deserialize(deserializer)?;
                Self::try_from(word).map_err(serde::de::Error::custom)
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
                Self::parse(&word).ok_or(UnknownWord { kind: stringify!($name), word })
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
        /// An account telling its followers where it moved (`kentongan actor move`).
        Move => "Move",
        /// Our refusal of a remote QuoteRequest (FEP-044f).
        Reject => "Reject",
    }
}

kept_as_words! {
    /// Who may quote a post (FEP-044f `interactionPolicy.canQuote`), with automatic
    /// approval; anyone else's QuoteRequest is rejected.
    QuotePolicy {
        /// Anyone.
        Public => "public",
        /// The village's followers.
        Followers => "followers",
        /// Only the village itself.
        Nobody => "nobody",
    }
}

kept_as_words! {
    /// What someone on the fediverse did with one of our posts (`post_responses`).
    ResponseKind {
        /// A Like (a favourite, in Mastodon's words).
        Like => "like",
        /// An Announce (a boost).
        Announce => "announce",
        /// A public reply.
        Reply => "reply",
    }
}

kept_as_words! {
    /// The kind of HTTP signature a server accepted from us (`host_signatures`).
    SignatureScheme {
        /// RFC 9421 message signatures (`Signature-Input`, `Content-Digest`).
        Rfc9421 => "rfc9421",
        /// draft-cavage-http-signatures (`Signature`, `Digest`), as Mastodon before 4.5.
        Cavage => "cavage",
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

kept_as_words! {
    /// Where a resident's ticket stands: baru → diverifikasi → diproses → selesai, or
    /// ditolak or bukan wewenang (`aspirations::workflow` gives each its words).
    TicketStatus {
        /// Received, not looked at yet.
        Baru => "baru",
        /// Looked at by the village: its first response.
        Diverifikasi => "diverifikasi",
        /// Being worked on (a first answer was sent).
        Diproses => "diproses",
        /// Answered for good.
        Selesai => "selesai",
        /// Refused, with the reason.
        Ditolak => "ditolak",
        /// Not the village's to answer; sent on, with where.
        BukanWewenang => "bukan_wewenang",
    }
}

impl TicketStatus {
    /// No more answer is owed. The store lists these after the open ones and counts
    /// only the others as waiting; the domain's rules read the same list.
    pub const CLOSED: &'static [Self] = &[Self::Selesai, Self::Ditolak, Self::BukanWewenang];
    /// Still waiting for the village: every other status.
    pub const OPEN: &'static [Self] = &[Self::Baru, Self::Diverifikasi, Self::Diproses];

    pub fn is_closed(self) -> bool {
        Self::CLOSED.contains(&self)
    }
}

kept_as_words! {
    /// What a resident's message asks for (the classes of SP4N-LAPOR!); its clocks are
    /// in `aspirations::clocks`.
    TicketClass {
        /// A wish or suggestion.
        Aspirasi => "aspirasi",
        /// A complaint about a service.
        Pengaduan => "pengaduan",
        /// A request for public information under UU 14/2008.
        PermintaanInformasi => "permintaan_informasi",
    }
}

kept_as_words! {
    /// What one line of a ticket's history records; its `from` and `to` are status or
    /// class words, `0`/`1`, staff names or the words named below.
    TicketEventKind {
        /// The status changed (`from` and `to` are `TicketStatus` words).
        Status => "status",
        /// The class changed (`TicketClass` words).
        Class => "class",
        /// An information request's answer time was extended (`1`) or not (`0`).
        Extended => "extended",
        /// The assignee changed (their names; '' for nobody).
        Assignee => "assignee",
        /// An answer was sent (`to` is `reply` or `final`).
        Answer => "answer",
        /// Shown on the site (`approved`), taken off it (`withdrawn`), or taken off
        /// because its author edited it (`edited`).
        Approval => "approval",
    }
}

kept_as_words! {
    /// What an admin account may do (`auth::permissions` says what each role reaches).
    AccountRole {
        /// Everything, including accounts, settings and blocks.
        Admin => "admin",
        /// Publishes and edits every post, handles residents' messages, pages, categories
        /// and documents.
        Editor => "editor",
        /// Writes drafts (KIM, Karang Taruna) that an editor or admin publishes.
        Kontributor => "kontributor",
    }
}

kept_as_words! {
    /// What a post is (kept with the post, its draft's input and a post template).
    PostKind {
        /// News: an article.
        Berita => "berita",
        /// An announcement: may be pinned, until an end date.
        Pengumuman => "pengumuman",
        /// An event: date, time, place and organiser.
        Agenda => "agenda",
        /// A public-information document announced (written by `documents`, never chosen
        /// in the editor).
        Informasi => "informasi",
    }
}

kept_as_words! {
    /// What a block names.
    BlockKind {
        /// One fediverse account, by its actor id.
        Account => "account",
        /// Every account of a server, by its host (`server.example` or `host:port`).
        Server => "server",
    }
}

kept_as_words! {
    /// A public document's category under UU 14/2008 (Pasal 9, 10, 11 and 17).
    KipCategory {
        /// Informasi yang wajib disediakan dan diumumkan secara berkala.
        Berkala => "berkala",
        /// Informasi yang wajib diumumkan serta-merta (a threat to life or public order).
        SertaMerta => "serta-merta",
        /// Informasi yang wajib tersedia setiap saat.
        SetiapSaat => "setiap-saat",
        /// Informasi yang dikecualikan: kept, never published.
        Dikecualikan => "dikecualikan",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every word of every type above, each checked to read back as its value.
    fn every_word() -> Vec<&'static str> {
        macro_rules! read_back {
            ($($name:ident),+) => {{
                let mut words = Vec::new();
                $(for value in $name::ALL {
                    let word = value.as_str();
                    assert_eq!($name::try_from(word.to_string()).expect("reads"), *value);
                    words.push(word);
                })+
                words
            }};
        }
        read_back!(
            DeliveryState,
            InboxState,
            ActivityKind,
            FollowState,
            SourceKind,
            TicketChannel,
            DraftStatus,
            TicketStatus,
            TicketClass,
            TicketEventKind,
            AccountRole,
            PostKind,
            BlockKind,
            KipCategory
        )
    }

    /// `sql_list` puts the words into SQL text as they are.
    #[test]
    fn no_word_holds_a_quote() {
        for word in every_word() {
            assert!(!word.contains(['\'', '\\']) && !word.is_empty(), "{word:?}");
        }
        assert_eq!(
            TicketStatus::sql_list(TicketStatus::CLOSED),
            "('selesai', 'ditolak', 'bukan_wewenang')"
        );
    }

    #[test]
    fn every_word_reads_back_and_an_unknown_one_says_so() {
        assert!(!every_word().is_empty());
        assert_eq!(
            serde_json::to_string(&ActivityKind::Create).expect("json"),
            "\"Create\""
        );
        assert_eq!(TicketStatus::parse("Baru"), None);
        for status in TicketStatus::ALL {
            assert_ne!(
                TicketStatus::OPEN.contains(status),
                TicketStatus::CLOSED.contains(status),
                "{status:?} is open or closed, not both"
            );
        }
        assert_eq!(
            serde_json::from_str::<PostKind>("\"agenda\"").expect("json"),
            PostKind::Agenda
        );
        let err = serde_json::from_str::<PostKind>("\"Agenda\"").expect_err("unknown");
        assert!(
            err.to_string().contains("\"Agenda\" is not a PostKind"),
            "{err}"
        );
        let err = DeliveryState::try_from("sent".to_string()).expect_err("unknown");
        assert_eq!(
            err.to_string(),
            "\"sent\" is not a DeliveryState this version knows"
        );
    }
}
