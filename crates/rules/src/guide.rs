//! The classification guide (导访): the five routes of Ningguo's 简明清单 with their legal
//! basis and competent bodies, and the quarterly list of complaint types that maps what a
//! visitor says to a route (RULES.md §3).
//!
//! Brief overview:
//! - [`RouteInfo`] / [`route_info`]: the five routes, fixed by law, in code.
//! - [`GuideList`]: one quarterly version of the complaint-type list, as data
//!   (`data/guide/<version>.toml`), with [`GuideList::search`] ranking types by keyword or
//!   pinyin initials and [`GuideList::classify`] giving what a registration records.
//! - [`Guide`]: every loaded version; the office adds a new quarter's list from the same
//!   TOML text, and old cases still resolve against the version that classified them.
//!
//! Search is deliberately simple and explainable: each query word is scored against each
//! type's name, keywords, competent body and law, and the scores add up. A clerk can see
//! why a type came first ([`SearchHit::matched`]), which matters more here than cleverness.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};
use fengqiao_model::vocab::{Route, UnknownTerm};
use serde::Deserialize;

/// A route of the 简明清单 with what the guide shows about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteInfo {
    /// The route.
    pub route: Route,
    /// What the route is for.
    pub meaning: &'static str,
    /// Its legal basis in the 2022 regulation.
    pub legal_basis: &'static str,
    /// The bodies competent for it.
    pub bodies: &'static str,
    /// Whether the handling clocks T5/T6 (第三十四条) run on it.
    pub runs_handling_clock: bool,
    /// What a visitor should bring for this route (所需材料), beyond [`BRING_ALWAYS`].
    pub materials: &'static [&'static str],
}

/// What every visitor should bring: who they are and what they ask, in writing where they
/// can (《信访工作条例》第十八条: 姓名（名称）、住址和请求、事实、理由).
pub const BRING_ALWAYS: &[&str] = &[
    "本人居民身份证（代他人反映的，另带委托书和代理人身份证）",
    "书面材料：写明姓名、住址、联系电话和请求、事实、理由（不会写的，工作人员可代为记录）",
];

/// The five routes, in the list's order (RULES.md §3).
pub const ROUTES: [RouteInfo; 5] = [
    RouteInfo {
        route: Route::DisciplineReport,
        meaning: "检举、控告党员干部和公职人员违纪违法，转纪检监察机关处理",
        legal_basis: "《信访工作条例》第二十二条第二款、第三十条",
        bodies: "县（市）纪委监委；乡镇（街道）纪（工）委",
        runs_handling_clock: false,
        materials: &[
            "被反映人的姓名、单位和职务",
            "具体问题线索及能证明的材料（票据、照片、录音等）",
            "实名举报请留联系方式；材料会依法保密（第三十条第三款）",
        ],
    },
    RouteInfo {
        route: Route::LitigationRelated,
        meaning: "涉及法院、检察院、公安机关的诉讼、仲裁事项，诉访分离，导入法律程序",
        legal_basis: "《信访工作条例》第二十条第二款、第二十八条第二款、第三十一条第（一）项",
        bodies: "人民法院；人民检察院；公安机关；仲裁机构（县委政法委统筹）",
        runs_handling_clock: false,
        materials: &[
            "法院判决书、裁定书或调解书",
            "立案、受理或不予立案的通知书",
            "公安、检察机关出具的法律文书",
        ],
    },
    RouteInfo {
        route: Route::AdministrativeDuty,
        meaning: "通过行政复议、裁决、许可、处罚或者依法履职解决的事项",
        legal_basis: "《信访工作条例》第三十一条第（四）（五）项",
        bodies: "负有相应法定职责的行政机关",
        runs_handling_clock: false,
        materials: &[
            "行政机关作出的决定书、通知书（如处罚决定书）",
            "向行政机关申请或反映过的材料和回执",
            "证明自己权利的证件（如不动产权证、合同）",
        ],
    },
    RouteInfo {
        route: Route::Dispute,
        meaning: "民间矛盾纠纷，通过人民调解、行政调解、司法调解化解",
        legal_basis: "《信访工作条例》第三十三条、第三十七条",
        bodies: "人民调解委员会；乡镇（街道）矛盾纠纷调处化解中心；有关行政机关",
        runs_handling_clock: false,
        materials: &[
            "对方当事人的姓名、住址和联系方式",
            "合同、协议、收据、照片等证据材料",
            "村（居）调解过的，带调解记录或协议",
        ],
    },
    RouteInfo {
        route: Route::PetitionRequest,
        meaning: "其他申诉求决事项，按信访程序办理，适用第三十四条办理期限",
        legal_basis: "《信访工作条例》第三十一条第（六）项、第三十四条",
        bodies: "有权处理的机关、单位（信访部门转送、交办、督办）",
        runs_handling_clock: true,
        materials: &["以前的信访答复、处理意见书（如有）", "与诉求有关的证明材料"],
    },
];

