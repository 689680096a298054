//! The guide: the embedded list, search, versions and validation.

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
        // The two places 第三十一条第（二）（三）项 gained in 2026-12 hold the few types that
        // belong there (党员申诉 left 纪检举报 for one of them); Ningguo's five routes hold
        // several each.
        let least = match route {
            Route::Arbitration | Route::AppealReview => 1,
            _ => 4,
        };
        assert!(list.on_route(*route).count() >= least, "{route}");
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
            content_type: ContentType::Claim,
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
fn route_info_covers_every_route() {
    assert_eq!(ROUTES.len(), Route::ALL.len());
    for (info, route) in ROUTES.iter().zip(Route::ALL) {
        assert_eq!(info.route, *route, "ROUTES is in the order of Route::ALL");
        assert_eq!(route_info(*route).route, *route);
    }
    // 第三十四条 applies to 第三十一条第（六）项 items: ordinary handling, and disputes the
    // organ mediates within its own handling (第三十三条).
    let with_clock: Vec<Route> = ROUTES
        .iter()
        .filter(|r| r.runs_handling_clock)
        .map(|r| r.route)
        .collect();
    assert_eq!(with_clock, vec![Route::Dispute, Route::PetitionRequest]);
}

/// One guide row the 2026-12 legal review found wrong, as the list now has it.
struct Reviewed {
    row: u8,
    id: &'static str,
    route: Route,
    content_type: ContentType,
    /// Words the competent body must name.
    bodies: &'static [&'static str],
    /// Words the law must cite.
    cites: &'static [&'static str],
    /// Words neither may say any more.
    not: &'static [&'static str],
}

