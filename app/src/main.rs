//! `fengqiao-app`: parses the command line, sets up logging, opens the window.
//!
//! `fengqiao-app [--lang zh|en] [--size WxH] [--screenshots DIR] [--kiosk [--kiosk-idle
//! SECONDS]]`. `--lang` and `--size` choose the language and the window's size over the
//! remembered ones (for screenshots). The data directory is `FENGQIAO_DATA_DIR` or the
//! platform's local data directory; on first start with the default directory the demo
//! county is created (with `FENGQIAO_DATA_DIR` pointing at an empty directory, the app
//! offers it instead). `--kiosk` opens the 导访 kiosk instead of the app: full screen, the
//! guide and pre-registration into the intake queue, no case data.

use std::path::PathBuf;

use anyhow::{Context, Result, anyhow};
use fengqiao_app::live::IrohSync;
use fengqiao_app::{FengqiaoApp, Startup};

fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "fengqiao=info,warn".into()),
        )
        .init();
    let mut screenshots = None;
    let mut lang = None;
    let mut size = None;
    let mut kiosk = false;
    let mut idle = fengqiao_app::kiosk::state::DEFAULT_IDLE_TIMEOUT;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--screenshots" => {
                let dir = PathBuf::from(
                    args.next()
                        .context("--screenshots 需要一个目录 (needs a directory)")?,
                );
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("创建目录 {}", dir.display()))?;
                screenshots = Some(dir);
            }
            "--kiosk" => kiosk = true,
            "--lang" => {
                let value = args.next().unwrap_or_default();
                lang = Some(match value.as_str() {
                    "zh" => fengqiao_app::i18n::Lang::Zh,
                    "en" => fengqiao_app::i18n::Lang::English,
                    _ => {
                        return Err(anyhow!(
                            "--lang “{value}” 应为 zh 或 en (language: zh or en)"
                        ));
                    }
                });
            }
            "--size" => {
                let value = args.next().unwrap_or_default();
                size = Some(parse_size(&value).with_context(|| {
                    format!("--size “{value}” 应为 宽x高，如 1366x768 (size: WIDTHxHEIGHT)")
                })?);
            }
            "--kiosk-idle" => {
                let value = args
                    .next()
                    .context("--kiosk-idle 需要秒数 (needs a number of seconds)")?;
                let seconds: u64 = value
                    .parse()
                    .ok()
                    .filter(|s| (10..=3600).contains(s))
                    .with_context(|| {
                        format!("--kiosk-idle “{value}” 应为 10 到 3600 之间的秒数 (seconds)")
                    })?;
                idle = std::time::Duration::from_secs(seconds);
            }
            other => {
                return Err(anyhow!(
                    "不认识的参数 {other}；用法：fengqiao-app [--lang zh|en] [--size WxH] [--screenshots DIR] [--kiosk [--kiosk-idle SECONDS]] (unknown argument)"
                ));
            }
        }
    }
    let data_dir = fengqiao_app::default_data_dir()
        .context("没有可存放数据的主目录，请设置 FENGQIAO_DATA_DIR (no home directory)")?;
    if kiosk {
        return run_kiosk(data_dir, idle, screenshots, size);
    }
    let chosen_explicitly = std::env::var_os("FENGQIAO_DATA_DIR").is_some();
    let first_start = !fengqiao_store::local::DataDir::new(&data_dir).is_initialised();
    let startup = Startup {
        data_dir,
        live_sync: Box::new(IrohSync::new()),
        demo_cases: fengqiao_app::backend::DEMO_CASES,
        create_demo: first_start && (!chosen_explicitly || screenshots.is_some()),
        screenshots,
    };
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("枫桥 Fengqiao")
            .with_app_id("fengqiao")
            .with_inner_size(size.unwrap_or([1280.0, 800.0]))
            .with_min_inner_size([960.0, 600.0]),
        // Rare characters in names (outside GBK) come from the system's fonts.
        system_font_fallback: true,
        persist_window: true,
        ..Default::default()
    };
    eframe::run_native(
        "fengqiao",
        options,
        Box::new(move |cc| {
            let mut app = FengqiaoApp::new(cc, startup);
            // Over the remembered language, for this run.
            if let Some(lang) = lang {
                app.state.prefs.lang = lang;
            }
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| anyhow!("无法打开窗口 (cannot open the window): {e}"))
}

/// The 导访 kiosk: full screen; its only link to the data is a desk that adds intake items.
/// `1366x768` as a window size in points.
fn parse_size(text: &str) -> Option<[f32; 2]> {
    let (w, h) = text.split_once(['x', '×'])?;
    let (w, h): (u16, u16) = (w.trim().parse().ok()?, h.trim().parse().ok()?);
    (w >= 640 && h >= 480).then_some([f32::from(w), f32::from(h)])
}

fn run_kiosk(
    data_dir: PathBuf,
    idle_timeout: std::time::Duration,
    screenshots: Option<PathBuf>,
    size: Option<[f32; 2]>,
) -> Result<()> {
    use fengqiao_app::kiosk::{KioskApp, KioskStartup, clock::SystemClock, desk::StoreDesk};
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("枫桥 导访")
            .with_app_id("fengqiao-kiosk")
            .with_inner_size(size.unwrap_or([1280.0, 800.0]))
            .with_fullscreen(screenshots.is_none()),
        system_font_fallback: true,
        ..Default::default()
    };
    eframe::run_native(
        "fengqiao-kiosk",
        options,
        Box::new(move |cc| {
            fengqiao_app::fonts::install(&cc.egui_ctx);
            let ctx = cc.egui_ctx.clone();
            let desk = StoreDesk::spawn(data_dir, move || ctx.request_repaint());
            Ok(Box::new(KioskApp::with_context(
                &cc.egui_ctx,
                KioskStartup {
                    desk: Box::new(desk),
                    clock: Box::new(SystemClock::new()),
                    idle_timeout,
                    screenshots,
                },
            )))
        }),
    )
    .map_err(|e| anyhow!("无法打开窗口 (cannot open the window): {e}"))
}