/// What the guide shows about `route`.
pub fn route_info(route: Route) -> RouteInfo {
    ROUTES
        .iter()
        .copied()
        .find(|r| r.route == route)
        .unwrap_or(ROUTES[4])
}

/// A version of the list: the quarter it took effect, e.g. `2026-Q4`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ListVersion {
    /// The year.
    pub year: i32,
    /// The quarter, 1–4.
    pub quarter: u8,
}

/// A list version that does not have the form `YYYY-Qn`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{0}” 不是有效的清单版本，应形如 2026-Q4 (bad list version)")]
pub struct BadListVersion(pub String);

impl ListVersion {
    /// The version of the quarter `date` falls in.
    pub fn of_date(date: NaiveDate) -> ListVersion {
        // month0 is 0–11, so the quarter is 1–4 and fits in u8.
        let quarter = u8::try_from(date.month0() / 3 + 1).unwrap_or(4);
        ListVersion {
            year: date.year(),
            quarter,
        }
    }

    /// The first day of the quarter.
    pub fn starts_on(self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.year, u32::from(self.quarter) * 3 - 2, 1)
    }
}

impl fmt::Display for ListVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-Q{}", self.year, self.quarter)
    }
}

impl FromStr for ListVersion {
    type Err = BadListVersion;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadListVersion(s.to_owned());
        let (year, quarter) = s.trim().split_once("-Q").ok_or_else(bad)?;
        let year: i32 = year
            .parse()
            .ok()
            .filter(|y| (2000..=2200).contains(y))
            .ok_or_else(bad)?;
        let quarter: u8 = quarter
            .parse()
            .ok()
            .filter(|q| (1..=4).contains(q))
            .ok_or_else(bad)?;
        Ok(ListVersion { year, quarter })
    }
}

/// One complaint type of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplaintType {
    /// A stable id, kept across versions (`homestead-dispute`); recorded on the case.
    pub id: String,
    /// The name shown to clerks and visitors.
    pub name: String,
    /// The route it goes to.
    pub route: Route,
    /// The competent body.
    pub body: String,
    /// The legal basis.
    pub law: String,
    /// Words a visitor may use for it.
    pub keywords: Vec<String>,
    /// The group the guide shows it under (a big button on the 导访 kiosk), e.g. 劳动、社会保障;
    /// empty when the list names none.
    pub category: String,
    /// What to bring for this type (所需材料), beyond its route's [`RouteInfo::materials`].
    pub bring: Vec<String>,
}

/// What a registration records when a clerk picks a type from the guide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    /// The route, for `Registration::route`.
    pub route: Route,
    /// The type's id, for `Registration::complaint_type`.
    pub complaint_type: String,
    /// The list version, for `Registration::route_list_version`.
    pub list_version: String,
}

