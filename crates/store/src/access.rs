//! Who may receive and change which documents: the authorisation rules read from the
//! `directory`, and the samod share policy that enforces them on every connection.
//!
//! The rules are pure ([`AccessTable::access`]); the policy re-evaluates them whenever
//! the directory changes, so revoking a device or narrowing its scope takes effect on
//! live connections too.

use std::collections::HashMap;
use std::ops::RangeInclusive;
use std::sync::Arc;

use automerge::{Automerge, ObjType, ROOT, ReadDoc};
use fengqiao_model::{Device, OrgUnit, Role, UnitKind};
use futures::StreamExt;
use samod::{DocumentId, PeerId, ShareConfig};
use serde_json::Value;
use tokio::sync::watch;

use crate::docs::DocName;
use crate::record;

/// What a peer may do with one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Access {
    /// Nothing: the document is not even named to the peer.
    None,
    /// The peer receives our changes; its own are ignored.
    ReadOnly,
    /// Changes flow both ways.
    ReadWrite,
}

impl Access {
    pub fn share_config(self) -> ShareConfig {
        match self {
            Access::None => ShareConfig::none(),
            Access::ReadOnly => ShareConfig::read_only(),
            Access::ReadWrite => ShareConfig::read_write(),
        }
    }

    /// Whether the peer receives the document.
    pub fn can_read(self) -> bool {
        self != Access::None
    }
}

/// The authorisation rules as of one version of the directory.
#[derive(Debug, Clone, Default)]
pub struct AccessTable {
    devices: HashMap<String, Device>,
    /// Township name → code (scopes are names, document names carry codes).
    township_codes: HashMap<String, String>,
    /// Every document id this county can have, → its name.
    documents: HashMap<DocumentId, DocName>,
    /// Actors written before actors named their device (16-byte ids registered in the
    /// directory's `actors` map) → the device that registered them.
    legacy_actors: HashMap<String, String>,
}

impl AccessTable {
    /// Builds the table from the directory's records. `years` bounds the period
    /// documents whose ids are recognised (beyond those already in the catalogue).
    pub fn new(
        county: &str,
        devices: Vec<Device>,
        units: &[OrgUnit],
        catalogue: &[DocName],
        years: RangeInclusive<i32>,
    ) -> AccessTable {
        let townships: Vec<&OrgUnit> = units
            .iter()
            .filter(|u| u.kind == UnitKind::Township)
            .collect();
        let mut documents = HashMap::new();
        let mut add = |name: DocName| {
            documents.insert(name.document_id(county), name);
        };
        add(DocName::Directory);
        for year in years {
            add(DocName::Roster { year });
            add(DocName::Decisions { year });
            add(DocName::Intake { year });
            add(DocName::Confidential { year });
            for t in &townships {
                add(DocName::Visits {
                    township: t.code.clone(),
                    year,
                });
                for quarter in 1..=4 {
                    add(DocName::Cases {
                        township: t.code.clone(),
                        year,
                        quarter,
                    });
                }
            }
        }
        for name in catalogue {
            add(name.clone());
        }
        for device in &devices {
            add(DocName::Device {
                id: device.id.clone(),
            });
            add(DocName::AccessTrail {
                id: device.id.clone(),
            });
        }
        AccessTable {
            devices: devices.into_iter().map(|d| (d.id.clone(), d)).collect(),
            township_codes: townships
                .iter()
                .map(|t| (t.name.clone(), t.code.clone()))
                .collect(),
            documents,
            legacy_actors: HashMap::new(),
        }
    }

    /// Whether the directory lists no device at all: a directory being founded, whose
    /// first device records itself.
    pub fn has_no_devices(&self) -> bool {
        self.devices.is_empty()
    }

    /// The device an actor of the time before writer actors was registered to.
    pub fn legacy_actor_device(&self, actor_hex: &str) -> Option<&str> {
        self.legacy_actors.get(actor_hex).map(String::as_str)
    }

    /// Whether `device_id` (enrolled, unrevoked) may change `name`.
    pub fn may_write(&self, device_id: &str, name: &DocName) -> bool {
        self.access(device_id, name) == Access::ReadWrite
    }

    /// The enrolled, unrevoked device with this id.
    pub fn enrolled(&self, device_id: &str) -> Option<&Device> {
        self.devices.get(device_id).filter(|d| !d.revoked)
    }

