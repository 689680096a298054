//! Templates: the wording, issuing unit, numbering and fonts of a county's documents, as
//! TOML the county edits. Versioned: a document records the version it was issued with, so
//! it can be typeset again from the same text.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::error::{MissingField, PaperError};
use crate::fields::{is_known, label_of};
use crate::kind::{DocKind, Fields};

/// The default templates of each release, oldest first. A released file never changes:
/// documents issued with it are re-rendered from it.
const BUILTIN: &[(&str, &str)] = &[("builtin-1", include_str!("../data/templates-1.toml"))];

/// The fonts a county chose: file names in the data directory's `fonts/` folder; empty
/// means the bundled font.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FontChoice {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
}

/// One kind's template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindTemplate {
    /// The document's title (标题).
    pub title: String,
    /// The number pattern (文号): `{year}`, `{device}`, `{seq}`.
    pub number: String,
    /// Who it is addressed to (主送), e.g. `{petitioner}：`.
    #[serde(default)]
    pub to: String,
    /// The body: one paragraph per line.
    #[serde(default)]
    pub body: String,
    /// A two-column table after the body: label, value.
    #[serde(default)]
    pub rows: Vec<[String; 2]>,
    /// A paragraph after the table.
    #[serde(default)]
    pub note: String,
    /// Fields that may be empty.
    #[serde(default)]
    pub optional: Vec<String>,
    /// Whether it carries the red header (版头); a form without one shows its number
    /// under the title.
    #[serde(default = "yes")]
    pub header: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateFile {
    version: u32,
    issuer: String,
    #[serde(default)]
    fonts: FontChoice,
    #[serde(default)]
    kinds: BTreeMap<String, KindTemplate>,
}

/// A complete, checked set of templates: every kind has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Templates {
    /// Which templates these are: `builtin-1`, or a county's `county-<version>-<hash>`.
    pub key: String,
    /// The version the file declares.
    pub version: u32,
    /// The issuing organ; `{county}` is replaced by the county's name.
    pub issuer: String,
    pub fonts: FontChoice,
    pub kinds: BTreeMap<DocKind, KindTemplate>,
    /// The TOML text they were read from.
    pub text: String,
}

/// Text with the byte ranges of the values filled in, so a short value (a name, a date,
/// a number) is not broken across lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filled {
    pub text: String,
    pub values: Vec<Range<usize>>,
}

/// A document's content, filled and ready to typeset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    /// Whether the red header (版头) is drawn.
    pub header: bool,
    /// The issuing organ (the red header and the signature).
    pub issuer: String,
    pub number: String,
    pub title: String,
    /// 主送; empty when the document has none.
    pub to: Filled,
    pub paragraphs: Vec<Filled>,
    pub rows: Vec<(String, Filled)>,
    pub note: Vec<Filled>,
    /// The date written under the signature (成文日期).
    pub date: String,
}

fn placeholders(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                out.push(&after[..end]);
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    out
}

impl KindTemplate {
    fn texts(&self) -> impl Iterator<Item = &str> {
        [
            self.title.as_str(),
            self.to.as_str(),
            self.body.as_str(),
            self.note.as_str(),
        ]
        .into_iter()
        .chain(self.rows.iter().flat_map(|[a, b]| [a.as_str(), b.as_str()]))
    }

    fn check(&self, kind: DocKind) -> Result<(), PaperError> {
        let bad = |why: String| PaperError::BadTemplate {
            key: format!("kinds.{}", kind.code()),
            why,
        };
        if self.title.trim().is_empty() {
            return Err(bad("缺少标题 title".into()));
        }
        if self.body.trim().is_empty() && self.rows.is_empty() {
            return Err(bad("正文 body 和表格 rows 至少要有一个".into()));
        }
        let number = placeholders(&self.number);
        for needed in ["year", "device", "seq"] {
            if !number.contains(&needed) {
                return Err(bad(format!(
                    "文号格式 number 须含 {{{needed}}}（{{device}} 使两台离线签发的设备不会给出同一文号）"
                )));
            }
        }
        if let Some(other) = number
            .iter()
            .find(|p| !["year", "device", "seq"].contains(p))
        {
            return Err(bad(format!(
                "文号格式 number 只能用 {{year}}、{{device}}、{{seq}}，不能用 {{{other}}}"
            )));
        }
        for text in self.texts() {
            if let Some(unknown) = placeholders(text).into_iter().find(|p| !is_known(kind, p)) {
                return Err(bad(format!(
                    "没有字段 {{{unknown}}}（fengqiao doc kinds 列出可用字段）"
                )));
            }
        }
        if let Some(unknown) = self.optional.iter().find(|p| !is_known(kind, p)) {
            return Err(bad(format!("optional 中没有字段 {unknown}")));
        }
        Ok(())
    }
}