/// What is wrong with a list's text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuideError {
    /// Not TOML, or a field missing, misspelt or of the wrong kind.
    #[error("分类清单格式错误：{message} (invalid list)")]
    Syntax {
        /// The parser's message, with line and column.
        message: String,
    },
    /// The version is not `YYYY-Qn`.
    #[error("version：{0}")]
    BadVersion(#[from] BadListVersion),
    /// A type names a route that is not one of the five.
    #[error("「{id}」route：{source}")]
    UnknownRoute {
        /// The type's id.
        id: String,
        /// Why the route was rejected.
        source: UnknownTerm,
    },
    /// Two types share an id.
    #[error("类型编号「{id}」重复 (duplicate id)")]
    DuplicateId {
        /// The id.
        id: String,
    },
    /// An id that is not lower-case ASCII words joined by hyphens.
    #[error("类型编号「{id}」无效，应为小写英文字母、数字和连字符，如 homestead-dispute (bad id)")]
    BadId {
        /// The id.
        id: String,
    },
    /// A required text is empty.
    #[error("「{id}」{field}：不能为空 (empty field)")]
    Empty {
        /// The type's id.
        id: String,
        /// The field.
        field: &'static str,
    },
    /// The list has no types.
    #[error("分类清单没有任何类型 (empty list)")]
    NoTypes,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawList {
    version: String,
    title: String,
    types: Vec<RawType>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawType {
    id: String,
    name: String,
    route: String,
    body: String,
    law: String,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    category: String,
    #[serde(default)]
    bring: Vec<String>,
}

/// One quarterly version of the complaint-type list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuideList {
    /// The version, e.g. 2026-Q4.
    pub version: ListVersion,
    /// The list's title.
    pub title: String,
    /// The types, in the list's order.
    pub types: Vec<ComplaintType>,
}

/// The list versions embedded in the binary.
pub const EMBEDDED_LISTS: &[&str] = &[include_str!("../data/guide/2026-Q4.toml")];

impl GuideList {
    /// Parses and validates a list.
    pub fn from_toml(text: &str) -> Result<GuideList, GuideError> {
        let raw: RawList = toml::from_str(text).map_err(|e| GuideError::Syntax {
            message: e.to_string().trim().to_owned(),
        })?;
        let version: ListVersion = raw.version.parse()?;
        if raw.types.is_empty() {
            return Err(GuideError::NoTypes);
        }
        let mut seen = BTreeSet::new();
        let mut types = Vec::with_capacity(raw.types.len());
        for t in raw.types {
            let id = t.id.trim().to_owned();
            let id_ok = !id.is_empty()
                && id.split('-').all(|w| {
                    !w.is_empty()
                        && w.chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                });
            if !id_ok {
                return Err(GuideError::BadId { id });
            }
            if !seen.insert(id.clone()) {
                return Err(GuideError::DuplicateId { id });
            }
            for (field, value) in [("name", &t.name), ("body", &t.body), ("law", &t.law)] {
                if value.trim().is_empty() {
                    return Err(GuideError::Empty { id, field });
                }
            }
            let route = Route::parse(&t.route).map_err(|source| GuideError::UnknownRoute {
                id: id.clone(),
                source,
            })?;
            let trimmed = |words: &[String]| -> Vec<String> {
                words
                    .iter()
                    .map(|k| k.trim().to_owned())
                    .filter(|k| !k.is_empty())
                    .collect()
            };
            let keywords = trimmed(&t.keywords);
            let bring = trimmed(&t.bring);
            types.push(ComplaintType {
                id,
                name: t.name.trim().to_owned(),
                route,
                body: t.body.trim().to_owned(),
                law: t.law.trim().to_owned(),
                keywords,
                category: t.category.trim().to_owned(),
                bring,
            });
        }
        Ok(GuideList {
            version,
            title: raw.title.trim().to_owned(),
            types,
        })
    }

    /// The type with `id`.
    pub fn get(&self, id: &str) -> Option<&ComplaintType> {
        self.types.iter().find(|t| t.id == id)
    }

    /// What a registration records for type `id` under this version.
    pub fn classify(&self, id: &str) -> Option<Classification> {
        self.get(id).map(|t| Classification {
            route: t.route,
            complaint_type: t.id.clone(),
            list_version: self.version.to_string(),
        })
    }

    /// The categories in the list's order, each with its types (types without a category
    /// are left out).
    pub fn categories(&self) -> Vec<(&str, Vec<&ComplaintType>)> {
        let mut out: Vec<(&str, Vec<&ComplaintType>)> = Vec::new();
        for t in self.types.iter().filter(|t| !t.category.is_empty()) {
            match out.iter_mut().find(|(name, _)| *name == t.category) {
                Some((_, types)) => types.push(t),
                None => out.push((t.category.as_str(), vec![t])),
            }
        }
        out
    }

    /// Everything a visitor should bring for type `id`: what everyone brings, then the
    /// route's materials, then the type's own.
    pub fn materials(&self, id: &str) -> Vec<&str> {
        let Some(t) = self.get(id) else {
            return Vec::new();
        };
        BRING_ALWAYS
            .iter()
            .copied()
            .chain(route_info(t.route).materials.iter().copied())
            .chain(t.bring.iter().map(String::as_str))
            .collect()
    }

    /// The types on `route`.
    pub fn on_route(&self, route: Route) -> impl Iterator<Item = &ComplaintType> {
        self.types.iter().filter(move |t| t.route == route)
    }

    /// Characters in names and keywords that the initials table lacks; such words cannot
    /// be found by pinyin initials. Empty for the embedded list (checked by a test).
    pub fn chars_without_initials(&self) -> BTreeSet<char> {
        let table = initials_table();
        self.types
            .iter()
            .flat_map(|t| std::iter::once(&t.name).chain(&t.keywords))
            .flat_map(|w| w.chars())
            .filter(|c| is_han(*c) && !table.contains_key(c))
            .collect()
    }

    /// Ranks the types against `query`: Chinese words (a whole sentence works too) or
    /// pinyin initials (`zjd` for 宅基地). Best first; ties keep the list's order; types
    /// that match nothing are left out.
    pub fn search(&self, query: &str) -> Vec<SearchHit<'_>> {
        let words: Vec<String> = query
            .split(|c: char| c.is_whitespace() || is_separator(c))
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        let mut hits: Vec<SearchHit<'_>> = self
            .types
            .iter()
            .filter_map(|t| {
                let mut score = 0;
                let mut matched = Vec::new();
                for w in &words {
                    let (s, why) = score_word(t, w);
                    score += s;
                    matched.extend(why);
                }
                (score > 0).then_some(SearchHit {
                    entry: t,
                    score,
                    matched,
                })
            })
            .collect();
        // A stable sort keeps the list's order among equal scores.
        hits.sort_by_key(|h| std::cmp::Reverse(h.score));
        hits
    }
}

