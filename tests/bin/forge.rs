//! What an attacker with a patched build does to a laptop's own copy of the county
//! directory: writes changes the directory does not allow, straight into the local
//! document, past every check the real binary makes. The attack tests then see what the
//! rest of the county does with them.
//!
//! `forge DATA_DIR promote` — make this device an office device with the whole county
//! in scope, in its own directory copy (signed, in Automerge terms, by its own actor).

use anyhow::{Context, Result, bail};
use automerge::transaction::Transactable;
use automerge::{Automerge, ObjType, ROOT, ReadDoc};
use fengqiao_store::{DocName, Store};

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(what)) = (args.next(), args.next()) else {
        bail!("usage: forge DATA_DIR promote");
    };
    let store = Store::open(&dir).context("open store")?;
    match what.as_str() {
        "promote" => promote(&store)?,
        other => bail!("unknown forgery {other}"),
    }
    store.close();
    Ok(())
}

fn promote(store: &Store) -> Result<()> {
    let me = store.identity().device_id.clone();
    let bytes = store
        .export_document(&DocName::Directory)?
        .context("no directory")?;
    let mut doc = Automerge::load(&bytes)?;
    doc.set_actor(fengqiao_store::local::writer_actor(
        &store.device_public_key(),
        rand::random(),
    ));
    let (_, devices) = doc.get(ROOT, "devices")?.context("no devices map")?;
    let (_, record) = doc
        .get(&devices, me.as_str())?
        .context("this device is not in the directory")?;
    let mut tx = doc.transaction();
    tx.put(&record, "role", "office")?;
    tx.put_object(&record, "scope", ObjType::List)?;
    tx.commit();
    let change = doc
        .get_last_local_change()
        .context("the forgery made no change")?;
    store.import_document(&DocName::Directory, change.raw_bytes())?;
    Ok(())
}
