//! Loading well-formed OGB raw folders: every field, plain `.csv`, optional features, line
//! endings, and the choice of split folder.

mod common;

use common::{assert_io_error, TempDataset};
use weft_gnn::{OgbNodeDataset, Split};

#[test]
fn valid_folder_loads_every_table() {
    let d = TempDataset::valid("valid");
    let data = OgbNodeDataset::load(&d.root).expect("valid dataset loads");
    assert_eq!(data.name, "valid");
    assert_eq!(data.num_nodes, 5);
    assert_eq!(data.num_edges(), 4);
    assert_eq!(data.src, vec![0, 1, 2, 3]);
    assert_eq!(data.dst, vec![1, 2, 3, 4]);
    assert_eq!(data.num_features, 3);
    assert_eq!(data.features.len(), 15);
    assert_eq!(data.feature_row(0), Some(&[1.0, 0.0, 0.5][..]));
    assert_eq!(data.feature_row(3), Some(&[-1.5, 0.2, 0.0][..]));
    assert_eq!(data.feature_row(5), None);
    assert_eq!(data.labels, vec![0, 1, 2, 0, 1]);
    assert_eq!(data.num_classes, 3);
    assert_eq!(
        data.split,
        Split { name: "public".into(), train: vec![0, 1], valid: vec![2], test: vec![3, 4] }
    );
}

#[test]
fn plain_csv_is_read_when_gz_is_absent() {
    let d = TempDataset::valid("plain");
    d.remove("raw/edge.csv.gz");
    d.write("raw/edge.csv", "4,0\n3,1\n2,0\n1,4\n");
    d.remove("split/public/test.csv.gz");
    d.write("split/public/test.csv", "4\n3\n");
    let data = OgbNodeDataset::load(&d.root).expect("plain csv loads");
    assert_eq!(data.src, vec![4, 3, 2, 1]);
    assert_eq!(data.dst, vec![0, 1, 0, 4]);
    assert_eq!(data.split.test, vec![4, 3]);
}

#[test]
fn gz_is_preferred_over_plain_csv() {
    let d = TempDataset::valid("both");
    d.write("raw/edge.csv", "this file must not be read\n");
    let data = OgbNodeDataset::load(&d.root).expect("the .csv.gz is read");
    assert_eq!(data.src, vec![0, 1, 2, 3]);
}

#[test]
fn features_are_optional() {
    let d = TempDataset::valid("nofeat");
    d.remove("raw/node-feat.csv.gz");
    let data = OgbNodeDataset::load(&d.root).expect("featureless dataset loads");
    assert_eq!(data.num_features, 0);
    assert!(data.features.is_empty());
    assert_eq!(data.feature_row(2), Some(&[][..]));
    assert_eq!(data.feature_row(5), None);
    assert_eq!(data.labels.len(), 5);
}

#[test]
fn crlf_spaces_and_trailing_empty_lines_are_accepted() {
    let d = TempDataset::valid("crlf");
    d.write("raw/edge.csv.gz", "0, 1\r\n1 ,2\r\n2,3\r\n3,4\r\n\r\n\n");
    d.write("raw/node-label.csv.gz", "0\r\n1\r\n2\r\n0\r\n1");
    let data = OgbNodeDataset::load(&d.root).expect("loads");
    assert_eq!(data.src, vec![0, 1, 2, 3]);
    assert_eq!(data.dst, vec![1, 2, 3, 4]);
    assert_eq!(data.labels, vec![0, 1, 2, 0, 1]);
}

#[test]
fn multi_member_gzip_is_read_whole() {
    let d = TempDataset::valid("multigz");
    let member = |text: &str| {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(text.as_bytes()).unwrap();
        enc.finish().unwrap()
    };
    let mut bytes = member("0,1\n1,2\n");
    bytes.extend(member("2,3\n3,4\n"));
    d.write_bytes("raw/edge.csv.gz", &bytes);
    let data = OgbNodeDataset::load(&d.root).expect("loads");
    assert_eq!(data.num_edges(), 4);
}

#[test]
fn the_only_split_folder_is_chosen_whatever_its_name() {
    let d = TempDataset::valid("onesplit");
    std::fs::rename(d.path("split/public"), d.path("split/time")).unwrap();
    let data = OgbNodeDataset::load(&d.root).expect("loads");
    assert_eq!(data.split.name, "time");
    assert_eq!(data.split.train, vec![0, 1]);
}

#[test]
fn public_is_the_default_among_several_and_others_can_be_asked_for() {
    let d = TempDataset::valid("severalsplits");
    d.write("split/random/train.csv.gz", "4\n");
    d.write("split/random/valid.csv.gz", "");
    d.write("split/random/test.csv.gz", "0\n1\n2\n");
    let data = OgbNodeDataset::load(&d.root).expect("loads");
    assert_eq!(data.split.name, "public");
    let data = OgbNodeDataset::load_split(&d.root, "random").expect("loads");
    assert_eq!(data.split.name, "random");
    assert_eq!(data.split.train, vec![4]);
    assert!(data.split.valid.is_empty());
    assert_eq!(data.split.test, vec![0, 1, 2]);
}

#[test]
fn several_splits_without_public_must_be_named() {
    let d = TempDataset::valid("ambiguous");
    std::fs::rename(d.path("split/public"), d.path("split/a")).unwrap();
    d.write("split/b/train.csv.gz", "4\n");
    d.write("split/b/valid.csv.gz", "");
    d.write("split/b/test.csv.gz", "");
    let err = OgbNodeDataset::load(&d.root).unwrap_err();
    assert_io_error(&err, "split", &["several split folders", "a, b"]);
    let data = OgbNodeDataset::load_split(&d.root, "b").expect("named split loads");
    assert_eq!(data.split.train, vec![4]);
}

#[test]
fn unknown_split_name_lists_the_available_ones() {
    let d = TempDataset::valid("unknownsplit");
    let err = OgbNodeDataset::load_split(&d.root, "time").unwrap_err();
    assert_io_error(&err, "split/time", &["no such split folder", "public"]);
}
