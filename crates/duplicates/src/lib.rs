//! Duplicate detection: which cases (and petitioners) registered on different laptops are
//! the same. Pure functions over plain [`CaseProfile`]s; the store feeds them and records
//! what a person decides (merge, unmerge, "not a duplicate").
//!
//! How a pair is found and scored:
//! 1. **Normalisation** ([`fold`]): full-width → half-width, traditional → simplified
//!    ([`to_simplified`], a documented table), ASCII lower case, whitespace and punctuation
//!    dropped. Phones keep their digits (a leading `86` country code dropped); ID numbers
//!    their digits and `X`.
//! 2. **Blocking** (so 10,000 cases a year never means 50 million pairs): each case emits
//!    keys — its petitioners' ID numbers, phones, names within the township, names with
//!    one character masked within the village (catches a typo in a name) — and only cases
//!    that share a key are compared. Blocks larger than [`MAX_BLOCK`] are skipped (a key
//!    that common identifies nobody).
//! 3. **Scoring** ([`score_pair`]): a petitioner score (same ID number; same phone and name;
//!    name similarity by edit distance on characters; a different ID number or phone
//!    counts against), a content score (Dice coefficient of character bigrams — Chinese
//!    has no spaces, so characters, not words), and a place score (same village /
//!    township). `0.55·person + 0.30·content + 0.15·place`.
//!    A pair is [`MatchKind::SameCase`] from [`SAME_CASE_THRESHOLD`] (and with some
//!    content in common), [`MatchKind::SamePetitioner`] when only the person matches.
//!
//! Measured on a generated county with planted duplicates (the store's
//! `tests/duplicates_quality.rs`, `cargo run --release -p fengqiao-store --example
//! duplicate_quality`): see docs/PERFORMANCE.md for the figures.

mod t2s;

use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};

use chrono::NaiveDate;
use fengqiao_model::{
    Case, CaseEvent, CaseId, CaseStatus, EventKind, Petitioner, Registration, event,
};
use serde::{Deserialize, Serialize};

pub use t2s::{to_simplified, to_traditional};

/// A pair scoring at least this is reported as the same case.
pub const SAME_CASE_THRESHOLD: f32 = 0.72;
/// A pair whose petitioner score reaches this is reported as the same petitioner.
pub const SAME_PETITIONER_THRESHOLD: f32 = 0.8;
/// Blocks with more members than this are skipped: such a key identifies nobody.
pub const MAX_BLOCK: usize = 400;

/// How far a case has gone, as far as a new registration of the same matter is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Finality {
    /// Still being handled (or registered and not yet closed).
    Open,
    /// Closed (办结/息诉) or not accepted; a new registration is a repeat petition (重复访).
    Closed,
    /// Final after re-review, finalised, or already refused as 不再受理: the same facts
    /// and reasons are not accepted again (第三十六条第三款).
    Final,
}

impl Finality {
    /// Derives finality from a case's events.
    pub fn of(events: &[CaseEvent]) -> Finality {
        let is_final = events.iter().any(|e| {
            matches!(
                e.kind,
                EventKind::ReReviewOpinion { .. }
                    | EventKind::Finalized
                    | EventKind::NotReaccepted { .. }
            )
        });
        if is_final {
            return Finality::Final;
        }
        let mut sorted = events.to_vec();
        event::sort_events(&mut sorted);
        if event::status_of(&sorted).is_open() {
            Finality::Open
        } else {
            Finality::Closed
        }
    }
}

/// One petitioner as detection sees them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PersonFacts {
    pub name: String,
    pub phone: String,
    pub id_number: String,
    pub address: String,
}

impl From<&Petitioner> for PersonFacts {
    fn from(p: &Petitioner) -> Self {
        PersonFacts {
            name: p.name.clone(),
            phone: p.phone.clone(),
            id_number: p.id_number.clone(),
            address: p.address.clone(),
        }
    }
}

/// What detection needs of a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseProfile {
    pub id: CaseId,
    pub number: String,
    pub received_on: NaiveDate,
    pub township: String,
    pub village: String,
    /// Petitioners, then representatives.
    pub people: Vec<PersonFacts>,
    /// Request, facts and reasons.
    pub content: String,
    pub status: CaseStatus,
    pub finality: Finality,
}

