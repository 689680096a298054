//! Realistic generated county data: Ningguo-like townships and villages, Chinese names,
//! every channel and route, histories spread over the year before `end` (how a case moves:
//! `story.rs`).
//! Deterministic: the same seed and end date give the same data.

use chrono::{Duration, NaiveDate, NaiveTime, TimeZone};
use fengqiao_model::{
    CaseFlags, Channel, Content, ContentType, EventKind, Petitioner, Registration, ReplyType,
    Route, Source,
};
use rand::{Rng, SeedableRng, seq::IndexedRandom};
use rand_chacha::ChaCha8Rng;

use crate::store::{ImportedCase, ImportedEvent, ImportedNote, TownshipSpec};
use crate::time::china_offset;

mod county;
pub mod planted;
mod story;
pub use county::{DEMO_ROSTER_RULES, DemoError, DemoStep, create_county};

/// The demo county.
pub const DEMO_COUNTY: &str = "宁国市";

/// How many cases the demo county gets over its year (the app's first start and
/// `fengqiao demo`).
pub const DEMO_CASES: usize = 2000;

/// Creates a county-office store for the demo county in `dir`.
pub fn init_demo_county(dir: &std::path::Path) -> Result<crate::Store, crate::StoreError> {
    crate::Store::init(
        dir,
        crate::InitOptions {
            device_name: "县信访局演示机".into(),
            county: DEMO_COUNTY.into(),
            role: fengqiao_model::Role::Office,
            scope: Vec::new(),
            person_name: "演示管理员".into(),
            townships: demo_townships(),
            directory: None,
        },
    )
}

/// Townships (and streets) of the demo county with their villages and communities.
pub fn demo_townships() -> Vec<TownshipSpec> {
    let t = |name: &str, code: &str, villages: &[&str]| TownshipSpec {
        name: name.into(),
        code: code.into(),
        villages: villages.iter().map(|v| (*v).to_owned()).collect(),
    };
    vec![
        t(
            "西津街道",
            "xijin",
            &["西津社区", "津北社区", "板桥村", "东城村", "凤形村"],
        ),
        t(
            "河沥溪街道",
            "helixi",
            &["河沥社区", "沙埠村", "桂花村", "山门村", "泉水村"],
        ),
        t(
            "南山街道",
            "nanshan",
            &["南山社区", "宁阳村", "竹林村", "高村", "姚村"],
        ),
        t(
            "汪溪街道",
            "wangxi",
            &["汪溪社区", "杨山村", "大村", "东岸村", "上坦村"],
        ),
        t(
            "港口镇",
            "gangkou",
            &["港口村", "西村", "灰山村", "山门口村", "杨林村", "东岸村"],
        ),
        t(
            "梅林镇",
            "meilin",
            &["梅林村", "罗村", "水东村", "石门村", "下溪村"],
        ),
        t(
            "中溪镇",
            "zhongxi",
            &["中溪村", "波浪村", "双溪村", "鹤溪村", "庄村"],
        ),
        t(
            "宁墩镇",
            "ningdun",
            &["宁墩村", "黄村", "岭南村", "松坑村", "苏村"],
        ),
        t(
            "仙霞镇",
            "xianxia",
            &["仙霞村", "龙潭村", "杨村", "石口村", "长溪村"],
        ),
        t(
            "甲路镇",
            "jialu",
            &["甲路村", "路口村", "枫坑村", "九川村", "丁村"],
        ),
        t(
            "霞西镇",
            "xiaxi",
            &["霞西村", "平川村", "西坞村", "黄岭村", "塘坑村"],
        ),
        t(
            "青龙乡",
            "qinglong",
            &["青龙村", "狮桥村", "朱村", "林村", "团结村"],
        ),
        t(
            "万家乡",
            "wanjia",
            &["万家村", "芳村", "桃园村", "株林村", "庄边村"],
        ),
        t(
            "方塘乡",
            "fangtang",
            &["方塘村", "南极村", "白马村", "竹峰村", "秀峰村"],
        ),
    ]
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "汪", "程", "方", "潘", "葛", "章", "鲍", "詹", "汤", "储",
];
const GIVEN: &[&str] = &[
    "建国", "秀英", "桂兰", "国强", "志明", "海燕", "春生", "玉珍", "德华", "金花", "永福", "红梅",
    "立新", "淑芬", "长青", "美玲", "文斌", "翠兰", "家宝", "凤英", "明", "勇", "静", "军", "丽",
    "伟", "芳", "强", "磊", "娟", "堃", "焱",
];