/// A type found by [`GuideList::search`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchHit<'a> {
    /// The type.
    pub entry: &'a ComplaintType,
    /// Its score; higher is better.
    pub score: u32,
    /// What matched, for showing why (e.g. `关键词 宅基地`).
    pub matched: Vec<String>,
}

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

fn is_separator(c: char) -> bool {
    c.is_ascii_punctuation() || "，。、；：！？（）《》“”‘’【】".contains(c)
}

/// Score of one query word against one type, and what matched.
fn score_word(t: &ComplaintType, w: &str) -> (u32, Vec<String>) {
    let mut best: (u32, String) = (0, String::new());
    let mut consider = |score: u32, why: String| {
        if score > best.0 {
            best = (score, why);
        }
    };
    let len = |s: &str| u32::try_from(s.chars().count()).unwrap_or(u32::MAX).max(1);
    let is_initials = w.len() >= 2 && w.chars().all(|c| c.is_ascii_lowercase());
    if is_initials {
        let fields = std::iter::once((&t.name, 85, 60, 40))
            .chain(t.keywords.iter().map(|k| (k, 80, 55, 35)));
        for (text, exact, prefix, inside) in fields {
            match initials_match(text, w) {
                Some(InitialsMatch::Exact) => consider(exact, format!("拼音首字母 {text}")),
                Some(InitialsMatch::Prefix) => consider(prefix, format!("拼音首字母 {text}")),
                Some(InitialsMatch::Inside) => consider(inside, format!("拼音首字母 {text}")),
                None => {}
            }
        }
        if w.len() >= 3 && t.id.contains(w) {
            consider(50, format!("编号 {}", t.id));
        }
    }
    if t.name == w {
        consider(100, format!("名称 {}", t.name));
    } else if t.name.contains(w) {
        consider(60 + 30 * len(w) / len(&t.name), format!("名称 {}", t.name));
    } else if len(&t.name) >= 2 && w.contains(t.name.as_str()) {
        consider(90, format!("名称 {}", t.name));
    }
    for k in &t.keywords {
        if k == w {
            consider(100, format!("关键词 {k}"));
        } else if k.contains(w) {
            consider(50 + 30 * len(w) / len(k), format!("关键词 {k}"));
        }
    }
    // A sentence ("我家宅基地被邻居占了") scores every keyword it contains, so a visitor's own
    // words rank the type whose keywords they use most.
    let contained: Vec<&String> = t
        .keywords
        .iter()
        .filter(|k| len(k) >= 2 && *k != w && w.contains(k.as_str()))
        .collect();
    if !contained.is_empty() {
        let score = contained.iter().map(|k| 40 + 5 * len(k)).sum();
        consider(
            score,
            contained
                .iter()
                .map(|k| format!("关键词 {k}"))
                .collect::<Vec<_>>()
                .join("、"),
        );
    }
    let route = route_info(t.route);
    if t.route.zh() == w || t.route.code() == w {
        consider(30, format!("途径 {}", t.route.zh()));
    }
    if len(w) >= 2 && t.body.contains(w) {
        consider(20, format!("主管单位 {}", t.body));
    }
    if len(w) >= 2 && (t.law.contains(w) || route.legal_basis.contains(w)) {
        consider(15, format!("法律依据 {}", t.law));
    }
    if best.0 == 0 {
        (0, Vec::new())
    } else {
        (best.0, vec![best.1])
    }
}

