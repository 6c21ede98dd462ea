//! salesdojo: a sales-training and playbook engine.
//!
//! Data flows one way: [`playbook`] (load, validate) → script → practice → store → report.
//! The CLI ([`cli`]) is a face over the engine and holds no domain logic.

pub mod cli;
pub mod playbook;
pub mod practice;
pub mod script;
pub mod text;
