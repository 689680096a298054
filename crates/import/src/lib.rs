//! Bringing a county's existing records in: spreadsheets (CSV in UTF-8 or GB18030, Excel
//! workbooks) read through a mapping into cases, each row either read or refused with its
//! row, column, value and why; and the spreadsheets written out (the export the default
//! mapping reads back, the blank template, the refused rows).
//!
//! Pure: it takes bytes, the directory's names and `today`, and gives cases and bytes; the
//! store decides what is new, changed or already there (`Store::plan_import`), and the CLI
//! and the app read and write the files.

pub mod cells;
pub mod dates;
pub mod mapping;
pub mod rows;
pub mod table;
pub mod write;

pub use mapping::{Field, Mapping};
pub use rows::{Directory, Mapped, MappedRow, Refusal, map_table};
pub use table::{ReadOptions, SourceKind, Table, TextEncoding, read_table};

/// Why a whole file cannot be imported (a single row's problem is a [`Refusal`] instead).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("{file} 不是 CSV 或 Excel（.xlsx）文件 (not a spreadsheet)")]
    NotASpreadsheet { file: String },
    #[error(
        "{file} 不是有效的 {encoding} 编码{}：第 {line} 行（第 {offset} 字节）无法解读；请另存为 UTF-8 或 GB18030 的 CSV，或在映射文件 [file] encoding 中指明编码 (wrong encoding)",
        if *utf16 { "（UTF-16）" } else { "" }
    )]
    BadEncoding {
        file: String,
        encoding: &'static str,
        line: usize,
        offset: usize,
        utf16: bool,
    },
    #[error("{file} 第 {row} 行不是有效的 CSV：{why} (bad CSV)")]
    BadCsv {
        file: String,
        row: usize,
        why: String,
    },
    #[error("{file} 无法作为 Excel 工作簿读取：{why} (bad workbook)")]
    BadWorkbook { file: String, why: String },
    #[error("{file} 第 {row} 行没有表头 (no header row)")]
    NoHeader { file: String, row: usize },
    #[error("映射文件 {file} 有误：{why} (bad mapping)")]
    BadMapping { file: String, why: String },
    #[error("表头中没有列“{header}”（映射给字段 {field}）；表头有：{present} (missing column)")]
    MissingColumn {
        header: String,
        field: String,
        present: String,
    },
    #[error(
        "表头中找不到任何可识别的列（按 {kind} 读取）：{present}。若表头是乱码，文件编码可能不是 UTF-8 或 GB18030；否则请用映射文件指明各列 (no known column)"
    )]
    NoKnownColumn { present: String, kind: String },
    #[error("写表格失败：{0} (write failed)")]
    Write(String),
}

/// Where the refused rows of an import of `input` go: beside it, `<name>-未导入.csv`.
pub fn refused_path(input: &std::path::Path) -> std::path::PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "导入".into());
    input.with_file_name(format!("{stem}-未导入.csv"))
}

/// Reads a file through a mapping: the table (for the refused-rows file) and the cases.
pub fn read_cases(
    bytes: &[u8],
    name: &str,
    mapping: &Mapping,
    dir: &Directory,
) -> Result<(Table, Mapped), ImportError> {
    let table = read_table(bytes, name, &mapping.read)?;
    let mapped = map_table(&table, mapping, dir)?;
    Ok((table, mapped))
}
