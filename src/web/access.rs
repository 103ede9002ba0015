//! Who may use each route of the admin and of the admin API. A route is registered
//! through [`Routes`] together with its [`Access`], so no route exists without its row:
//! the same rows are the route table, the matrix in `docs/roles.md` (a test renders them
//! and compares) and the list the roles integration test walks through. The admin's
//! session extractor (`admin::session`) enforces the row's permission before a handler
//! runs, and refuses a route that has no row at all.

use crate::{auth::Permission, state::AppState};
use axum::{
    Extension, Router,
    handler::Handler,
    routing::{MethodRouter, delete, get, post},
};

/// Who may use one route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (the login form).
    Public,
    /// A signed-in account whose role has this permission (`auth::permissions`).
    Signed(Permission),
    /// A request with the admin API token (`Authorization: Bearer`); sessions do not count.
    ApiToken,
}

/// One route: its method, its path as registered, and who may use it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Row {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
}

/// A router that keeps a row for every route it is given.
pub struct Routes {
    router: Router<AppState>,
    rows: Vec<Row>,
}

impl Default for Routes {
    fn default() -> Self {
        Self {
            router: Router::new(),
            rows: Vec::new(),
        }
    }
}

impl Routes {
    pub fn get<H, T>(self, path: &'static str, access: Access, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add("GET", path, access, get(handler))
    }

    pub fn post<H, T>(self, path: &'static str, access: Access, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add("POST", path, access, post(handler))
    }

    pub fn delete<H, T>(self, path: &'static str, access: Access, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add("DELETE", path, access, delete(handler))
    }

    fn add(
        mut self,
        method: &'static str,
        path: &'static str,
        access: Access,
        route: MethodRouter<AppState>,
    ) -> Self {
        self.rows.push(Row {
            method,
            path,
            access,
        });
        // The row travels with the request, for the extractor that enforces it.
        self.router = self.router.route(path, route.layer(Extension(access)));
        self
    }

    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        auth::{Reach, Role, reach},
        web::{admin, api},
    };

    const START: &str = "<!-- matrix:start (made by `cargo test --lib roles_doc`) -->";
    const END: &str = "<!-- matrix:end -->";

    fn cell(reach: Reach) -> &'static str {
        match reach {
            Reach::All => "ya / yes",
            Reach::Own => "sendiri / own",
            Reach::None => "tidak (403) / no (403)",
        }
    }

    fn cells(access: Access) -> [&'static str; 4] {
        match access {
            Access::Public => ["ya / yes"; 4],
            Access::Signed(permission) => [
                cell(reach(Role::Admin, permission)),
                cell(reach(Role::Editor, permission)),
                cell(reach(Role::Kontributor, permission)),
                "tidak (ke halaman masuk) / no (to sign-in)",
            ],
            Access::ApiToken => ["tidak (401) / no (401)"; 4],
        }
    }

    fn permission_of(access: Access) -> String {
        match access {
            Access::Public => "—".into(),
            Access::Signed(permission) => format!("`{}`", permission.name()),
            Access::ApiToken => "token API / API token".into(),
        }
    }

    /// The tables of docs/roles.md, from the code.
    fn roles_doc_tables() -> String {
        let mut out = String::from(
            "| Izin / Permission | Artinya / Meaning | admin | editor | kontributor |\n\
             |---|---|---|---|---|\n",
        );
        for permission in Permission::ALL {
            let label = permission.label();
            out.push_str(&format!(
                "| `{}` | {} / {} | {} | {} | {} |\n",
                permission.name(),
                label.id,
                label.en,
                cell(reach(Role::Admin, permission)),
                cell(reach(Role::Editor, permission)),
                cell(reach(Role::Kontributor, permission)),
            ));
        }
        for (title, rows) in [
            ("Admin (`/admin`)", admin::matrix()),
            ("API admin / Admin API (`/api/v1`)", api::matrix()),
        ] {
            out.push_str(&format!(
                "\n**{title}**\n\n\
                 | Metode / Method | Alamat / Path | Izin / Permission | admin | editor | kontributor | publik / public |\n\
                 |---|---|---|---|---|---|---|\n"
            ));
            for row in rows {
                let [admin, editor, kontributor, public] = cells(row.access);
                out.push_str(&format!(
                    "| {} | `{}` | {} | {admin} | {editor} | {kontributor} | {public} |\n",
                    row.method,
                    row.path,
                    permission_of(row.access),
                ));
            }
        }
        out
    }

    /// docs/roles.md shows the matrix exactly as the code has it. After changing a route
    /// or a permission, `KENTONGAN_WRITE_DOCS=1 cargo test --lib roles_doc` rewrites it.
    #[test]
    fn roles_doc_is_the_matrix_of_the_code() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/roles.md");
        let doc = std::fs::read_to_string(path).expect("docs/roles.md");
        let (Some(start), Some(end)) = (doc.find(START), doc.find(END)) else {
            panic!("docs/roles.md lacks the markers {START} … {END}");
        };
        let generated = format!("{START}\n\n{}\n{END}", roles_doc_tables());
        let current = &doc[start..end + END.len()];
        if current != generated {
            if std::env::var_os("KENTONGAN_WRITE_DOCS").is_some() {
                let rewritten = format!("{}{generated}{}", &doc[..start], &doc[end + END.len()..]);
                std::fs::write(path, rewritten).expect("write docs/roles.md");
            } else {
                panic!(
                    "docs/roles.md is not the matrix of the code; rerun with \
                     KENTONGAN_WRITE_DOCS=1 to rewrite it. It should read:\n{generated}"
                );
            }
        }
    }

    /// Every admin and API route is registered through `Routes`, never around it: a
    /// route without a row would not be in the matrix (and the admin refuses it).
    #[test]
    fn no_route_is_registered_around_the_matrix() {
        for (file, source) in [
            ("web/admin/mod.rs", include_str!("admin/mod.rs")),
            ("web/api.rs", include_str!("api.rs")),
        ] {
            assert!(
                !source.contains(".route("),
                "{file} registers a route without a matrix row"
            );
        }
        let mut seen = std::collections::HashSet::new();
        for row in admin::matrix().iter().chain(api::matrix().iter()) {
            assert!(
                seen.insert((row.method, row.path)),
                "{} {} twice",
                row.method,
                row.path
            );
        }
    }
}
