//! Who may do what: the one table of permissions by role. The web room gates every admin
//! route on one [`Permission`] (its route table is in `web::admin`) and asks [`reach`]
//! for what a page shows or which object an account may touch; nothing else compares
//! roles. `docs/roles.md` is this table and the route table written out, and a test
//! keeps it so.

use super::Role;
use crate::strings::{self, Text};

/// Something an account may be allowed to do in the admin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Permission {
    /// The dashboard, one's own account (name, language, password), signing out.
    UseAdmin,
    /// Writing drafts and sending them for review.
    WriteDrafts,
    /// A published post's admin page.
    ViewPosts,
    /// Publishing, scheduling, editing and deleting published posts; approving drafts.
    PublishPosts,
    /// Which servers have each post, and their errors.
    ViewDeliveryReports,
    /// The list of followers (the public sees only their number).
    ViewFollowers,
    /// Residents' messages: read, answer, decide, assign, notes, photos, approving public
    /// replies, the calendar of working days.
    HandleTickets,
    ManagePages,
    ManageCategories,
    /// The templates the editor offers for posts written every week.
    ManageTemplates,
    /// Public information (PPID) documents, the excepted ones included.
    ManageDocuments,
    /// Blocking accounts and servers of the fediverse, for the whole node.
    ManageBlocks,
    ManageSettings,
    ManageAccounts,
}

/// How far a permission reaches for a role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    None,
    /// Only what the account wrote itself.
    Own,
    All,
}

impl Permission {
    pub const ALL: [Permission; 14] = [
        Permission::UseAdmin,
        Permission::WriteDrafts,
        Permission::ViewPosts,
        Permission::PublishPosts,
        Permission::ViewDeliveryReports,
        Permission::ViewFollowers,
        Permission::HandleTickets,
        Permission::ManagePages,
        Permission::ManageCategories,
        Permission::ManageTemplates,
        Permission::ManageDocuments,
        Permission::ManageBlocks,
        Permission::ManageSettings,
        Permission::ManageAccounts,
    ];

    /// Its name in templates (`may.view_followers`) and in docs/roles.md.
    pub fn name(self) -> &'static str {
        match self {
            Self::UseAdmin => "use_admin",
            Self::WriteDrafts => "write_drafts",
            Self::ViewPosts => "view_posts",
            Self::PublishPosts => "publish_posts",
            Self::ViewDeliveryReports => "view_delivery_reports",
            Self::ViewFollowers => "view_followers",
            Self::HandleTickets => "handle_tickets",
            Self::ManagePages => "manage_pages",
            Self::ManageCategories => "manage_categories",
            Self::ManageTemplates => "manage_templates",
            Self::ManageDocuments => "manage_documents",
            Self::ManageBlocks => "manage_blocks",
            Self::ManageSettings => "manage_settings",
            Self::ManageAccounts => "manage_accounts",
        }
    }

    /// What it allows, in words.
    pub fn label(self) -> Text {
        match self {
            Self::UseAdmin => strings::PERM_USE_ADMIN,
            Self::WriteDrafts => strings::PERM_WRITE_DRAFTS,
            Self::ViewPosts => strings::PERM_VIEW_POSTS,
            Self::PublishPosts => strings::PERM_PUBLISH_POSTS,
            Self::ViewDeliveryReports => strings::PERM_VIEW_DELIVERY_REPORTS,
            Self::ViewFollowers => strings::PERM_VIEW_FOLLOWERS,
            Self::HandleTickets => strings::PERM_HANDLE_TICKETS,
            Self::ManagePages => strings::PERM_MANAGE_PAGES,
            Self::ManageCategories => strings::PERM_MANAGE_CATEGORIES,
            Self::ManageTemplates => strings::PERM_MANAGE_TEMPLATES,
            Self::ManageDocuments => strings::PERM_MANAGE_DOCUMENTS,
            Self::ManageBlocks => strings::PERM_MANAGE_BLOCKS,
            Self::ManageSettings => strings::PERM_MANAGE_SETTINGS,
            Self::ManageAccounts => strings::PERM_MANAGE_ACCOUNTS,
        }
    }
}

/// The table itself: (admin, editor, kontributor) for each permission. Written out in
/// full, so a new permission is granted to nobody by accident.
pub fn reach(role: Role, permission: Permission) -> Reach {
    use Reach::{All, None, Own};
    let (admin, editor, kontributor) = match permission {
        Permission::UseAdmin => (All, All, All),
        Permission::WriteDrafts => (All, All, Own),
        Permission::ViewPosts => (All, All, Own),
        Permission::PublishPosts => (All, All, None),
        Permission::ViewDeliveryReports => (All, All, None),
        Permission::ViewFollowers => (All, All, None),
        Permission::HandleTickets => (All, All, None),
        Permission::ManagePages => (All, All, None),
        Permission::ManageCategories => (All, All, None),
        Permission::ManageTemplates => (All, All, None),
        Permission::ManageDocuments => (All, All, None),
        Permission::ManageBlocks => (All, None, None),
        Permission::ManageSettings => (All, None, None),
        Permission::ManageAccounts => (All, None, None),
    };
    match role {
        Role::Admin => admin,
        Role::Editor => editor,
        Role::Kontributor => kontributor,
    }
}

/// Whether a role may do this at all (to its own things at least).
pub fn allows(role: Role, permission: Permission) -> bool {
    reach(role, permission) != Reach::None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_admin_may_do_everything_and_a_contributor_only_their_own_writing() {
        for permission in Permission::ALL {
            assert_eq!(reach(Role::Admin, permission), Reach::All, "{permission:?}");
            assert!(
                reach(Role::Editor, permission) != Reach::Own,
                "{permission:?}"
            );
        }
        let contributor: Vec<_> = Permission::ALL
            .into_iter()
            .filter(|p| allows(Role::Kontributor, *p))
            .collect();
        assert_eq!(
            contributor,
            [
                Permission::UseAdmin,
                Permission::WriteDrafts,
                Permission::ViewPosts
            ]
        );
        for private in [
            Permission::ViewFollowers,
            Permission::ViewDeliveryReports,
            Permission::HandleTickets,
        ] {
            assert!(!allows(Role::Kontributor, private), "{private:?}");
            assert!(allows(Role::Editor, private), "{private:?}");
        }
        for node_wide in [
            Permission::ManageBlocks,
            Permission::ManageSettings,
            Permission::ManageAccounts,
        ] {
            assert!(!allows(Role::Editor, node_wide), "{node_wide:?}");
        }
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<_> = Permission::ALL.iter().map(|p| p.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Permission::ALL.len());
    }
}
