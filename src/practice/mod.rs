//! Practice: scoring answers, running trainers' playbook tests, and (later) the attempt state
//! machine. UI-free; driven the same way by the GUI, the terminal and tests.

pub mod playbook_tests;
pub mod score;

pub use score::{Answer, AnswerError, Scored, score};