impl CaseProfile {
    /// The profile of a stored case with its events.
    pub fn of(case: &Case, events: &[CaseEvent]) -> CaseProfile {
        let mut sorted = events.to_vec();
        event::sort_events(&mut sorted);
        CaseProfile {
            status: event::status_of(&sorted),
            finality: Finality::of(events),
            ..CaseProfile::of_registration(case.id, &case.number.to_string(), &case.registration)
        }
    }

    /// The profile of a registration not yet (or just) saved: open, no events.
    pub fn of_registration(id: CaseId, number: &str, reg: &Registration) -> CaseProfile {
        CaseProfile {
            id,
            number: number.to_owned(),
            received_on: reg.received_on,
            township: reg.township.clone(),
            village: reg.village.clone(),
            people: reg
                .petitioners
                .iter()
                .chain(&reg.representatives)
                .map(PersonFacts::from)
                .collect(),
            content: format!(
                "{} {} {}",
                reg.content.request, reg.content.facts, reg.content.reasons
            ),
            status: CaseStatus::Registered,
            finality: Finality::Open,
        }
    }
}

/// Whether a pair is the same matter or only the same person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchKind {
    /// The same petitioner with the same matter: a duplicate registration or a repeat
    /// petition; merging is offered.
    SameCase,
    /// The same petitioner with another matter: shown for context, not for merging.
    SamePetitioner,
}

impl MatchKind {
    /// The Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            MatchKind::SameCase => "疑似同一事项",
            MatchKind::SamePetitioner => "同一信访人",
        }
    }
}

/// Why a pair was scored as it was.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Evidence {
    SameIdNumber,
    DifferentIdNumber,
    SamePhone,
    DifferentPhone,
    SameName,
    SimilarName { similarity: f32 },
    SimilarAddress { similarity: f32 },
    DifferentAddress,
    SameVillage,
    SameTownship,
    SimilarContent { similarity: f32 },
}

impl Evidence {
    /// A short Chinese description.
    pub fn zh(&self) -> String {
        match self {
            Evidence::SameIdNumber => "身份证号相同".into(),
            Evidence::DifferentIdNumber => "身份证号不同".into(),
            Evidence::SamePhone => "电话相同".into(),
            Evidence::DifferentPhone => "电话不同".into(),
            Evidence::SameName => "姓名相同".into(),
            Evidence::SimilarName { similarity } => format!("姓名相近({similarity:.2})"),
            Evidence::SimilarAddress { similarity } => format!("住址相近({similarity:.2})"),
            Evidence::DifferentAddress => "住址不同".into(),
            Evidence::SameVillage => "同一村(社区)".into(),
            Evidence::SameTownship => "同一乡镇".into(),
            Evidence::SimilarContent { similarity } => format!("诉求内容相似({similarity:.2})"),
        }
    }
}

/// A candidate pair. `a` sorts before `b`, so a pair has one form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub a: CaseId,
    pub b: CaseId,
    pub a_number: String,
    pub b_number: String,
    pub kind: MatchKind,
    /// 0–1.
    pub score: f32,
    pub person_score: f32,
    pub content_score: f32,
    pub evidence: Vec<Evidence>,
}

impl Candidate {
    /// The pair as an ordered key.
    pub fn pair(&self) -> (CaseId, CaseId) {
        (self.a, self.b)
    }
}

/// A pair in its one form (smaller id first).
pub fn pair_key(x: CaseId, y: CaseId) -> (CaseId, CaseId) {
    if x <= y { (x, y) } else { (y, x) }
}

// ----- normalisation -----

/// Folds text for matching: full-width → half-width, traditional → simplified, ASCII
/// lower case; whitespace and punctuation (ASCII and CJK) are dropped.
pub fn fold(s: &str) -> String {
    s.chars().filter_map(fold_char).collect()
}

fn fold_char(c: char) -> Option<char> {
    let c = match c as u32 {
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        0x3000 => ' ',
        _ => c,
    };
    if c.is_whitespace() || c.is_ascii_punctuation() || is_cjk_punctuation(c) {
        return None;
    }
    Some(to_simplified(c.to_ascii_lowercase()))
}