    /// The directory's record of a device, revoked or not.
    pub fn device(&self, device_id: &str) -> Option<&Device> {
        self.devices.get(device_id)
    }

    /// The name of a document id of this county.
    pub fn document_name(&self, id: &DocumentId) -> Option<&DocName> {
        self.documents.get(id)
    }

    /// What `device_id` may do with the document `id`. Unknown devices, revoked devices
    /// and documents that are not this county's get nothing.
    pub fn access_by_id(&self, device_id: &str, id: &DocumentId) -> Access {
        match self.document_name(id) {
            Some(name) => self.access(device_id, name),
            None => Access::None,
        }
    }

    /// What `device_id` may do with the document `name`.
    pub fn access(&self, device_id: &str, name: &DocName) -> Access {
        let Some(device) = self.enrolled(device_id) else {
            return Access::None;
        };
        self.decide(device, name)
    }

    /// What a township device whose scope is exactly `township` (a name or code) may do
    /// with `name`: what the county server's shard for that township holds.
    pub fn township_access(&self, township: &str, name: &DocName) -> Access {
        // A shard carries its laptops' own documents to the county repo; whose they are
        // is decided per laptop, before this bound.
        if let DocName::Device { id } | DocName::AccessTrail { id } = name {
            return match self.enrolled(id) {
                Some(d)
                    if d.scope
                        .iter()
                        .any(|t| self.township_code(t) == Some(township) || t == township) =>
                {
                    Access::ReadWrite
                }
                _ => Access::None,
            };
        }
        let device = Device {
            id: String::new(),
            name: String::new(),
            code: String::new(),
            role: Role::Township,
            scope: vec![township.to_owned()],
            enrolled_at: crate::now_cst(),
            revoked: false,
            confidential: false,
        };
        self.decide(&device, name)
    }

    /// The code of a township named in a scope (scopes hold names; codes are accepted).
    pub fn township_code<'a>(&'a self, township: &'a str) -> Option<&'a str> {
        if let Some(code) = self.township_codes.get(township) {
            return Some(code);
        }
        self.township_codes
            .values()
            .find(|c| c.as_str() == township)
            .map(String::as_str)
    }

    fn decide(&self, device: &Device, name: &DocName) -> Access {
        let in_scope = |code: &str| {
            device
                .scope
                .iter()
                .any(|t| self.township_codes.get(t).map(String::as_str) == Some(code) || t == code)
        };
        let role = device.role;
        // What a device reports of itself is its own: nobody else writes it; the devices
        // that keep the directory read it.
        if let DocName::Device { id } = name {
            return if *id == device.id {
                Access::ReadWrite
            } else if role.reads_device_reports() {
                Access::ReadOnly
            } else {
                Access::None
            };
        }
        // A device's access trail likewise, and only the office and the server read it:
        // the office's heads audit it, nobody rewrites another's entries.
        if let DocName::AccessTrail { id } = name {
            return if *id == device.id {
                Access::ReadWrite
            } else if role.reads_access_trail() {
                Access::ReadOnly
            } else {
                Access::None
            };
        }
        // An accuser's identity goes to no device the directory has not granted it
        // (第三十条第三款), whatever else its role holds.
        if let DocName::Confidential { .. } = name {
            return if device.reads_confidential() {
                Access::ReadWrite
            } else {
                Access::None
            };
        }
        if role.holds_every_document() {
            return Access::ReadWrite;
        }
        // The directory is the county's authority (who is enrolled, with which role and
        // scope): only the devices that keep it change it; every other device reads it.
        if *name == DocName::Directory {
            return if role.keeps_directory() {
                Access::ReadWrite
            } else {
                Access::ReadOnly
            };
        }
        match (role, name) {
            // Decided above and never reached here; listed so the match stays exhaustive.
            (
                _,
                DocName::Device { .. }
                | DocName::AccessTrail { .. }
                | DocName::Directory
                | DocName::Confidential { .. },
            )
            | (Role::Office | Role::Server, _) => Access::ReadWrite,
            (
                Role::Township,
                DocName::Cases { township, .. } | DocName::Visits { township, .. },
            ) => {
                if in_scope(township) {
                    Access::ReadWrite
                } else {
                    Access::None
                }
            }
            (
                Role::Leader | Role::ReadOnly,
                DocName::Cases { township, .. } | DocName::Visits { township, .. },
            ) => {
                if device.scope.is_empty() || in_scope(township) {
                    Access::ReadOnly
                } else {
                    Access::None
                }
            }
            (Role::Township | Role::Leader | Role::ReadOnly, DocName::Roster { .. }) => {
                Access::ReadOnly
            }
            // Duplicate decisions span townships; every case list needs them to hide
            // absorbed cases. Township staff may record decisions on their own cases.
            (Role::Township, DocName::Decisions { .. }) => Access::ReadWrite,
            (Role::Leader | Role::ReadOnly, DocName::Decisions { .. }) => Access::ReadOnly,
            // The intake queue holds names, phones and complaints nobody has registered
            // yet: only the office (the reception clerk) and the server that takes the
            // online form hold it.
            (
                Role::Township | Role::Leader | Role::ReadOnly | Role::Admin,
                DocName::Intake { .. },
            ) => Access::None,
            (Role::Admin, _) => Access::None,
        }
    }

