//! Opening an encrypted data directory: the store thread asks the UI for a passphrase and
//! checks it here, off the UI thread (the key derivation takes a moment on purpose). A
//! wrong passphrase is refused after a delay, and nothing in the directory is touched.

use std::path::Path;
use std::sync::mpsc::Receiver;
use std::time::Duration;

use fengqiao_store::{Keyring, KeyringError, Store};

use super::{Command, Update};

/// How long a wrong passphrase waits before it is refused (as the CLI does).
pub const REFUSAL_DELAY: Duration = Duration::from_secs(2);

/// Asks for passphrases until one opens the store in `data_dir`; `None` when the UI went
/// away first.
pub(super) fn open_encrypted(
    data_dir: &Path,
    ring: &Keyring,
    commands: &Receiver<Command>,
    send: &dyn Fn(Update),
) -> Option<Store> {
    send(Update::Locked {
        data_dir: data_dir.to_owned(),
        people: ring.people.iter().map(|p| p.name.clone()).collect(),
    });
    loop {
        let passphrase = match commands.recv() {
            Ok(Command::Unlock(p)) => p,
            // Nothing else can be done before the directory is open.
            Ok(_) => continue,
            Err(_) => return None,
        };
        let refused = match ring.unlock(data_dir, &passphrase) {
            Ok((key, who)) => match Store::open_sealed(data_dir, &key) {
                Ok(store) => {
                    tracing::info!(%who, "encrypted data directory opened");
                    return Some(store);
                }
                Err(e) => e.to_string(),
            },
            Err(e @ KeyringError::WrongPassphrase(_)) => {
                std::thread::sleep(REFUSAL_DELAY);
                e.to_string()
            }
            Err(e) => e.to_string(),
        };
        send(Update::UnlockRefused(refused));
    }
}
