//! Readers for the individual tables of an OGB raw folder: the count files, the edge list, the
//! node features, the node labels and the split id lists.
//!
//! Every reader checks what it can against the counts: each error names the file, the 1-based
//! line and what was wrong.

use super::csv::{CsvReader, Line};
use super::field::{parse_f32_row, parse_int, show};
use std::path::Path;
use weft_ops::{Error, Idx, Result};

/// Splits `line` into exactly `N` fields, or fails with the count that was found.
fn exact_fields<'a, const N: usize>(line: &Line<'a>) -> Result<[&'a [u8]; N]> {
    let mut out: [&[u8]; N] = [&[]; N];
    let mut count = 0;
    for field in line.fields() {
        if count < N {
            out[count] = field;
        }
        count += 1;
    }
    if count != N {
        let s = if N == 1 { "" } else { "s" };
        return Err(line.error(format!("expected {N} field{s}, found {count}")));
    }
    Ok(out)
}

/// Parses field `k` (1-based, for messages) as a node id or class id below `limit`.
fn parse_id(line: &Line<'_>, field: &[u8], k: usize, what: &str, limit: usize) -> Result<Idx> {
    let value = parse_int(field)
        .ok_or_else(|| line.error(format!("field {k}: {} is not an integer", show(field))))?;
    if value < 0 {
        return Err(line.error(format!("field {k}: negative {what} {value}")));
    }
    if value as u64 >= limit as u64 {
        return Err(line.error(format!(
            "field {k}: {what} {value} is out of range: must be below the node count {limit}"
        )));
    }
    Ok(value as Idx)
}

/// Fails at `line` if it is row number `row` (0-based) of a table that should have `expected`.
fn check_not_extra(line: &Line<'_>, row: usize, expected: usize, what: &str, count_file: &str) -> Result<()> {
    if row >= expected {
        return Err(line.error(format!("more than {expected} {what}: {count_file} says {expected}")));
    }
    Ok(())
}

/// Fails if the table ended after `rows` rows instead of `expected`.
fn check_not_short(
    reader: &CsvReader,
    rows: usize,
    expected: usize,
    what: &str,
    count_file: &str,
) -> Result<()> {
    if rows < expected {
        return Err(Error::parse(
            reader.file(),
            reader.line_after_end(),
            format!("file ends after {rows} {what}: {count_file} says {expected}"),
        ));
    }
    Ok(())
}

/// Reads a count file (`num-node-list` or `num-edge-list`): one line holding one non-negative
/// integer. Several lines mean a multi-graph dataset, which is not a node dataset.
pub(crate) fn read_count(path: &Path) -> Result<usize> {
    let mut reader = CsvReader::open(path)?;
    let count = {
        let line = reader
            .next_line()?
            .ok_or_else(|| Error::parse(path.display(), 1, "empty file: expected one count"))?;
        let [field] = exact_fields::<1>(&line)?;
        let value =
            parse_int(field).ok_or_else(|| line.error(format!("{} is not an integer", show(field))))?;
        usize::try_from(value).map_err(|_| line.error(format!("negative count {value}")))?
    };
    if let Some(line) = reader.next_line()? {
        return Err(line.error(
            "more than one count: this file lists several graphs; only single-graph node datasets are supported",
        ));
    }
    Ok(count)
}

/// Reads the edge list (`src,dst` per line): exactly `num_edges` rows, endpoints below
/// `num_nodes`. Returns the sources and destinations as stored.
pub(crate) fn read_edges(
    path: &Path,
    num_nodes: usize,
    num_edges: usize,
    count_file: &str,
) -> Result<(Vec<Idx>, Vec<Idx>)> {
    let mut reader = CsvReader::open(path)?;
    let mut src = Vec::with_capacity(num_edges.min(1 << 28));
    let mut dst = Vec::with_capacity(num_edges.min(1 << 28));
    while let Some(line) = reader.next_line()? {
        check_not_extra(&line, src.len(), num_edges, "edges", count_file)?;
        let [s, d] = exact_fields::<2>(&line)?;
        src.push(parse_id(&line, s, 1, "node id", num_nodes)?);
        dst.push(parse_id(&line, d, 2, "node id", num_nodes)?);
    }
    check_not_short(&reader, src.len(), num_edges, "edges", count_file)?;
    Ok((src, dst))
}

/// Reads the node features: `num_nodes` rows of the same number of finite floats. Returns the
/// row-major values and the row width.
pub(crate) fn read_features(path: &Path, num_nodes: usize, count_file: &str) -> Result<(Vec<f32>, usize)> {
    let mut reader = CsvReader::open(path)?;
    let mut values: Vec<f32> = Vec::new();
    let mut width = 0;
    let mut rows = 0;
    while let Some(line) = reader.next_line()? {
        check_not_extra(&line, rows, num_nodes, "feature rows", count_file)?;
        let found = parse_f32_row(line.bytes, &mut values).map_err(|(k, field)| {
            line.error(format!("field {}: {} is not a finite number", k + 1, show(field)))
        })?;
        if rows == 0 {
            width = found;
            let total = width.checked_mul(num_nodes).ok_or_else(|| {
                line.error(format!("{num_nodes} rows of {width} features do not fit in memory"))
            })?;
            values.reserve_exact(total - found);
        } else if found != width {
            return Err(line.error(format!("ragged row: {found} fields, but the first row has {width}")));
        }
        rows += 1;
    }
    check_not_short(&reader, rows, num_nodes, "feature rows", count_file)?;
    Ok((values, width))
}

/// Reads the node labels: `num_nodes` rows of one non-negative class id. Class ids must be
/// below the node count. Returns the labels and the class count (largest id + 1).
pub(crate) fn read_labels(path: &Path, num_nodes: usize, count_file: &str) -> Result<(Vec<Idx>, usize)> {
    let mut reader = CsvReader::open(path)?;
    let mut labels = Vec::with_capacity(num_nodes);
    while let Some(line) = reader.next_line()? {
        check_not_extra(&line, labels.len(), num_nodes, "labels", count_file)?;
        let [field] = exact_fields::<1>(&line)
            .map_err(|e| append(e, " (one class id per node; multi-label tables are not supported)"))?;
        labels.push(parse_id(&line, field, 1, "label", num_nodes)?);
    }
    check_not_short(&reader, labels.len(), num_nodes, "labels", count_file)?;
    let num_classes = labels.iter().max().map_or(0, |&m| m as usize + 1);
    Ok((labels, num_classes))
}

/// Reads a split list: one node id below `num_nodes` per line. Returns the ids and, for each,
/// its 1-based line (for later duplicate and overlap errors).
pub(crate) fn read_ids(path: &Path, num_nodes: usize) -> Result<(Vec<Idx>, Vec<usize>)> {
    let mut reader = CsvReader::open(path)?;
    let mut ids = Vec::new();
    let mut lines = Vec::new();
    while let Some(line) = reader.next_line()? {
        let [field] = exact_fields::<1>(&line)?;
        ids.push(parse_id(&line, field, 1, "node id", num_nodes)?);
        lines.push(line.number);
    }
    Ok((ids, lines))
}

/// `err` with `suffix` appended to its message, when it is a parse error.
fn append(err: Error, suffix: &str) -> Error {
    match err {
        Error::Parse { file, line, msg } => Error::Parse { file, line, msg: msg + suffix },
        other => other,
    }
}