struct Template {
    route: Route,
    content_type: ContentType,
    complaint: &'static str,
    request: &'static str,
    facts: &'static str,
    unit: &'static str,
}

const TEMPLATES: &[Template] = &[
    Template {
        route: Route::Dispute,
        content_type: ContentType::Claim,
        complaint: "homestead-dispute",
        request: "反映宅基地界址纠纷，请求调处",
        facts: "邻居建房占用本户宅基地约二十平方米，多次协商未果",
        unit: "自然资源和规划局",
    },
    Template {
        route: Route::Dispute,
        content_type: ContentType::Claim,
        complaint: "neighbour-dispute",
        request: "反映邻里排水纠纷，请求村委会调解",
        facts: "邻居改道排水沟，雨季雨水倒灌入户",
        unit: "司法局",
    },
    Template {
        route: Route::Dispute,
        content_type: ContentType::Claim,
        complaint: "land-contract-dispute",
        request: "反映土地承包经营权纠纷",
        facts: "二轮承包地被村民小组重新分配，本户承包面积减少",
        unit: "农业农村局",
    },
    Template {
        route: Route::PetitionRequest,
        content_type: ContentType::Claim,
        complaint: "land-requisition-compensation",
        request: "反映征地拆迁补偿款未足额发放",
        facts: "二〇二四年房屋征收，安置补偿款尚欠三万余元",
        unit: "住房和城乡建设局",
    },
    Template {
        route: Route::PetitionRequest,
        content_type: ContentType::Claim,
        complaint: "resettlement-housing",
        request: "反映拆迁安置房迟迟未分配，过渡费已停发",
        facts: "二〇二三年房屋拆迁，约定两年内交付安置房，至今未分配",
        unit: "住房和城乡建设局",
    },
    Template {
        route: Route::PetitionRequest,
        content_type: ContentType::Claim,
        complaint: "veteran-benefits",
        request: "反映退役军人优抚待遇未落实",
        facts: "退役后申请定期抚恤补助，一年未获答复",
        unit: "退役军人事务局",
    },
    Template {
        route: Route::AdministrativeDuty,
        content_type: ContentType::Claim,
        complaint: "wage-arrears",
        request: "反映工程项目拖欠农民工工资",
        facts: "在县城某工地务工八个月，包工头拖欠工资四万二千元",
        unit: "人力资源和社会保障局",
    },
    Template {
        route: Route::AdministrativeDuty,
        content_type: ContentType::Claim,
        complaint: "pension-benefit",
        request: "反映养老保险待遇核定有误",
        facts: "缴费年限少计三年，影响养老金领取",
        unit: "人力资源和社会保障局",
    },
    Template {
        route: Route::AdministrativeDuty,
        content_type: ContentType::Claim,
        complaint: "minimum-living",
        request: "申请重新评定低保资格",
        facts: "家中有重病患者，收入低于标准，低保被取消",
        unit: "民政局",
    },
    Template {
        route: Route::AdministrativeDuty,
        content_type: ContentType::Claim,
        complaint: "livestock-pollution",
        request: "反映养殖场污染环境，请求依法查处",
        facts: "村口养猪场粪污直排河道，气味刺鼻",
        unit: "生态环境分局",
    },
    Template {
        route: Route::AdministrativeDuty,
        content_type: ContentType::Claim,
        complaint: "illegal-land-use",
        request: "反映违法建设，请求依法拆除",
        facts: "河道管理范围内新建厂房，影响行洪",
        unit: "城市管理局",
    },
    Template {
        route: Route::PetitionRequest,
        content_type: ContentType::Suggestion,
        complaint: "rural-roads",
        request: "建议修复村组道路",
        facts: "通组道路路面破损严重，学生上学不便",
        unit: "交通运输局",
    },
    Template {
        route: Route::LitigationRelated,
        content_type: ContentType::Claim,
        complaint: "court-judgment",
        request: "对民事判决不服，请求再审",
        facts: "借款纠纷一审判决认定事实不清",
        unit: "人民法院",
    },
    Template {
        route: Route::LitigationRelated,
        content_type: ContentType::Claim,
        complaint: "police-conduct",
        request: "反映派出所对打架案件处理不公",
        facts: "被人殴打致轻微伤，对方未受处罚",
        unit: "公安局",
    },
    Template {
        route: Route::LitigationRelated,
        content_type: ContentType::Claim,
        complaint: "court-enforcement",
        request: "请求法院执行已生效判决",
        facts: "胜诉两年，被执行人仍未履行",
        unit: "人民法院",
    },
    Template {
        route: Route::DisciplineReport,
        content_type: ContentType::Accusation,
        complaint: "welfare-favouritism",
        request: "举报村干部优亲厚友，违规发放补助",
        facts: "村干部将危房改造补助发给亲属",
        unit: "纪委监委",
    },
    Template {
        route: Route::DisciplineReport,
        content_type: ContentType::Accusation,
        complaint: "village-cadre-corruption",
        request: "举报村集体资产处置不公开",
        facts: "村集体山林承包未经村民代表大会讨论",
        unit: "纪委监委",
    },
];

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct DemoOptions {
    pub cases: usize,
    pub seed: u64,
    /// The last day of the generated year.
    pub end: NaiveDate,
}

