//! Two laptops of one county, and document exchange between them (the merge tests'
//! pattern): each laptop is offline until `exchange` hands over its documents.
#![allow(dead_code)]

use chrono::NaiveDate;
use fengqiao_model::{Channel, Registration, Role};
use fengqiao_store::{InitOptions, Store, TownshipSpec};

pub fn township() -> TownshipSpec {
    TownshipSpec {
        name: "港口镇".into(),
        code: "gangkou".into(),
        villages: vec!["西村".into(), "东岸村".into()],
    }
}

pub fn init(dir: &std::path::Path, person: &str, role: Role, directory: Option<Vec<u8>>) -> Store {
    Store::init(
        dir,
        InitOptions {
            device_name: format!("{person}的笔记本"),
            county: "宁国市".into(),
            role,
            scope: if role == Role::Office {
                Vec::new()
            } else {
                vec!["港口镇".into()]
            },
            person_name: person.into(),
            townships: vec![township()],
            directory,
        },
    )
    .expect("init")
}

/// A registration of 张三's homestead dispute, as one clerk takes it down.
pub fn registration() -> Registration {
    let received_on = NaiveDate::from_ymd_opt(2026, 11, 2).expect("date");
    let mut reg = Registration::new(
        Channel::FieldVisit,
        received_on,
        "港口镇",
        "反映宅基地界址纠纷，请求调处",
    )
    .with_petitioner("张三", "13800001111");
    reg.village = "西村".into();
    reg.petitioners[0].address = "宁国市港口镇西村3组".into();
    reg.content.facts = "邻居建房占用本户宅基地约二十平方米".into();
    reg
}

/// Laptop B (王五, office) creates the county directory and enrols laptop A (李四,
/// township), which joins with it.
pub fn pair() -> (tempfile::TempDir, Store, tempfile::TempDir, Store) {
    let (dir_a, dir_b) = (
        tempfile::tempdir().expect("tmp"),
        tempfile::tempdir().expect("tmp"),
    );
    let b = init(dir_b.path(), "王五", Role::Office, None);
    let a = join(&b, dir_a.path(), "李四", Role::Township);
    (dir_a, a, dir_b, b)
}

/// A laptop at `dir` that `office` enrols by hand, then initialised with its directory.
pub fn join(office: &Store, dir: &std::path::Path, person: &str, role: Role) -> Store {
    let scope = if role == Role::Office {
        Vec::new()
    } else {
        vec!["港口镇".into()]
    };
    let directory = office
        .enrol_at(dir, role, scope, &format!("{person}的笔记本"), person)
        .expect("enrol");
    init(dir, person, role, Some(directory))
}

/// Sends every document of `from` to `to`.
pub fn exchange(from: &Store, to: &Store) {
    for name in from.catalogue().expect("catalogue") {
        if let Some(bytes) = from.export_document(&name).expect("export") {
            to.import_document(&name, &bytes).expect("import");
        }
    }
}

/// Both ways.
pub fn sync(a: &Store, b: &Store) {
    exchange(a, b);
    exchange(b, a);
}
