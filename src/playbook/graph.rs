//! A scenario as a graph: turns and endings as nodes, options and `next` as edges, with the
//! turns the validator would reject (unreachable, or never reaching an ending) marked. The
//! command line writes it as Graphviz `dot` or Mermaid (`salesdojo graph`).

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::fmt::Write as _;

use super::model::{Next, Reply, Scenario, Target, Turn};
use super::raw::Outcome;

/// What a node stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A turn answered in the trainee's own words.
    FreeText,
    /// A turn answered by picking an option.
    Choice,
    /// A named ending.
    Ending(Outcome),
    /// The plain end after the last turn.
    End,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub id: String,
    pub kind: Kind,
    /// The customer's line (a turn) or the ending's text, in the asked language.
    pub text: String,
    /// The turn's stage.
    pub stage: Option<String>,
    /// The first node of the scenario.
    pub start: bool,
    /// No path from the start reaches it.
    pub unreachable: bool,
    /// No path from it reaches an ending (a cycle without an exit).
    pub no_exit: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    pub from: String,
    pub to: String,
    /// The option, the score condition (`≥ 60`, `otherwise`) or nothing for a plain `next`.
    pub label: String,
    /// Decided by the guide script.
    pub scripted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Graph {
    pub scenario: String,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

/// The id of the plain end's node.
pub const END: &str = "end";

fn target_id(t: &Target) -> &str {
    match t {
        Target::Turn(id) => id,
        Target::End(Some(id)) => id,
        Target::End(None) => END,
    }
}

/// The edges `next` adds from `turn`, each labelled with `label` before its own condition.
fn next_edges(turn: &Turn, label: &str, out: &mut Vec<Edge>) {
    let with = |cond: &str| match (label.is_empty(), cond.is_empty()) {
        (true, _) => cond.to_owned(),
        (false, true) => label.to_owned(),
        (false, false) => format!("{label} · {cond}"),
    };
    let mut edge = |to: &Target, cond: String, scripted: bool| {
        out.push(Edge {
            from: turn.id.clone(),
            to: target_id(to).to_owned(),
            label: cond,
            scripted,
        });
    };
    match &turn.next {
        Next::Fixed(t) => edge(t, with(""), false),
        Next::ByScore { branches, default } => {
            for (min, t) in branches {
                edge(t, with(&format!("≥ {min}")), false);
            }
            edge(default, with("otherwise"), false);
        }
        Next::Script { targets, default } => {
            for t in targets {
                edge(t, with("script"), true);
            }
            edge(default, with("default"), false);
        }
    }
}

/// The graph of `scen`, its texts in `locale`.
pub fn scenario(scen: &Scenario, locale: &str) -> Graph {
    let mut nodes: Vec<Node> = scen
        .turns
        .iter()
        .map(|t| Node {
            id: t.id.clone(),
            kind: match t.reply {
                Reply::FreeText => Kind::FreeText,
                Reply::Choice(_) => Kind::Choice,
            },
            text: t.customer.get(locale).to_owned(),
            stage: Some(t.stage.clone()),
            start: t.id == scen.start,
            unreachable: false,
            no_exit: false,
        })
        .collect();
    nodes.extend(scen.endings.iter().map(|e| Node {
        id: e.id.clone(),
        kind: Kind::Ending(e.outcome),
        text: e.text.get(locale).to_owned(),
        stage: None,
        start: false,
        unreachable: false,
        no_exit: false,
    }));
    let mut edges = Vec::new();
    for t in &scen.turns {
        match &t.reply {
            Reply::Choice(opts) => {
                for o in opts {
                    match &o.next {
                        Some(to) => edges.push(Edge {
                            from: t.id.clone(),
                            to: target_id(to).to_owned(),
                            label: o.id.clone(),
                            scripted: false,
                        }),
                        None => next_edges(t, &o.id, &mut edges),
                    }
                }
            }
            Reply::FreeText => next_edges(t, "", &mut edges),
        }
    }
    if edges.iter().any(|e| e.to == END) {
        nodes.push(Node {
            id: END.to_owned(),
            kind: Kind::End,
            text: String::new(),
            stage: None,
            start: false,
            unreachable: false,
            no_exit: false,
        });
    }
    mark(&mut nodes, &edges);
    Graph {
        scenario: scen.id.clone(),
        nodes,
        edges,
    }
}

/// Marks the turns no path reaches and those from which no path ends.
fn mark(nodes: &mut [Node], edges: &[Edge]) {
    let index: HashMap<&str, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect();
    let out: Vec<Vec<usize>> = nodes
        .iter()
        .map(|n| {
            edges
                .iter()
                .filter(|e| e.from == n.id)
                .filter_map(|e| index.get(e.to.as_str()).copied())
                .collect()
        })
        .collect();
    let mut reached = vec![false; nodes.len()];
    let mut queue: VecDeque<usize> = nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.start)
        .map(|(i, _)| i)
        .collect();
    for &i in &queue {
        reached[i] = true;
    }
    while let Some(i) = queue.pop_front() {
        for &j in &out[i] {
            if !reached[j] {
                reached[j] = true;
                queue.push_back(j);
            }
        }
    }
    let mut ends: Vec<bool> = nodes
        .iter()
        .map(|n| matches!(n.kind, Kind::Ending(_) | Kind::End))
        .collect();
    let mut changed = true;
    while changed {
        changed = false;
        for i in 0..nodes.len() {
            if !ends[i] && out[i].iter().any(|&j| ends[j]) {
                ends[i] = true;
                changed = true;
            }
        }
    }
    for (i, n) in nodes.iter_mut().enumerate() {
        let turn = matches!(n.kind, Kind::FreeText | Kind::Choice);
        n.unreachable = turn && !reached[i];
        n.no_exit = turn && reached[i] && !ends[i];
    }
}

