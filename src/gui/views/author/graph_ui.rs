//! The open playbook's scenario as a graph, in place of its text: turns as boxes coloured by
//! stage, options and `next` as labelled arrows (script-decided ones dashed), endings by
//! outcome. Drag to pan, scroll with Ctrl (or pinch) to zoom; clicking a turn opens the text
//! at its line. Drawn from the playbook as last checked without errors, so it follows the text.

use std::collections::{HashMap, VecDeque};

use egui::{Color32, Pos2, Rect, RichText, Stroke, Ui, Vec2};

use super::{Cmd, Editor};
use crate::gui::command::Command;
use crate::gui::state::Lang;
use crate::gui::theme;
use crate::playbook::graph::{self, Graph, Kind};
use crate::playbook::raw::Outcome;

const NODE: Vec2 = Vec2::new(180.0, 54.0);
const GAP: Vec2 = Vec2::new(40.0, 56.0);

/// Colours for stages, in the playbook's stage order.
const STAGE_COLOURS: [Color32; 6] = [
    Color32::from_rgb(0x2f, 0x4f, 0x7a),
    Color32::from_rgb(0x2f, 0x6a, 0x4f),
    Color32::from_rgb(0x6a, 0x4f, 0x2f),
    Color32::from_rgb(0x5a, 0x35, 0x6e),
    Color32::from_rgb(0x2f, 0x62, 0x6a),
    Color32::from_rgb(0x6a, 0x35, 0x45),
];

/// Where each node goes: its rank (steps from the start) down, its order in the file across.
pub fn layout(g: &Graph) -> HashMap<String, Rect> {
    let index: HashMap<&str, usize> = g
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect();
    let mut rank: Vec<Option<usize>> = vec![None; g.nodes.len()];
    let mut queue: VecDeque<usize> = VecDeque::new();
    for (i, n) in g.nodes.iter().enumerate() {
        if n.start {
            rank[i] = Some(0);
            queue.push_back(i);
        }
    }
    while let Some(i) = queue.pop_front() {
        let r = rank[i].unwrap_or(0);
        for e in g.edges.iter().filter(|e| e.from == g.nodes[i].id) {
            if let Some(&j) = index.get(e.to.as_str())
                && rank[j].is_none()
            {
                rank[j] = Some(r + 1);
                queue.push_back(j);
            }
        }
    }
    // Nodes no path reaches sit on a row of their own below the rest.
    let deepest = rank.iter().flatten().max().copied().unwrap_or(0);
    let mut across: HashMap<usize, f32> = HashMap::new();
    let mut out = HashMap::new();
    for (i, n) in g.nodes.iter().enumerate() {
        let r = rank[i].unwrap_or(deepest + 1);
        let x = across.entry(r).or_insert(0.0);
        let min = Pos2::new(*x * (NODE.x + GAP.x), r as f32 * (NODE.y + GAP.y));
        *x += 1.0;
        out.insert(n.id.clone(), Rect::from_min_size(min, NODE));
    }
    out
}

/// Edges with the same ends and kind drawn once, their labels joined (several options often
/// lead to the same turn).
fn merge_parallel(g: &mut Graph) {
    let mut out: Vec<graph::Edge> = Vec::new();
    for e in g.edges.drain(..) {
        match out
            .iter_mut()
            .find(|o| o.from == e.from && o.to == e.to && o.scripted == e.scripted)
        {
            Some(o) if !e.label.is_empty() => {
                if !o.label.is_empty() {
                    o.label.push_str(", ");
                }
                o.label.push_str(&e.label);
            }
            Some(_) => {}
            None => out.push(e),
        }
    }
    g.edges = out;
}

/// The line and column of `turn`'s id in the text, after its scenario's id.
pub fn turn_position(text: &str, scenario: &str, turn: &str) -> Option<(u32, u32)> {
    let is_id = |line: &str, id: &str| -> Option<usize> {
        let at = line.find("id:")?;
        let rest = line[at + 3..].trim_start();
        let value = rest.trim_start_matches(['"', '\'']);
        let end = value
            .find(|c: char| matches!(c, ',' | '}' | '"' | '\'' | '#') || c.is_whitespace())
            .unwrap_or(value.len());
        (&value[..end] == id).then_some(at)
    };
    let mut lines = text.lines().enumerate();
    lines.find(|(_, l)| is_id(l, scenario).is_some())?;
    lines
        .find_map(|(i, l)| is_id(l, turn).map(|at| (i, at)))
        .map(|(i, at)| {
            let column = text.lines().nth(i).map_or(0, |l| l[..at].chars().count());
            (i as u32 + 1, column as u32 + 1)
        })
}

