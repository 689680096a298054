//! Whether the directory lets the author of each incoming change write its document.
//!
//! samod decides by the connection: a peer the directory lets write a document may send
//! its changes, a read-only peer's changes are ignored. That alone would let an honest
//! writer pass on a change it took from someone else before it heard that device was
//! revoked, and says nothing about bundles. So every receiver (a peer's connection, the
//! county server, a bundle import) also checks each change by its author: a writer
//! actor names its device ([`crate::local::writer_actor`]), and the change is accepted
//! only when the receiver's directory lets that device write the document now.
//!
//! The rules, in order:
//! - the genesis change of a document is accepted only byte for byte (same hash as
//!   [`DocName::genesis`]); anything else under the genesis actor is a forgery;
//! - a writer actor's device must be enrolled, not revoked, and a writer of the document;
//! - an actor from before writer actors counts as the device the directory's `actors`
//!   map registered it to;
//! - any other actor (a JavaScript automerge-repo client of the county server's
//!   WebSocket listener) is accepted only when delivered by the server or an office
//!   device, which admitted that client under its own token's rights;
//! - a change that depends on a refused change is refused too.
//!
//! Pure: the caller supplies the table (its directory as of now) and the changes.

use std::collections::{HashMap, HashSet};
use std::fmt;

use automerge::{Change, ChangeHash};
use fengqiao_model::Role;

use crate::access::{Access, AccessTable};
use crate::docs::DocName;
use crate::local::device_of_actor;

/// Why one change was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefusalReason {
    /// The author is not in the directory.
    UnknownDevice,
    /// The author was revoked.
    Revoked,
    /// The author may read the document at most.
    NotAWriter(Access),
    /// A change under a document's genesis actor that is not its genesis.
    ForgedGenesis,
    /// An author the directory cannot name, not delivered by the server or the office.
    UnknownAuthor,
    /// It builds on a change that was refused.
    DependsOnRefused,
    /// Its (actor, sequence number) is that of another change this receiver holds: the
    /// author reused a sequence number (an older version restored from a backup). Taking
    /// it would make the whole message fail.
    DuplicateSequence,
}

/// A change that was not accepted, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub document: String,
    pub change: ChangeHash,
    /// The author's device id, when the actor names one.
    pub device: Option<String>,
    /// The author's name in the directory, when it has one.
    pub device_name: Option<String>,
    pub reason: RefusalReason,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let who = match (&self.device_name, &self.device) {
            (Some(name), Some(id)) => format!("设备“{name}”（{}）", short(id)),
            (None, Some(id)) => format!("设备 {}", short(id)),
            _ => "未知作者".to_owned(),
        };
        let why = match &self.reason {
            RefusalReason::UnknownDevice => "不在本县目录中".to_owned(),
            RefusalReason::Revoked => "已被吊销".to_owned(),
            RefusalReason::NotAWriter(Access::ReadOnly) => "对该文档只有只读权限".to_owned(),
            RefusalReason::NotAWriter(_) => "无权访问该文档".to_owned(),
            RefusalReason::ForgedGenesis => "冒用文档创建者身份".to_owned(),
            RefusalReason::UnknownAuthor => "作者无法识别，且不是经县服务器或信访局转来".to_owned(),
            RefusalReason::DependsOnRefused => "依赖已被拒收的更改".to_owned(),
            RefusalReason::DuplicateSequence => {
                "重复使用了已有更改的序号（多半是该设备从备份恢复后仍用旧版本写入）：请在该设备上升级后运行 fengqiao repair，或从本机取回整份文档".to_owned()
            }
        };
        write!(
            f,
            "拒收 {who} 对 {} 的更改 {}：{why}",
            self.document,
            &self.change.to_string()[..12]
        )
    }
}

fn short(id: &str) -> &str {
    id.get(..10).unwrap_or(id)
}

/// Decides the changes one document receives. Keeps the changes it refused, so a later
/// change that builds on one is refused as well (within one connection or one bundle).
#[derive(Debug)]
pub struct ChangeVetter {
    name: DocName,
    genesis: Option<ChangeHash>,
    genesis_actor: Option<automerge::ActorId>,
    refused: HashSet<ChangeHash>,
    /// What this receiver holds, by (actor, sequence number): a different change under a
    /// held pair is a reused sequence number. Empty when the receiver's copy was not at
    /// hand (the check is then skipped and automerge refuses the message).
    held: HashMap<(automerge::ActorId, u64), ChangeHash>,
}

