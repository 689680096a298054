//! The 导访 kiosk, headless: `egui_kittest` drives `KioskApp` as a visitor would (search →
//! route → pre-register → idle reset), with the kiosk's clock injected so the idle timeout
//! is tested by moving time, not by sleeping.

mod common;

use common::{click_button, type_into};
use std::time::Duration;

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use fengqiao_app::kiosk::clock::ManualClock;
use fengqiao_app::kiosk::desk::{IntakeDesk, MemoryDesk};
use fengqiao_app::kiosk::state::{DEFAULT_IDLE_TIMEOUT, Screen};
use fengqiao_app::kiosk::{KioskApp, KioskStartup};

fn kiosk(desk: Box<dyn IntakeDesk>, clock: &ManualClock) -> Harness<'static, KioskApp> {
    let clock = clock.clone();
    let mut desk = Some(desk);
    Harness::builder()
        .with_size(egui::vec2(1280.0, 1024.0))
        .with_context_setup(fengqiao_app::fonts::install)
        .build_eframe(move |cc| {
            fengqiao_app::fonts::install(&cc.egui_ctx);
            KioskApp::with_context(
                &cc.egui_ctx,
                KioskStartup {
                    desk: desk.take().expect("the harness builds the app once"),
                    clock: Box::new(clock.clone()),
                    idle_timeout: DEFAULT_IDLE_TIMEOUT,
                    screenshots: None,
                },
            )
        })
}

/// Every button on screen is a touch target at least 64 points high.
#[track_caller]
fn buttons_are_big(h: &Harness<'_, KioskApp>) {
    let mut seen = 0;
    for node in h.root().children_recursive() {
        if node.accesskit_node().role() == Role::Button {
            let rect = node.rect();
            assert!(
                rect.height() >= 64.0,
                "button {:?} is {} pt high",
                node.accesskit_node().label(),
                rect.height()
            );
            seen += 1;
        }
    }
    assert!(seen > 0, "the screen has buttons");
}

