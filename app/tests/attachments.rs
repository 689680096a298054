//! 附件 on the case page, driven as a clerk would with egui_kittest on the real app and a
//! real store: a JPEG chosen in the file picker shows its thumbnail, a PDF its icon and no
//! thumbnail; 打开 hands an owner-only copy of the bytes to the viewer; an empty file is
//! refused with the store's reason; a file dropped onto the page is attached; a file chosen
//! in the event form is attached to the event recorded; withdrawing hides it. And the
//! thumbnail of a JPEG whose EXIF says "rotate" comes out rotated.

mod common;

use common::{app_on, click_button, type_into, wait_for};
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use fengqiao_app::FengqiaoApp;
use fengqiao_app::backend::AttachmentRow;
use fengqiao_app::backend::attachments::{THUMBNAIL_SIDE, thumbnail};
use fengqiao_app::state::Phase;
use fengqiao_app::sync_seam::NoLiveSync;
use fengqiao_model::{AttachedTo, Channel, Registration};
use fengqiao_store::Store;
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};

fn harness(dir: &Path) -> Harness<'static, FengqiaoApp> {
    app_on(dir, egui::vec2(1280.0, 1400.0), 10, || Box::new(NoLiveSync))
}

fn status(app: &FengqiaoApp) -> String {
    app.state
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

fn rows(app: &FengqiaoApp) -> Vec<AttachmentRow> {
    app.state
        .case_page
        .page
        .as_ref()
        .map(|p| p.attachments.clone())
        .unwrap_or_default()
}

/// A picture `w × h`, its left half red and its right half blue, as a JPEG.
fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = RgbImage::from_fn(w, h, |x, _| {
        if x < w / 2 {
            Rgb([220, 20, 20])
        } else {
            Rgb([20, 20, 220])
        }
    });
    let mut out = Vec::new();
    DynamicImage::ImageRgb8(img)
        .write_to(&mut Cursor::new(&mut out), ImageFormat::Jpeg)
        .expect("encode JPEG");
    out
}

/// The JPEG with an APP1 Exif segment right after its SOI marker, holding one tag:
/// Orientation (0x0112) = `orientation` (6: the camera was turned, rotate 90° clockwise).
fn with_exif_orientation(jpeg: &[u8], orientation: u8) -> Vec<u8> {
    assert_eq!(&jpeg[..2], [0xFF, 0xD8], "a JPEG starts with SOI");
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"MM\0\x2A\0\0\0\x08"); // big-endian TIFF, first IFD at 8
    tiff.extend_from_slice(&[0, 1]); // one entry
    tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0]);
    tiff.extend_from_slice(&[0, 0, 0, 0]); // no next IFD
    let mut segment = b"Exif\0\0".to_vec();
    segment.extend_from_slice(&tiff);
    let len = u16::try_from(segment.len() + 2).expect("short");
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&segment);
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn is_red(p: &[u8]) -> bool {
    p[0] > 150 && p[2] < 100
}

fn is_blue(p: &[u8]) -> bool {
    p[2] > 150 && p[0] < 100
}

#[test]
fn an_exif_rotated_photo_makes_a_rotated_thumbnail() {
    let plain = jpeg(320, 200);
    let t = thumbnail(&plain, THUMBNAIL_SIDE).expect("thumbnail");
    assert_eq!((t.width, t.height), (160, 100));
    let px = |t: &fengqiao_app::backend::attachments::Thumbnail, x: u32, y: u32| {
        let i = ((y * t.width + x) * 4) as usize;
        t.rgba[i..i + 4].to_vec()
    };
    assert!(is_red(&px(&t, 10, 50)) && is_blue(&px(&t, 150, 50)));

    let turned = thumbnail(&with_exif_orientation(&plain, 6), THUMBNAIL_SIDE).expect("thumbnail");
    assert_eq!(
        (turned.width, turned.height),
        (100, 160),
        "orientation 6 turns a landscape picture upright"
    );
    // Turned 90° clockwise: the left (red) half is now on top.
    assert!(is_red(&px(&turned, 50, 10)), "top is red");
    assert!(is_blue(&px(&turned, 50, 150)), "bottom is blue");
    assert_eq!(turned.rgba.len(), 100 * 160 * 4);
}

/// A dropped file as the desktop gives it: a path.
#[derive(Debug)]
struct DroppedPath(PathBuf);

