//! What this build is: its version, the commit it was built from, and the licences of what it
//! is made of. `--version` and the desktop app's About window both read it from here.

/// The version in Cargo.toml.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The commit this binary was built from (short id), or "unknown" for a build outside a git
/// checkout with no `SALESDOJO_COMMIT` set (see build.rs).
pub const COMMIT: &str = env!("SALESDOJO_COMMIT");

/// `0.1.0 (commit 1a2b3c4d5e)`: what `salesdojo --version` prints after the name.
pub const VERSION_LINE: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("SALESDOJO_COMMIT"),
    ")"
);

/// When this version was released: the manual pages' date, and the date the package's
/// changelog and its AppStream metadata give this version (a test keeps the three agreeing).
pub const RELEASED: &str = "2026-12-06";

/// One part of the program and the licence it comes under.
#[derive(Debug, Clone, Copy)]
pub struct Part {
    /// What it is, in Chinese and English.
    pub what_zh: &'static str,
    pub what_en: &'static str,
    /// The licence's name (SPDX).
    pub licence: &'static str,
    /// The licence text's file in the source tree; the package installs it under
    /// `/usr/share/doc/salesdojo/` by its file name.
    pub file: &'static str,
}

/// The program and what it bundles inside the binary. The Rust libraries it is built from
/// are listed by `cargo tree` and keep their own licences.
pub const PARTS: &[Part] = &[
    Part {
        what_zh: "salesdojo 程序与内置剧本",
        what_en: "salesdojo and its bundled playbooks",
        licence: "MIT OR Apache-2.0",
        file: "LICENSE-MIT, LICENSE-APACHE",
    },
    Part {
        what_zh: "中文字体（Noto Sans SC 子集）",
        what_en: "Chinese font (a Noto Sans SC subset)",
        licence: "OFL-1.1",
        file: "OFL.txt",
    },
    Part {
        what_zh: "中文分词词表（来自 jieba 词典）",
        what_en: "Chinese word list (from jieba's dictionary)",
        licence: "MIT",
        file: "LICENSE.jieba.txt",
    },
    Part {
        what_zh: "图标（为本项目绘制）",
        what_en: "Icon (drawn for this project)",
        licence: "MIT OR Apache-2.0",
        file: "LICENSE-MIT, LICENSE-APACHE",
    },
];

/// Where the installed package keeps the licence texts and the docs.
pub const DOC_DIR: &str = "/usr/share/doc/salesdojo";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_line_names_the_version_and_a_commit() {
        assert!(VERSION_LINE.starts_with(VERSION));
        assert!(!COMMIT.is_empty());
        assert!(VERSION_LINE.contains(COMMIT));
    }

    #[test]
    fn every_licence_file_named_is_in_the_source_tree() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for part in PARTS {
            for file in part.file.split(", ") {
                let found = ["", "assets/fonts", "assets/words"]
                    .iter()
                    .any(|dir| root.join(dir).join(file).is_file());
                assert!(found, "{file} (for {}) is not in the tree", part.what_en);
            }
        }
    }
}
