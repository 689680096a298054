//! A spreadsheet as rows of text: CSV (UTF-8 with or without BOM, GB18030 as Chinese Excel
//! writes it, UTF-16 as Excel's "Unicode text") or an Excel workbook (.xlsx, and .xls,
//! read by `calamine`). Cells become text the way a clerk sees them: a date cell as
//! `2026-03-01`, a phone number stored as a number without `.0`.

use std::io::Cursor;

use calamine::{Data, Reader};
use encoding_rs::{Encoding, GB18030, UTF_8, UTF_16BE, UTF_16LE};

use crate::ImportError;

/// The text encodings a CSV file may be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TextEncoding {
    /// UTF-8 if the bytes are valid UTF-8 (or start with a BOM), else GB18030.
    #[default]
    Auto,
    #[serde(rename = "utf-8")]
    Utf8,
    Gb18030,
}

/// What kind of file was read, for the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceKind {
    /// CSV (or tab-separated text) in the named encoding.
    Csv { encoding: &'static str },
    /// An Excel workbook: the sheet read.
    Workbook { sheet: String },
}

impl std::fmt::Display for SourceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SourceKind::Csv { encoding } => write!(f, "CSV（{encoding} 编码）"),
            SourceKind::Workbook { sheet } => write!(f, "Excel 工作表“{sheet}”"),
        }
    }
}

/// One data row of a table: its row number as the spreadsheet shows it, and its cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// 1-based, counting the header row, as Excel numbers rows.
    pub number: usize,
    pub cells: Vec<String>,
}

impl Row {
    /// The cell in column `i`, trimmed; empty when the row is shorter.
    pub fn cell(&self, i: usize) -> &str {
        self.cells.get(i).map_or("", |c| c.trim())
    }

    fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.trim().is_empty())
    }
}

/// A sheet read: its headers and data rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub kind: SourceKind,
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
}

/// How to read a file (from the mapping's `[file]`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadOptions {
    pub encoding: TextEncoding,
    /// A workbook's sheet; empty: the first.
    pub sheet: String,
    /// The row holding the headers (1-based); rows above it are skipped.
    pub header_row: usize,
}

/// The spreadsheet column name of a 0-based index: A, B, …, Z, AA, …
pub fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Reads `bytes` (the file called `name`) as a table.
pub fn read_table(bytes: &[u8], name: &str, options: &ReadOptions) -> Result<Table, ImportError> {
    let header_row = options.header_row.max(1);
    let (kind, mut rows) =
        if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
            read_workbook(bytes, name, &options.sheet)?
        } else {
            check_text(bytes, name)?;
            read_csv(bytes, name, options.encoding)?
        };
    if rows.len() < header_row {
        return Err(ImportError::NoHeader {
            file: name.to_owned(),
            row: header_row,
        });
    }
    let data = rows.split_off(header_row);
    let headers: Vec<String> = rows
        .pop()
        .unwrap_or_default()
        .into_iter()
        .map(|h| h.trim().to_owned())
        .collect();
    if headers.iter().all(String::is_empty) {
        return Err(ImportError::NoHeader {
            file: name.to_owned(),
            row: header_row,
        });
    }
    let rows = data
        .into_iter()
        .enumerate()
        .map(|(i, cells)| Row {
            number: header_row + i + 1,
            cells: cells.into_iter().map(unneutralise).collect(),
        })
        .filter(|r| !r.is_blank())
        .collect();
    Ok(Table {
        kind,
        headers,
        rows,
    })
}

/// Undoes `spreadsheet_cell`: `'=1+1` was written for `=1+1`.
fn unneutralise(cell: String) -> String {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest.to_owned(),
        _ => cell,
    }
}

/// Refuses what is clearly not text: a PDF, an image, a Word file, anything with NUL bytes
/// (UTF-16 aside, which starts with its byte-order mark).
fn check_text(bytes: &[u8], name: &str) -> Result<(), ImportError> {
    let utf16 = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
    let binary = [
        &b"%PDF"[..],
        b"\x89PNG",
        b"\xFF\xD8\xFF",
        b"GIF8",
        b"\x1F\x8B",
        b"7z\xBC\xAF",
        b"Rar!",
    ]
    .iter()
    .any(|magic| bytes.starts_with(magic));
    if binary || (!utf16 && bytes.iter().take(64 * 1024).any(|b| *b == 0)) {
        return Err(ImportError::NotASpreadsheet {
            file: name.to_owned(),
        });
    }
    Ok(())
}