pub fn graph_ui(ui: &mut Ui, lang: Lang, ed: &mut Editor, out: &mut Vec<Command>) {
    let loc = lang.code();
    // The text as written when it has errors (so they show), else its last valid version.
    let with_errors = ed.sketch.is_some();
    let Some(pb) = ed.sketch.clone().or_else(|| ed.draft.clone()) else {
        ui.label(
            RichText::new(lang.t(
                "这个文件还没有一个没有错误的版本：修正“问题”里的错误后，这里显示场景图。",
                "This file has no version without errors yet: fix the problems below and the graph shows here.",
            ))
            .color(theme::MUTED),
        );
        return;
    };
    if pb.scenarios.is_empty() {
        ui.label(lang.t(
            "这个剧本还没有场景。",
            "This playbook has no scenarios yet.",
        ));
        return;
    }
    let scen = pb
        .scenario(&ed.graph_scenario)
        .unwrap_or(&pb.scenarios[0])
        .clone();
    if with_errors {
        ui.label(
            RichText::new(lang.t(
                "文件有错误：图按当前文本画出，红框是从开头到不了、或走不到结局的轮次。",
                "The file has errors: the graph is drawn as written; a red frame marks a turn the start never reaches, or one that never reaches an ending.",
            ))
            .color(theme::BAD),
        );
    }
    ui.horizontal_wrapped(|ui| {
        let l = ui.label(lang.t("场景", "Scenario"));
        egui::ComboBox::from_id_salt("graph-scenario")
            .selected_text(scen.title.get(loc))
            .show_ui(ui, |ui| {
                for s in &pb.scenarios {
                    if ui
                        .selectable_label(s.id == scen.id, s.title.get(loc))
                        .clicked()
                    {
                        ed.graph_scenario = s.id.clone();
                        ed.graph_view = Rect::ZERO;
                    }
                }
            })
            .response
            .labelled_by(l.id);
        ui.label(
            RichText::new(lang.t(
                "拖动平移，Ctrl+滚轮缩放；点击一个轮次跳到它的文本，右键可从这里试一试。",
                "Drag to pan, Ctrl+scroll to zoom; click a turn to open its text, right-click to try from there.",
            ))
            .small()
            .color(theme::MUTED),
        );
    });
    let mut g = graph::scenario(&scen, loc);
    merge_parallel(&mut g);
    let places = layout(&g);
    let stage_colour = |stage: &Option<String>| -> Color32 {
        let i = stage
            .as_ref()
            .and_then(|s| pb.stages.iter().position(|st| &st.id == s))
            .unwrap_or(0);
        STAGE_COLOURS[i % STAGE_COLOURS.len()]
    };
    let mut clicked: Option<String> = None;
    let mut try_here: Option<String> = None;
    egui::Frame::canvas(ui.style()).show(ui, |ui| {
        ui.set_min_size(ui.available_size());
        egui::Scene::new()
            .zoom_range(0.2..=1.5)
            .show(ui, &mut ed.graph_view, |ui| {
                let painter = ui.painter().clone();
                let text_colour = ui.visuals().text_color();
                draw_edges(&painter, text_colour, &g, &places);
                for n in &g.nodes {
                    let Some(rect) = places.get(&n.id) else {
                        continue;
                    };
                    let (fill, round) = match n.kind {
                        Kind::FreeText => (stage_colour(&n.stage), 2.0),
                        Kind::Choice => (stage_colour(&n.stage), 14.0),
                        Kind::Ending(Outcome::Won) => (theme::GOOD, 27.0),
                        Kind::Ending(Outcome::Lost) => (theme::BAD, 27.0),
                        Kind::Ending(Outcome::Open) | Kind::End => (theme::MUTED, 27.0),
                    };
                    let problem = n.unreachable || n.no_exit;
                    let kind = match n.kind {
                        Kind::FreeText => lang.t("自由回答", "free text"),
                        Kind::Choice => lang.t("选择题", "choice"),
                        Kind::Ending(_) => lang.t("结局", "ending"),
                        Kind::End => lang.t("结束", "end"),
                    };
                    let id = format!("{}{}", if n.start { "▶ " } else { "" }, n.id);
                    let mut text = String::new();
                    if !n.text.is_empty() {
                        text.push('\n');
                        text.extend(n.text.chars().take(16));
                        if n.text.chars().count() > 16 {
                            text.push('…');
                        }
                    }
                    let label = theme::id_then(ui.style(), &id, &text, Color32::WHITE);
                    let button = egui::Button::new(label)
                        .wrap()
                        .fill(fill)
                        .corner_radius(round)
                        .stroke(if problem {
                            Stroke::new(3.0, theme::BAD)
                        } else if n.start {
                            Stroke::new(2.0, Color32::WHITE)
                        } else {
                            Stroke::NONE
                        });
                    let r = ui
                        .put(*rect, button)
                        .on_hover_text(format!("{} · {kind}\n{}", n.id, n.text));
                    let turn = matches!(n.kind, Kind::FreeText | Kind::Choice);
                    if r.clicked() && turn {
                        clicked = Some(n.id.clone());
                    }
                    if turn {
                        r.context_menu(|ui| {
                            if ui.button(lang.t("从这里试一试", "Try from here")).clicked() {
                                try_here = Some(n.id.clone());
                                ui.close();
                            }
                        });
                    }
                }
            });
    });
    // "Try it" beside the graph, at this turn, scored with the replies that lead here.
    if let Some(turn) = try_here {
        ed.try_scenario = scen.id.clone();
        ed.try_turn = turn;
        ed.tried = None;
    }
    if let Some(turn) = clicked
        && let Some((line, column)) = turn_position(&ed.text, &scen.id, &turn)
    {
        ed.graph = false;
        out.push(Command::Author(Cmd::Goto { line, column }));
    }
}