impl egui::DroppedFile for DroppedPath {
    fn path(&self) -> &Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

/// The test's viewer: it copies what it was handed beside a mark, so no window opens.
fn mark_opened(path: &Path) -> std::io::Result<()> {
    let mark = std::env::temp_dir().join(format!(
        "fengqiao-test-opened-{}",
        path.file_name().unwrap_or_default().to_string_lossy()
    ));
    std::fs::write(mark, path.display().to_string())
}

/// The picker answers `path` the next time it is opened.
fn pick(h: &mut Harness<'_, FengqiaoApp>, path: &Path) {
    let path = path.to_owned();
    h.state_mut().state.attach.picker = Arc::new(move || vec![path.clone()]);
}

#[test]
fn a_clerk_attaches_a_photo_and_a_scan_opens_one_and_withdraws_the_photo() {
    let dir = tempfile::tempdir().expect("tmp");
    let files = tempfile::tempdir().expect("tmp");
    fengqiao_app::backend::create_demo_county(dir.path(), 10)
        .expect("demo")
        .close();
    let number = {
        let store = Store::open(dir.path()).expect("open");
        let today = fengqiao_store::now_cst().date_naive();
        let township = store.townships().expect("townships")[0].name.clone();
        let reg = Registration::new(Channel::Letter, today, &township, "请求修复灌溉水渠")
            .with_petitioner("欧阳娜娜", "13800001111");
        let number = store.add_case(reg).expect("add").number.to_string();
        store.close();
        number
    };
    let photo = files.path().join("来信.jpg");
    std::fs::write(&photo, jpeg(320, 200)).expect("write");
    let scan = files.path().join("送达回证.pdf");
    std::fs::write(&scan, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n").expect("write");
    let empty = files.path().join("空白.txt");
    std::fs::write(&empty, b"").expect("write");
    let dropped = files.path().join("现场照片.png");
    let mut png = Vec::new();
    DynamicImage::ImageRgb8(RgbImage::from_pixel(40, 30, Rgb([0, 160, 0])))
        .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .expect("png");
    std::fs::write(&dropped, &png).expect("write");
    let minutes = files.path().join("会议记录.docx");
    std::fs::write(&minutes, b"PK\x03\x04 not really a document").expect("write");

    let mut h = harness(dir.path());
    wait_for(&mut h, "the store to open", |a| {
        a.state.phase == Phase::Open && a.state.cases.loaded
    });
    h.state_mut().state.attach.viewer = mark_opened;
    click_button(&mut h, "信访事项");
    h.get_by_label(&number).click();
    wait_for(&mut h, "the case page", |a| {
        a.state.case_page.page.is_some()
    });
    assert!(h.query_by_label("尚无附件。").is_some());

    // The photo, chosen in the picker with a caption: its thumbnail and its name.
    pick(&mut h, &photo);
    type_into(&mut h, "附件说明", "信访人来信原件");
    click_button(&mut h, "添加附件…");
    wait_for(&mut h, "the photo", |a| {
        rows(a).len() == 1 && rows(a)[0].thumbnail.is_some()
    });
    let row = &rows(h.state())[0];
    assert_eq!(row.attachment.file_name, "来信.jpg");
    assert_eq!(row.attachment.caption, "信访人来信原件");
    assert_eq!(row.attachment.on, AttachedTo::Case);
    assert!(row.present);
    let t = row.thumbnail.as_ref().expect("thumbnail");
    assert_eq!((t.width, t.height), (160, 100));
    let image = h.get_by_role_and_label(Role::Image, "缩略图：来信.jpg");
    let size = image.rect().size();
    assert!(
        (size.x - 96.0).abs() < 1.0 && (size.y - 60.0).abs() < 1.0,
        "drawn at most 96 points wide, keeping its shape: {size:?}"
    );
    assert!(h.query_by_label("来信.jpg").is_some());
    assert!(h.query_by_label("信访人来信原件").is_some());
    assert!(status(h.state()).contains("已添加附件：来信.jpg"));

    // The scan: an icon, no thumbnail.
    pick(&mut h, &scan);
    click_button(&mut h, "添加附件…");
    wait_for(&mut h, "the scan", |a| rows(a).len() == 2);
    assert!(rows(h.state())[1].thumbnail.is_none());
    assert!(h.query_by_label("送达回证.pdf").is_some());
    assert!(h.query_by_label("PDF").is_some(), "the PDF's icon");
    assert!(
        h.query_by_role_and_label(Role::Image, "缩略图：送达回证.pdf")
            .is_none()
    );
    assert_eq!(h.query_all_by_role(Role::Image).count(), 1);

    // 打开: the bytes, owner-only, handed to the viewer.
    click_button(&mut h, "打开：送达回证.pdf");
    wait_for(&mut h, "the viewer", |a| {
        status(a).contains("已用系统程序打开")
    });
    let opened = status(h.state())
        .split_once('：')
        .map(|(_, p)| PathBuf::from(p))
        .expect("the path in the notice");
    assert_eq!(
        std::fs::read(&opened).expect("opened"),
        std::fs::read(&scan).expect("scan")
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&opened), 0o600);
        assert_eq!(mode(opened.parent().expect("dir")), 0o700);
    }
    let mark = std::env::temp_dir().join(format!(
        "fengqiao-test-opened-{}",
        opened.file_name().unwrap_or_default().to_string_lossy()
    ));
    assert_eq!(
        std::fs::read_to_string(&mark).expect("viewer called"),
        opened.display().to_string()
    );
    let _ = std::fs::remove_file(mark);
    let copies = opened.parent().expect("dir").to_owned();

