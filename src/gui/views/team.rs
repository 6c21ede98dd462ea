//! The team window: join the team's server from the app, see where this machine's progress
//! log stands with it (server, login, role, rows waiting, last sync, online), sync now, or
//! leave. What it asks of the server runs on a thread of its own, never on the worker, so
//! practice never waits on the network. Joining and syncing go through the same engine
//! functions as `salesdojo team join|status|sync|leave`.

use std::sync::mpsc::{Receiver, channel};

use egui::RichText;

use crate::gui::command::Command;
use crate::gui::state::Lang;
use crate::gui::theme;
use crate::msg::{Localized, Text};
use crate::store::{self, team};

/// What the window's controls ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Open,
    Close,
    Join,
    SyncNow,
    Leave,
    /// Read the status again (and check the server).
    Refresh,
}

/// A joined log's status, as the window shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    pub server: String,
    pub user: String,
    pub role: String,
    /// Rows written here and not yet on the server.
    pub waiting: u64,
    /// When the last sync ended (local time), if ever.
    pub last_sync: Option<String>,
    /// The server's schema version and clock skew in seconds, or why it cannot be reached.
    pub online: Result<(i32, f64), Text>,
}

/// What one piece of work in the background came to.
struct Outcome {
    /// What was done, or why it failed (a status read says nothing).
    said: Option<Result<Text, Text>>,
    /// The status after it (`None`: not joined).
    status: Result<Option<Shown>, Text>,
    /// Whether the log joined or left (the worker's background sync starts or stops).
    changed: bool,
    /// Joined: the login's name, team and role, from the server's directory.
    joined_as: Option<JoinedAs>,
}

/// Who a log joined as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinedAs {
    pub name: String,
    pub team: Option<String>,
    pub role: String,
}

#[derive(Default)]
pub struct Team {
    pub open: bool,
    /// The join form.
    pub url: String,
    pub user: String,
    pub password: String,
    /// The last status read (`None` before the first read).
    pub status: Option<Result<Option<Shown>, Text>>,
    /// What the last action did, or why it failed.
    pub said: Option<Result<Text, Text>>,
    running: Option<Receiver<Outcome>>,
    /// What was asked while other work ran (a join clicked while the status is still being
    /// read): it starts when that work ends, never dropped.
    next: Option<(Option<store::Location>, Work)>,
    ctx: Option<egui::Context>,
    /// Who the last join signed in as, until the app takes it.
    joined_as: Option<JoinedAs>,
}

fn text(e: impl Localized) -> Text {
    Text {
        en: e.to_string(),
        zh: e.zh(),
    }
}

fn both(zh: impl Into<String>, en: impl Into<String>) -> Text {
    Text {
        zh: zh.into(),
        en: en.into(),
    }
}

fn shown(s: team::Status) -> Shown {
    Shown {
        server: s.server,
        user: s.user,
        role: s.role,
        waiting: s.waiting.total(),
        last_sync: s.last_sync.as_deref().map(store::local_time),
        online: s
            .online
            .map(|(v, skew)| (v, skew as f64 / 1000.0))
            .map_err(text),
    }
}

/// The progress log at `db`, opened for one piece of the window's work.
fn open(db: &store::Location) -> Result<store::Store, Text> {
    store::open_default(db).map_err(text)
}

/// The status of the log at `db`.
fn read_status(db: &store::Location) -> Result<Option<Shown>, Text> {
    Ok(team::status(&open(db)?).map_err(text)?.map(shown))
}

fn role_name(role: &str, lang: Lang) -> String {
    let (zh, en) = match role {
        "trainee" => ("学员", "trainee"),
        "manager" => ("经理", "manager"),
        "trainer" => ("培训师", "trainer"),
        "admin" => ("管理员", "admin"),
        "verifier" => ("核验员", "verifier"),
        other => return other.to_owned(),
    };
    lang.t(zh, en).to_owned()
}

impl Team {
    /// Whether the window waits on the server.
    pub fn busy(&self) -> bool {
        self.running.is_some()
    }

    /// Whether this log is known to be joined to a team.
    pub fn joined(&self) -> bool {
        matches!(&self.status, Some(Ok(Some(_))))
    }