fn name(rng: &mut ChaCha8Rng) -> String {
    format!(
        "{}{}",
        SURNAMES.choose(rng).copied().unwrap_or("王"),
        GIVEN.choose(rng).copied().unwrap_or("明")
    )
}

fn phone(rng: &mut ChaCha8Rng) -> String {
    let prefix = ["138", "139", "150", "151", "158", "177", "180", "189"]
        .choose(rng)
        .copied()
        .unwrap_or("138");
    format!("{prefix}{:08}", rng.random_range(0..100_000_000u32))
}

fn petitioner(rng: &mut ChaCha8Rng, township: &str, village: &str) -> Petitioner {
    let id_number = if rng.random_bool(0.6) {
        format!(
            "341881{}{:02}{:02}{:04}",
            rng.random_range(1940..2000),
            rng.random_range(1..13),
            rng.random_range(1..29),
            rng.random_range(0..10000)
        )
    } else {
        String::new()
    };
    Petitioner {
        name: name(rng),
        phone: if rng.random_bool(0.9) {
            phone(rng)
        } else {
            String::new()
        },
        address: format!(
            "{DEMO_COUNTY}{township}{village}{}组",
            rng.random_range(1..12)
        ),
        id_number,
        agent: String::new(),
        anonymous: false,
    }
}

/// Generates `opts.cases` cases with their histories.
pub fn generate(opts: DemoOptions) -> Vec<ImportedCase> {
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let townships = demo_townships();
    let start = opts.end - Duration::days(364);
    let mut out = Vec::with_capacity(opts.cases);
    for _ in 0..opts.cases {
        let Some(t) = townships.choose(&mut rng) else {
            break;
        };
        let village = t.villages.choose(&mut rng).cloned().unwrap_or_default();
        let Some(tpl) = TEMPLATES.choose(&mut rng) else {
            break;
        };
        let received_on = start + Duration::days(rng.random_range(0..365));
        let channel = *Channel::ALL.choose(&mut rng).unwrap_or(&Channel::Visit);
        let group = rng.random_bool(0.06);
        // Who received it (no new draws, so the demo county stays as it was): what came up
        // from a village (下访, 网格) the township government; the rest, and what the city
        // assigned, the county 信访局.
        let received_by = match channel {
            Channel::FieldVisit | Channel::Grid => t.name.clone(),
            _ => format!("{DEMO_COUNTY}信访局"),
        };
        let mut reg = Registration {
            channel,
            source: if rng.random_bool(0.15) {
                Source::AssignedBy {
                    unit: "宣城市信访局".into(),
                    received_on,
                }
            } else {
                Source::Own
            },
            received_on,
            petitioners: vec![petitioner(&mut rng, &t.name, &village)],
            head_count: 1,
            representatives: Vec::new(),
            township: t.name.clone(),
            village: village.clone(),
            content: Content {
                request: tpl.request.into(),
                facts: tpl.facts.into(),
                reasons: String::new(),
            },
            content_type: Some(tpl.content_type),
            route: Some(tpl.route),
            route_list_version: format!(
                "{}-Q{}",
                received_on.format("%Y"),
                (received_on
                    .format("%m")
                    .to_string()
                    .parse::<u32>()
                    .unwrap_or(1)
                    - 1)
                    / 3
                    + 1
            ),
            complaint_type: tpl.complaint.into(),
            received_by,
            lead_unit: tpl.unit.into(),
            co_units: Vec::new(),
            handler: name(&mut rng),
            responsible_leader: None,
            first_visit_owner: name(&mut rng),
            flags: CaseFlags {
                group,
                first_time: rng.random_bool(0.7),
                ..CaseFlags::default()
            },
        };
        if group {
            let n = rng.random_range(2..=5);
            reg.representatives = (0..n)
                .map(|_| petitioner(&mut rng, &t.name, &village))
                .collect();
            reg.head_count = rng.random_range(6..40);
            reg.flags.confidential = false;
        }
        let minutes = rng.random_range(0..480);
        let registered_at = china_offset()
            .from_local_datetime(
                &received_on.and_time(NaiveTime::from_hms_opt(8, 30, 0).unwrap_or_default()),
            )
            .single()
            .map(|t| t + Duration::minutes(minutes))
            .unwrap_or_else(|| {
                china_offset().from_utc_datetime(&received_on.and_time(NaiveTime::MIN))
            });
        let events = story::history(&mut rng, tpl.route, tpl.unit, received_on, opts.end);
        let notes = (0..rng.random_range(0..3))
            .map(|i| {
                ImportedNote::text(
                    [
                        "已电话联系信访人，约定下周走访",
                        "责任单位已现场核实情况",
                        "信访人情绪稳定，表示等待答复",
                    ][i % 3],
                )
            })
            .collect();
        out.push(ImportedCase {
            registration: reg,
            registered_at,
            source_number: String::new(),
            events: events
                .into_iter()
                .map(|(kind, date)| ImportedEvent::new(kind, date))
                .collect(),
            notes,
            provided: None,
        });
    }
    out
}

