//! The mapping: which column of a county's spreadsheet is which field of a case, and how
//! its values map to the vocabularies. A TOML file (see [`Mapping::default_toml`]); the
//! default covers a plain export with Chinese column headers, such as `fengqiao export`
//! writes and `fengqiao import template` starts from.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::ImportError;
use crate::table::{ReadOptions, TextEncoding};

/// The fields a column can fill, with the headers the default mapping looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    SourceNumber,
    RegisteredAt,
    ReceivedOn,
    Channel,
    Source,
    SourceUnit,
    SourceDate,
    Township,
    Village,
    Petitioner,
    Phone,
    IdNumber,
    Address,
    Agent,
    Anonymous,
    HeadCount,
    Representatives,
    Request,
    Facts,
    Reasons,
    ContentType,
    Route,
    RouteListVersion,
    ComplaintType,
    ReceivedBy,
    LeadUnit,
    CoUnits,
    Handler,
    ResponsibleLeader,
    FirstVisitOwner,
    Flags,
    Status,
    Events,
    Notes,
}

impl Field {
    /// Every field, in the order of the template's columns.
    pub const ALL: &'static [Field] = &[
        Field::SourceNumber,
        Field::RegisteredAt,
        Field::ReceivedOn,
        Field::Channel,
        Field::Source,
        Field::SourceUnit,
        Field::SourceDate,
        Field::Township,
        Field::Village,
        Field::Petitioner,
        Field::Phone,
        Field::IdNumber,
        Field::Address,
        Field::Agent,
        Field::Anonymous,
        Field::HeadCount,
        Field::Representatives,
        Field::Request,
        Field::Facts,
        Field::Reasons,
        Field::ContentType,
        Field::Route,
        Field::RouteListVersion,
        Field::ComplaintType,
        Field::ReceivedBy,
        Field::LeadUnit,
        Field::CoUnits,
        Field::Handler,
        Field::ResponsibleLeader,
        Field::FirstVisitOwner,
        Field::Flags,
        Field::Status,
        Field::Events,
        Field::Notes,
    ];

    /// The key in the mapping's `[columns]`.
    pub fn key(self) -> &'static str {
        match self {
            Field::SourceNumber => "source_number",
            Field::RegisteredAt => "registered_at",
            Field::ReceivedOn => "received_on",
            Field::Channel => "channel",
            Field::Source => "source",
            Field::SourceUnit => "source_unit",
            Field::SourceDate => "source_date",
            Field::Township => "township",
            Field::Village => "village",
            Field::Petitioner => "petitioner",
            Field::Phone => "phone",
            Field::IdNumber => "id_number",
            Field::Address => "address",
            Field::Agent => "agent",
            Field::Anonymous => "anonymous",
            Field::HeadCount => "head_count",
            Field::Representatives => "representatives",
            Field::Request => "request",
            Field::Facts => "facts",
            Field::Reasons => "reasons",
            Field::ContentType => "content_type",
            Field::Route => "route",
            Field::RouteListVersion => "route_list_version",
            Field::ComplaintType => "complaint_type",
            Field::ReceivedBy => "received_by",
            Field::LeadUnit => "lead_unit",
            Field::CoUnits => "co_units",
            Field::Handler => "handler",
            Field::ResponsibleLeader => "responsible_leader",
            Field::FirstVisitOwner => "first_visit_owner",
            Field::Flags => "flags",
            Field::Status => "status",
            Field::Events => "events",
            Field::Notes => "notes",
        }
    }

    /// The headers the default mapping takes for it, in order of preference; the first is
    /// the template's (and `fengqiao export`'s) header.
    pub fn default_headers(self) -> &'static [&'static str] {
        match self {
            // An exported case keeps the number it came with; one registered there is
            // known by that county's number.
            Field::SourceNumber => &["原编号", "案件编号"],
            Field::RegisteredAt => &["登记时间"],
            Field::ReceivedOn => &["收到日期"],
            Field::Channel => &["渠道"],
            Field::Source => &["来源"],
            Field::SourceUnit => &["来源单位"],
            Field::SourceDate => &["来源收到日期"],
            Field::Township => &["乡镇"],
            Field::Village => &["村社区"],
            Field::Petitioner => &["信访人"],
            Field::Phone => &["联系电话"],
            Field::IdNumber => &["身份证号"],
            Field::Address => &["住址"],
            Field::Agent => &["代理人"],
            Field::Anonymous => &["匿名"],
            Field::HeadCount => &["人数"],
            Field::Representatives => &["代表人"],
            Field::Request => &["诉求"],
            Field::Facts => &["事实"],
            Field::Reasons => &["理由"],
            Field::ContentType => &["内容类别"],
            Field::Route => &["途径"],
            Field::RouteListVersion => &["目录版本"],
            Field::ComplaintType => &["问题类型"],
            Field::ReceivedBy => &["受理单位"],
            Field::LeadUnit => &["责任单位"],
            Field::CoUnits => &["协办单位"],
            Field::Handler => &["承办人"],
            Field::ResponsibleLeader => &["包案领导"],
            Field::FirstVisitOwner => &["首办负责人"],
            Field::Flags => &["标记"],
            Field::Status => &["状态"],
            Field::Events => &["办理过程"],
            Field::Notes => &["备注"],
        }
    }

    /// The template's header.
    pub fn header(self) -> &'static str {
        self.default_headers().first().copied().unwrap_or("")
    }

    /// A field every row needs: without its column nothing can be imported.
    pub fn required(self) -> bool {
        matches!(
            self,
            Field::SourceNumber
                | Field::ReceivedOn
                | Field::Channel
                | Field::Township
                | Field::Request
        )
    }

    /// The stored case fields (paths) it fills: a re-import compares only these.
    pub fn paths(self) -> &'static [&'static str] {
        match self {
            Field::SourceNumber | Field::RegisteredAt | Field::Status => &[],
            Field::Events | Field::Notes => &[],
            Field::ReceivedOn => &["received_on"],
            Field::Channel => &["channel"],
            Field::Source | Field::SourceUnit | Field::SourceDate => &["source"],
            Field::Township => &["township"],
            Field::Village => &["village"],
            Field::Petitioner
            | Field::Phone
            | Field::IdNumber
            | Field::Address
            | Field::Agent
            | Field::Anonymous => &["petitioners"],
            Field::HeadCount => &["head_count"],
            Field::Representatives => &["representatives"],
            Field::Request => &["content.request"],
            Field::Facts => &["content.facts"],
            Field::Reasons => &["content.reasons"],
            Field::ContentType => &["content_type"],
            Field::Route => &["route"],
            Field::RouteListVersion => &["route_list_version"],
            Field::ComplaintType => &["complaint_type"],
            Field::ReceivedBy => &["received_by"],
            Field::LeadUnit => &["lead_unit"],
            Field::CoUnits => &["co_units"],
            Field::Handler => &["handler"],
            Field::ResponsibleLeader => &["responsible_leader"],
            Field::FirstVisitOwner => &["first_visit_owner"],
            Field::Flags => &[
                "flags.group",
                "flags.skipped_level",
                "flags.repeat",
                "flags.first_time",
                "flags.major_urgent",
                "flags.supervised",
                "flags.confidential",
            ],
        }
    }

    /// The field a stored path (or a validation error's field name) belongs to.
    pub fn of_path(path: &str) -> Option<Field> {
        let path = match path {
            "petitioners.name" => return Some(Field::Petitioner),
            "petitioners.phone" => return Some(Field::Phone),
            "content.request" | "request" => return Some(Field::Request),
            "events" => return Some(Field::Events),
            "source_number" => return Some(Field::SourceNumber),
            "registered_at" => return Some(Field::RegisteredAt),
            p => p,
        };
        Field::ALL.iter().copied().find(|f| {
            f.paths()
                .iter()
                .any(|p| *p == path || p.starts_with(&format!("{path}.")))
        })
    }

    fn parse(key: &str) -> Option<Field> {
        Field::ALL.iter().copied().find(|f| f.key() == key)
    }
}

