//! Embeds the bundled content (`playbooks/`, `scripts/`) so an installed binary works
//! outside the repository. Generates `$OUT_DIR/bundled.rs` with one `include_str!` per file.

use std::fmt::Write as _;
use std::path::Path;

fn collect(dir: &Path, rel: &str, exts: &[&str], out: &mut Vec<String>) {
    // The bundled content is part of the program: a folder that cannot be read is a broken
    // checkout, not an empty library.
    let rd = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {} to bundle it: {e}", dir.display()));
    let mut entries: Vec<_> = rd.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        let Some(name) = p.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let key = format!("{rel}/{name}");
        if p.is_dir() {
            collect(&p, &key, exts, out);
        } else if exts.iter().any(|e| name.ends_with(e)) && !name.ends_with(".d.rhai") {
            out.push(key);
        }
    }
}

/// `pub const NAME: &[(&str, &str)]` of (path, text), one `include_str!` per file.
fn table(src: &mut String, doc: &str, name: &str, files: &[String]) {
    let _ = writeln!(src, "/// {doc}\npub const {name}: &[(&str, &str)] = &[");
    for f in files {
        let _ = writeln!(
            src,
            "    ({f:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/{f}\"))),"
        );
    }
    src.push_str("];\n");
}

/// The commit this build was made from (`SALESDOJO_COMMIT` as `git rev-parse` says, or as the
/// packager sets it when building outside a checkout; "unknown" when neither is known). The
/// About window and `--version` show it.
fn commit(root: &Path) {
    println!("cargo:rerun-if-env-changed=SALESDOJO_COMMIT");
    let git = root.join(".git");
    if git.is_dir() {
        // A new commit moves HEAD or the branch it points at.
        println!("cargo:rerun-if-changed=.git/HEAD");
        if let Ok(head) = std::fs::read_to_string(git.join("HEAD"))
            && let Some(r) = head.strip_prefix("ref: ")
            && git.join(r.trim()).exists()
        {
            println!("cargo:rerun-if-changed=.git/{}", r.trim());
        }
    }
    let from_env = std::env::var("SALESDOJO_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty());
    let from_git = || {
        let out = std::process::Command::new("git")
            .args(["rev-parse", "--short=10", "HEAD"])
            .current_dir(root)
            .output()
            .ok()?;
        let id = String::from_utf8(out.stdout).ok()?;
        (out.status.success() && !id.trim().is_empty()).then(|| id.trim().to_string())
    };
    let id = from_env
        .or_else(from_git)
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=SALESDOJO_COMMIT={id}");
}

fn main() {
    println!("cargo:rerun-if-changed=playbooks");
    println!("cargo:rerun-if-changed=scripts");
    // Read when the script runs, not baked in when it was compiled: a script built in a
    // checkout that has since moved would otherwise read a folder that is gone.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest);
    commit(root);
    let mut files = Vec::new();
    collect(
        &root.join("playbooks"),
        "playbooks",
        &[".yaml", ".yml"],
        &mut files,
    );
    collect(&root.join("scripts"), "scripts", &[".rhai"], &mut files);
    // Each playbook's record of confirmed translations, copied with it.
    let mut records = Vec::new();
    collect(
        &root.join("playbooks"),
        "playbooks",
        &[".locales.json"],
        &mut records,
    );
    let mut src = String::new();
    table(
        &mut src,
        "Bundled content files: (path relative to the repository, text).",
        "FILES",
        &files,
    );
    table(
        &mut src,
        "The bundled playbooks' translation records (`NAME.yaml.locales.json`), by path.",
        "RECORDS",
        &records,
    );
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("bundled.rs");
    std::fs::write(out, src).expect("OUT_DIR is writable");
}
