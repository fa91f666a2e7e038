//! Malformed OGB raw folders: each fails with an error naming the file, the 1-based line and
//! the problem.

mod common;

use common::{assert_io_error, assert_parse_error, TempDataset};
use weft_gnn::OgbNodeDataset;

fn load_err(d: &TempDataset) -> weft_ops::Error {
    OgbNodeDataset::load(&d.root).expect_err("malformed dataset must not load")
}

#[test]
fn missing_folder() {
    let d = TempDataset::empty("gone");
    let err = OgbNodeDataset::load(d.path("nothing-here")).unwrap_err();
    assert_io_error(&err, "nothing-here", &["not found"]);
}

#[test]
fn missing_tables() {
    for table in ["num-node-list", "num-edge-list", "edge", "node-label"] {
        let d = TempDataset::valid(table);
        d.remove(&format!("raw/{table}.csv.gz"));
        let err = load_err(&d);
        assert_io_error(&err, &format!("raw/{table}.csv.gz"), &["missing file", &format!("{table}.csv")]);
    }
    for list in ["train", "valid", "test"] {
        let d = TempDataset::valid(list);
        d.remove(&format!("split/public/{list}.csv.gz"));
        let err = load_err(&d);
        assert_io_error(&err, &format!("split/public/{list}.csv.gz"), &["missing file"]);
    }
}

#[test]
fn missing_split_folder() {
    let d = TempDataset::valid("nosplit");
    std::fs::remove_dir_all(d.path("split")).unwrap();
    assert_io_error(&load_err(&d), "split", &[]);
    let d = TempDataset::valid("emptysplit");
    std::fs::remove_dir_all(d.path("split/public")).unwrap();
    assert_io_error(&load_err(&d), "split", &["no split folder"]);
}

#[test]
fn corrupt_gzip_names_the_file() {
    let d = TempDataset::valid("corrupt");
    d.write_bytes("raw/node-label.csv.gz", b"not gzip at all\n");
    assert_io_error(&load_err(&d), "raw/node-label.csv.gz", &[]);
}

#[test]
fn ragged_feature_row() {
    let d = TempDataset::valid("ragged");
    d.write("raw/node-feat.csv.gz", "1,0,0\n0,1,0\n0,1\n0,0,0\n1,1,1\n");
    assert_parse_error(&load_err(&d), "raw/node-feat.csv.gz", 3, &["ragged", "2 fields", "first row has 3"]);
    let d = TempDataset::valid("ragged-long");
    d.write("raw/node-feat.csv.gz", "1,0,0\n0,1,0\n0,1,0\n0,0,0\n1,1,1,1\n");
    assert_parse_error(&load_err(&d), "raw/node-feat.csv.gz", 5, &["ragged", "4 fields"]);
}

#[test]
fn non_numeric_feature() {
    let d = TempDataset::valid("featnan");
    d.write("raw/node-feat.csv.gz", "1,0,0\n0,1,0\n0,0,1\n0,x,0\n1,1,1\n");
    assert_parse_error(&load_err(&d), "raw/node-feat.csv.gz", 4, &["field 2", "'x'", "not a finite number"]);
    let d = TempDataset::valid("featinf");
    d.write("raw/node-feat.csv.gz", "1,0,0\n0,1,0\n0,0,nan\n0,0,0\n1,1,1\n");
    assert_parse_error(&load_err(&d), "raw/node-feat.csv.gz", 3, &["field 3", "'nan'"]);
    let d = TempDataset::valid("featempty");
    d.write("raw/node-feat.csv.gz", "1,0,0\n0,1,0\n0,,0\n0,0,0\n1,1,1\n");
    assert_parse_error(&load_err(&d), "raw/node-feat.csv.gz", 3, &["field 2", "''"]);
}

