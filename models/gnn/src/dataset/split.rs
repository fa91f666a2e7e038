//! The train / validation / test node ids of a dataset, and how a split folder is chosen.
//!
//! An OGB folder holds one or more named splits under `split/<name>/` (`public` for Cora,
//! `time` for ogbn-arxiv, `sales_ranking` for ogbn-products), each with `train`, `valid` and
//! `test` lists of node ids. Ids must be below the node count, appear at most once in a list,
//! and belong to at most one of the three lists.

use super::csv;
use super::tables::read_ids;
use std::path::{Path, PathBuf};
use weft_ops::{Error, Idx, Result};

/// The name of the split chosen when a folder holds several and none is asked for.
pub const DEFAULT_SPLIT: &str = "public";

/// Node ids of the training, validation and test sets of one named split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// The split's folder name under `split/` (e.g. `public`, `time`).
    pub name: String,
    /// Training node ids, in file order (never empty).
    pub train: Vec<Idx>,
    /// Validation node ids, in file order.
    pub valid: Vec<Idx>,
    /// Test node ids, in file order.
    pub test: Vec<Idx>,
}

/// The names of the split folders under `folder/split`, sorted.
fn available(folder: &Path) -> Result<Vec<String>> {
    let dir = folder.join("split");
    let entries = std::fs::read_dir(&dir).map_err(|e| Error::io(dir.display(), e))?;
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir.display(), e))?;
        if entry.path().is_dir() {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    Ok(names)
}

/// The split folder to read: `requested` if given, else the only one, else [`DEFAULT_SPLIT`].
pub(crate) fn choose(folder: &Path, requested: Option<&str>) -> Result<(String, PathBuf)> {
    let names = available(folder)?;
    let split_dir = folder.join("split");
    let name = match requested {
        Some(name) if names.iter().any(|n| n == name) => name.to_string(),
        Some(name) => {
            return Err(Error::io(
                split_dir.join(name).display(),
                format!("no such split folder (available: {})", names.join(", ")),
            ))
        }
        None if names.len() == 1 => names[0].clone(),
        None if names.iter().any(|n| n == DEFAULT_SPLIT) => DEFAULT_SPLIT.to_string(),
        None if names.is_empty() => return Err(Error::io(split_dir.display(), "no split folder inside")),
        None => {
            return Err(Error::io(
                split_dir.display(),
                format!(
                    "several split folders and none named '{DEFAULT_SPLIT}': pick one of {}",
                    names.join(", ")
                ),
            ))
        }
    };
    let path = split_dir.join(&name);
    Ok((name, path))
}

/// The three lists of a split, in reading order (an id's list is recorded as its index + 1).
const LIST_NAMES: [&str; 3] = ["train", "valid", "test"];

/// Reads `train`, `valid` and `test` from `dir`, checking ranges, duplicates and overlaps.
pub(crate) fn read(name: String, dir: &Path, num_nodes: usize) -> Result<Split> {
    let mut owner = vec![0u8; num_nodes];
    let mut lists: Vec<(Vec<Idx>, Vec<usize>, PathBuf)> = Vec::with_capacity(3);
    for (k, list) in LIST_NAMES.iter().enumerate() {
        let path = csv::require(dir, list)?;
        let (ids, lines) = read_ids(&path, num_nodes)?;
        if k == 0 && ids.is_empty() {
            return Err(Error::parse(path.display(), 1, "no training node ids"));
        }
        for (i, &id) in ids.iter().enumerate() {
            let previous = owner[id as usize];
            if previous != 0 {
                let earlier = usize::from(previous - 1);
                let first_line = if earlier == k {
                    lines[ids.iter().position(|&x| x == id).unwrap_or(i)]
                } else {
                    let (other_ids, other_lines, _) = &lists[earlier];
                    other_ids.iter().position(|&x| x == id).map_or(0, |p| other_lines[p])
                };
                let place = if earlier == k {
                    format!("it already appears at line {first_line} of this file")
                } else {
                    let other = lists[earlier].2.display();
                    format!("it is already in {other} (line {first_line})")
                };
                return Err(Error::parse(
                    path.display(),
                    lines[i],
                    format!("node id {id} listed twice: {place}"),
                ));
            }
            owner[id as usize] = k as u8 + 1;
        }
        lists.push((ids, lines, path));
    }
    let mut ids = lists.into_iter().map(|(ids, _, _)| ids);
    let (train, valid, test) = (ids.next(), ids.next(), ids.next());
    Ok(Split {
        name,
        train: train.unwrap_or_default(),
        valid: valid.unwrap_or_default(),
        test: test.unwrap_or_default(),
    })
}