    /// Builds the table from a directory document's bytes (one received whole, before it
    /// is applied).
    pub fn from_directory_bytes(
        county: &str,
        bytes: &[u8],
    ) -> Result<Self, crate::error::StoreError> {
        let directory =
            Automerge::load(bytes).map_err(|e| crate::error::StoreError::BadDocumentData {
                doc: DocName::Directory.to_string(),
                reason: e.to_string(),
            })?;
        let years = recognised_years(chrono::Datelike::year(&crate::now_cst()));
        Ok(Self::from_directory(county, &directory, years))
    }

    /// Builds the table from the directory document itself (used where no `Store` is at
    /// hand, such as the task that follows directory changes).
    pub fn from_directory(county: &str, directory: &Automerge, years: RangeInclusive<i32>) -> Self {
        let records = |collection: &str| -> Vec<Value> {
            let Ok(Some((automerge::Value::Object(ObjType::Map), obj))) =
                directory.get(ROOT, collection)
            else {
                return Vec::new();
            };
            match record::read_value(directory, &obj, ObjType::Map) {
                Value::Object(o) => o.into_iter().map(|(_, v)| v).collect(),
                _ => Vec::new(),
            }
        };
        let devices = records("devices")
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect();
        let units: Vec<OrgUnit> = records("units")
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect();
        let catalogue: Vec<DocName> = match directory.get(ROOT, "catalogue") {
            Ok(Some((automerge::Value::Object(ObjType::Map), obj))) => directory
                .keys(&obj)
                .filter_map(|k| k.parse().ok())
                .collect(),
            _ => Vec::new(),
        };
        let legacy_actors = match directory.get(ROOT, "actors") {
            Ok(Some((automerge::Value::Object(ObjType::Map), obj))) => {
                match record::read_value(directory, &obj, ObjType::Map) {
                    Value::Object(o) => o
                        .into_iter()
                        .filter_map(|(actor, v)| {
                            Some((actor, v.get("device")?.as_str()?.to_owned()))
                        })
                        .collect(),
                    _ => HashMap::new(),
                }
            }
            _ => HashMap::new(),
        };
        AccessTable {
            legacy_actors,
            ..AccessTable::new(county, devices, &units, &catalogue, years)
        }
    }
}

/// The years whose period documents are recognised: generous on both sides, so old
/// cases and next year's roster are covered.
pub fn recognised_years(this_year: i32) -> RangeInclusive<i32> {
    (this_year - 25)..=(this_year + 2)
}

/// The samod share policy: every decision comes from the latest [`AccessTable`], and a
/// new table (the directory changed) re-decides every live (document, peer) pair.
#[derive(Clone)]
pub struct DirectoryPolicy {
    table: watch::Receiver<Arc<AccessTable>>,
    /// A peer with this repo's own id is another repo of the same device in this
    /// process (the county server's township shards and the county repo, linked in
    /// memory; over the network the id is bound to the key, so nobody else can claim
    /// it); it is shared with as given here rather than by the table.
    own: Option<(PeerId, ShareConfig)>,
    /// A shard's township (code): other peers get at most what a device of that
    /// township alone may have, so a shard never holds another township's documents.
    township: Option<String>,
    /// Peers sent only the documents they ask for (the county server's WebSocket
    /// clients, as the JavaScript sync server does); laptops are offered what they may
    /// hold.
    asks_only: Arc<std::sync::RwLock<std::collections::HashSet<String>>>,
}