enum InitialsMatch {
    Exact,
    Prefix,
    Inside,
}

/// Whether `query` (lower-case letters) matches the pinyin initials of `text`.
fn initials_match(text: &str, query: &str) -> Option<InitialsMatch> {
    let table = initials_table();
    // Each character's possible initials; characters without initials (punctuation) are
    // skipped, and an unknown Chinese character matches nothing.
    let letters: Vec<&str> = text
        .chars()
        .filter_map(|c| {
            if c.is_ascii_alphanumeric() {
                None
            } else {
                table
                    .get(&c)
                    .map(String::as_str)
                    .or(if is_han(c) { Some("") } else { None })
            }
        })
        .collect();
    let query: Vec<char> = query.chars().collect();
    if query.len() > letters.len() {
        return None;
    }
    let fits = |at: usize| {
        query
            .iter()
            .enumerate()
            .all(|(i, q)| letters[at + i].contains(*q))
    };
    let at = (0..=letters.len() - query.len()).find(|at| fits(*at))?;
    Some(match (at, query.len() == letters.len()) {
        (0, true) => InitialsMatch::Exact,
        (0, false) => InitialsMatch::Prefix,
        _ => InitialsMatch::Inside,
    })
}

/// The embedded initials table: character → its possible initial letters.
fn initials_table() -> &'static BTreeMap<char, String> {
    static TABLE: OnceLock<BTreeMap<char, String>> = OnceLock::new();
    TABLE.get_or_init(|| {
        #[derive(Deserialize)]
        struct Raw {
            initials: BTreeMap<String, String>,
        }
        let mut table: BTreeMap<char, String> = BTreeMap::new();
        // The file is checked by tests; were it ever broken, search by initials would
        // find nothing rather than fail.
        if let Ok(raw) = toml::from_str::<Raw>(include_str!("../data/guide/initials.toml")) {
            for (letter, chars) in raw.initials {
                for c in chars.chars() {
                    table.entry(c).or_default().push_str(&letter);
                }
            }
        }
        table
    })
}

