//! A generated county with planted duplicates, to measure detection (precision/recall) and
//! its speed. The base cases come from [`crate::demo::generate`]; each planted duplicate is
//! a copy of a base case as another clerk on another laptop might have registered it, with
//! one to three variants ([`Variant`]). Some hard negatives are planted too: the same
//! petitioner with another matter, and namesakes in the same village.
//! Deterministic: the same seed gives the same set.

use std::collections::HashSet;

use chrono::{Duration, NaiveDate};
use fengqiao_model::{CaseId, Petitioner, Registration};
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use uuid::Uuid;

use fengqiao_duplicates::{CaseProfile, pair_key, to_traditional};

use crate::demo;

/// How a planted duplicate differs from its original.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Variant {
    /// One character of the name replaced by a homophone (a pinyin input slip).
    NameTypo,
    /// One or two characters of the request or facts replaced by homophones.
    ContentTypo,
    /// Name, address and content typed in traditional characters.
    Traditional,
    /// The phone number left out.
    MissingPhone,
    /// The ID number left out.
    MissingIdNumber,
    /// The address written in another order (组 before village, township after).
    ReorderedAddress,
    /// The phone typed with full-width digits and spaces.
    FullWidthPhone,
    /// Only the request taken down, not the facts; or a sentence added.
    Paraphrase,
}

/// Every variant, for drawing.
pub const VARIANTS: &[Variant] = &[
    Variant::NameTypo,
    Variant::ContentTypo,
    Variant::Traditional,
    Variant::MissingPhone,
    Variant::MissingIdNumber,
    Variant::ReorderedAddress,
    Variant::FullWidthPhone,
    Variant::Paraphrase,
];

/// The generated set.
#[derive(Debug, Clone)]
pub struct PlantedSet {
    pub profiles: Vec<CaseProfile>,
    /// The planted duplicate pairs (each in [`pair_key`] form).
    pub duplicates: HashSet<(CaseId, CaseId)>,
    /// Each planted duplicate's variants.
    pub variants: Vec<((CaseId, CaseId), Vec<Variant>)>,
    /// Planted pairs that must *not* be reported as the same case.
    pub hard_negatives: HashSet<(CaseId, CaseId)>,
}

/// Homophones a pinyin input method offers for characters of names and content.
const HOMOPHONES: &[(char, char)] = &[
    ('明', '名'),
    ('伟', '维'),
    ('芳', '方'),
    ('强', '墙'),
    ('军', '君'),
    ('丽', '力'),
    ('静', '晶'),
    ('勇', '涌'),
    ('娟', '涓'),
    ('磊', '雷'),
    ('华', '化'),
    ('国', '果'),
    ('兰', '蓝'),
    ('英', '鹰'),
    ('红', '宏'),
    ('梅', '美'),
    ('珍', '真'),
    ('福', '富'),
    ('新', '心'),
    ('青', '清'),
    ('玲', '铃'),
    ('斌', '彬'),
    ('宝', '保'),
    ('凤', '风'),
    ('生', '声'),
    ('春', '纯'),
    ('海', '还'),
    ('燕', '艳'),
    ('志', '智'),
    ('建', '健'),
    ('秀', '修'),
    ('桂', '贵'),
    ('德', '得'),
    ('金', '今'),
    ('立', '力'),
    ('淑', '叔'),
    ('长', '常'),
    ('文', '温'),
    ('翠', '脆'),
    ('家', '佳'),
    ('堃', '坤'),
    ('焱', '炎'),
    ('纠', '究'),
    ('纷', '分'),
    ('请', '情'),
    ('求', '球'),
    ('调', '条'),
    ('处', '出'),
    ('地', '的'),
    ('补', '不'),
    ('偿', '尝'),
    ('资', '姿'),
    ('工', '公'),
    ('保', '宝'),
    ('险', '显'),
    ('道', '到'),
    ('路', '露'),
    ('污', '屋'),
    ('染', '然'),
    ('查', '察'),
    ('判', '盼'),
    ('决', '绝'),
    ('村', '存'),
    ('部', '步'),
    ('房', '防'),
    ('款', '宽'),
];

fn homophone(c: char) -> Option<char> {
    HOMOPHONES.iter().find(|(a, _)| *a == c).map(|(_, b)| *b)
}

/// Replaces `n` characters that have a homophone (or, for a name with none, one
/// character by another common given-name character).
fn typo(rng: &mut ChaCha8Rng, s: &str, n: usize) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    let mut positions: Vec<usize> = (0..chars.len())
        .filter(|i| homophone(chars[*i]).is_some())
        .collect();
    positions.shuffle(rng);
    if positions.is_empty() && chars.len() >= 2 {
        let i = rng.random_range(1..chars.len());
        chars[i] = if chars[i] == '明' { '敏' } else { '明' };
        return chars.into_iter().collect();
    }
    for &i in positions.iter().take(n) {
        if let Some(h) = homophone(chars[i]) {
            chars[i] = h;
        }
    }
    chars.into_iter().collect()
}

fn traditional(s: &str) -> String {
    s.chars().map(|c| to_traditional(c).unwrap_or(c)).collect()
}

fn full_width_phone(s: &str) -> String {
    s.chars()
        .enumerate()
        .flat_map(|(i, c)| {
            let wide = char::from_u32(c as u32 + 0xFEE0).unwrap_or(c);
            let space = (i == 3 || i == 7).then_some('　');
            space.into_iter().chain(std::iter::once(wide))
        })
        .collect()
}