    // Bytes not on this laptop (as when another laptop attached them and only the record
    // has come): "on the county server", nothing to open.
    let hash = rows(h.state())[1].attachment.hash.clone();
    std::fs::remove_file(dir.path().join("blobs").join(&hash[..2]).join(&hash)).expect("blob");
    click_button(&mut h, "← 返回列表");
    h.get_by_label(&number).click();
    wait_for(&mut h, "the page again", |a| {
        rows(a).len() == 2 && !rows(a)[1].present
    });
    assert!(h.query_by_label("在县服务器，下次同步送达").is_some());
    assert!(
        h.query_by_role_and_label(Role::Button, "打开：送达回证.pdf")
            .is_none()
    );
    assert!(
        h.query_by_role_and_label(Role::Button, "打开：来信.jpg")
            .is_some()
    );

    // An empty file: refused with the store's reason, nothing attached.
    pick(&mut h, &empty);
    click_button(&mut h, "添加附件…");
    wait_for(&mut h, "the refusal", |a| {
        status(a).contains("添加附件失败")
    });
    assert!(
        status(h.state()).contains("文件是空的"),
        "{}",
        status(h.state())
    );
    assert_eq!(rows(h.state()).len(), 2);

    // A picture dropped onto the page (not onto a form): attached to the case.
    h.remove_cursor();
    h.input_mut()
        .dropped_files
        .push(Arc::new(DroppedPath(dropped.clone())));
    wait_for(&mut h, "the dropped picture", |a| rows(a).len() == 3);
    assert!(
        h.query_by_role_and_label(Role::Image, "缩略图：现场照片.png")
            .is_some()
    );

    // A file chosen in the event form waits for the event, then is attached to it.
    pick(&mut h, &minutes);
    click_button(&mut h, "为事件添加附件…");
    wait_for(&mut h, "the file waiting", |a| {
        a.state.attach.event_files.len() == 1
    });
    assert!(h.query_by_label("保存时一并添加：会议记录.docx").is_some());
    click_button(&mut h, "记录办理环节");
    wait_for(&mut h, "the event's attachment", |a| rows(a).len() == 4);
    let page = h.state().state.case_page.page.clone().expect("page");
    let event = page
        .record
        .events
        .iter()
        .find(|e| e.kind.code() == "routed")
        .expect("the event")
        .id;
    let on_event = page
        .attachments
        .iter()
        .find(|r| r.attachment.file_name == "会议记录.docx")
        .expect("attached");
    assert_eq!(on_event.attachment.on, AttachedTo::Event(event));
    assert!(h.query_by_label("文档").is_some(), "the document's icon");