fn is_cjk_punctuation(c: char) -> bool {
    matches!(c as u32,
        0x3000..=0x303F     // CJK symbols and punctuation: 、。「」《》【】
        | 0x2010..=0x206F   // general punctuation: “” ‘’ … —
        | 0xFE30..=0xFE4F   // CJK compatibility forms
        | 0xFE50..=0xFE6F   // small form variants
        | 0x00B7            // middle dot in names: 阿依古丽·买买提
    )
}

/// A phone number's digits, without a leading `86`/`0086`; empty unless 7+ digits.
pub fn fold_phone(s: &str) -> String {
    let digits: String = fold(s).chars().filter(char::is_ascii_digit).collect();
    let digits = if digits.len() > 11 {
        digits
            .strip_prefix("0086")
            .or_else(|| digits.strip_prefix("86"))
            .unwrap_or(&digits)
            .to_owned()
    } else {
        digits
    };
    if digits.len() >= 7 {
        digits
    } else {
        String::new()
    }
}

/// An ID number's digits and `X`; empty unless it has the 15 or 18 characters of one.
pub fn fold_id_number(s: &str) -> String {
    let id: String = fold(s)
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == 'x')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if id.len() == 15 || id.len() == 18 {
        id
    } else {
        String::new()
    }
}

/// Sorted, distinct character bigrams of folded text (a single character counts as one).
pub fn bigrams(folded: &str) -> Vec<u64> {
    let chars: Vec<char> = folded.chars().collect();
    let mut out: Vec<u64> = if chars.len() == 1 {
        vec![u64::from(chars[0] as u32)]
    } else {
        chars
            .windows(2)
            .map(|w| (u64::from(w[0] as u32) << 32) | u64::from(w[1] as u32))
            .collect()
    };
    out.sort_unstable();
    out.dedup();
    out
}

/// Dice coefficient of two sorted bigram sets: 2·|A∩B| / (|A|+|B|); 0 when both are empty.
pub fn dice(a: &[u64], b: &[u64]) -> f32 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    (2 * common) as f32 / (a.len() + b.len()) as f32
}

/// Text similarity of two strings: Dice on character bigrams after folding.
pub fn text_similarity(a: &str, b: &str) -> f32 {
    dice(&bigrams(&fold(a)), &bigrams(&fold(b)))
}

/// Name similarity: 1 − edit distance / longer length, on folded characters.
pub fn name_similarity(a: &str, b: &str) -> f32 {
    let a: Vec<char> = fold(a).chars().collect();
    let b: Vec<char> = fold(b).chars().collect();
    chars_similarity(&a, &b)
}

fn chars_similarity(a: &[char], b: &[char]) -> f32 {
    let longest = a.len().max(b.len());
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    1.0 - levenshtein(a, b) as f32 / longest as f32
}

fn levenshtein(a: &[char], b: &[char]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// What identifies a household in a folded address: the address without the township
/// and village every neighbour shares, and without a leading county or city
/// (`宁国市港口镇西村3组` and `3组，西村，港口镇` both give `3组`).
fn household_address(folded: &str, township: &str, village: &str) -> Vec<u64> {
    let mut rest = folded.to_owned();
    for part in [township, village] {
        if !part.is_empty() {
            rest = rest.replace(part, "");
        }
    }
    let head: Vec<(usize, char)> = rest.char_indices().take(6).collect();
    if let Some((i, c)) = head
        .iter()
        .find(|(_, c)| matches!(c, '市' | '县' | '区' | '省'))
    {
        rest = rest[i + c.len_utf8()..].to_owned();
    }
    bigrams(&rest)
}

// ----- prepared profiles -----

struct PreparedPerson {
    name: Vec<char>,
    phone: String,
    id: String,
    address: Vec<u64>,
}

/// A profile folded once, so scoring a pair is only comparisons.
struct Prepared<'a> {
    profile: &'a CaseProfile,
    people: Vec<PreparedPerson>,
    content: Vec<u64>,
    township: String,
    village: String,
}

impl<'a> Prepared<'a> {
    fn new(profile: &'a CaseProfile) -> Self {
        let township = fold(&profile.township);
        let village = fold(&profile.village);
        let people = profile
            .people
            .iter()
            .map(|p| {
                let address = household_address(&fold(&p.address), &township, &village);
                PreparedPerson {
                    name: fold(&p.name).chars().collect(),
                    phone: fold_phone(&p.phone),
                    id: fold_id_number(&p.id_number),
                    address,
                }
            })
            .collect();
        Prepared {
            profile,
            people,
            content: bigrams(&fold(&profile.content)),
            township,
            village,
        }
    }