#[test]
fn feature_rows_disagree_with_node_count() {
    let d = TempDataset::valid("featshort");
    d.write("raw/node-feat.csv.gz", "1,0,0\n0,1,0\n0,0,1\n");
    assert_parse_error(
        &load_err(&d),
        "raw/node-feat.csv.gz",
        4,
        &["ends after 3 feature rows", "num-node-list", "5"],
    );
    let d = TempDataset::valid("featlong");
    d.write("raw/node-feat.csv.gz", "1\n0\n0\n0\n1\n1\n");
    assert_parse_error(&load_err(&d), "raw/node-feat.csv.gz", 6, &["more than 5 feature rows"]);
}

#[test]
fn non_numeric_edge_endpoint() {
    let d = TempDataset::valid("edgetext");
    d.write("raw/edge.csv.gz", "0,1\n1,2\n2,three\n3,4\n");
    assert_parse_error(&load_err(&d), "raw/edge.csv.gz", 3, &["field 2", "'three'", "not an integer"]);
    let d = TempDataset::valid("edgefloat");
    d.write("raw/edge.csv.gz", "0,1\n1.0,2\n2,3\n3,4\n");
    assert_parse_error(&load_err(&d), "raw/edge.csv.gz", 2, &["field 1", "'1.0'"]);
}

#[test]
fn edge_with_wrong_field_count() {
    let d = TempDataset::valid("edge3");
    d.write("raw/edge.csv.gz", "0,1\n1,2,7\n2,3\n3,4\n");
    assert_parse_error(&load_err(&d), "raw/edge.csv.gz", 2, &["expected 2 fields, found 3"]);
    let d = TempDataset::valid("edge1");
    d.write("raw/edge.csv.gz", "0,1\n1,2\n2,3\n4\n");
    assert_parse_error(&load_err(&d), "raw/edge.csv.gz", 4, &["expected 2 fields, found 1"]);
}

#[test]
fn edge_endpoint_out_of_range() {
    let d = TempDataset::valid("edgepast");
    d.write("raw/edge.csv.gz", "0,1\n1,2\n2,3\n3,5\n");
    assert_parse_error(&load_err(&d), "raw/edge.csv.gz", 4, &["node id 5", "node count 5"]);
    let d = TempDataset::valid("edgeneg");
    d.write("raw/edge.csv.gz", "0,1\n-1,2\n2,3\n3,4\n");
    assert_parse_error(&load_err(&d), "raw/edge.csv.gz", 2, &["field 1", "negative node id -1"]);
}

#[test]
fn edge_rows_disagree_with_edge_count() {
    let d = TempDataset::valid("edgeshort");
    d.write("raw/edge.csv.gz", "0,1\n1,2\n2,3\n");
    assert_parse_error(&load_err(&d), "raw/edge.csv.gz", 4, &["ends after 3 edges", "num-edge-list", "4"]);
    let d = TempDataset::valid("edgelong");
    d.write("raw/num-edge-list.csv.gz", "2\n");
    assert_parse_error(&load_err(&d), "raw/edge.csv.gz", 3, &["more than 2 edges", "num-edge-list"]);
}

#[test]
fn empty_line_inside_data() {
    let d = TempDataset::valid("blank");
    d.write("raw/edge.csv.gz", "0,1\n1,2\n\n2,3\n3,4\n");
    assert_parse_error(&load_err(&d), "raw/edge.csv.gz", 3, &["empty line"]);
}

#[test]
fn bad_labels() {
    let d = TempDataset::valid("labelneg");
    d.write("raw/node-label.csv.gz", "0\n1\n-2\n0\n1\n");
    assert_parse_error(&load_err(&d), "raw/node-label.csv.gz", 3, &["negative label -2"]);
    let d = TempDataset::valid("labelbig");
    d.write("raw/node-label.csv.gz", "0\n1\n2\n0\n99\n");
    assert_parse_error(&load_err(&d), "raw/node-label.csv.gz", 5, &["label 99", "out of range"]);
    let d = TempDataset::valid("labeltext");
    d.write("raw/node-label.csv.gz", "0\n1\ncat\n0\n1\n");
    assert_parse_error(&load_err(&d), "raw/node-label.csv.gz", 3, &["'cat'", "not an integer"]);
    let d = TempDataset::valid("labelwide");
    d.write("raw/node-label.csv.gz", "0\n1,0\n2\n0\n1\n");
    assert_parse_error(
        &load_err(&d),
        "raw/node-label.csv.gz",
        2,
        &["expected 1 field, found 2", "multi-label"],
    );
}