impl Templates {
    /// The defaults of this release.
    pub fn builtin() -> Templates {
        let (key, text) = BUILTIN[BUILTIN.len() - 1];
        // The embedded file is checked by a test; should it ever fail, the error says so.
        Self::parse(key, text, None).unwrap_or_else(|e| Templates {
            key: format!("{key}（{e}）"),
            version: 0,
            issuer: String::new(),
            fonts: FontChoice::default(),
            kinds: BTreeMap::new(),
            text: text.to_owned(),
        })
    }

    /// The built-in templates with this key, if this release knows them.
    pub fn builtin_version(key: &str) -> Option<Templates> {
        BUILTIN
            .iter()
            .find(|(k, _)| *k == key)
            .and_then(|(k, text)| Self::parse(k, text, None).ok())
    }

    /// Reads a county's templates. Kinds the file leaves out come from the built-in
    /// defaults; everything is checked, and the error names the TOML key.
    pub fn from_county_toml(text: &str) -> Result<Templates, PaperError> {
        let builtin = Self::builtin();
        let file: TemplateFile = toml::from_str(text).map_err(|e| PaperError::BadTemplate {
            key: e
                .span()
                .map(|s| format!("第{}行", text[..s.start].lines().count().max(1)))
                .unwrap_or_else(|| "文件".into()),
            why: e.message().to_owned(),
        })?;
        let key = format!("county-{}-{}", file.version, short_hash(text));
        Self::parse(&key, text, Some(&builtin))
    }

    fn parse(
        key: &str,
        text: &str,
        fill_from: Option<&Templates>,
    ) -> Result<Templates, PaperError> {
        let file: TemplateFile = toml::from_str(text).map_err(|e| PaperError::BadTemplate {
            key: key.to_owned(),
            why: e.message().to_owned(),
        })?;
        if file.version == 0 {
            return Err(PaperError::BadTemplate {
                key: "version".into(),
                why: "版本号应从 1 起".into(),
            });
        }
        if file.issuer.trim().is_empty() {
            return Err(PaperError::BadTemplate {
                key: "issuer".into(),
                why: "发文机关不能为空".into(),
            });
        }
        if let Some(p) = placeholders(&file.issuer)
            .into_iter()
            .find(|p| *p != "county" && *p != "unit")
        {
            return Err(PaperError::BadTemplate {
                key: "issuer".into(),
                why: format!("发文机关只能用 {{county}} 和 {{unit}}，不能用 {{{p}}}"),
            });
        }
        let mut kinds = BTreeMap::new();
        for (code, template) in file.kinds {
            let kind = DocKind::parse(&code).map_err(|_| PaperError::BadTemplate {
                key: format!("kinds.{code}"),
                why: "不是文书种类".into(),
            })?;
            template.check(kind)?;
            kinds.insert(kind, template);
        }
        for kind in DocKind::ALL {
            if let std::collections::btree_map::Entry::Vacant(slot) = kinds.entry(kind) {
                let default = fill_from.and_then(|b| b.kinds.get(&kind)).ok_or_else(|| {
                    PaperError::BadTemplate {
                        key: format!("kinds.{}", kind.code()),
                        why: "缺少这种文书的模板".into(),
                    }
                })?;
                slot.insert(default.clone());
            }
        }
        Ok(Templates {
            key: key.to_owned(),
            version: file.version,
            issuer: file.issuer,
            fonts: file.fonts,
            kinds,
            text: text.to_owned(),
        })
    }

    /// The template of `kind` (every kind has one).
    pub fn kind(&self, kind: DocKind) -> Result<&KindTemplate, PaperError> {
        self.kinds
            .get(&kind)
            .ok_or_else(|| PaperError::BadTemplate {
                key: format!("kinds.{}", kind.code()),
                why: "缺少这种文书的模板".into(),
            })
    }