impl ChangeVetter {
    /// A vetter for `name` in `county`.
    pub fn new(county: &str, name: DocName) -> ChangeVetter {
        let genesis = name.genesis(county).ok();
        ChangeVetter {
            genesis: genesis.as_ref().map(Change::hash),
            genesis_actor: genesis.map(|g| g.actor_id().clone()),
            name,
            refused: HashSet::new(),
            held: HashMap::new(),
        }
    }

    /// Tells the vetter what the receiver holds of the document (its copy), so a change
    /// reusing a held (actor, sequence number) is refused by name instead of failing the
    /// whole message.
    pub fn knowing(mut self, doc: &automerge::Automerge) -> ChangeVetter {
        self.held = doc
            .get_changes_meta(&[])
            .into_iter()
            .map(|c| ((c.actor.into_owned(), c.seq), c.hash))
            .collect();
        self
    }

    /// The document this vetter decides for.
    pub fn document(&self) -> &DocName {
        &self.name
    }

    /// Whether `hash` was refused earlier.
    pub fn was_refused(&self, hash: &ChangeHash) -> bool {
        self.refused.contains(hash)
    }

    /// Decides each change (in the order given, which must be causal: a change after its
    /// dependencies), delivered by `deliverer` (a device id), under `table`.
    pub fn vet(
        &mut self,
        table: &AccessTable,
        deliverer: &str,
        changes: &[Change],
    ) -> Vec<Result<(), Refusal>> {
        changes
            .iter()
            .map(|change| {
                let verdict = self.vet_one(table, deliverer, change);
                match verdict {
                    Err(_) => {
                        self.refused.insert(change.hash());
                    }
                    Ok(()) if !self.held.is_empty() => {
                        self.held
                            .insert((change.actor_id().clone(), change.seq()), change.hash());
                    }
                    Ok(()) => {}
                }
                verdict
            })
            .collect()
    }

    fn vet_one(
        &self,
        table: &AccessTable,
        deliverer: &str,
        change: &Change,
    ) -> Result<(), Refusal> {
        let actor = change.actor_id();
        let refuse = |device: Option<String>, reason| Refusal {
            document: self.name.to_string(),
            change: change.hash(),
            device_name: device
                .as_deref()
                .and_then(|d| table.device(d))
                .map(|d| d.name.clone()),
            device,
            reason,
        };
        if change.deps().iter().any(|d| self.refused.contains(d)) {
            return Err(refuse(
                device_of_actor(actor),
                RefusalReason::DependsOnRefused,
            ));
        }
        if let Some(held) = self.held.get(&(actor.clone(), change.seq()))
            && *held != change.hash()
        {
            return Err(refuse(
                device_of_actor(actor),
                RefusalReason::DuplicateSequence,
            ));
        }
        if self.genesis_actor.as_ref() == Some(actor) {
            return if Some(change.hash()) == self.genesis {
                Ok(())
            } else {
                Err(refuse(None, RefusalReason::ForgedGenesis))
            };
        }
        author_verdict(table, &self.name, actor, deliverer)
            .map_err(|(device, reason)| refuse(device, reason))
    }
}

/// Whether the directory lets the author behind `actor` write `name`, for a change
/// `deliverer` passes on: `Err` names the device (when the actor names one) and why not.
pub fn author_verdict(
    table: &AccessTable,
    name: &DocName,
    actor: &automerge::ActorId,
    deliverer: &str,
) -> Result<(), (Option<String>, RefusalReason)> {
    let device = device_of_actor(actor).or_else(|| {
        table
            .legacy_actor_device(&actor.to_hex_string())
            .map(str::to_owned)
    });
    let Some(device) = device else {
        let trusted = table
            .enrolled(deliverer)
            .is_some_and(|d| matches!(d.role, Role::Server | Role::Office));
        return if trusted && table.may_write(deliverer, name) {
            Ok(())
        } else {
            Err((None, RefusalReason::UnknownAuthor))
        };
    };
    match table.device(&device) {
        None => Err((Some(device), RefusalReason::UnknownDevice)),
        Some(d) if d.revoked => Err((Some(device), RefusalReason::Revoked)),
        Some(_) => match table.access(&device, name) {
            Access::ReadWrite => Ok(()),
            other => Err((Some(device), RefusalReason::NotAWriter(other))),
        },
    }
}