fn read_csv(
    bytes: &[u8],
    name: &str,
    encoding: TextEncoding,
) -> Result<(SourceKind, Vec<Vec<String>>), ImportError> {
    let (text, used) = decode(bytes, name, encoding)?;
    // Excel's "Unicode text" is tab-separated; a CSV has commas. Decide by the first line.
    let first = text.lines().next().unwrap_or("");
    let delimiter = if first.matches('\t').count() > first.matches(',').count() {
        b'\t'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows: Vec<Vec<String>> = Vec::new();
    // The csv reader skips blank lines, Excel shows them as rows: put them back, so row
    // numbers are the ones the clerk sees. A record's position is where the reader began
    // looking for it, before the blank lines it skipped.
    for record in reader.records() {
        let record = record.map_err(|e| ImportError::BadCsv {
            file: name.to_owned(),
            row: rows.len() + 1,
            why: e.to_string(),
        })?;
        let start = record.position().map_or(0, |p| p.byte() as usize);
        rows.extend(std::iter::repeat_n(
            Vec::new(),
            blank_lines(text.as_bytes(), start),
        ));
        rows.push(record.iter().map(str::to_owned).collect());
    }
    Ok((
        SourceKind::Csv {
            encoding: used.name(),
        },
        rows,
    ))
}

/// How many blank lines start at `start`: line breaks there, `\r\n` counting once, and
/// a `\n` that completes the previous record's `\r` not at all.
fn blank_lines(bytes: &[u8], start: usize) -> usize {
    let run: Vec<u8> = bytes
        .get(start..)
        .unwrap_or_default()
        .iter()
        .take_while(|b| matches!(b, b'\n' | b'\r'))
        .copied()
        .collect();
    let mut i = usize::from(
        start > 0 && bytes.get(start - 1) == Some(&b'\r') && run.first() == Some(&b'\n'),
    );
    let mut breaks = 0;
    while i < run.len() {
        i += if run[i] == b'\r' && run.get(i + 1) == Some(&b'\n') {
            2
        } else {
            1
        };
        breaks += 1;
    }
    breaks
}

/// Decodes CSV bytes: a byte-order mark decides (whatever the mapping says); otherwise as
/// asked, or (auto) UTF-8 when the bytes are valid UTF-8 and GB18030 when not.
fn decode(
    bytes: &[u8],
    name: &str,
    wanted: TextEncoding,
) -> Result<(String, &'static Encoding), ImportError> {
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom..]);
        if had_errors {
            return Err(bad_encoding(bytes, name, encoding));
        }
        return Ok((text.into_owned(), encoding));
    }
    let encoding = match wanted {
        TextEncoding::Utf8 => UTF_8,
        TextEncoding::Gb18030 => GB18030,
        TextEncoding::Auto if std::str::from_utf8(bytes).is_ok() => UTF_8,
        TextEncoding::Auto => GB18030,
    };
    let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(bad_encoding(bytes, name, encoding));
    }
    Ok((text.into_owned(), encoding))
}

fn bad_encoding(bytes: &[u8], name: &str, encoding: &'static Encoding) -> ImportError {
    // Where decoding first fails, as a line number, so the clerk can look.
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(bytes.len() * 2);
    let mut line = 1;
    let mut offset = 0;
    for chunk in bytes.chunks(1) {
        let (result, read) = decoder.decode_to_string_without_replacement(chunk, &mut out, false);
        if let encoding_rs::DecoderResult::Malformed(_, _) = result {
            break;
        }
        offset += read;
        if chunk == b"\n" {
            line += 1;
        }
        if matches!(result, encoding_rs::DecoderResult::OutputFull) {
            out.reserve(16);
        }
    }
    ImportError::BadEncoding {
        file: name.to_owned(),
        encoding: encoding.name(),
        line,
        offset,
        utf16: encoding == UTF_16LE || encoding == UTF_16BE,
    }
}

fn read_workbook(
    bytes: &[u8],
    name: &str,
    sheet: &str,
) -> Result<(SourceKind, Vec<Vec<String>>), ImportError> {
    let bad = |why: String| ImportError::BadWorkbook {
        file: name.to_owned(),
        why,
    };
    let mut book =
        calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| bad(e.to_string()))?;
    let names = book.sheet_names();
    let chosen = if sheet.trim().is_empty() {
        names
            .first()
            .cloned()
            .ok_or_else(|| bad("工作簿中没有工作表".into()))?
    } else {
        names
            .iter()
            .find(|n| n.as_str() == sheet.trim())
            .cloned()
            .ok_or_else(|| {
                bad(format!(
                    "没有名为“{sheet}”的工作表；有：{}",
                    names.join("、")
                ))
            })?
    };
    let range = book
        .worksheet_range(&chosen)
        .map_err(|e| bad(e.to_string()))?;
    // Rows above the range's start are empty in the sheet: keep Excel's row numbers.
    let (first_row, first_col) = range.start().unwrap_or((0, 0));
    let mut rows: Vec<Vec<String>> = (0..first_row).map(|_| Vec::new()).collect();
    for row in range.rows() {
        let mut cells: Vec<String> = (0..first_col).map(|_| String::new()).collect();
        cells.extend(row.iter().map(cell_text));
        rows.push(cells);
    }
    Ok((SourceKind::Workbook { sheet: chosen }, rows))
}

