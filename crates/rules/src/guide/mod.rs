//! The classification guide (导访): the routes of Ningguo's 简明清单 with their legal
//! basis and competent bodies, and the quarterly list of complaint types that maps what a
//! visitor says to a route (RULES.md §3).
//!
//! Brief overview:
//! - [`RouteInfo`] / [`route_info`]: the routes, fixed by law, in code: Ningguo's five and
//!   the places for 第三十一条第（二）项 (仲裁) and 第（三）项 (党员申诉、申请复审).
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

use chrono::{Datelike, NaiveDate};
use fengqiao_model::vocab::{ContentType, Route, UnknownTerm};
use serde::Deserialize;

mod search;
#[cfg(test)]
mod tests;

pub use search::SearchHit;

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
    /// Whether the handling clocks T5/T6 (第三十四条) run on it once an 申诉求决类 item is
    /// accepted (never for 建议意见类 or 检举控告类 items).
    pub runs_handling_clock: bool,
    /// What a visitor should bring for this route (所需材料), beyond [`BRING_ALWAYS`].
    pub materials: &'static [&'static str],
}

/// What every visitor should bring: who they are and what they ask, in writing where they
/// can (《信访工作条例》第十九条第一款: 书面形式，载明姓名（名称）、住址和请求、事实、理由).
pub const BRING_ALWAYS: &[&str] = &[
    "本人居民身份证（代他人反映的，另带委托书和代理人身份证）",
    "书面材料：写明姓名、住址、联系电话和请求、事实、理由（不会写的，工作人员可代为记录）",
];

/// The routes, in the order of [`Route::ALL`] (第三十一条's items; RULES.md §3).
pub const ROUTES: [RouteInfo; 7] = [
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
        meaning: "应当通过审判机关诉讼程序或者复议程序、检察机关刑事立案程序或者法律监督程序、公安机关法律程序处理的事项，诉访分离，导入法律程序",
        legal_basis: "《信访工作条例》第二十条第二款、第二十八条第二款、第三十一条第（一）项",
        bodies: "人民法院；人民检察院；公安机关（县委政法委统筹）",
        runs_handling_clock: false,
        materials: &[
            "法院判决书、裁定书或调解书",
            "立案、受理或不予立案的通知书",
            "公安、检察机关出具的法律文书",
        ],
    },
    RouteInfo {
        route: Route::Arbitration,
        meaning: "应当通过仲裁解决的事项（劳动人事争议、农村土地承包经营纠纷、约定仲裁的合同纠纷），导入仲裁程序",
        legal_basis: "《信访工作条例》第三十一条第（二）项",
        bodies: "劳动人事争议仲裁委员会；农村土地承包仲裁委员会；仲裁委员会",
        runs_handling_clock: false,
        materials: &[
            "劳动合同、承包合同或含仲裁条款的合同",
            "能证明争议事实的材料（工资条、考勤、收据等）",
        ],
    },
    RouteInfo {
        route: Route::AppealReview,
        meaning: "可以通过党员申诉、申请复审复核等解决的事项，导入相应程序",
        legal_basis: "《信访工作条例》第三十一条第（三）项",
        bodies: "作出处分或者处理决定的党组织、监察机关及其上一级机关",
        runs_handling_clock: false,
        materials: &["处分决定书或处理决定书", "申诉、复审或复核的理由和证明材料"],
    },
    RouteInfo {
        route: Route::AdministrativeDuty,
        meaning: "通过行政复议、裁决、确认、许可、处罚等行政程序，或者由行政机关依法履职解决的事项",
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
        meaning: "民间矛盾纠纷，通过人民调解、行政调解、司法调解化解；机关受理后在办理中调解的，按第三十一条第（六）项办理，适用第三十四条办理期限",
        legal_basis: "《信访工作条例》第三十一条第（六）项、第三十三条、第三十四条、第三十七条",
        bodies: "人民调解委员会；乡镇（街道）矛盾纠纷调处化解中心；有关行政机关",
        runs_handling_clock: true,
        materials: &[
            "对方当事人的姓名、住址和联系方式",
            "合同、协议、收据、照片等证据材料",
            "村（居）调解过的，带调解记录或协议",
        ],
    },
    RouteInfo {
        route: Route::PetitionRequest,
        meaning: "其他申诉求决事项，按信访程序办理，适用第三十四条办理期限；建议意见类事项在此研究论证并回复（第二十九条），不适用办理期限",
        legal_basis: "《信访工作条例》第二十九条、第三十一条第（六）项、第三十四条",
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
        .unwrap_or(ROUTES[ROUTES.len() - 1])
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
    /// The law's content type (第二十九、三十、三十一条): from the list, else 检举控告类 on
    /// the 纪检举报 route and 申诉求决类 elsewhere.
    pub content_type: ContentType,
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
    /// The content type, for `Registration::content_type`.
    pub content_type: ContentType,
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
    /// A type names a content type that is not one of the law's three.
    #[error("「{id}」content_type：{source}")]
    UnknownContentType {
        /// The type's id.
        id: String,
        /// Why it was rejected.
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
    #[serde(default)]
    content_type: Option<String>,
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
pub const EMBEDDED_LISTS: &[&str] = &[include_str!("../../data/guide/2026-Q4.toml")];

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
            let content_type = match &t.content_type {
                Some(c) => {
                    ContentType::parse(c).map_err(|source| GuideError::UnknownContentType {
                        id: id.clone(),
                        source,
                    })?
                }
                None if route == Route::DisciplineReport => ContentType::Accusation,
                None => ContentType::Claim,
            };
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
                content_type,
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
            content_type: t.content_type,
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