/// Departments of the demo county with their heads (负责人), who attend a leader's
/// reception when they own a booked case (联合接访), and the 听证团/评议团 members.
const DEMO_DEPARTMENTS: &[(&str, &str, &str)] = &[
    ("自然资源和规划局", "吴建华", "局长"),
    ("司法局", "周丽萍", "局长"),
    ("农业农村局", "郑国强", "局长"),
    ("住房和城乡建设局", "何志明", "局长"),
    ("人力资源和社会保障局", "冯晓燕", "局长"),
    ("民政局", "陈玉兰", "局长"),
    ("生态环境分局", "褚卫东", "分局长"),
    ("城市管理局", "卫海涛", "局长"),
    ("交通运输局", "蒋文斌", "局长"),
];

/// Panel members: (name, unit, panels).
const DEMO_PANEL: &[(&str, &str, &[fengqiao_model::PanelKind])] = &[
    (
        "沈明远",
        "安徽宁国律师事务所",
        &[fengqiao_model::PanelKind::Hearing],
    ),
    (
        "韩素芬",
        "市人大代表",
        &[
            fengqiao_model::PanelKind::Hearing,
            fengqiao_model::PanelKind::Evaluation,
        ],
    ),
    (
        "杨振华",
        "市政协委员",
        &[
            fengqiao_model::PanelKind::Hearing,
            fengqiao_model::PanelKind::Evaluation,
        ],
    ),
    (
        "朱秀兰",
        "河沥溪街道人民调解委员会",
        &[fengqiao_model::PanelKind::Evaluation],
    ),
];

