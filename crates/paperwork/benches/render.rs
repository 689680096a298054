//! Typesetting alone: filling the templates, laying out and writing the PDF of a
//! one-page 信访处理意见书 with the bundled fonts (subsetting included).
//!
//! Run: `cargo bench -p fengqiao-paperwork --bench render`

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use fengqiao_paperwork::{DocKind, Fields, FontSet, Templates, render};

fn fields() -> Fields {
    [
        ("case_number", "GK7Q-2026-00042"),
        ("petitioner", "欧阳娜娜"),
        ("received_on", "2026年4月28日"),
        (
            "request",
            "要求修复村口被山洪冲毁的灌溉水渠，保障今年春耕用水",
        ),
        ("issuer", "宁国市信访局"),
        ("number", "宁信意〔2026〕K7M2Q-1号"),
        ("date", "2026年5月20日"),
        ("reply", "支持"),
        ("reply_decision", "对你的请求予以支持"),
        (
            "findings",
            "经现场核查，该段水渠于2025年7月被山洪冲毁，长约210米，影响灌溉面积42亩，属实",
        ),
        ("basis", "《中华人民共和国水法》第四十二条"),
        ("review_body", "宣城市信访局"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

fn bench(c: &mut Criterion) {
    let templates = Templates::builtin();
    let fonts = FontSet::bundled();
    let fields = fields();
    let date = NaiveDate::from_ymd_opt(2026, 5, 20).expect("date");
    c.bench_function("render_handling_opinion", |b| {
        b.iter(|| {
            render(
                &templates,
                DocKind::HandlingOpinion,
                &fields,
                &fonts,
                "bench",
                date,
            )
            .expect("render")
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
