//! One module per screen; each draws with `*_ui` functions and returns commands.

pub mod about;
pub mod author;
pub mod home;
pub mod live;
pub mod practice;
pub mod review;
pub mod team;
pub mod top_bar;
