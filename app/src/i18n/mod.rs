//! Every string the app draws, one table per language ([`zh`], [`en`]).
//!
//! The language is app state ([`Lang`] in [`crate::state::AppState`]), passed to [`tr`] on
//! every call: there is no process-global locale, so tests in parallel threads can run in
//! different languages. Each table is an exhaustive `match` over [`Key`]: a key without a
//! text in one language does not compile.
//!
//! Placeholders are `{}` and filled in order with [`trf`]. Domain vocabulary (routes,
//! statuses, event kinds, clock names, articles) is the law's own wording and comes from the
//! model's `.zh()` in both languages.

mod en;
mod zh;

use serde::{Deserialize, Serialize};

/// A language of the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Lang {
    /// Simplified Chinese, the default.
    #[default]
    Zh,
    English,
}

impl Lang {
    /// Both languages, for the switcher.
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::English];

    /// The language's own name.
    pub fn name(self) -> &'static str {
        match self {
            Lang::Zh => "中文",
            Lang::English => "English",
        }
    }
}

/// The text of `key` in `lang`.
pub fn tr(lang: Lang, key: Key) -> &'static str {
    match lang {
        Lang::Zh => zh::text(key),
        Lang::English => en::text(key),
    }
}

/// The text of `key` in `lang` with each `{}` replaced by the next of `args`.
pub fn trf(lang: Lang, key: Key, args: &[&dyn std::fmt::Display]) -> String {
    let mut out = String::new();
    let mut args = args.iter();
    let mut rest = tr(lang, key);
    while let Some(at) = rest.find("{}") {
        out.push_str(&rest[..at]);
        match args.next() {
            Some(arg) => out.push_str(&arg.to_string()),
            None => out.push_str("{}"),
        }
        rest = &rest[at + 2..];
    }
    out.push_str(rest);
    out
}

macro_rules! keys {
    ($($key:ident),* $(,)?) => {
        /// The name of a UI string.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Key { $($key),* }

        impl Key {
            /// Every key, for the glyph-coverage test.
            pub const ALL: &'static [Key] = &[$(Key::$key),*];
        }
    };
}

