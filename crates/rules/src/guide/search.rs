//! Searching the list: each query word is scored against each type's name, keywords,
//! competent body and law, by Chinese words or pinyin initials, and the scores add up.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use serde::Deserialize;

use super::{ComplaintType, GuideList, route_info};

impl GuideList {
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
        if let Ok(raw) = toml::from_str::<Raw>(include_str!("../../data/guide/initials.toml")) {
            for (letter, chars) in raw.initials {
                for c in chars.chars() {
                    table.entry(c).or_default().push_str(&letter);
                }
            }
        }
        table
    })
}
