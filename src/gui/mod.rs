//! The desktop app (egui/eframe): the trainee's practice and live-checklist views.
//!
//! A face over the engine like the CLI: it holds no domain logic. Scoring and database writes
//! run on a worker thread ([`worker`]); views are `*_ui` functions that return
//! [`command::Command`]s, applied after the frame ([`app::App::apply`]).

pub mod app;
pub mod command;
pub mod ctx;
pub mod highlight;
pub mod state;
pub mod theme;
pub mod views;
mod watch;
pub mod worker;

use std::sync::Arc;

pub use app::App;

use crate::playbook::Library;
use state::Persisted;
use worker::Db;

/// Why the window could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum GuiError {
    #[error("no display is available (neither DISPLAY nor WAYLAND_DISPLAY is set)")]
    NoDisplay,
    #[error("the window could not be opened: {0}")]
    Window(String),
}

/// Whether a display server can be reached. Only Linux and the BSDs need one named in the
/// environment; elsewhere the window system is always there.
fn display_available() -> bool {
    if cfg!(any(target_os = "windows", target_os = "macos")) {
        return true;
    }
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
}

/// Opens the window and runs until it is closed; `workspace` is the trainer's folder (edited
/// in the authoring view, watched for changes). With `quit_after_first_frame`, the app prints `first frame` to stderr
/// once its first frame has been presented and closes (startup measurements, smoke tests).
pub fn run(
    lib: Library,
    db: crate::store::Location,
    workspace: Option<crate::author::Workspace>,
    quit_after_first_frame: bool,
) -> Result<(), GuiError> {
    if !display_available() {
        return Err(GuiError::NoDisplay);
    }
    let lib = Arc::new(lib);
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("salesdojo")
            // The desktop entry's name (salesdojo.desktop): Wayland compositors find the
            // menu entry, and its icon, by it.
            .with_app_id("salesdojo")
            .with_icon(window_icon())
            .with_inner_size([1180.0, 760.0])
            .with_min_inner_size([720.0, 480.0]),
        ..Default::default()
    };
    eframe::run_native(
        "salesdojo",
        options,
        Box::new(move |cc| {
            theme::install(&cc.egui_ctx);
            close_on_signals(&cc.egui_ctx);
            let persisted: Persisted = cc
                .storage
                .and_then(|s| eframe::get_value(s, eframe::APP_KEY))
                .unwrap_or_default();
            let mut app = App::new(lib, Db::Open(db), persisted);
            if let Some(ws) = workspace {
                app = app.with_workspace(ws);
            }
            if quit_after_first_frame {
                Ok(Box::new(FirstFrame { app, frames: 0 }))
            } else {
                Ok(Box::new(app))
            }
        }),
    )
    .map_err(|e| GuiError::Window(e.to_string()))
}

/// The window's icon, drawn from the same picture as the menu entry's
/// (assets/icons/salesdojo.svg, rendered by assets/icons/make_pngs.sh).
fn window_icon() -> Arc<egui::IconData> {
    let png = include_bytes!("../../assets/icons/salesdojo-64.png");
    // The PNG is part of the program and checked by a test; a broken one only costs the icon.
    Arc::new(eframe::icon_data::from_png_bytes(png).unwrap_or_default())
}

/// SIGTERM, SIGINT and SIGHUP (a logout, Ctrl+C in the terminal that started it, a closed
/// terminal) close the window as its close button does: the worker ends the job in hand,
/// checkpoints the progress log and closes it, so nothing stays in the write-ahead log alone.
#[cfg(unix)]
fn close_on_signals(ctx: &egui::Context) {
    use std::sync::atomic::{AtomicBool, Ordering};
    static ASKED: AtomicBool = AtomicBool::new(false);
    for sig in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
        let registered =
            unsafe { signal_hook_registry::register(sig, || ASKED.store(true, Ordering::SeqCst)) };
        if registered.is_err() {
            return;
        }
    }
    let ctx = ctx.clone();
    let _ = std::thread::Builder::new()
        .name("salesdojo-signals".into())
        .spawn(move || {
            while !ASKED.load(Ordering::SeqCst) {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            ctx.request_repaint();
        });
}

#[cfg(not(unix))]
fn close_on_signals(_: &egui::Context) {}

/// The app, closed once its first frame is on screen: the second `ui` call comes after the
/// first frame was painted and presented.
struct FirstFrame {
    app: App,
    frames: u32,
}

impl eframe::App for FirstFrame {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.frames += 1;
        if self.frames == 2 {
            eprintln!("first frame");
            ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
        }
        self.app.show(ui);
        ui.ctx().request_repaint();
    }
}

#[cfg(test)]
mod icon_tests {
    #[test]
    fn the_window_icon_is_a_readable_64_pixel_square() {
        let icon = super::window_icon();
        assert_eq!((icon.width, icon.height), (64, 64));
        assert_eq!(icon.rgba.len(), 64 * 64 * 4);
        // Not blank: the picture has opaque pixels.
        assert!(icon.rgba.chunks(4).any(|p| p[3] == 255));
    }
}