/// A workbook cell as text: dates as `YYYY-MM-DD` (with the time when it has one), whole
/// numbers without a decimal point (phone and ID numbers are often stored as numbers).
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "是" } else { "否" }.to_owned(),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => t.date().to_string(),
            Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
            None => dt.to_string(),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> ReadOptions {
        ReadOptions {
            header_row: 1,
            ..ReadOptions::default()
        }
    }

    #[test]
    fn column_letters_count_like_excel() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }

    #[test]
    fn utf8_with_and_without_bom_and_gb18030_read_the_same() {
        let text = "乡镇,诉求\n港口镇,\"反映宅基地纠纷，请求调处\"\n\n梅林镇,堃焱\n";
        let (gb, _, errors) = GB18030.encode(text);
        assert!(!errors);
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(text.as_bytes());
        let mut tables = Vec::new();
        let crlf = text.replace('\n', "\r\n").into_bytes();
        for bytes in [text.as_bytes().to_vec(), bom, gb.into_owned(), crlf] {
            tables.push(read_table(&bytes, "a.csv", &opts()).expect("reads"));
        }
        assert_eq!(tables[0].headers, ["乡镇", "诉求"]);
        // The blank line is not a row; numbers are Excel's.
        assert_eq!(tables[0].rows.len(), 2, "{:?}", tables[0].rows);
        assert_eq!(tables[0].rows[1].number, 4);
        assert_eq!(tables[0].rows[1].cell(1), "堃焱");
        assert_eq!(tables[0].rows, tables[1].rows);
        assert_eq!(tables[0].rows, tables[2].rows);
        assert_eq!(tables[0].rows, tables[3].rows, "CRLF lines count the same");
        assert_eq!(
            tables[2].kind,
            SourceKind::Csv {
                encoding: "gb18030"
            }
        );
    }

    #[test]
    fn utf16_tab_separated_text_reads() {
        let text = "乡镇\t诉求\r\n港口镇\t反映问题\r\n";
        let mut bytes = vec![0xFF, 0xFE];
        for unit in text.encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let t = read_table(&bytes, "a.txt", &opts()).expect("reads");
        assert_eq!(t.rows[0].cells, ["港口镇", "反映问题"]);
    }

    #[test]
    fn what_is_not_a_spreadsheet_or_not_in_the_encoding_is_refused_by_name() {
        let pdf = read_table(b"%PDF-1.7 ...", "scan.pdf", &opts()).unwrap_err();
        assert!(pdf.to_string().contains("不是 CSV"), "{pdf}");
        let zip = read_table(b"PK\x03\x04garbage", "a.xlsx", &opts()).unwrap_err();
        assert!(zip.to_string().contains("a.xlsx"), "{zip}");
        // GB18030 bytes said to be UTF-8: named with its line.
        let (gb, _, _) = GB18030.encode("乡镇\n港口镇\n");
        let forced = ReadOptions {
            encoding: TextEncoding::Utf8,
            ..opts()
        };
        let err = read_table(&gb, "b.csv", &forced).unwrap_err();
        assert!(err.to_string().contains("UTF-8"), "{err}");
        assert!(err.to_string().contains("第 1 行"), "{err}");
        // Bytes that are neither UTF-8 nor GB18030.
        let err = read_table(b"a,b\n\x81\x20,c\n", "c.csv", &opts()).unwrap_err();
        assert!(err.to_string().contains("第 2 行"), "{err}");
        let empty = read_table(b"", "d.csv", &opts()).unwrap_err();
        assert!(empty.to_string().contains("表头"), "{empty}");
    }

    #[test]
    fn a_workbook_reads_dates_and_numbers_as_a_clerk_sees_them() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 3, 1).expect("date");
        let format = rust_xlsxwriter::Format::new().set_num_format("yyyy/m/d");
        sheet.write(0, 0, "收到日期").expect("write");
        sheet.write(0, 1, "联系电话").expect("write");
        sheet.write(0, 2, "诉求").expect("write");
        sheet
            .write_datetime_with_format(1, 0, &date, &format)
            .expect("write");
        sheet.write(1, 1, 13_800_001_111_f64).expect("write");
        sheet.write(1, 2, "反映问题").expect("write");
        let bytes = book.save_to_buffer().expect("save");
        let t = read_table(&bytes, "a.xlsx", &opts()).expect("reads");
        assert_eq!(t.headers, ["收到日期", "联系电话", "诉求"]);
        assert_eq!(t.rows[0].cells, ["2026-03-01", "13800001111", "反映问题"]);
        assert_eq!(t.rows[0].number, 2);
        assert!(matches!(t.kind, SourceKind::Workbook { .. }));
    }
}
