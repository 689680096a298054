//! `fengqiao-app`: parses the command line, sets up logging, opens the window.
//!
//! `fengqiao-app [--screenshots DIR]`. The data directory is `FENGQIAO_DATA_DIR` or the
//! platform's local data directory; on first start with the default directory the demo
//! county is created (with `FENGQIAO_DATA_DIR` pointing at an empty directory, the app
//! offers it instead).

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
            other => {
                return Err(anyhow!(
                    "不认识的参数 {other}；用法：fengqiao-app [--screenshots DIR] (unknown argument)"
                ));
            }
        }
    }
    let data_dir = fengqiao_app::default_data_dir()
        .context("没有可存放数据的主目录，请设置 FENGQIAO_DATA_DIR (no home directory)")?;
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
            .with_inner_size([1280.0, 800.0])
            .with_min_inner_size([960.0, 600.0]),
        // Rare characters in names (outside GBK) come from the system's fonts.
        system_font_fallback: true,
        persist_window: true,
        ..Default::default()
    };
    eframe::run_native(
        "fengqiao",
        options,
        Box::new(move |cc| Ok(Box::new(FengqiaoApp::new(cc, startup)))),
    )
    .map_err(|e| anyhow!("无法打开窗口 (cannot open the window): {e}"))
}
