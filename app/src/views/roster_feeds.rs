//! 接访排班 → 订阅: calendar subscriptions. The office picks whose feed (a leader, the
//! office, a township), issues a link under the county server's public address, and the
//! phone scans its QR code (`webcal://…`) once; below, every subscription with its state
//! and a button to revoke it.

use std::sync::Arc;

use egui::RichText;
use fengqiao_roster::FeedScope;

use crate::backend::{Command, FeedCommand};
use crate::i18n::{Key, tr, trf};
use crate::state::AppState;
use crate::vm::feeds::FeedsView;
use crate::widgets::{self, GREEN};

/// The 订阅 tab's state.
#[derive(Debug, Clone, Default)]
pub struct FeedsUi {
    /// The tab is shown instead of the calendars.
    pub open: bool,
    /// Whose feed the next link is for.
    pub scope: Option<FeedScope>,
    pub base_url: String,
    /// What the store thread last answered.
    pub view: Arc<FeedsView>,
    /// The list was asked for since the tab opened.
    pub requested: bool,
}

impl FeedsUi {
    /// Called when the tab is not shown: the link issued last leaves the screen (it is
    /// shown once), and the list is asked for again when the tab reopens.
    pub fn closed(&mut self) {
        self.requested = false;
        if self.view.issued.is_some() {
            self.view = Arc::new(FeedsView {
                issued: None,
                ..(*self.view).clone()
            });
        }
    }
}

fn scope_name(state: &AppState, scope: &FeedScope) -> String {
    let lang = state.lang();
    match scope {
        FeedScope::Leader { leader } => state
            .directory
            .leaders
            .iter()
            .find(|l| l.id == *leader)
            .map_or_else(
                || leader.to_string(),
                |l| format!("{}（{}）", l.name, l.title),
            ),
        FeedScope::Office => tr(lang, Key::FeedsOffice).to_owned(),
        FeedScope::Township { township } => township.clone(),
    }
}

/// Draws the tab.
pub fn ui(ui: &mut egui::Ui, state: &mut AppState) {
    let lang = state.lang();
    if !state.roster_ui.feeds.requested {
        state.roster_ui.feeds.requested = true;
        state.send(Command::Feeds(FeedCommand::Load));
    }
    let view = state.roster_ui.feeds.view.clone();
    if state.roster_ui.feeds.base_url.is_empty() && !view.base_url.is_empty() {
        state.roster_ui.feeds.base_url = view.base_url.clone();
    }
    ui.label(RichText::new(tr(lang, Key::FeedsHeading)).strong());
    ui.add(egui::Label::new(tr(lang, Key::FeedsIntro)).wrap());
    ui.add_space(6.0);

    let mut scopes: Vec<FeedScope> = state
        .directory
        .leaders
        .iter()
        .map(|l| FeedScope::Leader { leader: l.id })
        .collect();
    scopes.push(FeedScope::Office);
    scopes.extend(
        state
            .directory
            .townships
            .iter()
            .map(|t| FeedScope::Township {
                township: t.name.clone(),
            }),
    );
    let names: Vec<String> = scopes.iter().map(|s| scope_name(state, s)).collect();
    let chosen = state.roster_ui.feeds.scope.as_ref().map_or_else(
        || tr(lang, Key::Choose).to_owned(),
        |s| scope_name(state, s),
    );
    let mut issue = None;
    ui.horizontal_wrapped(|ui| {
        let feeds = &mut state.roster_ui.feeds;
        let label = ui.label(tr(lang, Key::FeedsFor));
        egui::ComboBox::from_id_salt("feeds-for")
            .selected_text(chosen)
            .show_ui(ui, |ui| {
                for (scope, name) in scopes.iter().zip(&names) {
                    ui.selectable_value(&mut feeds.scope, Some(scope.clone()), name);
                }
            })
            .response
            .labelled_by(label.id);
        widgets::text_field(ui, tr(lang, Key::FeedsBaseUrl), &mut feeds.base_url);
        let ready = feeds.scope.is_some() && !feeds.base_url.trim().is_empty();
        if ui
            .add_enabled(ready, egui::Button::new(tr(lang, Key::FeedsIssue)))
            .clicked()
            && let Some(scope) = feeds.scope.clone()
        {
            issue = Some(FeedCommand::Issue {
                scope,
                base_url: feeds.base_url.trim().to_owned(),
            });
        }
    });
    if let Some(command) = issue {
        state.send(Command::Feeds(command));
    }

    if let Some(link) = &view.issued {
        ui.add_space(6.0);
        ui.group(|ui| {
            ui.label(RichText::new(trf(lang, Key::FeedsIssued, &[&link.label])).strong());
            ui.label(RichText::new(tr(lang, Key::FeedsOnce)).color(widgets::AMBER));
            ui.add(
                egui::Label::new(RichText::new(&link.webcal).monospace())
                    .wrap()
                    .selectable(true),
            );
            crate::views::sync::qr(ui, "feed-qr", &link.webcal);
            ui.add(
                egui::Label::new(RichText::new(trf(lang, Key::FeedsHttps, &[&link.url])).small())
                    .wrap()
                    .selectable(true),
            );
        });
    }

    ui.add_space(8.0);
    if view.loaded && view.rows.is_empty() {
        ui.weak(tr(lang, Key::FeedsNone));
    }
    let mut revoke = None;
    egui::Grid::new("feeds-list").striped(true).show(ui, |ui| {
        for row in view.rows.iter().rev() {
            ui.label(trf(
                lang,
                Key::FeedsIssuedLine,
                &[&row.label, &row.issued_at, &row.issued_by],
            ));
            match &row.revoked_at {
                None => {
                    ui.label(RichText::new(tr(lang, Key::FeedsActive)).color(GREEN));
                    if ui
                        .push_id(row.id, |ui| ui.small_button(tr(lang, Key::FeedsRevoke)))
                        .inner
                        .clicked()
                    {
                        revoke = Some(row.id);
                    }
                }
                Some(at) => {
                    ui.weak(trf(lang, Key::FeedsRevokedAt, &[at]));
                    ui.label("");
                }
            }
            ui.end_row();
        }
    });
    if let Some(id) = revoke {
        state.send(Command::Feeds(FeedCommand::Revoke { id }));
    }
}
