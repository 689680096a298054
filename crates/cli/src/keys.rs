//! `fengqiao keys`: who may open an encrypted data directory, and opening one.
//!
//! A passphrase comes from `FENGQIAO_PASSPHRASE`, else the file `FENGQIAO_PASSPHRASE_FILE`
//! names (for services), else a prompt on the terminal (no echo). A new passphrase (`keys
//! add`, `keys change`, `keys recover`) likewise from `FENGQIAO_NEW_PASSPHRASE` /
//! `FENGQIAO_NEW_PASSPHRASE_FILE` or the terminal, typed twice. A wrong passphrase is
//! refused after a delay, and nothing in the directory is touched.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use fengqiao_store::{
    DataKey, KdfParams, Keyring, KeyringError, RecoveryPublicKey, RecoverySecret, Store, StoreError,
};
use zeroize::Zeroizing;

use crate::case::print_json;

/// How long a wrong passphrase or recovery secret waits before it is refused: guessing by
/// hand stays slow even where the key derivation is cheap.
pub const REFUSAL_DELAY: Duration = Duration::from_secs(2);

/// `--encrypt` and the office's recovery key, for the commands that make a data directory.
#[derive(Debug, Args, Default, Clone)]
pub struct EncryptArgs {
    /// Encrypt the data directory from the start: a passphrase is asked for on the
    /// terminal (or read from FENGQIAO_PASSPHRASE / FENGQIAO_PASSPHRASE_FILE).
    #[arg(long)]
    pub encrypt: bool,
    /// The county office's recovery public key (`fqrecovery1-…`, from `fengqiao keys
    /// recovery-new`), so the office can open this laptop if its passphrases are lost.
    /// Required to found a county encrypted (`init`, which publishes it in the directory);
    /// an enrolled laptop takes the key its directory names.
    #[arg(long, env = "FENGQIAO_RECOVERY_KEY")]
    pub recovery_key: Option<String>,
}

impl EncryptArgs {
    /// The recovery key, which `--encrypt` requires.
    pub fn recovery(&self) -> Result<RecoveryPublicKey> {
        let Some(text) = &self.recovery_key else {
            bail!(
                "加密数据目录须登记县信访局的恢复公钥（--recovery-key 或 FENGQIAO_RECOVERY_KEY），否则忘记口令后任何人都无法打开 (recovery key required)"
            );
        };
        Ok(text.parse()?)
    }

    /// For `--encrypt`: a new keyring for `person` in `dir`, saved, and its data key. A
    /// keyring left by an earlier attempt that stopped before the directory was made is
    /// opened with the passphrase instead. `directory_to_come`: the laptop is joining a
    /// county whose directory will name the recovery key (enrolment), so none need be
    /// given here; the store wraps the key for it once the directory is in.
    pub fn keyring_for(
        &self,
        dir: &Path,
        person: &str,
        directory_to_come: bool,
    ) -> Result<Option<DataKey>> {
        if !self.encrypt {
            return Ok(None);
        }
        if fengqiao_store::local::DataDir::new(dir).is_initialised() {
            return Err(StoreError::AlreadyInitialised(dir.to_owned()).into());
        }
        if Keyring::exists(dir) {
            return unlock(dir).map(Some);
        }
        let recovery = match (&self.recovery_key, directory_to_come) {
            (None, true) => None,
            _ => Some(self.recovery()?),
        };
        let pass = new_passphrase_from(&["FENGQIAO_PASSPHRASE", "FENGQIAO_NEW_PASSPHRASE"])?;
        let key = DataKey::generate();
        let ring = Keyring::new(&key, person, &pass, recovery.as_ref(), KdfParams::default())?;
        std::fs::create_dir_all(dir).with_context(|| format!("创建 {}", dir.display()))?;
        ring.save(dir)?;
        Ok(Some(key))
    }
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Who can open this data directory (names and when each passphrase was set; no secrets).
    List,
    /// Let another person open this laptop with their own passphrase.
    Add {
        #[arg(long)]
        name: String,
    },
    /// Give a person a new passphrase (their old one stops working; no data is rewritten).
    Change {
        #[arg(long)]
        name: String,
    },
    /// Take a person's passphrase away.
    Remove {
        #[arg(long)]
        name: String,
    },
    /// Open with the county office's recovery secret and give a person a new passphrase
    /// (a laptop whose user left, or whose passphrases are forgotten).
    Recover {
        /// The file holding the recovery secret (`fqrecovery-secret1-…`).
        #[arg(long)]
        secret_file: std::path::PathBuf,
        /// Who will open the laptop from now on.
        #[arg(long)]
        name: String,
    },
    /// Encrypt this (plain) data directory in place: every sensitive file is sealed under
    /// a new data key, wrapped for NAME's passphrase and the office's recovery key. Safe to
    /// interrupt: run again (or open the directory) to finish.
    Encrypt {
        /// Who opens the laptop (default: the person the device is set up for).
        #[arg(long)]
        name: Option<String>,
        /// The county office's recovery public key (`fqrecovery1-…`); by default the one
        /// the county's directory names.
        #[arg(long, env = "FENGQIAO_RECOVERY_KEY")]
        recovery_key: Option<String>,
    },
    /// For the county office: make a recovery key pair. The secret goes to FILE (keep it
    /// offline, in the safe); the public key is printed, to publish with
    /// `keys recovery-publish`.
    RecoveryNew {
        #[arg(long)]
        secret_out: std::path::PathBuf,
    },
    /// For the county office: publish the recovery public key in the county's directory.
    /// Every encrypted laptop wraps its data key for it when it next opens after a sync
    /// (a rotated key replaces the old one the same way).
    RecoveryPublish {
        /// The public key (`fqrecovery1-…`) printed by `keys recovery-new`.
        key: String,
    },
}