    /// The issuing organ of a document of `county` that `unit` issues (the organ whose
    /// act it is: see the store's `papers.rs`). A unit the case cannot name is the
    /// county's 信访局, the organ every case of the county passes through.
    pub fn issuer_for(&self, county: &str, unit: &str) -> String {
        let unit = match unit.trim() {
            "" => format!("{county}信访局"),
            u => u.to_owned(),
        };
        self.issuer
            .replace("{county}", county)
            .replace("{unit}", &unit)
    }

    /// Fills `kind`'s template with `fields`. Refuses, naming every field, when a required
    /// input or a field the template uses is empty (unless the template lists it as
    /// optional).
    pub fn compose(&self, kind: DocKind, fields: &Fields) -> Result<Composed, PaperError> {
        let t = self.kind(kind)?;
        let value = |k: &str| fields.get(k).map(|v| v.trim()).unwrap_or_default();
        let mut missing: Vec<String> = kind
            .inputs()
            .iter()
            .filter(|i| i.required && value(i.key).is_empty())
            .map(|i| i.key.to_owned())
            .collect();
        // Drawn on every document: the header, the number and the signature's date.
        for always in ["issuer", "number", "date"] {
            if value(always).is_empty() {
                missing.push(always.to_owned());
            }
        }
        let optional = |k: &str| {
            t.optional.iter().any(|o| o == k)
                || kind.inputs().iter().any(|i| i.key == k && !i.required)
        };
        for text in t.texts() {
            for p in placeholders(text) {
                if value(p).is_empty() && !optional(p) && !missing.iter().any(|m| m == p) {
                    missing.push(p.to_owned());
                }
            }
        }
        // The conclusion is derived from the reply type: name the reply only.
        if missing.iter().any(|m| m == "reply") {
            missing.retain(|m| m != "reply_decision");
        }
        if !missing.is_empty() {
            return Err(PaperError::Missing {
                kind: kind.zh(),
                missing: missing
                    .into_iter()
                    .map(|key| MissingField {
                        label: label_of(&key),
                        key,
                    })
                    .collect(),
            });
        }
        let fill = |text: &str| fill(text, fields);
        let paragraphs = |text: &str| -> Vec<Filled> {
            text.lines()
                .filter(|l| !l.trim().is_empty())
                .flat_map(|l| split_lines(fill(l.trim())))
                .collect()
        };
        Ok(Composed {
            header: t.header,
            issuer: value("issuer").to_owned(),
            number: value("number").to_owned(),
            title: fill(&t.title).text,
            to: fill(t.to.trim()),
            paragraphs: paragraphs(&t.body),
            rows: t
                .rows
                .iter()
                .map(|[label, v]| (fill(label).text, fill(v)))
                .collect(),
            note: paragraphs(&t.note),
            date: value("date").to_owned(),
        })
    }

    /// The number pattern's text for `kind`: numbers of one pattern share a sequence.
    pub fn number_pattern(&self, kind: DocKind) -> Result<&str, PaperError> {
        Ok(&self.kind(kind)?.number)
    }
}

/// A document number from its pattern.
pub fn format_number(pattern: &str, year: i32, device: &str, seq: u32) -> String {
    pattern
        .replace("{year}", &year.to_string())
        .replace("{device}", device)
        .replace("{seq}", &seq.to_string())
}

fn short_hash(text: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(text.as_bytes());
    digest[..4].iter().map(|b| format!("{b:02x}")).collect()
}

/// Replaces every `{key}` with its value, remembering where each value went.
fn fill(text: &str, fields: &Fields) -> Filled {
    let mut out = Filled::default();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        out.text.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else {
            out.text.push_str(&rest[start..]);
            return out;
        };
        let value = fields
            .get(&after[..end])
            .map(|v| v.trim())
            .unwrap_or_default();
        let at = out.text.len();
        out.text.push_str(value);
        out.values.push(at..out.text.len());
        rest = &after[end + 1..];
    }
    out.text.push_str(rest);
    out
}