    /// Blocking keys: cases that share none are never compared.
    fn keys(&self, out: &mut Vec<u64>) {
        fn key(parts: impl Hash) -> u64 {
            let mut h = DefaultHasher::new();
            parts.hash(&mut h);
            h.finish()
        }
        for p in &self.people {
            if !p.id.is_empty() {
                out.push(key(('i', &p.id)));
            }
            if !p.phone.is_empty() {
                out.push(key(('p', &p.phone)));
            }
            if !p.name.is_empty() {
                out.push(key(('n', &self.township, &p.name)));
                if p.name.len() >= 2 {
                    for masked in 0..p.name.len() {
                        let mut name = p.name.clone();
                        name[masked] = '*';
                        out.push(key(('m', &self.township, &self.village, &name)));
                    }
                }
            }
        }
    }
}

fn person_score(
    a: &PreparedPerson,
    b: &PreparedPerson,
    same_village: bool,
) -> (f32, Vec<Evidence>) {
    let mut evidence = Vec::new();
    let mut name = chars_similarity(&a.name, &b.name);
    // Clerks ask for the surname explicitly; a different one is another family, not a slip
    // of the input method.
    if a.name.first() != b.name.first() {
        name *= 0.5;
    }
    if !a.id.is_empty() && !b.id.is_empty() {
        if a.id == b.id {
            evidence.push(Evidence::SameIdNumber);
            if name >= 1.0 {
                evidence.push(Evidence::SameName);
            }
            return (1.0, evidence);
        }
        // One mistyped digit is a typo, not another person.
        let (ia, ib): (Vec<char>, Vec<char>) = (a.id.chars().collect(), b.id.chars().collect());
        if levenshtein(&ia, &ib) > 1 {
            evidence.push(Evidence::DifferentIdNumber);
            return (0.0, evidence);
        }
    }
    if name >= 1.0 {
        evidence.push(Evidence::SameName);
    } else if name > 0.0 {
        evidence.push(Evidence::SimilarName { similarity: name });
    }
    // Both households given: alike is support, unlike (another 组, another house, another
    // village) is evidence of a namesake.
    let address = match (a.address.is_empty(), b.address.is_empty()) {
        (false, false) if same_village => Some(dice(&a.address, &b.address)),
        (false, false) => Some(0.0),
        _ => None,
    };
    let address_factor = match address {
        Some(similarity) if similarity >= 0.5 => {
            evidence.push(Evidence::SimilarAddress { similarity });
            1.0 + 0.1 * similarity
        }
        Some(_) => {
            evidence.push(Evidence::DifferentAddress);
            0.5
        }
        None => 1.0,
    };
    let score = match (a.phone.is_empty(), b.phone.is_empty()) {
        (false, false) if a.phone == b.phone => {
            evidence.push(Evidence::SamePhone);
            0.6 + 0.4 * name
        }
        (false, false) => {
            evidence.push(Evidence::DifferentPhone);
            0.4 * name * address_factor
        }
        _ => 0.85 * name * address_factor,
    };
    (score.min(1.0), evidence)
}

/// Scores a pair; `None` when it is neither the same case nor the same petitioner.
fn score_prepared(a: &Prepared<'_>, b: &Prepared<'_>) -> Option<Candidate> {
    let mut person = 0.0_f32;
    let mut evidence = Vec::new();
    let same_village = a.township == b.township && a.village == b.village;
    for pa in &a.people {
        for pb in &b.people {
            let (s, e) = person_score(pa, pb, same_village);
            if s > person || evidence.is_empty() {
                person = person.max(s);
                evidence = e;
            }
        }
    }
    let content = dice(&a.content, &b.content);
    let place = if a.township == b.township {
        if !a.village.is_empty() && a.village == b.village {
            evidence.push(Evidence::SameVillage);
            1.0
        } else {
            evidence.push(Evidence::SameTownship);
            0.5
        }
    } else {
        0.0
    };
    if content > 0.0 {
        evidence.push(Evidence::SimilarContent {
            similarity: content,
        });
    }
    let score = 0.55 * person + 0.30 * content + 0.15 * place;
    let kind = if score >= SAME_CASE_THRESHOLD && person >= 0.4 && content >= 0.3 {
        MatchKind::SameCase
    } else if person >= SAME_PETITIONER_THRESHOLD {
        MatchKind::SamePetitioner
    } else {
        return None;
    };
    let (x, y) = (a.profile, b.profile);
    let (first, second) = if x.id <= y.id { (x, y) } else { (y, x) };
    Some(Candidate {
        a: first.id,
        b: second.id,
        a_number: first.number.clone(),
        b_number: second.number.clone(),
        kind,
        score,
        person_score: person,
        content_score: content,
        evidence,
    })
}

