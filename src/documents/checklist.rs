//! What a village site still lacks of its publication duties (Perki 1/2018 Standar
//! Layanan Informasi Publik Desa): the profile pages (profil badan publik: history,
//! vision and mission, duties, organisation, officials, address) and the yearly
//! documents (APBDes and RKPDes of this year and the last, the realisation report and
//! LPPDes of the last two finished years, an RPJMDes of the current term). A page counts
//! when it exists and has text; a document counts only when it is public.

use super::{DOC_TYPES, DocType, Need};
use crate::{
    store::Store,
    strings::{self, Text},
};

/// A required profile page and the addresses it may have on the site.
pub struct RequiredPage {
    pub slug: &'static str,
    pub title: Text,
    pub also: &'static [&'static str],
}

pub const REQUIRED_PAGES: &[RequiredPage] = &[
    RequiredPage {
        slug: "sejarah",
        title: strings::DOC_PAGE_HISTORY,
        also: &["profil", "profil-desa"],
    },
    RequiredPage {
        slug: "visi-misi",
        title: strings::DOC_PAGE_VISION,
        also: &[],
    },
    RequiredPage {
        slug: "tugas-fungsi",
        title: strings::DOC_PAGE_DUTIES,
        also: &["tupoksi", "tugas-pokok-fungsi"],
    },
    RequiredPage {
        slug: "struktur-organisasi",
        title: strings::DOC_PAGE_STRUCTURE,
        also: &["sotk", "struktur"],
    },
    RequiredPage {
        slug: "perangkat",
        title: strings::DOC_PAGE_OFFICIALS,
        also: &["perangkat-desa", "aparatur"],
    },
    RequiredPage {
        slug: "kontak",
        title: strings::DOC_PAGE_CONTACT,
        also: &["alamat"],
    },
];

pub struct PageItem {
    pub page: &'static RequiredPage,
    /// The slug of the page found, if any.
    pub found: Option<String>,
    /// Found and has text.
    pub done: bool,
}

pub struct DocumentItem {
    pub doc_type: &'static DocType,
    /// The year required; for a term, the first year it may start.
    pub year: i64,
    pub done: bool,
}

pub struct Checklist {
    pub pages: Vec<PageItem>,
    pub documents: Vec<DocumentItem>,
}

impl Checklist {
    pub fn missing(&self) -> usize {
        self.pages.iter().filter(|p| !p.done).count()
            + self.documents.iter().filter(|d| !d.done).count()
    }
}

/// The checklist as of `current_year` (the village's).
pub async fn checklist(store: &Store, current_year: i64) -> anyhow::Result<Checklist> {
    let pages = store.pages().await?;
    let page_items = REQUIRED_PAGES
        .iter()
        .map(|required| {
            let candidates = std::iter::once(required.slug).chain(required.also.iter().copied());
            let found = candidates
                .filter_map(|slug| pages.iter().find(|p| p.slug == slug))
                .max_by_key(|p| !p.body_markdown.trim().is_empty());
            PageItem {
                page: required,
                found: found.map(|p| p.slug.clone()),
                done: found.is_some_and(|p| !p.body_markdown.trim().is_empty()),
            }
        })
        .collect();
    let held = store.public_document_years().await?;
    let has = |code: &str, years: std::ops::RangeInclusive<i64>| {
        held.iter()
            .any(|(kind, year)| kind == code && years.contains(year))
    };
    let mut documents = Vec::new();
    for doc_type in DOC_TYPES {
        match doc_type.need {
            Need::Yearly { lag } => {
                let last = current_year - i64::from(lag);
                for year in [last, last - 1] {
                    documents.push(DocumentItem {
                        doc_type,
                        year,
                        done: has(doc_type.code, year..=year),
                    });
                }
            }
            Need::Term { years } => {
                let first = current_year - i64::from(years) + 1;
                documents.push(DocumentItem {
                    doc_type,
                    year: first,
                    done: has(doc_type.code, first..=current_year),
                });
            }
            Need::WhenAny => {}
        }
    }
    Ok(Checklist {
        pages: page_items,
        documents,
    })
}