/// Splits filled text at the line breaks a value carried into paragraphs of their own.
fn split_lines(filled: Filled) -> Vec<Filled> {
    if !filled.text.contains('\n') {
        return vec![filled];
    }
    let mut out = Vec::new();
    let mut offset = 0;
    for line in filled.text.split('\n') {
        let range = offset..offset + line.len();
        let values = filled
            .values
            .iter()
            .filter(|v| v.start >= range.start && v.end <= range.end)
            .map(|v| v.start - range.start..v.end - range.start)
            .collect();
        offset = range.end + 1;
        if !line.trim().is_empty() {
            out.push(Filled {
                text: line.trim_end().to_owned(),
                values,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_templates_load_and_cover_every_kind() {
        let t = Templates::builtin();
        assert_eq!(t.key, "builtin-1");
        assert_eq!(t.kinds.len(), DocKind::ALL.len());
        for kind in DocKind::ALL {
            let k = t.kind(kind).unwrap();
            let text: String = k.texts().collect();
            // A letter's article depends on who forwards what: the store fills it in.
            let cites = if kind == DocKind::ForwardingLetter {
                "{forward_basis}"
            } else {
                kind.article()
            };
            assert!(text.contains(cites), "{kind:?} does not cite {cites}");
        }
        assert_eq!(t.issuer_for("宁国市", ""), "宁国市信访局");
        assert_eq!(t.issuer_for("宁国市", "港口镇"), "港口镇");
    }

    #[test]
    fn a_county_file_overrides_some_kinds_and_is_checked_by_key() {
        let text = r#"
version = 3
issuer = "宁国市人民政府信访局"
[kinds.acceptance-notice]
title = "受理告知书"
number = "宁信告〔{year}〕{device}{seq}号"
to = "{petitioner}："
body = "你的信访事项（{case_number}）已受理（《信访工作条例》第二十三条）。"
"#;
        let t = Templates::from_county_toml(text).unwrap();
        assert!(t.key.starts_with("county-3-"), "{}", t.key);
        assert_eq!(
            t.kind(DocKind::AcceptanceNotice).unwrap().title,
            "受理告知书"
        );
        assert_eq!(
            t.kind(DocKind::HandlingOpinion).unwrap(),
            Templates::builtin().kind(DocKind::HandlingOpinion).unwrap()
        );
        let no_device = text.replace("{device}", "");
        let err = Templates::from_county_toml(&no_device)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("kinds.acceptance-notice") && err.contains("{device}"),
            "{err}"
        );
        let typo = text.replace("{case_number}", "{case_no}");
        let err = Templates::from_county_toml(&typo).unwrap_err().to_string();
        assert!(err.contains("{case_no}"), "{err}");
        let unknown_key = text.replace("title =", "titel =");
        assert!(Templates::from_county_toml(&unknown_key).is_err());
    }

    #[test]
    fn composing_refuses_naming_every_missing_field() {
        let t = Templates::builtin();
        let mut fields = Fields::new();
        fields.insert("petitioner".into(), "张三".into());
        let err = t
            .compose(DocKind::NonAcceptanceNotice, &fields)
            .unwrap_err();
        let PaperError::Missing { missing, .. } = &err else {
            panic!("{err}");
        };
        let keys: Vec<&str> = missing.iter().map(|m| m.key.as_str()).collect();
        for key in [
            "reason",
            "redirect",
            "received_on",
            "case_number",
            "number",
            "date",
        ] {
            assert!(keys.contains(&key), "{key} not named in {err}");
        }
        assert!(
            err.to_string().contains("不予受理的理由（reason）"),
            "{err}"
        );
    }

    #[test]
    fn values_keep_their_ranges_and_their_own_line_breaks() {
        let mut fields = Fields::new();
        fields.insert("a".into(), "张三".into());
        fields.insert("b".into(), "第一段\n第二段".into());
        let f = fill("致{a}：{b}", &fields);
        assert_eq!(&f.text[f.values[0].clone()], "张三");
        let parts = split_lines(f);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].text, "致张三：第一段");
        assert_eq!(&parts[0].text[parts[0].values[0].clone()], "张三");
        assert_eq!(parts[1].text, "第二段");
        assert_eq!(
            format_number("宁信告〔{year}〕{device}-{seq}号", 2026, "K7M2Q", 3),
            "宁信告〔2026〕K7M2Q-3号"
        );
    }
}