    /// Applies one of the window's commands. `db` is where the progress log is; `None`: no
    /// log is kept.
    pub fn apply(&mut self, c: Cmd, db: Option<store::Location>) {
        match c {
            Cmd::Open => {
                self.open = true;
                self.said = None;
                self.start(db, Work::Status);
            }
            Cmd::Close => self.open = false,
            Cmd::Refresh => self.start(db, Work::Status),
            Cmd::Join => {
                let password = std::mem::take(&mut self.password);
                self.start(
                    db,
                    Work::Join {
                        url: self.url.trim().to_owned(),
                        user: self.user.trim().to_owned(),
                        password,
                    },
                );
            }
            Cmd::SyncNow => self.start(db, Work::Sync),
            Cmd::Leave => self.start(db, Work::Leave),
        }
    }

    fn start(&mut self, db: Option<store::Location>, work: Work) {
        if self.running.is_some() {
            self.next = Some((db, work));
            return;
        }
        let Some(db) = db else {
            self.said = Some(Err(both(
                "没有进度数据库：无法加入团队",
                "no progress database: cannot join a team",
            )));
            return;
        };
        let (tx, rx) = channel();
        let ctx = self.ctx.clone();
        let spawned = std::thread::Builder::new()
            .name("salesdojo-team".into())
            .spawn(move || {
                let out = work.run(&db);
                let _ = tx.send(out);
                if let Some(ctx) = ctx {
                    ctx.request_repaint();
                }
            });
        match spawned {
            Ok(_) => self.running = Some(rx),
            Err(e) => {
                self.said = Some(Err(both(
                    format!("无法启动后台线程：{e}"),
                    format!("cannot start a thread: {e}"),
                )));
            }
        }
    }

