//! Writes every kind of document, filled with a sample case, to a folder:
//! `cargo run -p fengqiao-paperwork --example sample -- OUT_DIR`.

use chrono::NaiveDate;
use fengqiao_paperwork::{DocKind, Fields, FontSet, Templates, render};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "paperwork-samples".into());
    std::fs::create_dir_all(&out)?;
    let templates = Templates::builtin();
    let fonts = FontSet::bundled();
    let date = NaiveDate::from_ymd_opt(2026, 5, 6).ok_or("date")?;
    for kind in DocKind::ALL {
        let fields = sample_fields(kind);
        let rendered = render(&templates, kind, &fields, &fonts, "sample", date)?;
        let path = format!("{out}/{}.pdf", kind.code());
        std::fs::write(&path, &rendered.pdf)?;
        println!("{path} {} bytes", rendered.pdf.len());
    }
    Ok(())
}

fn sample_fields(kind: DocKind) -> Fields {
    let mut f = Fields::new();
    for (k, v) in [
        ("case_number", "GK7Q-2026-00042"),
        ("petitioner", "欧阳娜娜"),
        ("petitioner_address", "宁国市港口镇山门村三组"),
        ("petitioner_phone", "13800000000"),
        ("head_count", "1"),
        ("received_on", "2026年4月28日"),
        ("registered_on", "2026年4月28日"),
        ("channel", "来访"),
        ("source", "宣城市信访局转送"),
        ("source_unit", "宣城市信访局"),
        ("source_mode", "转送"),
        ("township", "港口镇"),
        ("village", "山门村"),
        ("place", "港口镇山门村"),
        (
            "request",
            "要求修复村口被山洪冲毁的灌溉水渠，保障今年春耕用水",
        ),
        ("facts_given", "去年七月山洪冲毁水渠约两百米，至今未修复"),
        ("reasons_given", "全组四十余亩水田无法灌溉"),
        ("route", "信访诉求"),
        ("lead_unit", "宁国市水利局"),
        ("handler", "李明"),
        ("accepted_on", "2026年4月29日"),
        ("replied_on", "2026年5月20日"),
        ("review_requested_on", "2026年6月2日"),
        ("re_review_requested_on", "2026年7月1日"),
        ("county", "宁国市"),
        ("issuer", "宁国市信访局"),
        ("number", "宁信告〔2026〕K7M2Q-3号"),
        ("date", "2026年5月6日"),
        ("year", "2026"),
        ("reply", "支持"),
        ("reply_decision", "对你的请求予以支持"),
        ("new_due_date", "2026年7月28日"),
        ("served_title", "信访处理意见书"),
        ("served_number", "宁信意〔2026〕K7M2Q-1号"),
        ("reason", "需要水利部门现场测量并编制修复方案"),
        ("redirect", "向宁国市人民法院提起诉讼"),
        (
            "handling_path",
            "本机关将组织现场核查，听取你的陈述，并在受理之日起60日内作出处理意见",
        ),
        ("receiving_unit", "宁国市水利局"),
        // What the store words from who forwards what (a 信访部门, an ordinary item).
        ("forward_basis", "第二十二条第一款、第二十三条第三款"),
        (
            "forward_request",
            "请你单位自收到之日起15日内书面告知信访人接收情况以及处理途径和程序；认为不属于你单位或者本系统职权范围的，请自收到之日起5个工作日内提出异议，并详细说明理由。请依法办理。",
        ),
        ("mode", "转送"),
        ("days", "30"),
        ("approved_by", "王建国"),
        (
            "findings",
            "经现场核查，该段水渠于2025年7月被山洪冲毁，长约210米，影响灌溉面积42亩，属实",
        ),
        (
            "basis",
            "《中华人民共和国水法》第四十二条和《宁国市小型农田水利设施管护办法》",
        ),
        ("review_body", "宣城市信访局"),
        ("re_review_body", "安徽省信访局"),
        ("other_party", "宁国市港口镇山门村村民委员会"),
        (
            "terms",
            "山门村村民委员会于2026年5月31日前修复水渠，费用由镇财政补助",
        ),
        ("mediator", "张华"),
        ("method", "直接送达"),
    ] {
        f.insert(k.into(), v.into());
    }
    if kind == DocKind::ReceiptNotice {
        f.insert("number".into(), "宁信告〔2026〕K7M2Q-4号".into());
    }
    f
}