/// The first `max` characters of a line, with `…` when cut.
fn short(s: &str, max: usize) -> String {
    let mut out: String = s.chars().take(max).collect();
    if s.chars().count() > max {
        out.push('…');
    }
    out
}

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', " ")
}

/// Graphviz `dot`: turns as boxes (choices rounded), endings as double circles coloured by
/// outcome, scripted edges dashed, problem turns red.
pub fn to_dot(g: &Graph) -> String {
    let mut s = format!(
        "digraph \"{}\" {{\n  rankdir=TB;\n  node [fontname=\"Noto Sans CJK SC\"];\n",
        dot_escape(&g.scenario)
    );
    for n in &g.nodes {
        let (shape, colour) = match n.kind {
            Kind::FreeText => ("box", "black"),
            Kind::Choice => ("box, style=rounded", "black"),
            Kind::Ending(Outcome::Won) => ("doublecircle", "darkgreen"),
            Kind::Ending(Outcome::Lost) => ("doublecircle", "firebrick"),
            Kind::Ending(Outcome::Open) | Kind::End => ("doublecircle", "gray40"),
        };
        let colour = if n.unreachable || n.no_exit {
            "red"
        } else {
            colour
        };
        let mut label = n.id.clone();
        if !n.text.is_empty() {
            label.push_str("\\n");
            label.push_str(&dot_escape(&short(&n.text, 24)));
        }
        let _ = writeln!(
            s,
            "  \"{}\" [label=\"{}\", shape={shape}, color={colour}{}];",
            dot_escape(&n.id),
            label,
            if n.start { ", penwidth=2" } else { "" }
        );
    }
    for e in &g.edges {
        let _ = writeln!(
            s,
            "  \"{}\" -> \"{}\" [label=\"{}\"{}];",
            dot_escape(&e.from),
            dot_escape(&e.to),
            dot_escape(&e.label),
            if e.scripted { ", style=dashed" } else { "" }
        );
    }
    s.push_str("}\n");
    s
}

/// Mermaid's node id for `id` (letters, digits and `_` only; distinct ids stay distinct).
fn mermaid_id(id: &str, ids: &mut HashMap<String, String>) -> String {
    let next = ids.len();
    ids.entry(id.to_owned())
        .or_insert_with(|| {
            let clean: String = id
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect();
            format!("n{next}_{clean}")
        })
        .clone()
}

fn mermaid_text(s: &str) -> String {
    s.replace('"', "#quot;").replace('\n', " ")
}

