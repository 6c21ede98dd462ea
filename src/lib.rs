//! salesdojo: a sales-training and playbook engine.
//!
//! Data flows one way: [`playbook`] (load, validate) → [`script`] (sandboxed rhai host) →
//! [`practice`] (UI-free state machine) → [`store`] (SQLite, reports, exports).
//! The CLI ([`cli`]) is a face over the engine and holds no domain logic.

pub mod cli;
pub mod demo;
pub mod playbook;
pub mod practice;
pub mod script;
pub mod store;
pub mod text;
