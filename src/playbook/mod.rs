//! Playbooks: the file format ([`raw`]), its validated form ([`model`]), loading ([`load`]),
//! semantic checks ([`validate`]) and compiler-style diagnostics ([`diag`]).
//!
//! This module reads files and nothing else: no scripts run here, no UI, no database.

pub mod bundled;
pub mod diag;
pub mod graph;
pub mod lexicon;
pub mod load;
pub mod locales;
pub mod model;
pub mod raw;
pub mod refused;
pub mod schema;
pub mod validate;

pub use diag::{Diagnostic, Report, Severity, closest};
pub use load::{Content, LoadError, load, load_default};
pub use model::{Library, Playbook, Text};