/// The vocabularies a mapping can translate values into.
pub const VALUE_TABLES: &[(&str, &str)] = &[
    ("channel", "渠道"),
    ("source", "来源"),
    ("content_type", "内容类别"),
    ("route", "途径"),
    ("status", "状态"),
    ("event", "办理过程中的事件名称"),
    ("flag", "标记"),
    ("reply", "答复意见"),
    ("satisfaction", "满意度"),
];

/// A parsed mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    pub read: ReadOptions,
    /// Each field's candidate headers (the first non-empty cell among those present
    /// wins); an empty list: the source has no such column.
    pub columns: BTreeMap<Field, Vec<String>>,
    /// Fields the mapping itself names (not defaults): their columns must exist.
    pub named: Vec<Field>,
    /// Columns that hold the date of one event kind each (`受理日期` → `accepted`).
    pub event_dates: BTreeMap<String, String>,
    /// Per vocabulary: source value → our value (a code or a Chinese name).
    pub values: BTreeMap<String, BTreeMap<String, String>>,
    /// Extra date formats (chrono syntax), tried before the built-in ones.
    pub date_formats: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    #[serde(default)]
    file: FileSection,
    #[serde(default)]
    columns: BTreeMap<String, OneOrMany>,
    #[serde(default)]
    event_dates: BTreeMap<String, String>,
    #[serde(default)]
    values: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(default)]
    dates: DateSection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSection {
    #[serde(default)]
    encoding: TextEncoding,
    #[serde(default)]
    sheet: String,
    header_row: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DateSection {
    #[serde(default)]
    formats: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// Words a county's old system commonly uses for our vocabularies, taken by default.
const DEFAULT_VALUES: &[(&str, &str, &str)] = &[
    ("channel", "电话", "phone"),
    ("channel", "信件", "letter"),
    ("channel", "走访", "visit"),
    ("channel", "网上信访", "online"),
    ("channel", "网信", "online"),
    ("channel", "12345", "12345"),
    ("source", "本级", "own"),
    ("source", "自行登记", "own"),
    ("source", "上级交办", "assigned"),
    ("source", "转来", "forwarded"),
];

impl Default for Mapping {
    fn default() -> Self {
        let mut values: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for (table, from, to) in DEFAULT_VALUES {
            values
                .entry((*table).to_owned())
                .or_default()
                .insert((*from).to_owned(), (*to).to_owned());
        }
        Mapping {
            read: ReadOptions {
                header_row: 1,
                ..ReadOptions::default()
            },
            columns: Field::ALL
                .iter()
                .map(|f| {
                    (
                        *f,
                        f.default_headers()
                            .iter()
                            .map(|h| (*h).to_owned())
                            .collect(),
                    )
                })
                .collect(),
            named: Vec::new(),
            event_dates: BTreeMap::new(),
            values,
            date_formats: Vec::new(),
        }
    }
}

impl Mapping {
    /// Reads a mapping file; what it leaves out keeps the default. `name` is for errors.
    pub fn from_toml(text: &str, name: &str) -> Result<Mapping, ImportError> {
        let bad = |why: String| ImportError::BadMapping {
            file: name.to_owned(),
            why,
        };
        let file: MappingFile = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        let mut mapping = Mapping::default();
        mapping.read.encoding = file.file.encoding;
        mapping.read.sheet = file.file.sheet;
        if let Some(row) = file.file.header_row {
            if row == 0 {
                return Err(bad("[file] header_row 从 1 开始计数".into()));
            }
            mapping.read.header_row = row;
        }
        for (key, headers) in file.columns {
            let field = Field::parse(&key).ok_or_else(|| {
                bad(format!(
                    "[columns] 中的“{key}”不是可导入的字段；可用：{}",
                    Field::ALL
                        .iter()
                        .map(|f| f.key())
                        .collect::<Vec<_>>()
                        .join("、")
                ))
            })?;
            let headers: Vec<String> = match headers {
                OneOrMany::One(h) => vec![h],
                OneOrMany::Many(hs) => hs,
            }
            .into_iter()
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty())
            .collect();
            if !headers.is_empty() {
                mapping.named.push(field);
            }
            mapping.columns.insert(field, headers);
        }
        for (header, kind) in file.event_dates {
            if crate::cells::dated_kind(&kind, None).is_none() {
                return Err(bad(format!(
                    "[event_dates] “{header}” = “{kind}”：只有不带详情的事件可按日期列导入（{}）",
                    crate::cells::DATED_KINDS.join("、")
                )));
            }
            mapping.event_dates.insert(header.trim().to_owned(), kind);
        }
        for (table, entries) in file.values {
            if !VALUE_TABLES.iter().any(|(t, _)| *t == table) {
                return Err(bad(format!(
                    "[values.{table}] 不是可映射的词表；可用：{}",
                    VALUE_TABLES
                        .iter()
                        .map(|(t, zh)| format!("{t}（{zh}）"))
                        .collect::<Vec<_>>()
                        .join("、")
                )));
            }
            let target = mapping.values.entry(table).or_default();
            for (from, to) in entries {
                target.insert(from.trim().to_owned(), to.trim().to_owned());
            }
        }
        mapping.date_formats = file.dates.formats;
        Ok(mapping)
    }

    /// Translates a source value through the mapping's table (unchanged if not listed).
    pub fn value<'a>(&'a self, table: &str, source: &'a str) -> &'a str {
        self.values
            .get(table)
            .and_then(|t| t.get(source.trim()))
            .map_or(source.trim(), String::as_str)
    }

    /// The default mapping as a commented TOML file, for a county to copy and edit.
    pub fn default_toml() -> String {
        let mut out = String::from(
            "# 枫桥导入映射（fengqiao import cases 文件 --mapping 本文件）\n\
             # 未写的部分按默认：表头与 fengqiao import template 生成的模板相同。\n\n\
             [file]\n\
             # 编码：auto（UTF-8 或 GB18030 自动识别）、utf-8、gb18030\n\
             encoding = \"auto\"\n\
             # Excel 工作表名；空为第一个\n\
             sheet = \"\"\n\
             # 表头所在行\n\
             header_row = 1\n\n\
             [columns]\n\
             # 字段 = \"表头\"，或 [\"表头1\", \"表头2\"]（取第一个非空的）；\"\" 表示源表没有这一列\n",
        );
        for f in Field::ALL {
            let headers = f.default_headers();
            let value = if headers.len() == 1 {
                format!("\"{}\"", headers[0])
            } else {
                format!(
                    "[{}]",
                    headers
                        .iter()
                        .map(|h| format!("\"{h}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            out.push_str(&format!("{} = {value}\n", f.key()));
        }
        out.push_str(
            "\n[event_dates]\n\
             # 每列一个事件的日期，例如：\n\
             # \"受理日期\" = \"accepted\"\n\
             # \"办结日期\" = \"closed\"\n\n\
             # 源表的取值 → 本系统的取值（代码或中文名），例如：\n\
             [values.channel]\n",
        );
        for (table, from, to) in DEFAULT_VALUES {
            if *table == "channel" {
                out.push_str(&format!("\"{from}\" = \"{to}\"\n"));
            }
        }
        out.push_str("\n[values.source]\n");
        for (table, from, to) in DEFAULT_VALUES {
            if *table == "source" {
                out.push_str(&format!("\"{from}\" = \"{to}\"\n"));
            }
        }
        out.push_str(
            "\n# [values.route]、[values.status]、[values.event]、[values.flag]、\n\
             # [values.content_type]、[values.reply]、[values.satisfaction] 同理。\n\n\
             [dates]\n\
             # 额外的日期格式（chrono 写法），先于内置格式尝试；内置：2026-03-01、2026/3/1、\n\
             # 2026.3.1、2026年3月1日、20260301、Excel 日期序号\n\
             formats = []\n",
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_mapping_file_reads_back_as_the_default() {
        let read = Mapping::from_toml(&Mapping::default_toml(), "default.toml").expect("reads");
        let default = Mapping::default();
        assert_eq!(read.columns, default.columns);
        assert_eq!(read.values, default.values);
        assert_eq!(read.read, default.read);
    }

    #[test]
    fn a_county_mapping_overrides_columns_and_values_and_bad_ones_are_named() {
        let m = Mapping::from_toml(
            "[file]\nencoding = \"gb18030\"\n[columns]\nsource_number = \"信访件编号\"\nvillage = \"\"\n\
             [values.channel]\n\"群众来访\" = \"visit\"\n[event_dates]\n\"办结时间\" = \"closed\"\n",
            "m.toml",
        )
        .expect("reads");
        assert_eq!(m.read.encoding, TextEncoding::Gb18030);
        assert_eq!(m.columns[&Field::SourceNumber], ["信访件编号"]);
        assert!(m.columns[&Field::Village].is_empty());
        assert_eq!(m.columns[&Field::Township], ["乡镇"]);
        assert_eq!(m.named, [Field::SourceNumber]);
        assert_eq!(m.value("channel", "群众来访"), "visit");
        assert_eq!(m.value("channel", "来访"), "来访");
        for (text, needle) in [
            ("[columns]\nnmae = \"姓名\"\n", "nmae"),
            ("[values.colour]\n\"红\" = \"red\"\n", "colour"),
            ("[event_dates]\n\"答复日期\" = \"replied\"\n", "答复日期"),
            ("[file]\nheader_row = 0\n", "header_row"),
            ("[columns\n", "m.toml"),
        ] {
            let err = Mapping::from_toml(text, "m.toml").unwrap_err().to_string();
            assert!(err.contains(needle), "{text}: {err}");
        }
    }

    #[test]
    fn paths_lead_back_to_their_fields() {
        assert_eq!(Field::of_path("township"), Some(Field::Township));
        assert_eq!(Field::of_path("content.request"), Some(Field::Request));
        assert_eq!(Field::of_path("petitioners.phone"), Some(Field::Phone));
        assert_eq!(Field::of_path("flags"), Some(Field::Flags));
        assert_eq!(
            Field::of_path("representatives"),
            Some(Field::Representatives)
        );
        assert_eq!(Field::of_path("nothing"), None);
    }
}