/// The guide rows of the 2026-12 legal review (`law-review-2026-12.md`), each fixed.
#[test]
fn the_reviewed_rows_say_what_the_law_says() {
    use ContentType::{Claim, Suggestion};
    let r = |row, id, route, content_type, bodies, cites, not| Reviewed {
        row,
        id,
        route,
        content_type,
        bodies,
        cites,
        not,
    };
    let rows = [
        // Row 3: labour disputes go to arbitration, 第三十一条第（二）项.
        r(
            3,
            "labour-contract-dispute",
            Route::Arbitration,
            Claim,
            &["劳动人事争议仲裁委员会"],
            &["第三十一条第（二）项"],
            &["第（一）项"],
        ),
        // Row 4: 人民法院 or 仲裁委员会: items (一) and (二).
        r(
            4,
            "contract-dispute",
            Route::LitigationRelated,
            Claim,
            &["人民法院", "仲裁委员会"],
            &["第三十一条第（一）（二）项"],
            &[],
        ),
        // Row 6: the county government decides; the city government reviews (行政复议法
        // 第二十四条第一款第（二）项).
        r(
            6,
            "house-expropriation",
            Route::AdministrativeDuty,
            Claim,
            &["县人民政府（作出补偿决定）", "市人民政府（行政复议）"],
            &["第二十六条", "第二十四条第一款第（二）项"],
            &["县人民政府（行政复议）"],
        ),
        // Row 7: a member's appeal is 第三十一条第（三）项, not a 检举控告 (第三十条).
        r(
            7,
            "party-member-appeal",
            Route::AppealReview,
            Claim,
            &["党组织"],
            &["第三十一条第（三）项"],
            &["第三十条"],
        ),
        // Row 8: 复审/复核 of a 政务处分 (政务处分法 第五十五条) is 第三十一条第（三）项.
        r(
            8,
            "sanction-appeal",
            Route::AppealReview,
            Claim,
            &["复审", "上一级监察机关"],
            &["第五十五条", "第三十一条第（三）项"],
            &[],
        ),
        // Row 9: suggestions are 建议意见类 (第二十九条): no 第三十四条 clock.
        r(
            9,
            "suggestion",
            Route::PetitionRequest,
            Suggestion,
            &[],
            &["第二十九条"],
            &[],
        ),
        // Row 13: the right to complain is 第十条 (人社's duty 第七条), not 第四十八条.
        r(
            13,
            "wage-arrears",
            Route::AdministrativeDuty,
            Claim,
            &["人力资源和社会保障局"],
            &["第七条、第十条"],
            &["第四十八条"],
        ),
        // Row 14: 后期扶持 is 第五章 (第四十条), not 第五十条 (audit).
        r(
            14,
            "reservoir-migrants",
            Route::PetitionRequest,
            Claim,
            &[],
            &["第四十条"],
            &["第五十条"],
        ),
        // Row 15: reporting is 第十六条, to the 处置非法集资牵头部门.
        r(
            15,
            "illegal-fundraising",
            Route::LitigationRelated,
            Claim,
            &["处置非法集资牵头部门"],
            &["第十六条"],
            &["第十一条"],
        ),
        // Row 16: the victim appeals to the procuratorate one level up.
        r(
            16,
            "procuratorate-decision",
            Route::LitigationRelated,
            Claim,
            &["上一级人民检察院"],
            &["第一百八十条"],
            &[],
        ),
        // Row 17: retrial at the court one level up, or the original court.
        r(
            17,
            "court-judgment",
            Route::LitigationRelated,
            Claim,
            &["上一级人民法院", "原审人民法院"],
            &["第二百一十条"],
            &[],
        ),
        // Row 18: construction and public-place noise go to the designated department.
        r(
            18,
            "noise",
            Route::AdministrativeDuty,
            Claim,
            &["县人民政府指定的部门", "公安派出所"],
            &["第七十七条", "第八十二条", "第八十七条"],
            &[],
        ),
        // Row 19: complaints about lawyers go to the 律师协会; penalties to the city's 司法局.
        r(
            19,
            "lawyer-complaint",
            Route::AdministrativeDuty,
            Claim,
            &["律师协会", "设区的市司法局"],
            &["第四十六条", "第四十七条"],
            &["县司法局"],
        ),
    ];
    let list = embedded_list();
    for x in &rows {
        let row = x.row;
        let t = list
            .get(x.id)
            .unwrap_or_else(|| panic!("row {row}: no type {}", x.id));
        assert_eq!(
            (t.route, t.content_type),
            (x.route, x.content_type),
            "row {row}: {}",
            x.id
        );
        for b in x.bodies {
            assert!(t.body.contains(b), "row {row}: body {:?} lacks {b}", t.body);
        }
        for c in x.cites {
            assert!(t.law.contains(c), "row {row}: law {:?} lacks {c}", t.law);
        }
        for c in x.not {
            assert!(
                !t.law.contains(c) && !t.body.contains(c),
                "row {row}: still says {c}"
            );
        }
    }
    // Row 5: arbitration is not a litigation body; 第（二）（三）项 have their own places.
    assert!(!route_info(Route::LitigationRelated).bodies.contains("仲裁"));
    assert!(
        route_info(Route::Arbitration)
            .legal_basis
            .contains("第三十一条第（二）项")
    );
    assert!(
        route_info(Route::AppealReview)
            .legal_basis
            .contains("第三十一条第（三）项")
    );
    // Only the 纪检举报 route carries 检举控告类 items.
    for t in &list.types {
        let accusation = t.content_type == ContentType::Accusation;
        assert_eq!(accusation, t.route == Route::DisciplineReport, "{}", t.id);
    }
}

#[test]
fn a_list_may_name_the_content_type_and_a_wrong_one_is_named() {
    let head = "version = \"2026-Q4\"\ntitle = \"t\"\n";
    let ty = |extra: &str| {
        format!(
            "{head}[[types]]\nid = \"a\"\nname = \"甲\"\nroute = \"信访诉求\"\n{extra}body = \"b\"\nlaw = \"l\"\n"
        )
    };
    let list = GuideList::from_toml(&ty("content_type = \"suggestion\"\n")).unwrap();
    assert_eq!(
        list.classify("a").map(|c| c.content_type),
        Some(ContentType::Suggestion)
    );
    let list = GuideList::from_toml(&ty("")).unwrap();
    assert_eq!(
        list.classify("a").map(|c| c.content_type),
        Some(ContentType::Claim)
    );
    let err = GuideList::from_toml(&ty("content_type = \"随便\"\n")).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("「a」content_type：“随便” 不是有效的内容类别"),
        "{err}"
    );
}