/// The arrows between the boxes: dashed where a script decides, labelled with what leads
/// along them.
fn draw_edges(
    painter: &egui::Painter,
    text_colour: Color32,
    g: &Graph,
    places: &HashMap<String, Rect>,
) {
    for e in &g.edges {
        let (Some(a), Some(b)) = (places.get(&e.from), places.get(&e.to)) else {
            continue;
        };
        let (from, to) = if b.center().y > a.center().y {
            (a.center_bottom(), b.center_top())
        } else {
            // Back or sideways: from the side, so it does not cross its own box.
            (a.right_center(), b.right_center())
        };
        let colour = if e.scripted {
            theme::ACCENT
        } else {
            theme::MUTED
        };
        let stroke = Stroke::new(1.5, colour);
        if e.scripted {
            painter.extend(egui::Shape::dashed_line(&[from, to], stroke, 6.0, 4.0));
            painter.arrow(
                to - (to - from).normalized() * 10.0,
                (to - from).normalized() * 10.0,
                stroke,
            );
        } else {
            painter.arrow(from, to - from, stroke);
        }
        if !e.label.is_empty() {
            painter.text(
                from + (to - from) * 0.5,
                egui::Align2::CENTER_CENTER,
                &e.label,
                egui::FontId::proportional(11.0),
                text_colour,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_turn_is_found_after_its_scenario() {
        let text = "scenarios:\n  - id: a\n    turns:\n      - id: t1\n  - id: b\n    turns:\n      - { id: t1, customer: x }\n";
        assert_eq!(turn_position(text, "a", "t1"), Some((4, 9)));
        assert_eq!(turn_position(text, "b", "t1"), Some((7, 11)));
        assert_eq!(turn_position(text, "b", "t2"), None);
    }

    #[test]
    fn every_node_has_its_own_place() {
        let mut report = crate::playbook::Report::default();
        let lib = crate::playbook::load_default(None, &mut report).expect("bundled");
        for pb in &lib.playbooks {
            for s in &pb.scenarios {
                let g = graph::scenario(s, "en");
                let places = layout(&g);
                assert_eq!(places.len(), g.nodes.len());
                let rects: Vec<&Rect> = places.values().collect();
                for (i, a) in rects.iter().enumerate() {
                    for b in &rects[i + 1..] {
                        assert!(!a.intersects(**b), "{}/{}: overlap", pb.id, s.id);
                    }
                }
            }
        }
    }
}