/// Mermaid `flowchart`: the same picture for Markdown viewers.
pub fn to_mermaid(g: &Graph) -> String {
    let mut ids = HashMap::new();
    let mut s = String::from("flowchart TD\n");
    let mut problems = BTreeSet::new();
    for n in &g.nodes {
        let id = mermaid_id(&n.id, &mut ids);
        let mut label = n.id.clone();
        if !n.text.is_empty() {
            label.push_str(": ");
            label.push_str(&short(&n.text, 24));
        }
        let label = mermaid_text(&label);
        let _ = match n.kind {
            Kind::FreeText => writeln!(s, "  {id}[\"{label}\"]"),
            Kind::Choice => writeln!(s, "  {id}(\"{label}\")"),
            Kind::Ending(_) | Kind::End => writeln!(s, "  {id}((\"{label}\"))"),
        };
        if n.unreachable || n.no_exit {
            problems.insert(id);
        }
    }
    for e in &g.edges {
        let (from, to) = (mermaid_id(&e.from, &mut ids), mermaid_id(&e.to, &mut ids));
        let arrow = if e.scripted { "-.->" } else { "-->" };
        let _ = if e.label.is_empty() {
            writeln!(s, "  {from} {arrow} {to}")
        } else {
            writeln!(s, "  {from} {arrow}|\"{}\"| {to}", mermaid_text(&e.label))
        };
    }
    for id in problems {
        let _ = writeln!(s, "  style {id} stroke:#d00,stroke-width:3px");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_turn_is_one_node_and_every_successor_an_edge() {
        let mut report = crate::playbook::Report::default();
        let lib = crate::playbook::load_default(None, &mut report).expect("bundled");
        for pb in &lib.playbooks {
            for scen in &pb.scenarios {
                let g = scenario(scen, "zh-CN");
                for t in &scen.turns {
                    assert_eq!(g.nodes.iter().filter(|n| n.id == t.id).count(), 1);
                    let want: BTreeSet<&str> = crate::playbook::validate::successors(t)
                        .into_iter()
                        .map(target_id)
                        .collect();
                    let got: BTreeSet<&str> = g
                        .edges
                        .iter()
                        .filter(|e| e.from == t.id)
                        .map(|e| e.to.as_str())
                        .collect();
                    assert_eq!(got, want, "{}/{}/{}", pb.id, scen.id, t.id);
                }
                // A loaded scenario has no turn the validator would reject.
                assert!(g.nodes.iter().all(|n| !n.unreachable && !n.no_exit));
                let dot = to_dot(&g);
                assert!(dot.starts_with("digraph") && dot.ends_with("}\n"));
                let mm = to_mermaid(&g);
                assert_eq!(
                    mm.lines()
                        .filter(|l| l.contains("-->") || l.contains("-.->"))
                        .count(),
                    g.edges.len()
                );
            }
        }
    }

    #[test]
    fn an_unreachable_turn_and_a_cycle_without_exit_are_marked() {
        let nodes = ["a", "b", "c", "d"]
            .iter()
            .map(|id| Node {
                id: (*id).to_owned(),
                kind: Kind::FreeText,
                text: String::new(),
                stage: None,
                start: *id == "a",
                unreachable: false,
                no_exit: false,
            })
            .collect::<Vec<_>>();
        let edge = |f: &str, t: &str| Edge {
            from: f.into(),
            to: t.into(),
            label: String::new(),
            scripted: false,
        };
        let mut nodes = nodes;
        nodes.push(Node {
            id: END.into(),
            kind: Kind::End,
            text: String::new(),
            stage: None,
            start: false,
            unreachable: false,
            no_exit: false,
        });
        // a → b ⇄ c (no exit), a → end; d unreachable.
        let edges = vec![
            edge("a", "b"),
            edge("b", "c"),
            edge("c", "b"),
            edge("a", END),
        ];
        mark(&mut nodes, &edges);
        let flags: Vec<(bool, bool)> = nodes.iter().map(|n| (n.unreachable, n.no_exit)).collect();
        assert_eq!(
            flags,
            [
                (false, false),
                (false, true),
                (false, true),
                (true, false),
                (false, false)
            ]
        );
    }
}