    /// Takes in finished work; true when the log joined or left a team.
    pub fn poll(&mut self) -> bool {
        let Some(rx) = &self.running else {
            return false;
        };
        let changed = match rx.try_recv() {
            Ok(out) => {
                self.running = None;
                self.said = out.said;
                self.status = Some(out.status);
                self.joined_as = out.joined_as;
                out.changed
            }
            Err(std::sync::mpsc::TryRecvError::Empty) => return false,
            Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                self.running = None;
                false
            }
        };
        if let Some((db, work)) = self.next.take() {
            self.start(db, work);
        }
        changed
    }

    /// Who the last join signed in as (taken once: the app signs a trainee in as them).
    pub fn take_joined_as(&mut self) -> Option<JoinedAs> {
        self.joined_as.take()
    }

    /// Draws the window when it is open.
    pub fn show(&mut self, ctx: &egui::Context, lang: Lang, out: &mut Vec<Command>) {
        if self.ctx.is_none() {
            self.ctx = Some(ctx.clone());
        }
        if !self.open {
            return;
        }
        let mut open = true;
        egui::Window::new(lang.t("团队服务器", "Team server"))
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            // Below the top bar, under the button that opened it.
            .anchor(egui::Align2::RIGHT_TOP, egui::vec2(-12.0, 44.0))
            .default_width(460.0)
            .show(ctx, |ui| self.body(ui, lang, out));
        if !open {
            out.push(Command::Team(Cmd::Close));
        }
    }

    fn body(&mut self, ui: &mut egui::Ui, lang: Lang, out: &mut Vec<Command>) {
        let busy = self.busy();
        match &self.status {
            None => {
                ui.horizontal(|ui| {
                    ui.add(egui::Spinner::new());
                    ui.label(lang.t("正在读取…", "Reading…"));
                });
            }
            Some(Err(e)) => {
                theme::problem(ui, e.get(lang), theme::BAD);
            }
            Some(Ok(None)) => self.join_form(ui, lang, busy, out),
            Some(Ok(Some(s))) => Self::joined_ui(ui, lang, s, busy, out),
        }
        if busy && self.status.is_some() {
            ui.horizontal(|ui| {
                ui.add(egui::Spinner::new());
                ui.label(lang.t("正在连接团队服务器…", "Talking to the team server…"));
            });
        }
        match &self.said {
            Some(Ok(t)) => {
                ui.colored_label(theme::GOOD, t.get(lang));
            }
            Some(Err(e)) => {
                theme::problem(ui, e.get(lang), theme::BAD);
            }
            None => {}
        }
        ui.separator();
        ui.horizontal(|ui| {
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.button(lang.t("关闭", "Close")).clicked() {
                    out.push(Command::Team(Cmd::Close));
                }
            });
        });
    }

    fn join_form(&mut self, ui: &mut egui::Ui, lang: Lang, busy: bool, out: &mut Vec<Command>) {
        ui.add(
            egui::Label::new(lang.t(
                "加入团队服务器后，练习记录先存在本机，再在后台上传；经理能看到团队的成绩。账号和密码由管理员给你。",
                "Join your team's server: practice is saved on this machine first, then goes up in the background, and your manager sees the team's scores. Your admin gives you the login and password.",
            ))
            .wrap(),
        );
        ui.add_space(6.0);
        let mut enter = false;
        egui::Grid::new("team-join").num_columns(2).show(ui, |ui| {
            let l = ui.label(lang.t("服务器地址", "Server address"));
            let r = ui
                .add(
                    egui::TextEdit::singleline(&mut self.url)
                        .hint_text("postgres://host/salesdojo")
                        .desired_width(300.0),
                )
                .labelled_by(l.id);
            enter |= r.lost_focus();
            ui.end_row();
            let l = ui.label(lang.t("账号", "Login"));
            let r = ui
                .add(egui::TextEdit::singleline(&mut self.user).desired_width(300.0))
                .labelled_by(l.id);
            enter |= r.lost_focus();
            ui.end_row();
            let l = ui.label(lang.t("密码", "Password"));
            let r = ui
                .add(
                    egui::TextEdit::singleline(&mut self.password)
                        .password(true)
                        .desired_width(300.0),
                )
                .labelled_by(l.id);
            enter |= r.lost_focus();
            ui.end_row();
        });
        let filled = !self.url.trim().is_empty() && !self.user.trim().is_empty();
        let enter = enter && ui.input(|i| i.key_pressed(egui::Key::Enter));
        ui.horizontal(|ui| {
            let join = ui.add_enabled(!busy && filled, egui::Button::new(lang.t("加入", "Join")));
            if (join.clicked() || (enter && filled && !busy)) && !busy {
                out.push(Command::Team(Cmd::Join));
            }
        });
        ui.label(
            RichText::new(lang.t(
                "密码保存在只有你能读的文件里，供后台同步登录。",
                "The password is kept in a file only you can read, for the background sync to sign in.",
            ))
            .small()
            .color(theme::MUTED),
        );
    }

    fn joined_ui(ui: &mut egui::Ui, lang: Lang, s: &Shown, busy: bool, out: &mut Vec<Command>) {
        egui::Grid::new("team-status")
            .num_columns(2)
            .spacing([12.0, 4.0])
            .show(ui, |ui| {
                ui.label(lang.t("服务器", "Server"));
                ui.label(&s.server);
                ui.end_row();
                ui.label(lang.t("账号", "Login"));
                ui.label(format!("{} ({})", s.user, role_name(&s.role, lang)));
                ui.end_row();
                ui.label(lang.t("待上传", "Waiting to go up"));
                ui.label(crate::msg::rows_waiting(s.waiting).take(lang));
                ui.end_row();
                ui.label(lang.t("上次同步", "Last sync"));
                ui.label(
                    s.last_sync
                        .clone()
                        .unwrap_or_else(|| lang.t("从未", "never").to_owned()),
                );
                ui.end_row();
                ui.label(lang.t("在线", "Online"));
                match &s.online {
                    Ok((schema, skew)) => {
                        ui.colored_label(
                            theme::GOOD,
                            crate::msg::server_online(schema, format!("{skew:+.1}")).take(lang),
                        );
                    }
                    Err(e) => {
                        theme::problem(ui, e.get(lang), theme::BAD);
                    }
                }
                ui.end_row();
            });
        ui.add_space(6.0);
        ui.horizontal_wrapped(|ui| {
            if ui
                .add_enabled(!busy, egui::Button::new(lang.t("立即同步", "Sync now")))
                .clicked()
            {
                out.push(Command::Team(Cmd::SyncNow));
            }
            if ui
                .add_enabled(!busy, egui::Button::new(lang.t("刷新", "Refresh")))
                .clicked()
            {
                out.push(Command::Team(Cmd::Refresh));
            }
            if ui
                .add_enabled(
                    !busy,
                    egui::Button::new(lang.t("退出团队", "Leave the team")),
                )
                .on_hover_text(lang.t(
                    "本机不再同步；已保存的练习都留在本机，服务器上的也不删除。",
                    "This machine stops syncing; nothing saved here or on the server is deleted.",
                ))
                .clicked()
            {
                out.push(Command::Team(Cmd::Leave));
            }
        });
    }
}