/// Seeds what the desk work needs in a demo store: departments with their heads, panel
/// members, and a case in re-review with a two-day hearing session (its days are not
/// counted in T10). Ids derive from names, so seeding twice writes the same records.
pub fn seed_desk(store: &crate::Store, today: NaiveDate) -> Result<(), crate::StoreError> {
    use fengqiao_model::{OrgUnit, Person, PersonId, UnitId, UnitKind};
    let id = |kind: &str, name: &str| {
        uuid::Uuid::new_v5(
            &uuid::Uuid::NAMESPACE_URL,
            format!("fengqiao-demo:{DEMO_COUNTY}:{kind}:{name}").as_bytes(),
        )
    };
    for (unit, head, title) in DEMO_DEPARTMENTS {
        let person = Person {
            id: PersonId(id("person", head)),
            name: (*head).into(),
            unit: (*unit).into(),
            title: (*title).into(),
            panels: Vec::new(),
        };
        store.put_person(&person)?;
        store.put_unit(&OrgUnit {
            id: UnitId(id("unit", unit)),
            name: (*unit).into(),
            kind: UnitKind::Department,
            parent: None,
            code: String::new(),
            head: Some(person.id),
            organ: Some(fengqiao_model::OrganKind::OtherOrgan),
        })?;
    }
    let mut members = Vec::new();
    for (name, unit, panels) in DEMO_PANEL {
        let person = Person {
            id: PersonId(id("person", name)),
            name: (*name).into(),
            unit: (*unit).into(),
            title: String::new(),
            panels: panels.to_vec(),
        };
        store.put_person(&person)?;
        if panels.contains(&fengqiao_model::PanelKind::Hearing) {
            members.push(person.id);
        }
    }
    let day = |n: i64| today - Duration::days(n);
    let mut reg = Registration::new(
        Channel::Visit,
        day(150),
        "港口镇",
        "请求重新核定房屋征收补偿标准",
    )
    .with_petitioner("章国平", "13905638812");
    reg.village = "港口村".into();
    reg.content.facts = "信访人对征收补偿标准不服，已经复查，现申请复核".into();
    reg.content_type = Some(ContentType::Claim);
    reg.route = Some(Route::PetitionRequest);
    reg.lead_unit = "住房和城乡建设局".into();
    reg.co_units = vec!["自然资源和规划局".into()];
    reg.handler = "王志刚".into();
    let at = china_offset()
        .from_local_datetime(
            &day(150).and_time(NaiveTime::from_hms_opt(9, 30, 0).unwrap_or_default()),
        )
        .single()
        .unwrap_or_else(|| china_offset().from_utc_datetime(&day(150).and_time(NaiveTime::MIN)));
    let case = store.add_case_at(reg, at)?;
    let key = case.id.to_string();
    let explain = ReplyType::Explain;
    for (kind, date) in [
        (EventKind::Accepted, day(148)),
        (EventKind::Replied { reply: explain }, day(100)),
        (EventKind::ReviewRequested, day(90)),
        (EventKind::ReviewOpinion { reply: explain }, day(60)),
        (EventKind::ReReviewRequested, day(20)),
        (
            EventKind::HearingSession {
                panel: fengqiao_model::PanelKind::Hearing,
                days: vec![day(10), day(9)],
                members,
                outcome: "听证员多数意见：原补偿标准符合规定，建议维持并做好解释".into(),
                minutes: "听证会由市信访局主持，信访人、住建局、自然资源和规划局到场陈述。".into(),
            },
            day(10),
        ),
    ] {
        store.add_event(&key, kind, date, "")?;
    }
    // What visitors left at the kiosk and on the online form yesterday, waiting in 接待队列.
    for (time, source, name, phone, description, guide) in DEMO_INTAKE {
        let (hour, minute) = *time;
        let local = day(1).and_time(NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or_default());
        let Some(received_at) = china_offset().from_local_datetime(&local).single() else {
            continue;
        };
        store.add_intake_item(&fengqiao_model::IntakeItem {
            id: fengqiao_model::intake::IntakeId(id("intake", name)),
            source: *source,
            received_at,
            name: (*name).into(),
            phone: (*phone).into(),
            description: (*description).into(),
            guide_type: guide.map(|(id, _)| id.to_owned()),
            route: guide.map(|(_, route)| route),
            township: None,
            query_code_hash: None,
        })?;
    }
    Ok(())
}

type DemoIntake = (
    (u32, u32),
    fengqiao_model::IntakeSource,
    &'static str,
    &'static str,
    &'static str,
    Option<(&'static str, Route)>,
);

/// Pre-registrations in the demo queue: the time yesterday, source, name, phone, what they wrote,
/// and the guide type and route they chose (if any).
const DEMO_INTAKE: &[DemoIntake] = &[
    (
        (15, 10),
        fengqiao_model::IntakeSource::Kiosk,
        "汪春生",
        "13965401122",
        "在县城工地干了四个月，包工头一直拖着工资不给",
        Some(("wage-arrears", Route::AdministrativeDuty)),
    ),
    (
        (16, 40),
        fengqiao_model::IntakeSource::Kiosk,
        "何秀兰",
        "13856302217",
        "邻居家新砌的围墙把排水沟堵了，下雨院子被淹",
        Some(("neighbour-dispute", Route::Dispute)),
    ),
    (
        (21, 15),
        fengqiao_model::IntakeSource::Online,
        "赵立新",
        "18055630918",
        "反映村里低保评定不公开，符合条件的没评上",
        None,
    ),
];
