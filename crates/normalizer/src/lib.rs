//! Turns parsed Intune documents into preflight's typed model.
//!
//! The second stage of the pipeline (files → parser → **normalizer** → engine →
//! findings → reporters). It gives each setting a canonical [`SettingKey`] and a
//! typed [`SettingValue`], expands assignments into [`AssignmentTarget`]s, and
//! collects the [`Group`]s and [`Filter`]s they refer to. Wrong types in the input
//! become `parse-error` problems that name the field; the rest is still read.

mod assignments;
mod filters;
pub mod keys;
pub mod legacy_table;
pub mod model;
mod reader;
mod settings_catalog;
pub mod stable_hash;

pub use model::*;
use preflight_parser::{DocumentKind, Loaded};

/// Normalizes everything that was loaded into a [`Tenant`].
pub fn normalize(loaded: Loaded) -> Tenant {
    let Loaded {
        files,
        documents,
        mut problems,
    } = loaded;
    let mut tenant = Tenant {
        files,
        ..Tenant::default()
    };
    // INVARIANT: documents arrive in file order, so "first definition wins" below
    // and the order of policies and filters do not depend on thread scheduling.
    for document in &documents {
        match document.kind {
            DocumentKind::SettingsCatalogPolicy => {
                if let Some(policy) = settings_catalog::read_settings_catalog_policy(
                    document,
                    &mut tenant.groups,
                    &mut problems,
                ) {
                    tenant.policies.push(policy);
                }
            }
            DocumentKind::AssignmentFilter => {
                if let Some(filter) = filters::read_filter(document, &mut problems) {
                    tenant.filters.push(filter);
                }
            }
        }
    }
    // The same group is described by every assignment to it: keep the first.
    tenant.groups.sort_by(|left, right| left.id.cmp(&right.id));
    tenant.groups.dedup_by(|later, first| later.id == first.id);
    problems.sort_by_key(|problem| (problem.file, problem.span.map(|span| span.start)));
    tenant.problems = problems;
    tenant
}