/// Every loaded version of the list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Guide {
    lists: BTreeMap<ListVersion, GuideList>,
}

impl Guide {
    /// The versions embedded in the binary.
    ///
    /// The embedded files are checked by this crate's tests; one that failed to parse
    /// would be left out rather than abort the program.
    pub fn embedded() -> Guide {
        EMBEDDED_LISTS
            .iter()
            .filter_map(|text| GuideList::from_toml(text).ok())
            .fold(Guide::default(), Guide::with_list)
    }

    /// Adds a version, or replaces the loaded one with the same version.
    pub fn with_list(mut self, list: GuideList) -> Guide {
        self.lists.insert(list.version, list);
        self
    }

    /// Parses `text` and adds or replaces that version.
    pub fn with_list_toml(self, text: &str) -> Result<Guide, GuideError> {
        Ok(self.with_list(GuideList::from_toml(text)?))
    }

    /// The loaded versions, oldest first.
    pub fn versions(&self) -> impl Iterator<Item = &GuideList> {
        self.lists.values()
    }

    /// The version with this id, e.g. to show how an old case was classified.
    pub fn version(&self, version: ListVersion) -> Option<&GuideList> {
        self.lists.get(&version)
    }

    /// The newest version.
    pub fn latest(&self) -> Option<&GuideList> {
        self.lists.values().next_back()
    }