    // Withdrawn with a reason: gone from the list, kept in the record.
    click_button(&mut h, "撤回：来信.jpg");
    type_into(&mut h, "撤回原因", "重复上传");
    click_button(&mut h, "确认撤回");
    wait_for(&mut h, "the withdrawal", |a| {
        rows(a)
            .iter()
            .any(|r| r.attachment.file_name == "来信.jpg" && !r.attachment.is_live())
    });
    assert!(h.query_by_label("来信.jpg").is_none());
    assert!(
        h.query_by_role_and_label(Role::Image, "缩略图：来信.jpg")
            .is_none()
    );
    assert!(h.query_by_label("送达回证.pdf").is_some());
    // Shown again, struck through and without its thumbnail, when asked.
    h.get_by_role_and_label(Role::CheckBox, "显示已撤回的附件")
        .click();
    h.run_steps(2);
    assert!(h.query_by_label("来信.jpg").is_some());
    assert!(h.query_by_label_contains("撤回：重复上传").is_some());
    assert!(
        h.query_by_role_and_label(Role::Image, "缩略图：来信.jpg")
            .is_none()
    );

    // Kept in the record, with who withdrew it and why.
    let withdrawn = rows(h.state())
        .into_iter()
        .find(|r| r.attachment.file_name == "来信.jpg")
        .and_then(|r| r.attachment.withdrawn)
        .expect("withdrawn");
    assert_eq!(withdrawn.reason, "重复上传");
    assert_eq!(rows(h.state()).len(), 4);

    // The copies handed to the viewer go with the session.
    assert!(copies.exists());
    drop(h);
    let gone = std::time::Instant::now();
    while copies.exists() && gone.elapsed() < std::time::Duration::from_secs(10) {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(
        !copies.exists(),
        "{} outlived the session",
        copies.display()
    );
}

#[test]
fn a_photo_of_the_site_is_attached_to_a_saved_field_visit_and_withdrawn() {
    let dir = tempfile::tempdir().expect("tmp");
    let files = tempfile::tempdir().expect("tmp");
    fengqiao_app::backend::create_demo_county(dir.path(), 10)
        .expect("demo")
        .close();
    let today = fengqiao_store::now_cst().date_naive();
    let (township, village) = {
        let store = Store::open(dir.path()).expect("open");
        let township = store.townships().expect("townships")[0].name.clone();
        let village = store.villages(&township).expect("villages")[0].clone();
        store
            .put_visit(&fengqiao_model::FieldVisit {
                id: fengqiao_model::VisitId::generate(),
                leader: None,
                staff: vec!["王明".into()],
                township: township.clone(),
                village: village.clone(),
                date: today,
                households: Vec::new(),
                linked_cases: Vec::new(),
                outcome: String::new(),
            })
            .expect("visit");
        store.close();
        (township, village)
    };
    let photo = files.path().join("现场.jpg");
    std::fs::write(&photo, jpeg(200, 300)).expect("write");

    let mut h = harness(dir.path());
    wait_for(&mut h, "the store to open", |a| {
        a.state.phase == Phase::Open && !a.state.visits.visits.is_empty()
    });
    click_button(&mut h, "下访");
    h.get_by_label(&format!("{today} {township}{village} · 计划中"))
        .click();
    h.run_steps(2);
    let visit_rows = |a: &FengqiaoApp| {
        a.state
            .attach
            .visit
            .as_ref()
            .map(|(_, rows)| rows.to_vec())
            .unwrap_or_default()
    };
    wait_for(&mut h, "the visit's attachments", |a| {
        a.state.attach.visit.is_some()
    });
    assert!(h.query_by_label("尚无附件。").is_some());

    pick(&mut h, &photo);
    type_into(&mut h, "下访附件说明", "村口水渠现状");
    click_button(&mut h, "为下访添加附件…");
    wait_for(&mut h, "the photo", |a| visit_rows(a).len() == 1);
    let row = &visit_rows(h.state())[0];
    assert!(matches!(row.attachment.on, AttachedTo::Visit(_)));
    assert_eq!(row.attachment.caption, "村口水渠现状");
    let t = row.thumbnail.as_ref().expect("thumbnail");
    assert_eq!((t.width, t.height), (107, 160));
    assert!(
        h.query_by_role_and_label(Role::Image, "缩略图：现场.jpg")
            .is_some()
    );

    click_button(&mut h, "撤回：现场.jpg");
    type_into(&mut h, "撤回原因", "拍错了村");
    click_button(&mut h, "确认撤回");
    wait_for(&mut h, "the withdrawal", |a| {
        visit_rows(a)
            .first()
            .is_some_and(|r| !r.attachment.is_live())
    });
    assert!(h.query_by_label("现场.jpg").is_none());
    assert!(
        h.query_by_role_and_label(Role::Image, "缩略图：现场.jpg")
            .is_none()
    );
}
