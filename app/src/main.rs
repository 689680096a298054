//! `fengqiao-app`: the desktop app. Until the egui window lands (its own issue), this
//! binary does what the app does on start: opens the embedded default data directory,
//! creates the demo county on first start, and shows the Today view as text.

use std::path::PathBuf;

use anyhow::{Context, Result};
use fengqiao_store::{CaseFilter, Store, demo, now_cst};

fn data_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("FENGQIAO_DATA_DIR") {
        return Ok(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("cn", "fengqiao", "fengqiao")
        .map(|d| d.data_local_dir().to_path_buf())
        .context("no home directory to keep data in; set FENGQIAO_DATA_DIR")
}

fn main() -> Result<()> {
    let dir = data_dir()?;
    if !dir.join("device.json").exists() {
        println!("首次启动：正在创建演示县（{}）……", demo::DEMO_COUNTY);
        let store = demo::init_demo_county(&dir)?;
        let cases = demo::generate(demo::DemoOptions {
            cases: 2000,
            seed: 1,
            end: now_cst().date_naive(),
        });
        store.import_cases(cases, |_| {})?;
        store.close();
    }
    let store = Store::open(&dir).with_context(|| format!("打开数据目录 {}", dir.display()))?;
    let today = now_cst().date_naive();
    let calendar = store.holiday_calendar()?;
    let cases = store.list_cases(&CaseFilter::default())?;
    let open_cases: Vec<_> = cases.iter().filter(|c| c.status.is_open()).collect();
    let by_id: std::collections::HashMap<_, _> = open_cases.iter().map(|c| (c.id, *c)).collect();
    let mut overdue = Vec::new();
    let mut due_soon = Vec::new();
    for (case, events) in store.histories(&CaseFilter::default())? {
        let Some(summary) = by_id.get(&case.id) else {
            continue;
        };
        let facts = fengqiao_rules::CaseFacts::from_registration(&case.registration);
        let thresholds = fengqiao_rules::DueThresholds::default();
        let clocks = fengqiao_rules::case_clocks(&facts, &events, &calendar, today, &thresholds);
        if clocks.overdue().next().is_some() {
            overdue.push(*summary);
        } else if clocks
            .running()
            .next()
            .is_some_and(|c| c.deadline.due <= today + chrono::Duration::days(5))
        {
            due_soon.push(*summary);
        }
    }
    // Oldest first: the longest-waiting petitioners head the list.
    overdue.sort_by_key(|c| (c.received_on, c.number.clone()));
    due_soon.sort_by_key(|c| (c.received_on, c.number.clone()));
    println!(
        "枫桥 · 今日 {today}（{}，{}）",
        store.identity().county,
        store.identity().device_name
    );
    println!("数据目录：{}", dir.display());
    println!(
        "案件总数 {}，在办 {}，超期 {}，即将到期 {}",
        cases.len(),
        open_cases.len(),
        overdue.len(),
        due_soon.len()
    );
    for c in overdue.iter().take(10) {
        println!(
            "  超期  {}  {}{}  {}  {}",
            c.number, c.township, c.village, c.petitioner, c.request
        );
    }
    for c in due_soon.iter().take(10) {
        println!(
            "  将到期 {}  {}{}  {}  {}",
            c.number, c.township, c.village, c.petitioner, c.request
        );
    }
    println!("（桌面窗口界面见 issue 7；命令行工具：cargo run -p fengqiao-cli -- --help）");
    store.close();
    Ok(())
}