/// Scores one pair of profiles (no blocking): for tests and the case page.
pub fn score_pair(a: &CaseProfile, b: &CaseProfile) -> Option<Candidate> {
    score_prepared(&Prepared::new(a), &Prepared::new(b))
}

/// Every candidate pair among `profiles`, best first, leaving out pairs for which
/// `skip(a, b)` is true (dismissed as "not a duplicate", or already merged).
pub fn find_candidates(
    profiles: &[CaseProfile],
    skip: impl Fn(CaseId, CaseId) -> bool,
) -> Vec<Candidate> {
    let prepared: Vec<Prepared<'_>> = profiles.iter().map(Prepared::new).collect();
    let mut blocks: HashMap<u64, Vec<u32>> = HashMap::new();
    let mut keys = Vec::new();
    for (i, p) in prepared.iter().enumerate() {
        keys.clear();
        p.keys(&mut keys);
        keys.sort_unstable();
        keys.dedup();
        for k in &keys {
            blocks.entry(*k).or_default().push(i as u32);
        }
    }
    let mut seen: HashSet<(u32, u32)> = HashSet::new();
    let mut out = Vec::new();
    for members in blocks.values() {
        if members.len() < 2 || members.len() > MAX_BLOCK {
            continue;
        }
        for (n, &i) in members.iter().enumerate() {
            for &j in &members[n + 1..] {
                if !seen.insert((i.min(j), i.max(j))) {
                    continue;
                }
                let (a, b) = (&prepared[i as usize], &prepared[j as usize]);
                if a.profile.id == b.profile.id {
                    continue;
                }
                let (x, y) = pair_key(a.profile.id, b.profile.id);
                if skip(x, y) {
                    continue;
                }
                if let Some(c) = score_prepared(a, b) {
                    out.push(c);
                }
            }
        }
    }
    sort_candidates(&mut out);
    out
}

fn sort_candidates(out: &mut [Candidate]) {
    out.sort_by(|x, y| {
        x.kind
            .cmp(&y.kind)
            .then(y.score.total_cmp(&x.score))
            .then(x.pair().cmp(&y.pair()))
    });
}

/// What a new registration matches, and what the law says about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RegistrationFlag {
    /// The same matter is already registered (open or closed): a repeat petition (重复访).
    RepeatPetition,
    /// The same matter is already final (复核/终结/不再受理): 不再受理 under
    /// 第三十六条第三款 if the facts and reasons are the same.
    AlreadyFinal,
    /// The same petitioner with another matter: not a first-time petitioner.
    KnownPetitioner,
}

impl RegistrationFlag {
    /// A Chinese warning.
    pub fn zh(self) -> &'static str {
        match self {
            RegistrationFlag::RepeatPetition => "重复访：同一信访人的同一事项已登记",
            RegistrationFlag::AlreadyFinal => {
                "该事项已终结：同一事实和理由不再受理（《信访工作条例》第三十六条第三款）"
            }
            RegistrationFlag::KnownPetitioner => "该信访人另有其他事项在案",
        }
    }
}

/// An existing case a new registration matches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistrationMatch {
    pub flag: RegistrationFlag,
    pub case_id: CaseId,
    pub case_number: String,
    pub status: CaseStatus,
    pub received_on: NaiveDate,
    pub candidate: Candidate,
}

