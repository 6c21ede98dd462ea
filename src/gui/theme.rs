//! The look: the bundled Chinese font and a few design tokens shared by the views.

use egui::{Color32, FontData, FontDefinitions, FontFamily};

/// Noto Sans CJK SC, subset (see `assets/fonts/make_subset.py`; SIL OFL 1.1).
pub const CJK_FONT: &[u8] = include_bytes!("../../assets/fonts/NotoSansSC-subset.otf");
const CJK_NAME: &str = "noto-sans-sc-subset";

/// egui's fonts with the bundled Chinese font as a fallback for both families, so Chinese
/// renders on a machine with no CJK font installed.
pub fn fonts() -> FontDefinitions {
    let mut fonts = FontDefinitions::default();
    fonts.font_data.insert(
        CJK_NAME.to_owned(),
        std::sync::Arc::new(FontData::from_static(CJK_FONT)),
    );
    for family in [FontFamily::Proportional, FontFamily::Monospace] {
        fonts
            .families
            .entry(family)
            .or_default()
            .push(CJK_NAME.to_owned());
    }
    fonts
}

/// Installs the fonts and the house style.
pub fn install(ctx: &egui::Context) {
    ctx.set_fonts(fonts());
    ctx.all_styles_mut(|style| {
        style.spacing.item_spacing = egui::vec2(8.0, 6.0);
        style.spacing.button_padding = egui::vec2(10.0, 5.0);
        for (text_style, size) in [
            (egui::TextStyle::Body, 15.0),
            (egui::TextStyle::Button, 15.0),
            (egui::TextStyle::Heading, 22.0),
            (egui::TextStyle::Small, 12.0),
            (egui::TextStyle::Monospace, 14.0),
        ] {
            if let Some(f) = style.text_styles.get_mut(&text_style) {
                f.size = size;
            }
        }
    });
}

pub const GOOD: Color32 = Color32::from_rgb(0x2e, 0x9d, 0x5b);
pub const BAD: Color32 = Color32::from_rgb(0xd0, 0x4a, 0x3c);
pub const ACCENT: Color32 = Color32::from_rgb(0x3a, 0x7b, 0xd5);
pub const MUTED: Color32 = Color32::from_rgb(0x8a, 0x8f, 0x98);
/// Tints (premultiplied: each channel already scaled by the alpha of 48).
pub const CUSTOMER_BG: Color32 = Color32::from_rgba_premultiplied(11, 23, 40, 48);
pub const TRAINEE_BG: Color32 = Color32::from_rgba_premultiplied(9, 30, 17, 48);
pub const ERROR_BG: Color32 = Color32::from_rgba_premultiplied(39, 14, 11, 48);

/// Green at 100, red at 0.
pub fn score_color(points: f64) -> Color32 {
    let t = (points / 100.0).clamp(0.0, 1.0) as f32;
    Color32::from_rgb(
        (BAD.r() as f32 + (GOOD.r() as f32 - BAD.r() as f32) * t) as u8,
        (BAD.g() as f32 + (GOOD.g() as f32 - BAD.g() as f32) * t) as u8,
        (BAD.b() as f32 + (GOOD.b() as f32 - BAD.b() as f32) * t) as u8,
    )
}

/// A card: a framed group with a tinted background.
pub fn card<R>(ui: &mut egui::Ui, fill: Color32, add: impl FnOnce(&mut egui::Ui) -> R) -> R {
    egui::Frame::group(ui.style())
        .fill(fill)
        .corner_radius(8.0)
        .inner_margin(10.0)
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            add(ui)
        })
        .inner
}

/// "3. Title", unless the title is numbered already ("1. …", "Stage 1: …").
pub fn numbered(i: usize, title: &str) -> String {
    if title.chars().take(8).any(|c| c.is_ascii_digit()) {
        title.to_owned()
    } else {
        format!("{}. {title}", i + 1)
    }
}

/// A problem as people read it: the message in `color`, and the other program's own words
/// (the "details" line of [`crate::msg::details`]) under it, small and muted.
pub fn problem(ui: &mut egui::Ui, text: &str, color: Color32) -> egui::Response {
    let (main, details) = crate::msg::split_details(text);
    ui.vertical(|ui| {
        ui.add(egui::Label::new(egui::RichText::new(main).color(color)).wrap());
        if let Some(d) = details {
            ui.add(
                egui::Label::new(
                    egui::RichText::new(format!("详情：{d}"))
                        .small()
                        .color(MUTED),
                )
                .wrap(),
            );
        }
    })
    .response
}

/// An id as the trainer typed it, in code style, then `rest` in the body font: how the
/// authoring views name turns, concepts and the like (ids are not translated).
pub fn id_then(style: &egui::Style, id: &str, rest: &str, color: Color32) -> egui::text::LayoutJob {
    use egui::text::{LayoutJob, TextFormat};
    let mut job = LayoutJob::default();
    job.append(
        id,
        0.0,
        TextFormat {
            font_id: egui::TextStyle::Monospace.resolve(style),
            color,
            ..TextFormat::default()
        },
    );
    if !rest.is_empty() {
        job.append(
            rest,
            0.0,
            TextFormat {
                font_id: egui::TextStyle::Body.resolve(style),
                color,
                ..TextFormat::default()
            },
        );
    }
    job
}