/// Vets the changes of one automerge sync message (`data`, as a peer sent it for the
/// vetter's document). `None` when every change is accepted (or the message carries
/// none, or cannot be read — samod judges those): pass it on unchanged. Otherwise the
/// message to pass on instead, without the refused changes and without them among the
/// sender's heads (so this side does not ask for them again and again), and the
/// refusals.
pub fn vet_sync_message(
    vetter: &mut ChangeVetter,
    table: &AccessTable,
    deliverer: &str,
    data: &[u8],
) -> Option<(Vec<u8>, Vec<Refusal>)> {
    let mut message = automerge::sync::Message::decode(data).ok()?;
    if message.changes.is_empty() {
        return None;
    }
    let mut changes = Vec::new();
    for chunk in message.changes.iter() {
        match Change::from_bytes(chunk.to_vec()) {
            Ok(change) => changes.push(change),
            // Not a change: a whole document (sync v2 sends one to a peer that has
            // nothing); its changes come out in causal order.
            Err(_) => changes.extend(automerge::Automerge::load(chunk).ok()?.get_changes(&[])),
        }
    }
    let verdicts = vetter.vet(table, deliverer, &changes);
    if verdicts.iter().all(Result::is_ok) {
        return None;
    }
    let mut accepted = Vec::new();
    let mut refusals = Vec::new();
    for (change, verdict) in changes.iter().zip(verdicts) {
        match verdict {
            Ok(()) => accepted.push(change.raw_bytes().to_vec()),
            Err(refusal) => refusals.push(refusal),
        }
    }
    message.changes = automerge::sync::ChunkList::from(accepted);
    message.heads.retain(|h| !vetter.was_refused(h));
    Some((message.encode(), refusals))
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{Automerge, ROOT};
    use fengqiao_model::{Device, OrgUnit, UnitId, UnitKind};

    const COUNTY: &str = "宁国市";

    fn key(seed: u8) -> iroh_base::SecretKey {
        iroh_base::SecretKey::from_bytes(&[seed; 32])
    }

    fn device(seed: u8, role: Role, scope: &[&str], revoked: bool) -> Device {
        Device {
            id: key(seed).public().to_string(),
            name: format!("设备{seed}"),
            code: "X".into(),
            role,
            scope: scope.iter().map(|s| s.to_string()).collect(),
            enrolled_at: crate::now_cst(),
            revoked,
            confidential: false,
        }
    }

    fn table() -> AccessTable {
        let township = |name: &str, code: &str| OrgUnit {
            id: UnitId::generate(),
            name: name.into(),
            kind: UnitKind::Township,
            parent: None,
            code: code.into(),
            head: None,
            organ: None,
        };
        AccessTable::new(
            COUNTY,
            vec![
                device(1, Role::Office, &[], false),
                device(2, Role::Township, &["港口镇"], false),
                device(3, Role::Township, &["港口镇"], true),
                device(4, Role::Leader, &[], false),
                device(5, Role::Server, &[], false),
            ],
            &[
                township("港口镇", "gangkou"),
                township("青龙乡", "qinglong"),
            ],
            &[],
            2026..=2026,
        )
    }

    fn cases(township: &str) -> DocName {
        DocName::Cases {
            township: township.into(),
            year: 2026,
            quarter: 4,
        }
    }

    /// A document of `name` from its genesis, and one change in it by `actor`.
    fn change_by(name: &DocName, actor: automerge::ActorId) -> (Change, Change) {
        let genesis = name.genesis(COUNTY).expect("genesis");
        let mut doc = Automerge::new();
        doc.apply_changes([genesis.clone()]).expect("apply");
        doc.set_actor(actor);
        let mut tx = doc.transaction();
        tx.put(ROOT, "x", 1_i64).expect("put");
        tx.commit();
        let change = doc.get_last_local_change().expect("change");
        (genesis, change)
    }

    fn writer(seed: u8) -> automerge::ActorId {
        crate::local::writer_actor(&key(seed).public(), [7; 8])
    }

    fn verdicts(name: &DocName, actor: automerge::ActorId, deliverer: u8) -> Vec<bool> {
        let (genesis, change) = change_by(name, actor);
        let mut vetter = ChangeVetter::new(COUNTY, name.clone());
        let deliverer = key(deliverer).public().to_string();
        vetter
            .vet(&table(), &deliverer, &[genesis, change])
            .iter()
            .map(Result::is_ok)
            .collect()
    }

    #[test]
    fn the_author_not_the_deliverer_decides() {
        // A township laptop's own case, delivered by itself or relayed by the office.
        assert_eq!(verdicts(&cases("gangkou"), writer(2), 2), [true, true]);
        assert_eq!(verdicts(&cases("gangkou"), writer(2), 1), [true, true]);
        // The same laptop writing the directory or another township: refused, whoever
        // delivers it.
        assert_eq!(verdicts(&DocName::Directory, writer(2), 1), [true, false]);
        assert_eq!(verdicts(&cases("qinglong"), writer(2), 5), [true, false]);
        // A revoked laptop's work relayed by a colleague that had not heard of it.
        assert_eq!(verdicts(&cases("gangkou"), writer(3), 2), [true, false]);
        // A leader (read-only) and a device the directory does not know.
        assert_eq!(verdicts(&cases("gangkou"), writer(4), 1), [true, false]);
        assert_eq!(verdicts(&cases("gangkou"), writer(9), 1), [true, false]);
        // The office writes the directory.
        assert_eq!(verdicts(&DocName::Directory, writer(1), 2), [true, true]);
    }

    #[test]
    fn a_reused_sequence_number_is_refused_by_name_and_a_resent_change_is_not() {
        let name = cases("gangkou");
        let (genesis, held) = change_by(&name, writer(2));
        let mut doc = Automerge::new();
        doc.apply_changes([genesis.clone(), held.clone()])
            .expect("apply");
        // The same laptop, restored from a backup by an older version, writes again
        // under the same actor and sequence number.
        let (_, reused) = {
            let mut other = Automerge::new();
            other.apply_changes([genesis]).expect("apply");
            other.set_actor(writer(2));
            let mut tx = other.transaction();
            tx.put(ROOT, "y", 2_i64).expect("put");
            tx.commit();
            ((), other.get_last_local_change().expect("change"))
        };
        assert_eq!(
            (reused.seq(), reused.actor_id()),
            (held.seq(), held.actor_id())
        );
        let mut vetter = ChangeVetter::new(COUNTY, name).knowing(&doc);
        let deliverer = key(1).public().to_string();
        let out = vetter.vet(&table(), &deliverer, &[held, reused]);
        assert!(out[0].is_ok(), "a change held already is no duplicate");
        let refusal = out[1].as_ref().expect_err("refused");
        assert_eq!(refusal.reason, RefusalReason::DuplicateSequence);
        assert!(refusal.to_string().contains("设备2"), "{refusal}");
    }

    #[test]
    fn unknown_authors_come_only_through_the_server_or_the_office() {
        let js_client = automerge::ActorId::from(&[0xab; 16][..]);
        assert_eq!(
            verdicts(&cases("gangkou"), js_client.clone(), 5),
            [true, true]
        );
        assert_eq!(verdicts(&cases("gangkou"), js_client, 2), [true, false]);
    }

    #[test]
    fn a_forged_genesis_and_what_builds_on_a_refused_change_are_refused() {
        let name = cases("gangkou");
        let genesis_actor = name.genesis(COUNTY).expect("genesis").actor_id().clone();
        assert_eq!(verdicts(&name, genesis_actor, 1), [true, false]);

        // Office builds on a refused leader change: refused as well.
        let (genesis, leader) = change_by(&name, writer(4));
        let mut doc = Automerge::new();
        doc.apply_changes([genesis.clone(), leader.clone()])
            .expect("apply");
        doc.set_actor(writer(1));
        let mut tx = doc.transaction();
        tx.put(ROOT, "y", 2_i64).expect("put");
        tx.commit();
        let office = doc.get_last_local_change().expect("change");
        let mut vetter = ChangeVetter::new(COUNTY, name);
        let deliverer = key(1).public().to_string();
        let out = vetter.vet(&table(), &deliverer, &[genesis, leader, office]);
        assert!(out[0].is_ok());
        let reasons: Vec<_> = out[1..]
            .iter()
            .map(|r| r.as_ref().err().map(|e| e.reason.clone()))
            .collect();
        assert_eq!(
            reasons,
            [
                Some(RefusalReason::NotAWriter(Access::ReadOnly)),
                Some(RefusalReason::DependsOnRefused)
            ]
        );
        let text = out[1].as_ref().err().map(ToString::to_string);
        assert!(
            text.as_deref()
                .is_some_and(|t| t.contains("设备4") && t.contains("只读")),
            "{text:?}"
        );
    }
}
