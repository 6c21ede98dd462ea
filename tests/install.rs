//! What the package installs that the binary writes itself: the manual pages and the shell
//! completions, made from the command line's definition.

mod common;

use common::salesdojo;

#[test]
fn the_version_names_the_commit() {
    let dir = tempfile::tempdir().expect("temp");
    let out = salesdojo(dir.path(), &["--version"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout.trim(),
        format!("salesdojo {}", salesdojo::about::VERSION_LINE)
    );
}

#[test]
fn man_writes_one_page_per_visible_command() {
    let dir = tempfile::tempdir().expect("temp");
    let pages = dir.path().join("man");
    let out = salesdojo(
        dir.path(),
        &["man", "--dir", pages.to_str().expect("utf-8")],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let mut names: Vec<String> = std::fs::read_dir(&pages)
        .expect("the folder was made")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for page in [
        "salesdojo.1",
        "salesdojo-practice.1",
        "salesdojo-validate.1",
        "salesdojo-team.1",
        "salesdojo-team-join.1",
        "salesdojo-completions.1",
    ] {
        assert!(
            names.iter().any(|n| n == page),
            "{page} missing from {names:?}"
        );
    }
    // The hidden benchmark command has no page.
    assert!(!names.iter().any(|n| n.contains("burst")), "{names:?}");
    assert!(
        out.stdout
            .contains(&format!("{} manual pages", names.len())),
        "{}",
        out.stdout
    );
    let practice = std::fs::read_to_string(pages.join("salesdojo-practice.1")).expect("page");
    assert!(practice.contains(".TH salesdojo-practice 1"), "{practice}");
    assert!(practice.contains(salesdojo::about::RELEASED), "{practice}");
    assert!(
        practice.contains("\\-\\-scenario"),
        "practice's options are on its page"
    );
}

#[test]
fn man_prints_one_command_page_and_names_an_unknown_one() {
    let dir = tempfile::tempdir().expect("temp");
    let out = salesdojo(dir.path(), &["man", "team", "join"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains(".TH salesdojo-team-join 1"),
        "{}",
        out.stdout
    );
    let out = salesdojo(dir.path(), &["man", "pratice"]);
    assert_ne!(out.code, 0);
    assert!(
        out.stderr.contains("there is no command `pratice`"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("practice"), "{}", out.stderr);
}

#[test]
fn completions_know_the_commands_in_each_shell() {
    let dir = tempfile::tempdir().expect("temp");
    for (shell, marker) in [
        ("bash", "complete -F _salesdojo"),
        ("zsh", "#compdef salesdojo"),
        ("fish", "complete -c salesdojo"),
    ] {
        let out = salesdojo(dir.path(), &["completions", shell]);
        assert_eq!(out.code, 0, "{shell}: {}", out.stderr);
        assert!(out.stdout.contains(marker), "{shell}: {}", out.stdout);
        assert!(
            out.stdout.contains("practice"),
            "{shell} lacks the practice command"
        );
    }
    let out = salesdojo(dir.path(), &["completions", "tcsh"]);
    assert_ne!(out.code, 0);
}

/// Where bash is on the machine, the bash script really completes `salesdojo pr` to
/// `practice`.
#[test]
fn bash_completes_a_command_prefix() {
    let dir = tempfile::tempdir().expect("temp");
    let out = salesdojo(dir.path(), &["completions", "bash"]);
    let script = dir.path().join("salesdojo.bash");
    std::fs::write(&script, &out.stdout).expect("write");
    let run = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source {}; COMP_WORDS=(salesdojo pr); COMP_CWORD=1; COMP_LINE='salesdojo pr'; \
             COMP_POINT=12; _salesdojo salesdojo pr salesdojo; echo \"${{COMPREPLY[@]}}\"",
            script.display()
        ))
        .output();
    let Ok(run) = run else {
        common::skip(
            "bash_completes_a_command_prefix",
            "bash is not on this machine",
            "apt install bash",
        );
        return;
    };
    assert_eq!(String::from_utf8_lossy(&run.stdout).trim(), "practice");
}

/// The version and its date are written in four places; they must agree.
#[test]
fn the_package_files_name_this_version_and_its_date() {
    use salesdojo::about::{RELEASED, VERSION};
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap_or_default();
    let changelog = read("pkg/changelog");
    let first = changelog.lines().next().unwrap_or_default();
    assert!(
        first.starts_with(&format!("salesdojo ({VERSION}-")),
        "pkg/changelog begins with {first:?}, not version {VERSION}"
    );
    let date = chrono::NaiveDate::parse_from_str(RELEASED, "%Y-%m-%d").ok();
    let stamp = date.map(|d| d.format("%a, %d %b %Y").to_string());
    assert!(
        stamp.is_some_and(|s| changelog
            .lines()
            .any(|l| l.starts_with(" -- ") && l.contains(&s))),
        "pkg/changelog's first entry is not dated {RELEASED}"
    );
    let metainfo = read("pkg/io.github.salesdojo.salesdojo.metainfo.xml");
    let release = format!("<release version=\"{VERSION}\" date=\"{RELEASED}\"/>");
    assert!(metainfo.contains(&release), "the metainfo lacks {release}");
}
