//! The one CSV writer: every CSV salesdojo writes (`export`, `report`, and any later one) goes
//! through [`SheetWriter`], so no cell a trainee, a playbook or another database supplied can
//! run as a spreadsheet formula.
//!
//! A spreadsheet reads a cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage
//! return before one) as a formula: `=HYPERLINK(…)` leaks data when clicked, `+cmd|'/c calc'!A0`
//! starts a program in older Excel (OWASP, "CSV Injection"). Such a cell is written with a
//! leading `'`, which spreadsheets show as text and do not keep — headers included. A plain
//! number (`-1.5`) is left as it is, so numeric columns stay numbers; `-1+1` is not a plain
//! number. Control and format characters are shown (`\u{1b}`), never written raw.

use std::borrow::Cow;
use std::io::Write;

/// The characters that make a spreadsheet read a cell as a formula.
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether `cell` is a plain decimal number (`-12`, `3.5`, `-0.25`): safe to leave as it is.
fn plain_number(cell: &str) -> bool {
    let digits = cell.strip_prefix('-').unwrap_or(cell);
    let mut parts = digits.splitn(2, '.');
    let whole = parts.next().unwrap_or("");
    let frac = parts.next();
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

/// `cell` as a spreadsheet must read it: a formula-leading cell (after any leading spaces)
/// gets a leading `'`; refused characters are shown, not kept.
pub fn inert(cell: &str) -> Cow<'_, str> {
    let shown = crate::untrusted::visible(cell);
    if shown.trim_start_matches(' ').starts_with(FORMULA_START) && !plain_number(&shown) {
        Cow::Owned(format!("'{shown}"))
    } else {
        shown
    }
}

/// A CSV writer for people's spreadsheets: RFC 4180 quoting, CRLF line ends, UTF-8 with an
/// optional byte-order mark (Excel needs it to read Chinese), every cell through [`inert`].
pub struct SheetWriter<W: Write> {
    w: csv::Writer<W>,
}

impl<W: Write> SheetWriter<W> {
    pub fn new(mut out: W, bom: bool) -> Result<Self, csv::Error> {
        if bom {
            out.write_all("\u{feff}".as_bytes())?;
        }
        let w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(out);
        Ok(SheetWriter { w })
    }

    /// Writes one row (the header row too).
    pub fn row<I, S>(&mut self, cells: I) -> Result<(), csv::Error>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.w
            .write_record(cells.into_iter().map(|c| inert(c.as_ref()).into_owned()))
    }

    /// Flushes and gives the output back.
    pub fn finish(mut self) -> Result<W, csv::Error> {
        self.w.flush()?;
        self.w
            .into_inner()
            .map_err(|e| csv::Error::from(e.into_error()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_written_as_text() {
        for (cell, want) in [
            (
                "=HYPERLINK(\"http://x\",\"y\")",
                "'=HYPERLINK(\"http://x\",\"y\")",
            ),
            ("+cmd|'/c calc'!A0", "'+cmd|'/c calc'!A0"),
            ("@SUM(1)", "'@SUM(1)"),
            ("-1+1", "'-1+1"),
            ("\t=1", "'\t=1"),
            ("  =1", "'  =1"),
            ("-", "'-"),
            ("-inf", "'-inf"),
            ("王芳", "王芳"),
            ("-12.5", "-12.5"),
            ("87.0", "87.0"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(inert(cell), want, "{cell:?}");
        }
        // A lone carriage return is shown (`\u{d}`), never written raw.
        assert!(!inert("\r=1").contains('\r'));
    }

    #[test]
    fn every_row_goes_through_it_headers_included() {
        let mut w = SheetWriter::new(Vec::new(), true).expect("writer");
        w.row(["=title", "b"]).expect("header");
        w.row(["@x", "1.5"]).expect("row");
        let out = String::from_utf8(w.finish().expect("done")).expect("utf-8");
        assert_eq!(out, "\u{feff}'=title,b\r\n'@x,1.5\r\n");
    }
}
