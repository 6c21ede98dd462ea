//! salesdojo: a sales-training and playbook engine.
//!
//! Data flows one way: [`playbook`] (load, validate) → [`script`] (sandboxed rhai host) →
//! [`practice`] (UI-free state machine) → [`store`] (SQLite, reports, exports).
//! [`session`] ties a role-play or a live visit to the progress log. The CLI ([`cli`]) and the
//! desktop app ([`gui`]) are two faces over the engine and hold no domain logic.

/// Counts each thread's heap so a script's memory can be bounded (see [`script::alloc`]).
#[global_allocator]
static ALLOC: script::alloc::Counting = script::alloc::Counting;

pub mod about;
pub mod assign;
pub mod author;
pub mod calibrate;
pub mod certify;
pub mod cli;
pub mod demo;
pub(crate) mod fx;
pub mod gui;
pub mod msg;
pub mod playbook;
pub mod practice;
pub mod publish;
pub mod queue;
pub mod readiness;
pub mod rescore;
pub mod script;
pub mod session;
pub mod sheet;
pub mod store;
pub mod text;
pub mod untrusted;