impl DirectoryPolicy {
    /// A policy that denies everything until the first table is published.
    pub fn new() -> (DirectoryPolicy, watch::Sender<Arc<AccessTable>>) {
        let (tx, rx) = watch::channel(Arc::new(AccessTable::default()));
        (
            DirectoryPolicy {
                table: rx,
                own: None,
                township: None,
                asks_only: Arc::default(),
            },
            tx,
        )
    }

    /// A policy deciding from a table published elsewhere (a shard follows the county
    /// store's directory).
    pub fn following(table: watch::Receiver<Arc<AccessTable>>) -> DirectoryPolicy {
        DirectoryPolicy {
            table,
            own: None,
            township: None,
            asks_only: Arc::default(),
        }
    }

    /// Grants other peers at most what a device of `township` (a code) alone may have.
    pub fn within_township(mut self, township: &str) -> DirectoryPolicy {
        self.township = Some(township.to_owned());
        self
    }

    /// Shares every document with peers that carry `own` (this device's id) as `config`.
    pub fn with_own_peer(mut self, own: PeerId, config: ShareConfig) -> DirectoryPolicy {
        self.own = Some((own, config));
        self
    }

    /// From now on `peer` is sent only the documents it asks for (its rights unchanged).
    pub fn send_only_when_asked(&self, peer: &str) {
        self.asks_only
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(peer.to_owned());
    }

    /// The table in force now.
    pub fn current(&self) -> Arc<AccessTable> {
        self.table.borrow().clone()
    }

    /// A receiver that wakes whenever the table changes.
    pub fn subscribe(&self) -> watch::Receiver<Arc<AccessTable>> {
        self.table.clone()
    }
}

impl samod::SharePolicy for DirectoryPolicy {
    fn share(
        &self,
        doc_id: DocumentId,
        peer_id: PeerId,
    ) -> impl futures::Stream<Item = ShareConfig> + Send + 'static {
        if let Some((own, config)) = &self.own
            && *own == peer_id
        {
            return futures::stream::iter([*config]).left_stream();
        }
        let mut rx = self.table.clone();
        let peer = peer_id.to_string();
        let township = self.township.clone();
        let announce = !self
            .asks_only
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .contains(&peer);
        let decide = move |t: &AccessTable| {
            let access = t.access_by_id(&peer, &doc_id);
            let bound = match (&township, t.document_name(&doc_id)) {
                (None, _) => access,
                (Some(code), Some(name)) => access.min(t.township_access(code, name)),
                (Some(_), None) => Access::None,
            };
            let config = bound.share_config();
            if announce {
                config
            } else {
                config.with_announce(false)
            }
        };
        let first = decide(&rx.borrow_and_update());
        futures::stream::unfold(
            (rx, Some(first), decide),
            |(mut rx, pending, decide)| async move {
                if let Some(first) = pending {
                    return Some((first, (rx, None, decide)));
                }
                // Ends (keeping the last decision) when the store closes.
                rx.changed().await.ok()?;
                let next = decide(&rx.borrow_and_update());
                Some((next, (rx, None, decide)))
            },
        )
        .right_stream()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fengqiao_model::UnitId;

    fn device(id: &str, role: Role, scope: &[&str], revoked: bool) -> Device {
        Device {
            id: id.into(),
            name: id.into(),
            code: "X".into(),
            role,
            scope: scope.iter().map(|s| s.to_string()).collect(),
            enrolled_at: crate::now_cst(),
            revoked,
            confidential: false,
        }
    }

    fn township(name: &str, code: &str) -> OrgUnit {
        OrgUnit {
            id: UnitId::generate(),
            name: name.into(),
            kind: UnitKind::Township,
            parent: None,
            code: code.into(),
            head: None,
            organ: None,
        }
    }

    fn table() -> AccessTable {
        AccessTable::new(
            "宁国市",
            vec![
                device("office", Role::Office, &[], false),
                device("gangkou", Role::Township, &["港口镇"], false),
                device("leader", Role::Leader, &[], false),
                device("gone", Role::Township, &["港口镇"], true),
                device("admin", Role::Admin, &[], false),
            ],
            &[
                township("港口镇", "gangkou"),
                township("河沥溪街道", "helixi"),
            ],
            &[],
            2024..=2027,
        )
    }