/// Which existing cases a new registration matches (best first): the check `case add` and
/// the register form run before or after saving. `new` is never matched with itself.
pub fn check_registration(new: &CaseProfile, existing: &[CaseProfile]) -> Vec<RegistrationMatch> {
    let query = Prepared::new(new);
    let mut wanted = Vec::new();
    query.keys(&mut wanted);
    let wanted: HashSet<u64> = wanted.into_iter().collect();
    let mut keys = Vec::new();
    let mut out: Vec<RegistrationMatch> = existing
        .iter()
        .filter(|e| e.id != new.id)
        .filter_map(|e| {
            let other = Prepared::new(e);
            keys.clear();
            other.keys(&mut keys);
            if !keys.iter().any(|k| wanted.contains(k)) {
                return None;
            }
            let candidate = score_prepared(&query, &other)?;
            let flag = match (candidate.kind, e.finality) {
                (MatchKind::SameCase, Finality::Final) => RegistrationFlag::AlreadyFinal,
                (MatchKind::SameCase, _) => RegistrationFlag::RepeatPetition,
                (MatchKind::SamePetitioner, _) => RegistrationFlag::KnownPetitioner,
            };
            Some(RegistrationMatch {
                flag,
                case_id: e.id,
                case_number: e.number.clone(),
                status: e.status,
                received_on: e.received_on,
                candidate,
            })
        })
        .collect();
    out.sort_by(|x, y| {
        x.candidate
            .kind
            .cmp(&y.candidate.kind)
            .then(y.candidate.score.total_cmp(&x.candidate.score))
    });
    out
}

/// Precision and recall of detection against known duplicate pairs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Quality {
    pub planted: usize,
    pub predicted: usize,
    pub true_positives: usize,
    pub precision: f64,
    pub recall: f64,
}

