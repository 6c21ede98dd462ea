//! Questions a trainer asks of the concept lexicon, for the command line and the authoring
//! view alike: which concepts know a word, and where a concept is used.

use super::model::{Concept, Library, TestInput};

/// The concepts that know `word`: those a reply of just it expresses, and those with a word
/// containing it ("which concept knows 核实?").
pub fn knowing<'a>(lib: &'a Library, word: &str) -> Vec<&'a Concept> {
    let t = crate::text::Normalized::new(word);
    let needle = crate::text::normalize(word);
    if needle.trim().is_empty() {
        return Vec::new();
    }
    lib.concepts
        .values()
        .filter(|k| {
            k.in_text(&t)
                || k.words
                    .iter()
                    .any(|x| crate::text::normalize(x).contains(&needle))
        })
        .map(AsRef::as_ref)
        .collect()
}

/// Where a playbook uses a concept: `playbook criterion/rule` for every rule that names it
/// (`concept`, `no_concept`, `rejects`), `playbook stage/premature` for premature moves.
pub fn uses(lib: &Library, id: &str) -> Vec<String> {
    let mut out = Vec::new();
    let names = |ks: &[std::sync::Arc<Concept>]| ks.iter().any(|k| k.id == id);
    for pb in &lib.playbooks {
        for c in &pb.rubric.criteria {
            for r in &c.rules {
                if names(&r.concepts) || names(&r.no_concepts) || names(&r.rejects) {
                    out.push(format!("{} {}/{}", pb.id, c.id, r.id));
                }
            }
        }
        for st in &pb.stages {
            if st
                .premature
                .iter()
                .any(|p| names(&p.concepts) || names(&p.unless))
            {
                out.push(format!("{} stage {} (premature)", pb.id, st.id));
            }
        }
        for t in pb.scenarios.iter().flat_map(|s| &s.turns) {
            if t.premature
                .iter()
                .any(|p| names(&p.concepts) || names(&p.unless))
            {
                out.push(format!("{} turn {} (premature)", pb.id, t.id));
            }
        }
    }
    out
}

/// The playbooks' sample replies (tests) that express the concept: where, the reply, and the
/// words that did.
pub fn samples(lib: &Library, k: &Concept) -> Vec<(String, String, Vec<String>)> {
    let mut out = Vec::new();
    for pb in &lib.playbooks {
        for t in &pb.tests {
            if let TestInput::Reply(r) = &t.input {
                let found = k.found(&crate::text::Normalized::new(r));
                if !found.is_empty() {
                    out.push((format!("{}:{}", pb.source.file, t.line), r.clone(), found));
                }
            }
        }
    }
    out
}

/// The concepts `k` opposes, whichever side said so (`opposes:` on either).
pub fn opponents(lib: &Library, k: &Concept) -> Vec<String> {
    k.opponent_ids(lib.concepts.values().map(AsRef::as_ref))
}

#[cfg(test)]
mod tests {
    use crate::playbook::{Content, Report, load};
    use crate::text::Normalized;

    #[test]
    fn a_word_inside_an_opposing_concepts_phrase_is_the_opponents_unless_it_also_stands_alone() {
        let mut r = Report::default();
        let lib = load(&[Content::bundled()], &mut r);
        let k = |id: &str| lib.concepts.get(id).expect("bundled concept");
        let says = |id: &str, reply: &str| k(id).expressed_in(&Normalized::new(reply));
        assert!(says("blame", "您理解错了。"));
        assert!(!says("empathy", "您理解错了。"));
        assert!(says("empathy", "我理解您的心情，不过您理解错了。"));
        assert!(says("empathy", "我理解您的心情。"));
        let against = super::opponents(&lib, k("blame"));
        assert!(against.contains(&"empathy".to_owned()), "{against:?}");
    }
}
