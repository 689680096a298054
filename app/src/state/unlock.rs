//! The passphrase dialog of an encrypted data directory.

use super::{AppState, Phase};
use crate::backend::{Command, Update};

/// What the passphrase dialog shows and holds.
#[derive(Debug, Clone, Default)]
pub struct UnlockUi {
    /// Who may open the directory (names from its keyring; no secrets).
    pub people: Vec<String>,
    /// What is typed; sent and wiped at once.
    pub passphrase: String,
    /// A passphrase is being checked.
    pub waiting: bool,
    /// Why the last one was refused.
    pub refused: Option<String>,
}

impl AppState {
    pub(super) fn apply_unlock(&mut self, update: Update) {
        match update {
            Update::Locked { data_dir, people } => {
                self.unlock.people = people;
                self.phase = Phase::Locked { data_dir };
            }
            Update::UnlockRefused(why) => {
                self.unlock.waiting = false;
                self.unlock.refused = Some(why);
            }
            _ => {}
        }
    }

    /// Sends the typed passphrase to the store thread, leaving none in the form.
    pub fn submit_passphrase(&mut self) {
        if self.unlock.passphrase.is_empty() || self.unlock.waiting {
            return;
        }
        let passphrase = zeroize::Zeroizing::new(std::mem::take(&mut self.unlock.passphrase));
        self.unlock.waiting = true;
        self.unlock.refused = None;
        self.send(Command::Unlock(passphrase));
    }
}
