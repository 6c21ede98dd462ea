//! The About window: the version, the commit it was built from, and the licences of what the
//! program bundles (from [`crate::about`]).

use egui::RichText;

use crate::about;
use crate::gui::state::Lang;

/// Whether the window is open; it is opened from the top bar.
#[derive(Debug, Default)]
pub struct About {
    pub open: bool,
}

impl About {
    pub fn show(&mut self, ctx: &egui::Context, lang: Lang) {
        if !self.open {
            return;
        }
        let mut open = true;
        egui::Window::new(lang.t("关于 salesdojo", "About salesdojo"))
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_TOP, egui::vec2(0.0, 60.0))
            .default_width(420.0)
            .show(ctx, |ui| body(ui, lang));
        self.open = open;
    }
}

fn body(ui: &mut egui::Ui, lang: Lang) {
    ui.label(
        RichText::new(lang.t("销售对练与剧本引擎", "Sales practice and playbook engine")).strong(),
    );
    egui::Grid::new("about-build")
        .num_columns(2)
        .show(ui, |ui| {
            ui.label(lang.t("版本", "Version"));
            ui.monospace(about::VERSION);
            ui.end_row();
            ui.label(lang.t("构建自提交", "Built from commit"));
            ui.monospace(about::COMMIT);
            ui.end_row();
        });
    ui.separator();
    ui.label(RichText::new(lang.t("许可证", "Licences")).strong());
    egui::Grid::new("about-licences")
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            for part in about::PARTS {
                ui.label(lang.t(part.what_zh, part.what_en));
                ui.monospace(part.licence);
                ui.end_row();
            }
        });
    ui.label(
        RichText::new(crate::msg::licences_installed(about::DOC_DIR).take(lang))
            .weak()
            .small(),
    );
}