/// What runs on the window's thread.
enum Work {
    Status,
    Join {
        url: String,
        user: String,
        password: String,
    },
    Sync,
    Leave,
}

impl Work {
    fn run(self, db: &store::Location) -> Outcome {
        let mut joined_as = None;
        let (said, changed) = match self {
            Work::Status => (None, false),
            Work::Join {
                url,
                user,
                password,
            } => {
                let joined = open(db).and_then(|mut s| {
                    let password = (!password.is_empty()).then_some(password.as_str());
                    team::join(&mut s, &url, &user, password).map_err(text)
                });
                match joined {
                    Ok(j) => {
                        joined_as = Some(JoinedAs {
                            name: crate::untrusted::clean(&j.me.name).into_owned(),
                            team: j
                                .me
                                .team
                                .as_deref()
                                .map(|t| crate::untrusted::clean(t).into_owned()),
                            role: j.me.role.clone(),
                        });
                        (
                            Some(Ok(both(
                                format!(
                                    "已加入 {}，身份：{}（{}）；上传 {} 条回答，收到 {} 次练习",
                                    j.server,
                                    j.me.login,
                                    role_name(&j.me.role, Lang::Zh),
                                    j.counts.pushed_replies,
                                    j.counts.pulled_attempts
                                ),
                                format!(
                                    "joined {} as {} ({}); sent {} replies, received {} attempts",
                                    j.server,
                                    j.me.login,
                                    j.me.role,
                                    j.counts.pushed_replies,
                                    j.counts.pulled_attempts
                                ),
                            ))),
                            true,
                        )
                    }
                    Err(e) => (Some(Err(e)), false),
                }
            }
            Work::Sync => {
                let synced = open(db).and_then(|mut s| team::sync_joined(&mut s).map_err(text));
                (
                    Some(synced.map(|c| {
                        both(
                            format!(
                                "已同步：上传 {} 次练习、{} 条回答，收到 {} 次练习",
                                c.pushed_attempts, c.pushed_replies, c.pulled_attempts
                            ),
                            format!(
                                "synced: sent {} attempts and {} replies, received {} attempts",
                                c.pushed_attempts, c.pushed_replies, c.pulled_attempts
                            ),
                        )
                    })),
                    false,
                )
            }
            Work::Leave => {
                let left = open(db)
                    .and_then(|mut s| crate::store::team::leave(&mut s).map(|_| ()).map_err(text));
                match left {
                    Ok(()) => (
                        Some(Ok(both(
                            "已退出团队：本机不再同步，什么都没有删除",
                            "left the team: this machine no longer syncs; nothing was deleted",
                        ))),
                        true,
                    ),
                    Err(e) => (Some(Err(e)), false),
                }
            }
        };
        Outcome {
            said,
            status: read_status(db),
            changed,
            joined_as,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A join (or sync, or leave) clicked while the status is still being read is not
    /// dropped: it starts as soon as that read ends.
    #[test]
    fn work_asked_while_other_work_runs_starts_when_it_ends() {
        let mut team = Team::default();
        let (tx, rx) = channel();
        team.running = Some(rx);
        // Asked while the read runs: nothing happens yet, and nothing is said.
        team.start(None, Work::Sync);
        assert!(team.said.is_none());
        assert!(!team.poll(), "the read has not ended");
        assert!(team.next.is_some(), "the sync waits for the read");
        tx.send(Outcome {
            said: None,
            status: Ok(None),
            changed: false,
            joined_as: None,
        })
        .expect("the window listens");
        team.poll();
        // The read ended and the waiting sync ran: here it had no database to run on, and
        // says so (before, it was dropped and nothing was said).
        assert!(team.next.is_none());
        assert!(matches!(team.status, Some(Ok(None))));
        match &team.said {
            Some(Err(t)) => assert!(t.en.contains("no progress database"), "{}", t.en),
            other => panic!("the waiting sync did not run: {:?}", other.is_some()),
        }
    }
}
