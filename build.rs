//! Embeds the bundled content (`playbooks/`, `scripts/`) so an installed binary works
//! outside the repository. Generates `$OUT_DIR/bundled.rs` with one `include_str!` per file.

use std::fmt::Write as _;
use std::path::Path;

fn collect(dir: &Path, rel: &str, exts: &[&str], out: &mut Vec<String>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
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

fn main() {
    println!("cargo:rerun-if-changed=playbooks");
    println!("cargo:rerun-if-changed=scripts");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    collect(
        &root.join("playbooks"),
        "playbooks",
        &[".yaml", ".yml"],
        &mut files,
    );
    collect(&root.join("scripts"), "scripts", &[".rhai"], &mut files);
    let mut src = String::from(
        "/// Bundled content files: (path relative to the repository, text).\npub const FILES: &[(&str, &str)] = &[\n",
    );
    for f in &files {
        let _ = writeln!(
            src,
            "    ({f:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/{f}\"))),"
        );
    }
    src.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("bundled.rs");
    std::fs::write(out, src).expect("OUT_DIR is writable");
}
