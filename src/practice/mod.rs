//! Practice: scoring answers (rubric rules, then scripts), the attempt state machine, the live
//! checklist, path exploration and trainers' playbook tests. UI-free; driven the same way by
//! the GUI, the terminal and tests. Never touches storage.

pub mod explore;
pub mod live;
pub mod neighbours;
pub mod playbook_tests;
pub mod reading;
pub mod rehearse;
pub mod score;
pub mod session;
pub mod wording;

pub use score::{Answer, AnswerError, Scored, score};
pub use session::{Attempt, Position, PracticeError, ReplyRecord, Summary};