#[test]
fn a_visitor_searches_sees_the_route_pre_registers_and_the_kiosk_resets_when_idle() {
    let clock = ManualClock::default();
    let desk = MemoryDesk::new();
    let received = desk.received.clone();
    let mut h = kiosk(Box::new(desk), &clock);
    h.run_steps(2);

    // The start: Chinese, a search field and the list's categories as big buttons.
    h.get_by_label("信访导访服务");
    h.get_by_role_and_label(Role::Button, "劳动、社会保障");
    assert!(h.query_by_label("Search").is_none(), "Chinese only");
    buttons_are_big(&h);

    // Search with the visitor's own words: the wage-arrears type comes first.
    type_into(&mut h, "您要反映的事情", "包工头拖欠工资不给");
    click_button(&mut h, "查找");
    assert_eq!(h.state().state.screen, Screen::Results);
    h.get_by_label("“包工头拖欠工资不给”的查找结果");
    buttons_are_big(&h);
    click_button(&mut h, "拖欠农民工工资　→ 行政职责");

    // The route screen: route, competent body, law, what to bring.
    assert_eq!(h.state().state.screen, Screen::Route("wage-arrears".into()));
    h.get_by_label_contains("行政职责：通过行政复议");
    h.get_by_label_contains("人力资源和社会保障局");
    h.get_by_label_contains("《保障农民工工资支付条例》");
    h.get_by_label("请带好以下材料");
    h.get_by_label_contains("工资欠条、工资表或银行流水");
    h.get_by_label_contains("本人居民身份证");
    buttons_are_big(&h);

    // Pre-register: an empty form is refused field by field; nothing is sent.
    click_button(&mut h, "预先登记");
    h.get_by_label("事项类型：拖欠农民工工资（行政职责）");
    click_button(&mut h, "提交");
    h.get_by_label("× 请填写姓名");
    h.get_by_label("× 请填写手机号码");
    h.get_by_label("× 请填写简要说明");
    assert!(received.lock().unwrap().is_empty());
    type_into(&mut h, "姓名", "汪堃");
    type_into(&mut h, "手机号码", "13800001111");
    type_into(&mut h, "简要说明", "工地拖欠三个月工资");
    click_button(&mut h, "提交");
    h.run_steps(2);
    h.get_by_label("预先登记成功");
    {
        let received = received.lock().unwrap();
        assert_eq!(received.len(), 1);
        assert_eq!(received[0].name, "汪堃");
        assert_eq!(received[0].phone, "13800001111");
        assert_eq!(received[0].guide_type.as_deref(), Some("wage-arrears"));
    }
    assert!(
        h.query_all_by_label_contains("汪堃").next().is_none(),
        "the visitor's name is not left on screen"
    );
    click_button(&mut h, "返回首页");
    assert_eq!(h.state().state.screen, Screen::Start);

    // A category button lists its types; a second visitor starts typing and walks away.
    click_button(&mut h, "邻里、家庭、民事");
    click_button(&mut h, "邻里纠纷（通行、采光、排水）　→ 矛盾纠纷");
    click_button(&mut h, "预先登记");
    type_into(&mut h, "姓名", "李四");
    type_into(&mut h, "简要说明", "邻居排水");
    // 89 seconds of nothing: still there. One more: back to the start, everything cleared.
    clock.advance(DEFAULT_IDLE_TIMEOUT - Duration::from_secs(1));
    h.step();
    assert_eq!(h.state().state.screen, Screen::Register);
    assert_eq!(h.state().state.form.name, "李四");
    clock.advance(Duration::from_secs(1));
    h.step();
    h.run_steps(2);
    assert_eq!(h.state().state.screen, Screen::Start);
    assert!(!h.state().state.holds_input());
    assert!(h.query_all_by_label_contains("李四").next().is_none());
    assert!(h.query_all_by_label_contains("邻居排水").next().is_none());
    let field = h.get_by_role_and_label(Role::TextInput, "您要反映的事情");
    assert_eq!(field.value().as_deref(), Some(""));
    assert_eq!(received.lock().unwrap().len(), 1, "nothing more was sent");
}

#[test]
fn a_search_with_no_match_offers_pre_registration_without_a_type() {
    let clock = ManualClock::default();
    let desk = MemoryDesk::new();
    let received = desk.received.clone();
    let mut h = kiosk(Box::new(desk), &clock);
    h.run_steps(2);
    type_into(&mut h, "您要反映的事情", "外星人");
    click_button(&mut h, "查找");
    h.get_by_label_contains("没有找到相关事项");
    click_button(&mut h, "预先登记");
    assert!(h.query_all_by_label_contains("事项类型").next().is_none());
    type_into(&mut h, "姓名", "张三");
    type_into(&mut h, "手机号码", "12");
    type_into(&mut h, "简要说明", "说不清楚");
    click_button(&mut h, "提交");
    h.get_by_label_contains("请填写正确的电话号码");
    assert!(received.lock().unwrap().is_empty());
}

/// Every text on screen (labels and field values).
fn texts(h: &Harness<'_, KioskApp>) -> Vec<String> {
    h.root()
        .children_recursive()
        .flat_map(|n| {
            let node = n.accesskit_node();
            [node.label(), node.value()]
        })
        .flatten()
        .collect()
}

/// Fails if any case number or petitioner name of the store is on screen.
#[track_caller]
fn no_case_data(h: &Harness<'_, KioskApp>, secrets: &[String], screen: &str) {
    for text in texts(h) {
        for secret in secrets {
            assert!(
                !text.contains(secret.as_str()),
                "{screen}: “{text}” shows case data “{secret}”"
            );
        }
    }
}

