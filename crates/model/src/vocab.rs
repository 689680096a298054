//! The closed vocabularies of petition work: channels, routes, content types, reply types.
//!
//! Each term has a stable machine code (used in storage, JSON and the CLI) and its Chinese
//! name as the law and the office use it. Both parse, so a clerk may type either.

use serde::{Deserialize, Serialize};

/// A term that is not in a vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{input}” 不是有效的{what}；可选：{choices} (unknown {what})")]
pub struct UnknownTerm {
    /// Which vocabulary was searched.
    pub what: &'static str,
    /// The rejected input.
    pub input: String,
    /// The accepted values, for the message.
    pub choices: String,
}

macro_rules! vocabulary {
    (
        $(#[$doc:meta])* $name:ident, $what:literal {
            $( $(#[$vdoc:meta])* $variant:ident = ($code:literal, $zh:literal) ),+ $(,)?
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name {
            $( $(#[$vdoc])* #[serde(rename = $code, alias = $zh)] $variant ),+
        }

        impl $name {
            /// Every term, in the order the office lists them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable machine code.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The Chinese name.
            pub fn zh(self) -> &'static str {
                match self { $($name::$variant => $zh),+ }
            }

            /// Parses a machine code or a Chinese name.
            pub fn parse(input: &str) -> Result<Self, UnknownTerm> {
                let s = input.trim();
                Self::ALL
                    .iter()
                    .copied()
                    .find(|t| t.code().eq_ignore_ascii_case(s) || t.zh() == s)
                    .ok_or_else(|| UnknownTerm {
                        what: $what,
                        input: input.to_owned(),
                        choices: Self::ALL
                            .iter()
                            .map(|t| format!("{}({})", t.zh(), t.code()))
                            .collect::<Vec<_>>()
                            .join("、"),
                    })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.zh())
            }
        }

        impl std::str::FromStr for $name {
            type Err = UnknownTerm;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
    };
}

vocabulary!(
    /// How the petition reached us (RULES.md §4).
    Channel, "渠道" {
        Letter = ("letter", "来信"),
        Visit = ("visit", "来访"),
        Online = ("online", "网上"),
        Phone = ("phone", "来电"),
        LeaderReception = ("leader-reception", "领导接访"),
        FieldVisit = ("field-visit", "下访"),
        Grid = ("grid", "网格"),
        Hotline12345 = ("12345", "12345转办"),
    }
);

vocabulary!(
    /// Where an item in the county's intake queue came from: the 导访 kiosk in the
    /// reception hall, or the online form (网上信访).
    IntakeSource, "来源" {
        Kiosk = ("kiosk", "导访机"),
        Online = ("online", "网上"),
    }
);

vocabulary!(
    /// The routes of the classification list (RULES.md §3): Ningguo's five, plus places for
    /// 第三十一条第（二）项 (arbitration) and 第（三）项 (党员申诉、申请复审), in the order of
    /// 第三十一条's items.
    Route, "分流途径" {
        /// Accusations against officials go to discipline inspection (第二十二条第二款, 第三十条).
        DisciplineReport = ("discipline-report", "纪检举报"),
        /// Courts, procuratorate, police (诉访分离, 第三十一条第（一）项).
        LitigationRelated = ("litigation-related", "涉法涉诉"),
        /// Arbitration: labour, rural land contract, commercial (第三十一条第（二）项).
        Arbitration = ("arbitration", "仲裁"),
        /// A party member's appeal, a request for 复审/复核 of a sanction (第三十一条第（三）项).
        AppealReview = ("appeal-review", "申诉复审"),
        /// Reconsideration, ruling, licence, penalty, statutory duty (第三十一条第(四)(五)项).
        AdministrativeDuty = ("administrative-duty", "行政职责"),
        /// Mediation (第三十三条, 第三十七条); accepted and mediated by the organ itself it is
        /// handled under 第三十一条第（六）项 and T5/T6 run.
        Dispute = ("dispute", "矛盾纠纷"),
        /// Ordinary petition handling under 第三十一条第(六)项; T5/T6 run.
        PetitionRequest = ("petition-request", "信访诉求"),
    }
);

vocabulary!(
    /// What kind of organ a unit is, which decides the clocks it runs on an item it receives:
    /// a 党委和政府信访部门 registers and routes within 15 days (第二十二条, T1); any other
    /// 机关、单位 gives written notice of a directly received item within 15 days
    /// (第二十三条第二款, T2) and of a forwarded or assigned one (第二十三条第三款, T3/T4).
    OrganKind, "单位性质" {
        /// 党委和政府信访部门, e.g. the county 信访局.
        PetitionOffice = ("petition-office", "信访部门"),
        /// Any other 机关、单位: a township government, a department.
        OtherOrgan = ("other-organ", "其他机关、单位"),
    }
);

vocabulary!(
    /// The 2022 law's content types (第二十九、三十、三十一条).
    ContentType, "内容类别" {
        Suggestion = ("suggestion", "建议意见类"),
        Accusation = ("accusation", "检举控告类"),
        Claim = ("claim", "申诉求决类"),
    }
);

vocabulary!(
    /// The outcome stated in a 信访处理意见书 (第三十二条).
    ReplyType, "答复意见" {
        Support = ("support", "支持"),
        Explain = ("explain", "解释说明"),
        NotSupport = ("not-support", "不予支持"),
    }
);

vocabulary!(
    /// Satisfaction evaluation (满意度评价).
    Satisfaction, "满意度" {
        Satisfied = ("satisfied", "满意"),
        BasicallySatisfied = ("basically-satisfied", "基本满意"),
        Dissatisfied = ("dissatisfied", "不满意"),
    }
);

vocabulary!(
    /// The kind of panel a directory person sits on (评议/听证团, RULES.md §2).
    PanelKind, "评议听证团" {
        /// 听证团: hears major or difficult items; its days are not counted in T10.
        Hearing = ("hearing", "听证团"),
        /// 评议团: evaluates how an item was handled.
        Evaluation = ("evaluation", "评议团"),
    }
);

vocabulary!(
    /// The level of a leader, which the roster rules select on.
    LeaderLevel, "领导级别" {
        CityPrincipal = ("city-principal", "市主要领导"),
        City = ("city", "市领导"),
        TownshipPrincipal = ("township-principal", "乡镇主要领导"),
        Township = ("township", "乡镇领导"),
        Department = ("department", "部门负责人"),
    }
);

vocabulary!(
    /// What a device may do; decides what it receives and whether it may write.
    Role, "角色" {
        /// County petition office: every document, read-write.
        Office = ("office", "信访局"),
        /// Township staff: their township's documents, read-write.
        Township = ("township", "乡镇"),
        /// Leaders: roster and the cases they carry, read-only.
        Leader = ("leader", "领导"),
        /// Runs the server; directory only.
        Admin = ("admin", "管理员"),
        /// The county sync server: keeps and forwards every document.
        Server = ("server", "同步服务器"),
        /// Inspection: read-only.
        ReadOnly = ("read-only", "只读"),
    }
);

/// What each role may do: the one home of the role policy. The store's access table, the
/// sync layer and both front-ends ask these, never a list of roles of their own.
impl Role {
    /// Keeps the county's directory: enrols and revokes devices, changes roles and scopes,
    /// and hands the directory whole to a device repairing its own.
    pub fn keeps_directory(self) -> bool {
        matches!(self, Role::Office | Role::Admin | Role::Server)
    }

    /// Maintains the directory's records of the county (units, people, leaders, the
    /// holiday calendar): the office and its administrators, not the server.
    pub fn maintains_county_records(self) -> bool {
        matches!(self, Role::Office | Role::Admin)
    }

    /// Holds every document of the county, read-write: the office and the server.
    pub fn holds_every_document(self) -> bool {
        matches!(self, Role::Office | Role::Server)
    }

    /// Registers and works cases and field visits (within its scope, for a township).
    pub fn works_cases(self) -> bool {
        matches!(self, Role::Office | Role::Township)
    }

    /// Changes the reception roster (drafts, swaps, leave, bookings).
    pub fn edits_roster(self) -> bool {
        matches!(self, Role::Office | Role::Township | Role::Leader)
    }

    /// Publishes the roster to the public and issues its calendar subscriptions.
    pub fn publishes_roster(self) -> bool {
        matches!(self, Role::Office)
    }

    /// Keeps the intake queue of the online form and the 导访 kiosk.
    pub fn keeps_intake_queue(self) -> bool {
        self.holds_every_document()
    }

    /// Registers queued intake items as cases (the county office's desk).
    pub fn registers_intake(self) -> bool {
        matches!(self, Role::Office)
    }

    /// Reads what a device reports of itself (its attestations).
    pub fn reads_device_reports(self) -> bool {
        self.keeps_directory()
    }

    /// Reads every device's access trail (who opened, exported or issued papers on
    /// confidential cases): the office, whose heads audit it, and the server that keeps
    /// and forwards it. Not an administrator (the directory only) nor a township.
    pub fn reads_access_trail(self) -> bool {
        self.holds_every_document()
    }
}

vocabulary!(
    /// Kinds of organisational unit.
    UnitKind, "单位类别" {
        County = ("county", "县市"),
        Township = ("township", "乡镇街道"),
        Village = ("village", "村社区"),
        Department = ("department", "责任单位"),
    }
);

vocabulary!(
    /// The kinds of event in a case's history, without their details: what the status
    /// machine, the case index and the CLI's `case event` match on. Each match over it is
    /// exhaustive, so a new kind cannot be forgotten anywhere it matters.
    EventCode, "事件类型" {
        Registered = ("registered", "登记"),
        Routed = ("routed", "分流"),
        Forwarded = ("forwarded", "转送"),
        Assigned = ("assigned", "交办"),
        Objected = ("objected", "异议"),
        Diverted = ("diverted", "导入法定程序"),
        NotAccepted = ("not-accepted", "不予受理"),
        NotReaccepted = ("not-reaccepted", "不再受理"),
        Accepted = ("accepted", "受理"),
        FastTrack = ("fast-track", "简易办理"),
        Acknowledged = ("acknowledged", "告知"),
        Extended = ("extended", "延期"),
        Mediated = ("mediated", "调解"),
        Hearing = ("hearing", "听证"),
        Replied = ("replied", "答复"),
        ReviewRequested = ("review-requested", "请求复查"),
        ReviewOpinion = ("review-opinion", "复查意见"),
        ReReviewRequested = ("re-review-requested", "请求复核"),
        ReReviewOpinion = ("re-review-opinion", "复核意见"),
        Closed = ("closed", "办结"),
        Finalized = ("finalized", "终结"),
        FollowUp = ("follow-up", "回访"),
        Evaluated = ("evaluated", "满意度评价"),
        FollowUpScheduled = ("follow-up-scheduled", "回访安排"),
        HearingSession = ("hearing-session", "听证会、评议会"),
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    /// The policy, role by role: a change here changes who may do what in the county.
    #[test]
    fn role_policy_table() {
        let table = [
            // role, keeps directory, county records, every document, works cases,
            // reads the access trail
            (Role::Office, true, true, true, true, true),
            (Role::Admin, true, true, false, false, false),
            (Role::Server, true, false, true, false, true),
            (Role::Township, false, false, false, true, false),
            (Role::Leader, false, false, false, false, false),
            (Role::ReadOnly, false, false, false, false, false),
        ];
        for (role, keeps, records, every, cases, trail) in table {
            assert_eq!(role.reads_access_trail(), trail, "{role:?}");
            assert_eq!(role.keeps_directory(), keeps, "{role:?}");
            assert_eq!(role.maintains_county_records(), records, "{role:?}");
            assert_eq!(role.holds_every_document(), every, "{role:?}");
            assert_eq!(role.works_cases(), cases, "{role:?}");
        }
    }

    #[test]
    fn terms_parse_by_code_and_chinese_name() {
        assert_eq!(Route::parse("矛盾纠纷"), Ok(Route::Dispute));
        assert_eq!(Route::parse("dispute"), Ok(Route::Dispute));
        assert_eq!(Channel::parse("12345"), Ok(Channel::Hotline12345));
        let err = Route::parse("随便").unwrap_err();
        assert!(err.to_string().contains("信访诉求"), "{err}");
    }

    #[test]
    fn serde_uses_codes_and_accepts_chinese() {
        assert_eq!(
            serde_json::to_string(&Route::Dispute).ok().as_deref(),
            Some("\"dispute\"")
        );
        let r: Route = serde_json::from_str("\"纪检举报\"").unwrap_or(Route::Dispute);
        assert_eq!(r, Route::DisciplineReport);
    }
}