keys! {
    AppTitle,
    // Navigation.
    NavToday, NavCases, NavRegister, NavVisits, NavRoster, NavSync, NavConflicts, NavReports,
    NavSettings,
    // Status line.
    Working, Ready, StoreGone, Dismiss,
    // First start.
    FirstStartTitle, FirstStartBody, CreateDemo, CreatingDemo, DataDirIs,
    // Actions that can fail (for error messages "{action}失败：{reason}").
    ActionFailed, ActionOpen, ActionCreateDemo, ActionRegister, ActionAddEvent, ActionAddNote,
    ActionResolve, ActionRoster, ActionGenerate, ActionPublish, ActionSwap, ActionLeave,
    ActionExport, ActionVisit, ActionBundleExport, ActionBundleImport, ActionPeerState,
    ActionLoadCases, ActionOpenCase, ActionLoadConflicts,
    // Notices.
    NoticeRegistered, NoticeEventAdded, NoticeNoteAdded, NoticeConflictResolved,
    NoticeRosterGenerated, NoticeRosterPublished, NoticeSwapped, NoticeLeaveReported,
    NoticeExported, NoticeVisitSaved, NoticeBundleExported, NoticeBundleImported,
    NoticePeerStateSaved,
    // Today.
    TodayHeading, TodayOverdue, TodayDueSoon, TodayReceptionToday, TodayReceptionWeek,
    TodayVisits, TodaySync, TodayNothingOverdue, TodayNothingDueSoon, TodayNoReception,
    TodayNoVisits, TodayClocksPending, TodayCounts, TodayLastRound, TodayNoRounds, MoreItems,
    // Cases list.
    CasesHeading, FilterTownship, FilterStatus, FilterRoute, FilterOverdue, FilterSearch,
    FilterAll, FilterClear, CasesShown, ColNumber, ColReceived, ColTownship, ColPetitioner,
    ColRequest, ColRoute, ColStatus, ColDue, BadgeConflict, BadgeOverdue, NotRouted,
    CasesLoading,
    // Case page.
    BackToList, CaseFields, FieldNumber, FieldSourceNumber, FieldReceived, FieldChannel, FieldPlace,
    FieldPetitioners, KeptApartWithheld, KeptApartAwaiting, FieldRequest, FieldFacts, FieldRoute, FieldComplaintType, FieldLeadUnit,
    FieldStatus, FieldRegisteredBy, FieldHeadCount, Clocks, ClockName, ClockArticle,
    ClockStart, ClockDue, ClockState, NoClocks, Timeline, Notes, NoNotes, AddNote, NoteText,
    AddEvent, EventKindLabel, EventDate, EventRemark, EventRoute, EventReply, EventUnit,
    EventDays, ConflictsOnCase, ResolveIn, Warnings, CaseLoading, UnreadableRecords,
    UnreadableHint, UnreadableNewer, UnreadableDamaged,
    // Register.
    RegisterHeading, RegChannel, RegReceived, RegTownship, RegVillage, RegName, RegPhone,
    RegIdNumber, RegAddress, RegRequest, RegFacts, RegReasons, RegGroup, RegHeadCount,
    RegRepresentatives, RegAddRepresentative, RegRemove, RegGuide, RegGuideSearch,
    RegGuideHint, RegPick, RegPicked, RegRoute, RegRouteNone, RegSubmit, RegClear,
    RegSamePetitioner, RegHasErrors, RegCheckWarnings, RegConfirmWarnings, RegReadOnly, Choose,
    // Field visits.
    VisitsHeading, VisitPlan, VisitDate, VisitTownship, VisitVillage, VisitStaff,
    VisitLinkCase, VisitLinked, VisitHouseholds, VisitHouseholdHead, VisitHouseholdAddress,
    VisitHouseholdOutcome, VisitAddHousehold, VisitOutcome, VisitSave, VisitNone,
    VisitPlanned, VisitRecorded, VisitSelect, VisitUnknownCase, VisitNew,
    // Roster.
    RosterHeading, RosterWeek, RosterMonth, RosterPrev, RosterNext, RosterThisPeriod,
    RosterLeader, RosterAllLeaders, RosterGenerate, RosterPublish, RosterNoRules,
    RosterExportIcs, RosterExportCsv, RosterExportNotice, RosterSwap, RosterSwapReason,
    RosterLeave, RosterLeaveFrom, RosterLeaveTo, RosterLeaveReason, RosterReportLeave,
    RosterSelected, RosterNoSlots, RosterDiagnostics, RosterPeriod, RosterExportTo,
    SlotDraft, SlotPublished, SlotHistoric, SlotWithdrawn,
    // Sync.
    SyncHeading, SyncLive, SyncLiveOff, SyncPeers, SyncNoPeers, SyncServer, SyncNoServer,
    SyncTicket, SyncNoTicket, SyncBundles, SyncExportAll, SyncExportSince, SyncImport,
    SyncSaveState, SyncBundlePath, SyncStatePath, SyncRounds, SyncNoRounds, SyncPeerName,
    SyncPeerRole, SyncLastSync, SyncState, RoundExported, RoundImported, RoundState,
    RoundLive, RoundDocuments, PeerConnecting, PeerSyncing, PeerUpToDate, PeerUnreachable,
    PeerRefused, RoleTownship, RoleOffice, RoleLeader, RoleServer, Never,
    RoleAdmin, RoleReadOnly, RoleUnknown, PeerIdle, PeerNotEnrolled, PeerRevoked, SyncLastSummary,
    SyncNow, RoundLiveFailed,
    NoticeMerged, ActionMerge, NoticeDismissed, ActionDismiss, NoticeContradictionResolved, ActionResolveContradiction, DupHeading, DupNone, DupScore, DupSamePetitioner, DupMergeInto, DupNotDuplicate, DupReason, DupReasonRequired, ContraHeading, ContraNone, ContraChoose,
    // Conflicts.
    ConflictsHeading, ConflictsNone, ConflictCase, ConflictField, ConflictValue,
    ConflictWho, ConflictDevice, ConflictWhen, ConflictChoose, ConflictReason,
    ConflictDefaultReason, ConflictOpenCase,
    // Reports.
    ReportsHeading, ReportsTotal, ReportsOpen, ReportsOverdue, ReportsOverdueRate,
    ReportsByRoute, ReportsByStatus, ReportsByTownship, ReportsByMonth, ReportsCount,
    ReportsClocksPending,
    // Settings.
    SettingsHeading, SettingsIdentity, SettingsDeviceName, SettingsDeviceCode,
    SettingsDeviceId, SettingsCounty, SettingsRole, SettingsScope, SettingsScopeAll,
    SettingsPerson, SettingsLanguage, SettingsDataDir, SettingsTheme, ThemeLight, ThemeDark,
    // Calendar widget.
    CalPrevMonth, CalNextMonth, CalToday, CalYearMonth, CalDate, Mon, Tue, Wed, Thu, Fri,
    Sat, Sun,
    // Why live sync failed.
    SyncErrIo, SyncErrSettings, SyncErrBind, SyncErrTimeout, SyncErrDial, SyncErrNotEnrolled,
    SyncErrRefused, SyncErrBadTicket, SyncErrEnrolment, SyncErrIncomplete,
    SyncErrAlreadyInitialised, SyncErrStore, SyncErrTask,
    // Joining a county, enrolling and revoking devices.
    ActionJoin, ActionEnrol, ActionRevoke, ActionLawSettings, NoticeLawSaved, LawHeading,
    LawBody, LawUnit, LawUnitKind, LawOrgan, LawExtensionFrom, LawExtensionHelp, JoinTitle, JoinBody, JoinTicket, JoinDeviceName,
    UnlockTitle, UnlockBody, UnlockWho, UnlockPassphrase, UnlockButton, Unlocking,
    JoinPerson, JoinButton, Joining, JoinMissing, OrDemo, SettingsDevices, DeviceEnrolled,
    DeviceStatus, DeviceActive, DeviceRevoked, DeviceThis, RevokeButton, RevokeConfirm,
    RevokeYes, RevokeNo, NoticeRevoked, EnrolHeading, EnrolBody, EnrolName, EnrolScope,
    EnrolMake, EnrolCancel, EnrolOpening, EnrolWaiting, EnrolJoined, EnrolClosed, EnrolFailed,
    EnrolNotAllowed, EnrolNeedsName, EnrolNeedsTownship,
    // 接待队列 (the clerk's side of the intake queue).
    NavIntake, IntakeHeading, IntakeCounts, IntakeNone, IntakeSource, IntakeReceived, IntakeName, IntakePhone, IntakeDescription, IntakeGuideType, IntakeState, IntakePickedUp, IntakeRegister, RegFromIntake, ActionLoadIntake, ActionPickUp,
    // 导访 kiosk.
    KioskTitle, KioskPrompt, KioskSearchLabel, KioskSearch, KioskCategories, KioskRegisterDirect, KioskResultsFor, KioskNoResults, KioskBack, KioskHome, KioskRoute, KioskBody, KioskLaw, KioskBring, KioskPreRegister, KioskRegisterBody, KioskName, KioskPhone, KioskDescription, KioskChosenType, KioskSubmit, KioskSending, KioskDone, KioskDoneBody, KioskUnavailable, KioskFailed, KioskErrRequired, KioskErrPhone, KioskErrTooLong, KioskIdleHint,
    // Evaluation, follow-up, panels; bookings and briefing.
    EvalReplyQuality, EvalTimeliness, FollowUpDue, FollowUps, FollowUpLine, FollowUpDoneLine, PanelKindLabel, PanelLastDay, PanelMembers, PanelOutcome, PanelMinutes, ReportsSatisfactionQuality, ReportsSatisfactionTimeliness, ReportsSatisfactionHelp, ReportsFollowUpRate, ReportsFollowUpHelp, BriefingHeading, BriefingPetitioner, BriefingPhone, BriefingCase, BriefingNote, BriefingBook, BriefingShow, BriefingSave, BriefingVisitors, BriefingAttendees, BriefingNoHead, BriefingNoBookings, BriefingNoCase, BriefingCancel, ActionBook, ActionBriefing, NoticeBooked, NoticeBookingCancelled, NoticeBriefingSaved,
    // 文书 (the case page's statutory documents).
    // 设置 → 导入, and the first start's progress.
    ActionImport, NoticeImported, ImportHeading, ImportBody, ImportFile, ImportMapping, ImportCheck, ImportRun, ImportSummary, ImportChecked, ImportDone, ImportRefusedFile, ImportRefusals, ImportRow, ImportColumn, ImportValue, ImportWhy, ImportUpdates, ImportNotAllowed, ImportNothing, ImportProgress,
    ActionPaper, NoticeDocumentIssued, NoticeDocumentServed, NoticeDocumentSaved, NoticeDocumentOpened, PapersHeading, PapersNone, PapersIssueKind, PapersFormHeading, PapersCorrecting, PapersDate, PapersSubmit, PapersCancel, PapersPreview, PapersSave, PapersPrint, PapersServe, PapersServeConfirm, PapersServeDate, PapersServeMethod, PapersServedOn, PapersNotServed, PapersCorrect, PapersCorrectedBy, PapersVersion, PapersRequired, PapersPreviewOf, PapersClosePreview, PapersSavedTo,
    // 日历订阅 (calendar subscriptions, 接访排班 → 订阅).
    FeedsTab, FeedsHeading, FeedsIntro, FeedsFor, FeedsOffice, FeedsBaseUrl, FeedsIssue, FeedsIssued, FeedsOnce, FeedsHttps, FeedsNone, FeedsActive, FeedsRevokedAt, FeedsRevoke, FeedsIssuedLine, ActionFeeds, NoticeFeedIssued, NoticeFeedRevoked,
    // On-call duty; the demo county's progress; the form's required fields; shortcuts.
    OnCallThisWeek, OnCallBand, RosterOnCall, DemoStepDirectory, DemoStepCases, DemoStepRoster,
    DemoStepDesk, DemoStepOpening, DemoNothingToDo, RegRequiredHint, Required, ShortcutNav,
    ShortcutsHint, DaysOverdue, DaysLeft, DueToday,
    // 设置 → 访问记录 (the access trail, office only).
    TrailHeading, TrailBody, TrailAt, TrailWho, TrailDevice, TrailWhat, TrailNone,
    TrailIncomplete, TrailUnheard,
    // 附件 (attachments on cases, events, notes and visits).
    AttachHeading, AttachNone, AttachCaption, AttachEventCaption, AttachNoteCaption, AttachVisitCaption, AttachPickCase, AttachPickEvent, AttachPickNote, AttachPickVisit, AttachPickTitle, AttachPicking, AttachDropHint, AttachDropping, AttachStaged, AttachUnstage, AttachOnServer, AttachBy, AttachOpen, AttachOpenNamed, AttachWithdraw, AttachWithdrawNamed, AttachWithdrawReason, AttachWithdrawConfirm, AttachCancel, AttachShowWithdrawn, AttachWithdrawnBy, AttachThumb, AttachKindImage, AttachKindPdf, AttachKindAudio, AttachKindVideo, AttachKindDocument, AttachKindOther, AttachOnCase, AttachOnEvent, AttachOnNote, AttachSaveVisitFirst, AttachReadOnly, ActionAttach, ActionWithdrawAttachment, ActionOpenAttachment, NoticeAttached, NoticeAttachmentWithdrawn, NoticeAttachmentOpened,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_a_text_in_both_languages() {
        for key in Key::ALL {
            assert!(
                !tr(Lang::Zh, *key).is_empty(),
                "{key:?} has no Chinese text"
            );
            assert!(
                !tr(Lang::English, *key).is_empty(),
                "{key:?} has no English text"
            );
        }
    }

    #[test]
    fn placeholders_are_filled_in_order_and_match_across_languages() {
        assert_eq!(trf(Lang::Zh, Key::CasesShown, &[&3, &10]), "显示 3 / 10 件");
        assert_eq!(
            trf(Lang::English, Key::CasesShown, &[&3, &10]),
            "3 of 10 cases"
        );
        for key in Key::ALL {
            let count = |lang| tr(lang, *key).matches("{}").count();
            assert_eq!(count(Lang::Zh), count(Lang::English), "{key:?}");
        }
    }

    #[test]
    fn the_language_is_a_value_not_a_global() {
        // Two threads, two languages, same key, no interference.
        let zh = std::thread::spawn(|| tr(Lang::Zh, Key::NavCases));
        let en = std::thread::spawn(|| tr(Lang::English, Key::NavCases));
        assert_eq!(zh.join().ok(), Some("信访事项"));
        assert_eq!(en.join().ok(), Some("Cases"));
    }
}