/// Runs frames until the desk thread has answered (it opens the store).
fn wait_for_desk(h: &mut Harness<'_, KioskApp>, what: &str, done: impl Fn(&KioskApp) -> bool) {
    let start = std::time::Instant::now();
    while !done(h.state()) {
        h.step();
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    h.run_steps(2);
}

/// The kiosk on the demo county's data directory: every screen (each category, each
/// complaint type's route page, a search, the form, the confirmation) is walked, and no case
/// number or petitioner name of the store is ever rendered; the pre-registration lands in
/// the intake queue.
#[test]
fn kiosk_mode_on_a_real_store_never_shows_case_data() {
    use fengqiao_app::kiosk::desk::StoreDesk;
    use fengqiao_store::{CaseFilter, Store};

    let dir = tempfile::tempdir().unwrap();
    let store = fengqiao_app::backend::create_demo_county(dir.path(), 40).unwrap();
    let cases = store.list_cases(&CaseFilter::default()).unwrap();
    store.close();
    let mut secrets: Vec<String> = cases
        .iter()
        .flat_map(|c| [c.number.to_string(), c.petitioner.clone()])
        .filter(|s| s.chars().count() >= 2)
        .collect();
    secrets.sort();
    secrets.dedup();
    assert!(secrets.len() > 40, "the demo county has cases and names");

    let clock = ManualClock::default();
    let desk = StoreDesk::spawn(dir.path().to_owned(), || {});
    let mut h = kiosk(Box::new(desk), &clock);
    wait_for_desk(&mut h, "the desk to open the store", |k| {
        k.state.accepting.is_some()
    });
    assert_eq!(h.state().state.accepting, Some(true));
    no_case_data(&h, &secrets, "start");

    let list = h.state().state.list().unwrap().clone();
    let categories: Vec<(String, Vec<(String, String)>)> = list
        .categories()
        .into_iter()
        .map(|(name, types)| {
            let types = types
                .iter()
                .map(|t| (t.name.clone(), t.route.zh().to_owned()))
                .collect();
            (name.to_owned(), types)
        })
        .collect();
    let mut routes_seen = 0;
    for (category, types) in &categories {
        for (name, route) in types {
            click_button(&mut h, category);
            no_case_data(&h, &secrets, category);
            click_button(&mut h, &format!("{name}　→ {route}"));
            h.get_by_label("请带好以下材料");
            no_case_data(&h, &secrets, name);
            routes_seen += 1;
            click_button(&mut h, "返回首页");
        }
    }
    assert_eq!(routes_seen, list.types.len(), "every type's page was seen");

    type_into(&mut h, "您要反映的事情", "zjd");
    click_button(&mut h, "查找");
    no_case_data(&h, &secrets, "results");
    click_button(&mut h, "宅基地使用权纠纷　→ 矛盾纠纷");
    click_button(&mut h, "预先登记");
    no_case_data(&h, &secrets, "register");
    type_into(&mut h, "姓名", "钱多多");
    type_into(&mut h, "手机号码", "13900002222");
    type_into(&mut h, "简要说明", "邻居建房占了我家宅基地");
    click_button(&mut h, "提交");
    wait_for_desk(&mut h, "the item to be saved", |k| {
        k.state.screen == Screen::Done
    });
    no_case_data(&h, &secrets, "done");
    drop(h);

    // The item is in the county's intake queue, from the kiosk, with the guide's type.
    let start = std::time::Instant::now();
    let store = loop {
        match Store::open(dir.path()) {
            Ok(store) => break store,
            Err(e) => {
                assert!(start.elapsed() < Duration::from_secs(30), "{e}");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    };
    let queue = store.intake_queue(None).unwrap();
    let mine: Vec<_> = queue.iter().filter(|e| e.item.name == "钱多多").collect();
    assert_eq!(mine.len(), 1, "one item from this visitor");
    let item = &mine[0].item;
    assert_eq!(item.source, fengqiao_model::IntakeSource::Kiosk);
    assert_eq!(item.description, "邻居建房占了我家宅基地");
    assert_eq!(item.guide_type.as_deref(), Some("homestead-dispute"));
    assert!(mine[0].pickup.is_none());
    store.close();
}