/// The first of `vars` that is set: the variable itself, or (`…_FILE`) the file it names.
fn from_env(var: &str) -> Result<Option<Zeroizing<String>>> {
    if let Ok(p) = std::env::var(var) {
        return Ok(Some(Zeroizing::new(p)));
    }
    let file_var = format!("{var}_FILE");
    if let Ok(path) = std::env::var(&file_var) {
        let text = Zeroizing::new(
            std::fs::read_to_string(&path)
                .with_context(|| format!("读取口令文件 {path}（{file_var}）"))?,
        );
        return Ok(Some(Zeroizing::new(
            text.trim_end_matches(['\n', '\r']).to_owned(),
        )));
    }
    Ok(None)
}

fn on_terminal() -> bool {
    use std::io::IsTerminal;
    std::io::stdin().is_terminal()
}

/// The passphrase that opens the directory.
pub fn passphrase(dir: &Path) -> Result<Zeroizing<String>> {
    if let Some(p) = from_env("FENGQIAO_PASSPHRASE")? {
        return Ok(p);
    }
    if !on_terminal() {
        bail!(
            "数据目录 {} 已加密：请在终端输入口令，或设置 FENGQIAO_PASSPHRASE / FENGQIAO_PASSPHRASE_FILE (passphrase required)",
            dir.display()
        );
    }
    Ok(Zeroizing::new(
        rpassword::prompt_password(format!("数据目录 {} 的口令：", dir.display()))
            .context("读取口令")?,
    ))
}

/// A new passphrase: from the first of `vars` set, else typed twice on the terminal.
fn new_passphrase_from(vars: &[&str]) -> Result<Zeroizing<String>> {
    for var in vars {
        if let Some(p) = from_env(var)? {
            return Ok(p);
        }
    }
    if !on_terminal() {
        bail!(
            "需要新口令：请在终端输入，或设置 {} (new passphrase required)",
            vars.join(" / ")
        );
    }
    let first = Zeroizing::new(rpassword::prompt_password("新口令：").context("读取口令")?);
    let again = Zeroizing::new(rpassword::prompt_password("再输入一次：").context("读取口令")?);
    if first != again {
        bail!("两次输入的口令不一致 (passphrases differ)");
    }
    Ok(first)
}

/// Refuses after the delay, so guesses stay slow.
fn refuse<T>(e: KeyringError) -> Result<T> {
    if matches!(
        e,
        KeyringError::WrongPassphrase(_) | KeyringError::WrongRecovery
    ) {
        std::thread::sleep(REFUSAL_DELAY);
    }
    Err(e.into())
}