    fn cases(t: &str) -> DocName {
        DocName::Cases {
            township: t.into(),
            year: 2026,
            quarter: 3,
        }
    }

    #[test]
    fn roles_and_scopes_decide_access() {
        let t = table();
        assert_eq!(t.access("office", &cases("helixi")), Access::ReadWrite);
        assert_eq!(t.access("gangkou", &cases("gangkou")), Access::ReadWrite);
        assert_eq!(t.access("gangkou", &cases("helixi")), Access::None);
        assert_eq!(
            t.access("gangkou", &DocName::Roster { year: 2026 }),
            Access::ReadOnly
        );
        // The directory is the county's authority: a township laptop only reads it.
        assert_eq!(t.access("gangkou", &DocName::Directory), Access::ReadOnly);
        assert_eq!(t.access("leader", &cases("helixi")), Access::ReadOnly);
        assert_eq!(t.access("admin", &cases("helixi")), Access::None);
        assert_eq!(t.access("admin", &DocName::Directory), Access::ReadWrite);
        let intake = DocName::Intake { year: 2026 };
        assert_eq!(t.access("office", &intake), Access::ReadWrite);
        for other in ["gangkou", "leader", "admin"] {
            assert_eq!(t.access(other, &intake), Access::None, "{other}");
        }
    }

    #[test]
    fn a_shard_covers_what_a_device_of_its_township_alone_may_read() {
        let t = table();
        assert_eq!(t.township_code("港口镇"), Some("gangkou"));
        assert_eq!(t.township_code("gangkou"), Some("gangkou"));
        assert_eq!(t.township_code("别处"), None);
        assert!(t.township_access("gangkou", &cases("gangkou")).can_read());
        assert!(!t.township_access("gangkou", &cases("helixi")).can_read());
        assert!(t.township_access("gangkou", &DocName::Directory).can_read());
        assert!(
            t.township_access("gangkou", &DocName::Roster { year: 2026 })
                .can_read()
        );
        assert!(
            !t.township_access("gangkou", &DocName::Intake { year: 2026 })
                .can_read()
        );
    }

    #[test]
    fn an_access_trail_is_written_by_its_device_alone_and_read_by_the_office() {
        let t = table();
        let trail = |id: &str| DocName::AccessTrail { id: id.into() };
        // Its own device appends to it, whatever its role.
        for own in ["gangkou", "leader", "office", "admin"] {
            assert_eq!(t.access(own, &trail(own)), Access::ReadWrite, "{own}");
        }
        // The office reads a township's trail and cannot write it.
        assert_eq!(t.access("office", &trail("gangkou")), Access::ReadOnly);
        // Nobody else holds it: not another township, a leader or an administrator.
        for other in ["leader", "admin"] {
            assert_eq!(t.access(other, &trail("gangkou")), Access::None, "{other}");
        }
        assert_eq!(t.access("gangkou", &trail("office")), Access::None);
        // The county server's shard of a township carries its laptops' trails only.
        assert!(t.township_access("gangkou", &trail("gangkou")).can_read());
        assert!(!t.township_access("gangkou", &trail("office")).can_read());
        // Its id is recognised for every device of the directory.
        let id = trail("gangkou").document_id("宁国市");
        assert_eq!(t.access_by_id("office", &id), Access::ReadOnly);
    }

    #[test]
    fn unknown_and_revoked_devices_get_nothing() {
        let t = table();
        for doc in [
            DocName::Directory,
            cases("gangkou"),
            DocName::Roster { year: 2026 },
        ] {
            assert_eq!(t.access("stranger", &doc), Access::None);
            assert_eq!(t.access("gone", &doc), Access::None);
        }
    }

    #[test]
    fn ids_of_other_counties_are_not_recognised() {
        let t = table();
        let ours = cases("gangkou").document_id("宁国市");
        let theirs = cases("gangkou").document_id("旌德县");
        assert_eq!(t.access_by_id("office", &ours), Access::ReadWrite);
        assert_eq!(t.access_by_id("office", &theirs), Access::None);
    }
}