/// Compares the same-case candidates with the planted pairs.
pub fn quality(candidates: &[Candidate], planted: &HashSet<(CaseId, CaseId)>) -> Quality {
    let predicted: HashSet<(CaseId, CaseId)> = candidates
        .iter()
        .filter(|c| c.kind == MatchKind::SameCase)
        .map(Candidate::pair)
        .collect();
    let tp = predicted.intersection(planted).count();
    Quality {
        planted: planted.len(),
        predicted: predicted.len(),
        true_positives: tp,
        precision: if predicted.is_empty() {
            1.0
        } else {
            tp as f64 / predicted.len() as f64
        },
        recall: if planted.is_empty() {
            1.0
        } else {
            tp as f64 / planted.len() as f64
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn profile(
        n: u128,
        name: &str,
        phone: &str,
        id: &str,
        village: &str,
        content: &str,
    ) -> CaseProfile {
        CaseProfile {
            id: CaseId(Uuid::from_u128(n)),
            number: format!("T-2026-{n:05}"),
            received_on: NaiveDate::from_ymd_opt(2026, 11, 2).unwrap_or_default(),
            township: "港口镇".into(),
            village: village.into(),
            people: vec![PersonFacts {
                name: name.into(),
                phone: phone.into(),
                id_number: id.into(),
                address: format!("宁国市港口镇{village}3组"),
            }],
            content: content.into(),
            status: CaseStatus::Registered,
            finality: Finality::Open,
        }
    }

    const CONTENT: &str = "反映宅基地界址纠纷，请求调处。邻居建房占用本户宅基地约二十平方米";

    #[test]
    fn folding_handles_width_script_case_space_and_punctuation() {
        assert_eq!(fold("ＡＢＣ　１２３"), "abc123");
        assert_eq!(fold("張 建國，（西村）"), "张建国西村");
        assert_eq!(fold("阿依古丽·买买提"), "阿依古丽买买提");
        assert_eq!(fold_phone("+86 138-0000-1111"), "13800001111");
        assert_eq!(fold_phone("１３８ ００００ １１１１"), "13800001111");
        assert_eq!(fold_phone("12345"), "", "too short to identify anyone");
        assert_eq!(fold_id_number("34188119600101123x"), "34188119600101123X");
        assert_eq!(fold_id_number("3418811960"), "");
    }

    #[test]
    fn bigram_similarity_is_on_characters_and_ignores_script_and_order_of_parts() {
        assert!((text_similarity("反映宅基地纠纷", "反映宅基地纠纷") - 1.0).abs() < 1e-6);
        assert!(text_similarity("反映宅基地糾紛", "反映宅基地纠纷") > 0.99);
        assert!(text_similarity("西村3组", "3组西村") >= 0.6);
        assert!(text_similarity("反映宅基地纠纷", "拖欠农民工工资") < 0.01);
        assert_eq!(dice(&[], &[1]), 0.0);
        assert!((name_similarity("张三", "张山") - 0.5).abs() < 1e-6);
        assert!((name_similarity("张建国", "張建國") - 1.0).abs() < 1e-6);
    }

    #[test]
    fn the_three_rules_of_the_issue_each_find_a_pair() {
        let base = profile(
            1,
            "张三",
            "13800001111",
            "341881196001011234",
            "西村",
            CONTENT,
        );
        // Same ID number, other name spelling and no phone.
        let by_id = profile(2, "張叁", "", "341881196001011234", "西村", CONTENT);
        // Same name + phone, no ID number.
        let by_phone = profile(3, "张三", "138 0000 1111", "", "西村", CONTENT);
        // Same name + village + similar content, nothing else.
        let by_content = profile(4, "张三", "", "", "西村", "反映宅基地界址纠纷，请求调处");
        for other in [&by_id, &by_phone, &by_content] {
            let c = score_pair(&base, other).expect("a candidate");
            assert_eq!(c.kind, MatchKind::SameCase, "{other:?} → {c:?}");
        }
        // Blocking finds the same pairs as scoring every pair.
        let all = find_candidates(&[base.clone(), by_id, by_phone, by_content], |_, _| false);
        let with_base = all
            .iter()
            .filter(|c| (c.a == base.id || c.b == base.id) && c.kind == MatchKind::SameCase)
            .count();
        assert_eq!(with_base, 3, "{all:#?}");
    }

    #[test]
    fn different_people_and_different_matters_are_told_apart() {
        let base = profile(
            1,
            "张三",
            "13800001111",
            "341881196001011234",
            "西村",
            CONTENT,
        );
        // A namesake: different ID number.
        let namesake = profile(
            2,
            "张三",
            "13800001111",
            "341881197502023456",
            "西村",
            CONTENT,
        );
        assert!(score_pair(&base, &namesake).is_none());
        // A namesake with another phone, same village, same kind of complaint.
        let other_phone = profile(3, "张三", "13955556666", "", "西村", CONTENT);
        assert!(
            score_pair(&base, &other_phone).is_none_or(|c| c.kind != MatchKind::SameCase),
            "different phones weigh against"
        );
        // The same person with another matter.
        let other_matter = profile(
            4,
            "张三",
            "13800001111",
            "",
            "西村",
            "反映工程项目拖欠农民工工资",
        );
        let c = score_pair(&base, &other_matter).expect("same person");
        assert_eq!(c.kind, MatchKind::SamePetitioner);
    }

    #[test]
    fn dismissed_pairs_are_skipped_and_blocking_never_compares_strangers() {
        let a = profile(1, "张三", "13800001111", "", "西村", CONTENT);
        let b = profile(2, "张三", "13800001111", "", "西村", CONTENT);
        let stranger = profile(3, "李四", "13999990000", "", "东村", CONTENT);
        let found = find_candidates(&[a.clone(), b.clone(), stranger], |_, _| false);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].pair(), pair_key(a.id, b.id));
        let dismissed = pair_key(a.id, b.id);
        assert!(find_candidates(&[a, b], |x, y| (x, y) == dismissed).is_empty());
    }

    #[test]
    fn a_registration_matching_a_final_case_is_flagged_not_reaccepted() {
        let mut old = profile(1, "张三", "13800001111", "", "西村", CONTENT);
        old.finality = Finality::Final;
        old.status = CaseStatus::Final;
        let open = {
            let mut p = profile(2, "张三", "13800001111", "", "西村", CONTENT);
            p.received_on = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap_or_default();
            p
        };
        let other = profile(3, "张三", "13800001111", "", "西村", "建议修复村组道路");
        let new = profile(9, "張三", "13800001111", "", "西村", CONTENT);
        let found = check_registration(
            &new,
            &[old.clone(), open.clone(), other.clone(), new.clone()],
        );
        let flags: Vec<_> = found.iter().map(|m| (m.case_id, m.flag)).collect();
        assert!(
            flags.contains(&(old.id, RegistrationFlag::AlreadyFinal)),
            "{flags:?}"
        );
        assert!(
            flags.contains(&(open.id, RegistrationFlag::RepeatPetition)),
            "{flags:?}"
        );
        assert!(
            flags.contains(&(other.id, RegistrationFlag::KnownPetitioner)),
            "{flags:?}"
        );
        assert!(!flags.iter().any(|(id, _)| *id == new.id), "never itself");
    }
}