/// The data key of the encrypted directory `dir`, from its passphrase.
pub fn unlock(dir: &Path) -> Result<DataKey> {
    let ring = Keyring::load(dir)?.ok_or_else(|| StoreError::NotEncrypted(dir.to_owned()))?;
    let pass = passphrase(dir)?;
    match ring.unlock(dir, &pass) {
        Ok((key, _)) => Ok(key),
        Err(e) => refuse(e),
    }
}

/// Opens the store in `dir`: an encrypted one with its passphrase, asked for only when no
/// other process holds the directory (a running `fengqiao serve` then runs the command).
pub fn open_store(dir: &Path) -> Result<Store, StoreError> {
    if !Keyring::exists(dir) {
        return Store::open(dir);
    }
    Store::check_free(dir)?;
    let key = unlock(dir).map_err(|e| match e.downcast::<StoreError>() {
        Ok(e) => e,
        Err(e) => match e.downcast::<KeyringError>() {
            Ok(e) => StoreError::Keyring(e),
            Err(e) => StoreError::Unlock(format!("{e:#}")),
        },
    })?;
    Store::open_sealed(dir, &key)
}

pub fn run_keys(dir: &Path, cmd: &KeysCommand, json: bool) -> Result<()> {
    if let KeysCommand::RecoveryNew { secret_out } = cmd {
        return recovery_new(secret_out, json);
    }
    if let KeysCommand::Encrypt { name, recovery_key } = cmd {
        return encrypt(dir, name.as_deref(), recovery_key.clone(), json);
    }
    if let KeysCommand::RecoveryPublish { key } = cmd {
        let public: fengqiao_store::RecoveryPublicKey = key.parse()?;
        let store = open_store(dir)?;
        let published = store.publish_recovery_key(&public);
        store.close();
        published?;
        if json {
            return print_json(&serde_json::json!({"recovery_key": public.to_string()}));
        }
        outln!(
            "已在县目录中登记恢复公钥 {public}：各加密笔记本同步后再次打开时，改用此公钥封装数据密钥。"
        );
        return Ok(());
    }
    let Some(mut ring) = Keyring::load(dir)? else {
        bail!(
            "数据目录 {} 未加密：先运行 fengqiao keys encrypt (not encrypted)",
            dir.display()
        );
    };
    match cmd {
        KeysCommand::List => {
            if json {
                return print_json(&serde_json::json!({
                    "people": ring.people.iter().map(|p| serde_json::json!({"name": p.name, "set_at": p.set_at})).collect::<Vec<_>>(),
                    "recovery_key": ring.recovery.as_ref().map(|r| r.public_key.clone()),
                    "converting": ring.converting,
                }));
            }
            outln!("可以打开此数据目录的人：");
            for p in &ring.people {
                outln!("  {}（口令设于 {}）", p.name, p.set_at);
            }
            match &ring.recovery {
                Some(r) => outln!("县信访局恢复公钥：{}", r.public_key),
                None => outln!("未登记县信访局恢复公钥。"),
            }
            if ring.converting {
                outln!("加密尚未完成：下次打开时会继续。");
            }
            return Ok(());
        }
        KeysCommand::Add { name } => {
            let key = unlock(dir)?;
            let pass = new_passphrase_from(&["FENGQIAO_NEW_PASSPHRASE"])?;
            ring.add_person(&key, name, &pass, KdfParams::default())?;
            ring.save(dir)?;
            outln!("已为“{}”设置口令。", name.trim());
        }
        KeysCommand::Change { name } => {
            let key = unlock(dir)?;
            let pass = new_passphrase_from(&["FENGQIAO_NEW_PASSPHRASE"])?;
            ring.change_passphrase(&key, name, &pass, KdfParams::default())?;
            ring.save(dir)?;
            outln!(
                "已更换“{}”的口令；旧口令不再有效，数据文件未改动。",
                name.trim()
            );
        }
        KeysCommand::Remove { name } => {
            // Whoever removes a person must be able to open the laptop.
            unlock(dir)?;
            ring.remove_person(name)?;
            ring.save(dir)?;
            outln!("已删除“{}”的口令。", name.trim());
        }
        KeysCommand::Recover { secret_file, name } => {
            let text = Zeroizing::new(
                std::fs::read_to_string(secret_file)
                    .with_context(|| format!("读取恢复密钥 {}", secret_file.display()))?,
            );
            let secret = RecoverySecret::parse(&text)?;
            let key = match ring.recover(dir, &secret) {
                Ok(key) => key,
                Err(e) => return refuse(e),
            };
            let pass = new_passphrase_from(&["FENGQIAO_NEW_PASSPHRASE"])?;
            if ring.people.iter().any(|p| p.name == name.trim()) {
                ring.change_passphrase(&key, name, &pass, KdfParams::default())?;
            } else {
                ring.add_person(&key, name, &pass, KdfParams::default())?;
            }
            ring.save(dir)?;
            outln!(
                "已用县信访局恢复密钥打开，并为“{}”设置新口令。",
                name.trim()
            );
        }
        KeysCommand::RecoveryNew { .. }
        | KeysCommand::RecoveryPublish { .. }
        | KeysCommand::Encrypt { .. } => {}
    }
    Ok(())
}

