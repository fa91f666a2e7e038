//! Locating a table of an OGB folder (`name.csv.gz`, else `name.csv`) and reading it line by
//! line without per-line allocation.
//!
//! Gzipped files go through flate2's multi-member decoder. Line endings may be `\n` or `\r\n`.
//! Empty lines at the end of a file are ignored; an empty line followed by more data is an error.

use flate2::read::MultiGzDecoder;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use weft_ops::{Error, Result};

/// Read buffer size: large enough that decompression runs in big chunks.
const BUFFER_BYTES: usize = 1 << 18;

/// The path of table `stem` in `dir`: `stem.csv.gz` if it exists, else `stem.csv`, else `None`.
pub(crate) fn find(dir: &Path, stem: &str) -> Option<PathBuf> {
    [format!("{stem}.csv.gz"), format!("{stem}.csv")]
        .into_iter()
        .map(|name| dir.join(name))
        .find(|path| path.is_file())
}

/// Like [`find`], but a missing table is an [`Error::Io`] naming both names that were tried.
pub(crate) fn require(dir: &Path, stem: &str) -> Result<PathBuf> {
    find(dir, stem).ok_or_else(|| {
        Error::io(
            dir.join(format!("{stem}.csv.gz")).display(),
            format!("missing file (neither {stem}.csv.gz nor {stem}.csv exists in this folder)"),
        )
    })
}

/// One line of a table: its bytes (without the line ending) and where it came from.
pub(crate) struct Line<'a> {
    /// The line's bytes, without `\n` / `\r\n`.
    pub bytes: &'a [u8],
    /// The file, as shown in errors.
    pub file: &'a str,
    /// The 1-based line number.
    pub number: usize,
}

impl<'a> Line<'a> {
    /// The comma-separated fields of the line (at least one).
    pub fn fields(&self) -> impl Iterator<Item = &'a [u8]> {
        self.bytes.split(|&b| b == b',')
    }

    /// A parse error at this line.
    pub fn error(&self, msg: impl Into<String>) -> Error {
        Error::parse(self.file, self.number, msg)
    }
}

/// A table being read line by line.
pub(crate) struct CsvReader {
    input: Box<dyn BufRead>,
    file: String,
    /// Number of lines consumed so far (the 1-based number of the last line read).
    lines_read: usize,
    /// The first of a run of empty lines not yet followed by data.
    pending_empty: Option<usize>,
    buf: Vec<u8>,
}

impl CsvReader {
    /// Opens `path`, decompressing it when its name ends in `.gz`.
    pub fn open(path: &Path) -> Result<Self> {
        let file = path.display().to_string();
        let handle = File::open(path).map_err(|e| Error::io(&file, e))?;
        let gzipped = path.extension().is_some_and(|ext| ext == "gz");
        let input: Box<dyn BufRead> = if gzipped {
            Box::new(BufReader::with_capacity(BUFFER_BYTES, MultiGzDecoder::new(handle)))
        } else {
            Box::new(BufReader::with_capacity(BUFFER_BYTES, handle))
        };
        Ok(CsvReader { input, file, lines_read: 0, pending_empty: None, buf: Vec::new() })
    }

    /// The file, as shown in errors.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The number of the line after the last one read: where missing rows were expected.
    pub fn line_after_end(&self) -> usize {
        self.pending_empty.unwrap_or(self.lines_read + 1)
    }

    /// The next non-empty line, or `None` at the end of the file.
    pub fn next_line(&mut self) -> Result<Option<Line<'_>>> {
        loop {
            self.buf.clear();
            let read = self
                .input
                .read_until(b'\n', &mut self.buf)
                .map_err(|e| Error::io(&self.file, format!("reading line {}: {e}", self.lines_read + 1)))?;
            if read == 0 {
                return Ok(None);
            }
            self.lines_read += 1;
            let mut end = self.buf.len();
            if end > 0 && self.buf[end - 1] == b'\n' {
                end -= 1;
            }
            if end > 0 && self.buf[end - 1] == b'\r' {
                end -= 1;
            }
            if end == 0 {
                self.pending_empty.get_or_insert(self.lines_read);
                continue;
            }
            if let Some(empty) = self.pending_empty {
                return Err(Error::parse(&self.file, empty, "empty line inside the data"));
            }
            return Ok(Some(Line { bytes: &self.buf[..end], file: &self.file, number: self.lines_read }));
        }
    }
}