#[test]
fn label_rows_disagree_with_node_count() {
    let d = TempDataset::valid("labelshort");
    d.write("raw/node-label.csv.gz", "0\n1\n2\n0\n");
    assert_parse_error(&load_err(&d), "raw/node-label.csv.gz", 5, &["ends after 4 labels", "num-node-list"]);
    let d = TempDataset::valid("labellong");
    d.write("raw/node-label.csv.gz", "0\n1\n2\n0\n1\n2\n");
    assert_parse_error(&load_err(&d), "raw/node-label.csv.gz", 6, &["more than 5 labels"]);
}

#[test]
fn bad_count_files() {
    let d = TempDataset::valid("countempty");
    d.write("raw/num-node-list.csv.gz", "");
    assert_parse_error(&load_err(&d), "raw/num-node-list.csv.gz", 1, &["empty file"]);
    let d = TempDataset::valid("counttext");
    d.write("raw/num-edge-list.csv.gz", "four\n");
    assert_parse_error(&load_err(&d), "raw/num-edge-list.csv.gz", 1, &["'four'", "not an integer"]);
    let d = TempDataset::valid("countneg");
    d.write("raw/num-node-list.csv.gz", "-5\n");
    assert_parse_error(&load_err(&d), "raw/num-node-list.csv.gz", 1, &["negative count -5"]);
    let d = TempDataset::valid("countmany");
    d.write("raw/num-node-list.csv.gz", "5\n3\n");
    assert_parse_error(&load_err(&d), "raw/num-node-list.csv.gz", 2, &["several graphs"]);
    let d = TempDataset::valid("counthuge");
    d.write("raw/num-node-list.csv.gz", "4294967296\n");
    assert_parse_error(&load_err(&d), "raw/num-node-list.csv.gz", 1, &["do not fit the index type"]);
}

#[test]
fn split_id_out_of_range() {
    let d = TempDataset::valid("splitpast");
    d.write("split/public/test.csv.gz", "3\n5\n");
    assert_parse_error(&load_err(&d), "split/public/test.csv.gz", 2, &["node id 5", "node count 5"]);
    let d = TempDataset::valid("splitneg");
    d.write("split/public/valid.csv.gz", "-2\n");
    assert_parse_error(&load_err(&d), "split/public/valid.csv.gz", 1, &["negative node id -2"]);
    let d = TempDataset::valid("splittext");
    d.write("split/public/train.csv.gz", "0\n1\nx\n");
    assert_parse_error(&load_err(&d), "split/public/train.csv.gz", 3, &["'x'"]);
}

#[test]
fn split_duplicates_and_overlaps() {
    let d = TempDataset::valid("splitdup");
    d.write("split/public/train.csv.gz", "0\n1\n0\n");
    assert_parse_error(
        &load_err(&d),
        "split/public/train.csv.gz",
        3,
        &["node id 0 listed twice", "line 1 of this file"],
    );
    let d = TempDataset::valid("splitoverlap");
    d.write("split/public/test.csv.gz", "3\n4\n1\n");
    assert_parse_error(
        &load_err(&d),
        "split/public/test.csv.gz",
        3,
        &["node id 1 listed twice", "train.csv.gz (line 2)"],
    );
}

#[test]
fn empty_training_list() {
    let d = TempDataset::valid("notrain");
    d.write("split/public/train.csv.gz", "");
    assert_parse_error(&load_err(&d), "split/public/train.csv.gz", 1, &["no training node ids"]);
}