fn recovery_new(secret_out: &Path, json: bool) -> Result<()> {
    if secret_out.exists() {
        bail!(
            "{} 已存在：不覆盖已有的恢复密钥 (refusing to overwrite)",
            secret_out.display()
        );
    }
    let secret = RecoverySecret::generate();
    write_owner_only(secret_out, secret.to_text().as_bytes())
        .with_context(|| format!("写入 {}", secret_out.display()))?;
    let public = secret.public_key().to_string();
    if json {
        return print_json(&serde_json::json!({"public_key": public}));
    }
    outln!("{public}");
    errln!(
        "恢复密钥已写入 {}：请离线保管（保险柜），它能打开登记了此公钥的所有笔记本。",
        secret_out.display()
    );
    Ok(())
}

fn write_owner_only(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// The recovery key a plain, initialised directory is encrypted for: the one its county's
/// directory names. A key given that differs from it is refused: the directory is the
/// county's word, and the store would wrap for the directory's key at the next open anyway.
fn recovery_for_encrypting(
    dir: &Path,
    given: Option<String>,
) -> Result<fengqiao_store::RecoveryPublicKey> {
    let store = Store::open(dir)?;
    let published = store.county_recovery_key();
    store.close();
    let given = given
        .map(|g| g.parse::<fengqiao_store::RecoveryPublicKey>())
        .transpose()?;
    match (published?, given) {
        (Some(p), Some(g)) if p != g => bail!(
            "给出的恢复公钥 {g} 与县目录中登记的 {p} 不同：请使用县信访局登记的公钥，或不给 --recovery-key (recovery key differs from the directory's)"
        ),
        (Some(p), _) => Ok(p),
        (None, Some(g)) => Ok(g),
        (None, None) => bail!(
            "县目录中尚未登记恢复公钥：请县信访局运行 fengqiao keys recovery-publish，同步后再加密，或用 --recovery-key 给出 (no recovery key)"
        ),
    }
}

fn encrypt(dir: &Path, name: Option<&str>, recovery_key: Option<String>, json: bool) -> Result<()> {
    let report = match Keyring::load(dir)? {
        // An encryption cut short: the passphrase given then finishes it.
        Some(ring) if ring.converting => {
            let key = unlock(dir)?;
            fengqiao_store::encrypt::finish(dir, &key, &mut |_| {})?
        }
        Some(_) => return Err(KeyringError::AlreadyEncrypted(dir.to_owned()).into()),
        None => {
            let identity = fengqiao_store::local::DataDir::new(dir).read_identity()?;
            let name = name.unwrap_or(&identity.person.name);
            let recovery = recovery_for_encrypting(dir, recovery_key)?;
            let pass = new_passphrase_from(&["FENGQIAO_PASSPHRASE", "FENGQIAO_NEW_PASSPHRASE"])?;
            let key = DataKey::generate();
            let ring = Keyring::new(&key, name, &pass, Some(&recovery), KdfParams::default())?;
            fengqiao_store::encrypt::encrypt_in_place(dir, &key, ring, &mut |_| {})?
        }
    };
    if json {
        return print_json(&report);
    }
    outln!(
        "数据目录已加密：本次加密 {} 个文件（此前已加密 {} 个）。",
        report.sealed,
        report.already
    );
    Ok(())
}