fn reorder_address(p: &Petitioner, township: &str, village: &str) -> String {
    // "宁国市港口镇西村3组" → "西村3组（港口镇）" or "3组，西村，港口镇"
    let group = p
        .address
        .rsplit_once(village)
        .map(|(_, g)| g.to_owned())
        .unwrap_or_default();
    if group.is_empty() {
        return format!("{village} {township}");
    }
    format!("{group}，{village}，{township}")
}

fn apply(rng: &mut ChaCha8Rng, reg: &mut Registration, variant: Variant) {
    let (township, village) = (reg.township.clone(), reg.village.clone());
    let Some(p) = reg
        .petitioners
        .first_mut()
        .or(reg.representatives.first_mut())
    else {
        return;
    };
    match variant {
        Variant::NameTypo => p.name = typo(rng, &p.name, 1),
        Variant::ContentTypo => {
            reg.content.request = typo(rng, &reg.content.request, 1);
            reg.content.facts = typo(rng, &reg.content.facts, 1);
        }
        Variant::Traditional => {
            p.name = traditional(&p.name);
            p.address = traditional(&p.address);
            reg.content.request = traditional(&reg.content.request);
            reg.content.facts = traditional(&reg.content.facts);
        }
        Variant::MissingPhone => p.phone.clear(),
        Variant::MissingIdNumber => p.id_number.clear(),
        Variant::ReorderedAddress => p.address = reorder_address(p, &township, &village),
        Variant::FullWidthPhone => p.phone = full_width_phone(&p.phone),
        Variant::Paraphrase => {
            if rng.random_bool(0.5) {
                reg.content.facts.clear();
            } else {
                reg.content.facts.push_str("，信访人情绪激动，要求尽快解决");
            }
        }
    }
}

fn profile(rng: &mut ChaCha8Rng, device: &str, n: usize, reg: &Registration) -> CaseProfile {
    let id = CaseId(Uuid::from_u128(rng.random()));
    CaseProfile::of_registration(id, &format!("{device}-2026-{n:05}"), reg)
}

/// `cases` base cases, `duplicates` planted duplicates of distinct base cases, and as many
/// hard negatives (half the same petitioner with another matter, half namesakes).
pub fn planted(seed: u64, cases: usize, duplicates: usize) -> PlantedSet {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let end = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap_or_default();
    let base = demo::generate(demo::DemoOptions { cases, seed, end });
    let regs: Vec<Registration> = base.into_iter().map(|c| c.registration).collect();
    let mut profiles: Vec<CaseProfile> = regs
        .iter()
        .enumerate()
        .map(|(i, r)| profile(&mut rng, "AAAA", i + 1, r))
        .collect();
    let mut order: Vec<usize> = (0..regs.len()).collect();
    order.shuffle(&mut rng);
    let mut set = PlantedSet {
        profiles: Vec::new(),
        duplicates: HashSet::new(),
        variants: Vec::new(),
        hard_negatives: HashSet::new(),
    };
    let mut next = 1;
    let mut picks = order.into_iter();
    for _ in 0..duplicates {
        let Some(i) = picks.next() else { break };
        let mut reg = regs[i].clone();
        let n = rng.random_range(1..=3);
        let variants: Vec<Variant> = VARIANTS.choose_multiple(&mut rng, n).copied().collect();
        for v in &variants {
            apply(&mut rng, &mut reg, *v);
        }
        reg.received_on += Duration::days(rng.random_range(0..30));
        let dup = profile(&mut rng, "BBBB", next, &reg);
        next += 1;
        let key = pair_key(profiles[i].id, dup.id);
        set.duplicates.insert(key);
        set.variants.push((key, variants));
        profiles.push(dup);
    }
    let templates: Vec<(String, String)> = regs
        .iter()
        .map(|r| (r.content.request.clone(), r.content.facts.clone()))
        .collect();
    for k in 0..duplicates {
        let Some(i) = picks.next() else { break };
        let mut reg = regs[i].clone();
        // Another matter: a request from a case of another kind.
        let other = templates
            .iter()
            .filter(|(req, _)| *req != reg.content.request)
            .collect::<Vec<_>>()
            .choose(&mut rng)
            .map(|(r, f)| (r.clone(), f.clone()));
        if k % 2 == 0 {
            // The same petitioner with another matter.
            if let Some((request, facts)) = other {
                reg.content.request = request;
                reg.content.facts = facts;
            }
        } else if let Some(p) = reg.petitioners.first_mut() {
            // A namesake in the same village: another phone, ID number and household.
            p.phone = format!("159{:08}", rng.random_range(0..100_000_000u32));
            p.id_number = if p.id_number.is_empty() {
                String::new()
            } else {
                format!(
                    "341881{}0101{:04}",
                    rng.random_range(1950..2000),
                    rng.random_range(0..10000)
                )
            };
            p.address = format!(
                "{}{}{}{}组",
                demo::DEMO_COUNTY,
                reg.township,
                reg.village,
                rng.random_range(12..20)
            );
            if let Some((request, facts)) = other {
                reg.content.request = request;
                reg.content.facts = facts;
            }
        }
        let neg = profile(&mut rng, "CCCC", next, &reg);
        next += 1;
        set.hard_negatives.insert(pair_key(profiles[i].id, neg.id));
        profiles.push(neg);
    }
    set.profiles = profiles;
    set
}
