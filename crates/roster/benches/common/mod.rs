//! The county the roster benchmarks use: 60 leaders on Ningguo's rules.
#![allow(dead_code)]

use std::fmt::Write;

use fengqiao_roster::RosterRules;

/// 2 principal and 8 other city leaders, 25 townships with 2 principal leaders each
/// (2 city leaders a week, principals twice a month, township principals every Monday, an
/// on-call city leader each week).
pub fn county_of_60() -> RosterRules {
    let mut t = String::from(
        "county = \"bench\"\nname = \"测试市\"\noffice = \"测试市信访局\"\n\
         [slot_types.city]\nname = \"市领导接访\"\nstart = \"08:30\"\nend = \"11:30\"\nplace = \"市信访局\"\n\
         [slot_types.town]\nname = \"乡镇主要领导接访\"\nstart = \"08:30\"\nend = \"12:00\"\nplace = \"{township}综治中心\"\n\
         [slot_types.on-call]\nname = \"值班接访\"\nstart = \"00:00\"\nend = \"23:59\"\nplace = \"市信访局\"\n",
    );
    for i in 0..2 {
        let _ = write!(
            t,
            "[[leaders]]\nname = \"主要领导{i}\"\ntitle = \"市委书记\"\nlevel = \"city-principal\"\n"
        );
    }
    for i in 0..8 {
        let _ = write!(
            t,
            "[[leaders]]\nname = \"市领导{i}\"\ntitle = \"副市长\"\nlevel = \"city\"\n"
        );
    }
    for k in 0..25 {
        for i in 0..2 {
            let _ = write!(
                t,
                "[[leaders]]\nname = \"乡镇{k}领导{i}\"\ntitle = \"书记\"\nlevel = \"township-principal\"\ntownship = \"乡镇{k}\"\n"
            );
        }
    }
    t.push_str(
        "[[rules]]\nkind = \"weekly\"\nid = \"city-weekly\"\nslot_type = \"city\"\nper_week = 2\npool = { levels = [\"city-principal\", \"city\"] }\n\
         [[rules]]\nkind = \"monthly-quota\"\nid = \"principal-monthly\"\nwithin = \"city-weekly\"\nper_leader = 2\npool = { levels = [\"city-principal\"] }\n\
         [[rules]]\nkind = \"yearly-minimum\"\nid = \"yearly\"\nwithin = [\"city-weekly\"]\npool = { levels = [\"city-principal\", \"city\"] }\n\
         [[rules]]\nkind = \"weekday\"\nid = \"township-monday\"\nslot_type = \"town\"\nweekday = \"mon\"\npool = { levels = [\"township-principal\"] }\n\
         [[rules]]\nkind = \"on-call\"\nid = \"on-call\"\nslot_type = \"on-call\"\npool = { levels = [\"city\"] }\n",
    );
    match RosterRules::from_toml(&t) {
        Ok(rules) => rules,
        Err(e) => panic!("bench rules: {e}"),
    }
}
