//! A small dataset folder in the OGB raw layout, written to a unique temporary directory and
//! removed on drop. Tests start from a valid dataset and break one file.
//!
//! Each test binary uses part of these helpers, so unused ones are allowed here.
#![allow(dead_code)]

use flate2::write::GzEncoder;
use flate2::Compression;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use weft_ops::Error;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A temporary dataset folder.
pub struct TempDataset {
    pub root: PathBuf,
}

impl TempDataset {
    /// An empty folder, unique to this process and call.
    pub fn empty(tag: &str) -> Self {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let root = std::env::temp_dir().join(format!("weft-gnn-test-{}-{n}", std::process::id())).join(tag);
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).expect("create temp dataset folder");
        TempDataset { root }
    }

    /// A valid dataset: 5 nodes, 4 edges, 3 features, 3 classes, split `public` with
    /// train [0, 1], valid [2], test [3, 4].
    pub fn valid(tag: &str) -> Self {
        let d = Self::empty(tag);
        d.write("raw/num-node-list.csv.gz", "5\n");
        d.write("raw/num-edge-list.csv.gz", "4\n");
        d.write("raw/edge.csv.gz", "0,1\n1,2\n2,3\n3,4\n");
        d.write("raw/node-feat.csv.gz", "1,0,0.5\n0,1,0\n0,0,1\n-1.5,2e-1,0\n1,1,1\n");
        d.write("raw/node-label.csv.gz", "0\n1\n2\n0\n1\n");
        d.write("split/public/train.csv.gz", "0\n1\n");
        d.write("split/public/valid.csv.gz", "2\n");
        d.write("split/public/test.csv.gz", "3\n4\n");
        d
    }

    /// The absolute path of `rel` inside the folder.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// Writes `content` to `rel`, gzipped when `rel` ends in `.gz`.
    pub fn write(&self, rel: &str, content: &str) {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().expect("file has a parent")).expect("mkdir");
        let bytes = if rel.ends_with(".gz") {
            let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
            enc.write_all(content.as_bytes()).expect("gzip");
            enc.finish().expect("gzip finish")
        } else {
            content.as_bytes().to_vec()
        };
        std::fs::write(&path, bytes).expect("write test file");
    }

    /// Writes raw bytes to `rel`, as they are.
    pub fn write_bytes(&self, rel: &str, bytes: &[u8]) {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().expect("file has a parent")).expect("mkdir");
        std::fs::write(path, bytes).expect("write test file");
    }

    /// Removes the file `rel`.
    pub fn remove(&self, rel: &str) {
        std::fs::remove_file(self.path(rel)).expect("remove test file");
    }
}

impl Drop for TempDataset {
    fn drop(&mut self) {
        if let Some(parent) = self.root.parent() {
            let _ = std::fs::remove_dir_all(parent);
        }
    }
}

/// Asserts that `err` is a parse error in a file whose path ends with `file`, at `line`, with a
/// message containing every one of `words`.
#[track_caller]
pub fn assert_parse_error(err: &Error, file: &str, line: usize, words: &[&str]) {
    match err {
        Error::Parse { file: f, line: l, msg } => {
            assert!(Path::new(f).ends_with(file), "error in {f}, expected {file}: {err}");
            assert_eq!(*l, line, "wrong line: {err}");
            for word in words {
                assert!(msg.contains(word), "message lacks '{word}': {err}");
            }
        }
        other => panic!("expected a parse error in {file}:{line}, got {other:?}"),
    }
}

/// Asserts that `err` is an I/O error on a path ending with `file`, whose message contains
/// every one of `words`.
#[track_caller]
pub fn assert_io_error(err: &Error, file: &str, words: &[&str]) {
    match err {
        Error::Io { path, msg } => {
            assert!(Path::new(path).ends_with(file), "error on {path}, expected {file}: {err}");
            for word in words {
                assert!(msg.contains(word), "message lacks '{word}': {err}");
            }
        }
        other => panic!("expected an I/O error on {file}, got {other:?}"),
    }
}