    /// The version in force on `today`: the newest whose quarter has begun, or the oldest
    /// loaded when none has.
    pub fn current(&self, today: NaiveDate) -> Option<&GuideList> {
        let now = ListVersion::of_date(today);
        self.lists
            .range(..=now)
            .next_back()
            .map(|(_, l)| l)
            .or_else(|| self.lists.values().next())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn embedded_list() -> GuideList {
        GuideList::from_toml(EMBEDDED_LISTS[0]).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Searches the embedded list and renders the top `n` hits as `id route`.
    #[track_caller]
    fn check(query: &str, n: usize, expect: &[&str]) {
        let list = embedded_list();
        let got: Vec<String> = list
            .search(query)
            .iter()
            .take(n)
            .map(|h| format!("{} {}", h.entry.id, h.entry.route.zh()))
            .collect();
        assert_eq!(got, expect, "query {query:?}");
    }

    #[test]
    fn embedded_list_is_valid_and_large_enough() {
        let list = embedded_list();
        assert_eq!(list.version.to_string(), "2026-Q4");
        assert!(list.types.len() >= 60, "{}", list.types.len());
        for route in Route::ALL {
            assert!(list.on_route(*route).count() >= 5, "{route}");
        }
        for t in &list.types {
            assert!(!t.keywords.is_empty(), "{} has no keywords", t.id);
        }
        assert_eq!(list.chars_without_initials(), BTreeSet::new());
        assert_eq!(
            Guide::embedded().latest().map(|l| l.version),
            Some(list.version)
        );
    }

    #[test]
    fn search_by_chinese_keyword() {
        check(
            "宅基地",
            2,
            &["homestead-dispute 矛盾纠纷", "homestead-approval 行政职责"],
        );
        check("欠薪", 1, &["wage-arrears 行政职责"]);
        check(
            "征地拆迁补偿",
            1,
            &["land-requisition-compensation 信访诉求"],
        );
        check("社保", 1, &["social-insurance-contribution 行政职责"]);
        check("村干部 贪污", 1, &["village-cadre-corruption 纪检举报"]);
        check("判决不公", 1, &["court-judgment 涉法涉诉"]);
        check("派出所", 1, &["police-case-filing 涉法涉诉"]);
        check("邻居", 1, &["neighbour-dispute 矛盾纠纷"]);
        check("污染", 1, &["industrial-pollution 行政职责"]);
    }

    #[test]
    fn search_by_a_visitors_sentence() {
        check(
            "我家宅基地被邻居占了，地界说不清",
            1,
            &["homestead-dispute 矛盾纠纷"],
        );
        check("包工头拖欠工资不给", 1, &["wage-arrears 行政职责"]);
        check("养猪场粪污太臭", 1, &["livestock-pollution 行政职责"]);
    }

    #[test]
    fn search_by_pinyin_initials() {
        check(
            "zjd",
            2,
            &["homestead-dispute 矛盾纠纷", "homestead-approval 行政职责"],
        );
        check("qx", 1, &["wage-arrears 行政职责"]);
        check("DB", 1, &["minimum-living 行政职责"]);
    }

    #[test]
    fn search_explains_and_skips_non_matches() {
        let list = embedded_list();
        let hits = list.search("宅基地");
        assert_eq!(
            hits.first().map(|h| h.matched.clone()),
            Some(vec!["关键词 宅基地".to_owned()])
        );
        assert!(list.search("没有这种事").is_empty());
        assert!(list.search("  ，").is_empty());
    }

    #[test]
    fn classification_records_the_version() {
        let list = embedded_list();
        assert_eq!(
            list.classify("wage-arrears"),
            Some(Classification {
                route: Route::AdministrativeDuty,
                complaint_type: "wage-arrears".to_owned(),
                list_version: "2026-Q4".to_owned(),
            })
        );
        assert_eq!(list.classify("no-such-type"), None);
    }

    #[test]
    fn versions_are_quarters_and_the_current_one_is_chosen_by_date() {
        assert_eq!(
            "2026-Q4".parse::<ListVersion>().map(|v| v.starts_on()),
            Ok(NaiveDate::from_ymd_opt(2026, 10, 1))
        );
        for bad in ["2026-Q5", "2026Q1", "26-Q1", "2026-Q0", ""] {
            assert_eq!(
                bad.parse::<ListVersion>(),
                Err(BadListVersion(bad.to_owned()))
            );
        }
        let next = "version = \"2027-Q1\"\ntitle = \"t\"\n[[types]]\nid = \"a\"\nname = \"甲\"\nroute = \"dispute\"\nbody = \"b\"\nlaw = \"l\"\n";
        let guide = Guide::embedded()
            .with_list_toml(next)
            .unwrap_or_else(|e| panic!("{e}"));
        let on = |s: &str| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .and_then(|d| guide.current(d))
                .map(|l| l.version.to_string())
        };
        assert_eq!(on("2026-11-26").as_deref(), Some("2026-Q4"));
        assert_eq!(on("2027-01-01").as_deref(), Some("2027-Q1"));
        assert_eq!(on("2020-01-01").as_deref(), Some("2026-Q4"));
        assert!(
            guide
                .version(ListVersion {
                    year: 2026,
                    quarter: 4
                })
                .is_some()
        );
    }

    #[test]
    fn list_validation_names_the_problem() {
        let ty = |id: &str, route: &str| {
            format!(
                "[[types]]\nid = \"{id}\"\nname = \"甲\"\nroute = \"{route}\"\nbody = \"b\"\nlaw = \"l\"\n"
            )
        };
        let head = "version = \"2026-Q4\"\ntitle = \"t\"\n";
        let cases = [
            (
                format!(
                    "version = \"2026-Q9\"\ntitle = \"t\"\n{}",
                    ty("a", "dispute")
                ),
                "version：“2026-Q9” 不是有效的清单版本",
            ),
            (
                format!("{head}{}", ty("a", "随便")),
                "「a」route：“随便” 不是有效的分流途径",
            ),
            (
                format!("{head}{}{}", ty("a", "dispute"), ty("a", "dispute")),
                "类型编号「a」重复",
            ),
            (
                format!("{head}{}", ty("Bad Id", "dispute")),
                "类型编号「Bad Id」无效",
            ),
            (
                format!("{head}{}color = 1\n", ty("a", "dispute")),
                "分类清单格式错误",
            ),
            (format!("{head}types = []\n"), "分类清单没有任何类型"),
            (
                format!(
                    "{head}{}",
                    ty("a", "dispute").replace("body = \"b\"", "body = \" \"")
                ),
                "「a」body：不能为空",
            ),
        ];
        for (text, expected) in cases {
            match GuideList::from_toml(&text) {
                Ok(_) => panic!("accepted:\n{text}"),
                Err(e) => assert!(
                    e.to_string().starts_with(expected),
                    "{text}\nexpected {expected}\ngot {e}"
                ),
            }
        }
    }

    #[test]
    fn categories_and_materials_parse_and_are_optional() {
        let head = "version = \"2026-Q4\"\ntitle = \"t\"\n";
        let text = format!(
            "{head}[[types]]\nid = \"a\"\nname = \"甲\"\nroute = \"dispute\"\nbody = \"b\"\nlaw = \"l\"\ncategory = \" 邻里 \"\nbring = [\"借条\", \" \", \"转账记录 \"]\n\
             [[types]]\nid = \"b\"\nname = \"乙\"\nroute = \"petition-request\"\nbody = \"b\"\nlaw = \"l\"\n\
             [[types]]\nid = \"c\"\nname = \"丙\"\nroute = \"dispute\"\nbody = \"b\"\nlaw = \"l\"\ncategory = \"邻里\"\n"
        );
        let list = GuideList::from_toml(&text).unwrap_or_else(|e| panic!("{e}"));
        let a = list.get("a").unwrap();
        assert_eq!(a.category, "邻里");
        assert_eq!(a.bring, vec!["借条".to_owned(), "转账记录".to_owned()]);
        let b = list.get("b").unwrap();
        assert_eq!((b.category.as_str(), b.bring.len()), ("", 0));
        let categories: Vec<(&str, Vec<&str>)> = list
            .categories()
            .into_iter()
            .map(|(name, types)| (name, types.iter().map(|t| t.id.as_str()).collect()))
            .collect();
        assert_eq!(categories, vec![("邻里", vec!["a", "c"])]);
        // Everyone's papers, then the route's, then the type's own, in that order.
        let materials = list.materials("a");
        let route = route_info(Route::Dispute).materials;
        assert_eq!(materials[..BRING_ALWAYS.len()], *BRING_ALWAYS);
        assert_eq!(
            materials[BRING_ALWAYS.len()..BRING_ALWAYS.len() + route.len()],
            *route
        );
        assert_eq!(materials[materials.len() - 2..], ["借条", "转账记录"]);
        assert!(list.materials("no-such-type").is_empty());
        let bad = format!(
            "{head}[[types]]\nid = \"a\"\nname = \"甲\"\nroute = \"dispute\"\nbody = \"b\"\nlaw = \"l\"\nbring = \"借条\"\n"
        );
        assert!(matches!(
            GuideList::from_toml(&bad),
            Err(GuideError::Syntax { .. })
        ));
    }

    #[test]
    fn the_embedded_list_groups_every_type_and_says_what_to_bring() {
        let list = embedded_list();
        let categories = list.categories();
        assert_eq!(categories.len(), 8, "the list's eight sections");
        assert_eq!(
            categories.iter().map(|(_, t)| t.len()).sum::<usize>(),
            list.types.len(),
            "every type has a category"
        );
        for route in ROUTES {
            assert!(!route.materials.is_empty(), "{}", route.route);
        }
        let wages = list.materials("wage-arrears");
        assert!(wages.iter().any(|m| m.contains("工资欠条")), "{wages:?}");
        assert!(wages.iter().any(|m| m.contains("身份证")), "{wages:?}");
        let judgment = list.materials("court-judgment");
        assert!(
            judgment.iter().any(|m| m.contains("判决书")),
            "{judgment:?}"
        );
    }

    #[test]
    fn route_info_covers_all_five() {
        for route in Route::ALL {
            assert_eq!(route_info(*route).route, *route);
        }
        assert!(route_info(Route::PetitionRequest).runs_handling_clock);
        assert_eq!(ROUTES.iter().filter(|r| r.runs_handling_clock).count(), 1);
    }
}
