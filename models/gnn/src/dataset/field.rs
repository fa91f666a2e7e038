//! Allocation-free parsing of one CSV field (a byte slice) into an integer or a float.
//!
//! Fields are trimmed of surrounding spaces and tabs. Integers take an optional sign and decimal
//! digits only. Floats take a fast path for short unsigned integers (the 0/1 bag-of-words
//! features of citation graphs) and otherwise go through the standard library's correctly
//! rounded parser on the borrowed bytes; non-finite values (`nan`, `inf`, overflow) are refused.

/// The field with surrounding ASCII spaces and tabs removed.
pub(crate) fn trim(field: &[u8]) -> &[u8] {
    let is_blank = |b: &u8| *b == b' ' || *b == b'\t';
    let start = field.iter().position(|b| !is_blank(b)).unwrap_or(field.len());
    let end = field.iter().rposition(|b| !is_blank(b)).map_or(start, |i| i + 1);
    &field[start..end]
}

/// Parses a decimal integer with an optional `+`/`-` sign; `None` if the field is not one or
/// does not fit in an `i64`.
pub(crate) fn parse_int(field: &[u8]) -> Option<i64> {
    let field = trim(field);
    let (negative, digits) = match field.first()? {
        b'-' => (true, &field[1..]),
        b'+' => (false, &field[1..]),
        _ => (false, field),
    };
    if digits.is_empty() {
        return None;
    }
    let mut magnitude: u64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        magnitude = magnitude.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    if negative {
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// Parses a finite float; `None` if the field is not a number or is not finite.
pub(crate) fn parse_f32(field: &[u8]) -> Option<f32> {
    let field = trim(field);
    // Fast path: up to 7 digits is an integer below 2^24, exactly representable in f32.
    if !field.is_empty() && field.len() <= 7 && field.iter().all(u8::is_ascii_digit) {
        let value = field.iter().fold(0u32, |acc, &b| acc * 10 + u32::from(b - b'0'));
        return Some(value as f32);
    }
    let text = std::str::from_utf8(field).ok()?;
    let value: f32 = text.parse().ok()?;
    value.is_finite().then_some(value)
}

/// Appends the comma-separated finite floats of `line` to `out` in one pass and returns how
/// many there were; on a bad field, returns its 0-based index and bytes instead.
///
/// Short unsigned integers (up to 7 digits, the common case of count or 0/1 features) are
/// converted while scanning; any other field goes through [`parse_f32`].
pub(crate) fn parse_f32_row<'a>(line: &'a [u8], out: &mut Vec<f32>) -> Result<usize, (usize, &'a [u8])> {
    let n = line.len();
    let mut count = 0;
    let mut start = 0;
    loop {
        let mut i = start;
        let mut value = 0u32;
        while i < n && i - start < 7 && line[i].is_ascii_digit() {
            value = value * 10 + u32::from(line[i] - b'0');
            i += 1;
        }
        if i > start && (i == n || line[i] == b',') {
            out.push(value as f32);
        } else {
            let end = line[start..].iter().position(|&b| b == b',').map_or(n, |p| start + p);
            let field = &line[start..end];
            out.push(parse_f32(field).ok_or((count, field))?);
            i = end;
        }
        count += 1;
        if i == n {
            return Ok(count);
        }
        start = i + 1;
    }
}

/// The field as text for an error message, shortened to at most 40 characters.
pub(crate) fn show(field: &[u8]) -> String {
    const MAX: usize = 40;
    let text = String::from_utf8_lossy(field);
    if text.chars().count() <= MAX {
        format!("'{text}'")
    } else {
        let head: String = text.chars().take(MAX).collect();
        format!("'{head}...'")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn integers_parse_with_sign_and_spaces() {
        assert_eq!(parse_int(b"0"), Some(0));
        assert_eq!(parse_int(b" 42\t"), Some(42));
        assert_eq!(parse_int(b"-7"), Some(-7));
        assert_eq!(parse_int(b"+7"), Some(7));
        assert_eq!(parse_int(b"9223372036854775807"), Some(i64::MAX));
    }

    #[test]
    fn non_integers_are_refused() {
        for bad in [&b""[..], b"-", b"+", b"1.0", b"1e3", b"x", b"1 2", b"9223372036854775808"] {
            assert_eq!(parse_int(bad), None, "{}", show(bad));
        }
    }

    #[test]
    fn floats_parse_and_non_finite_are_refused() {
        assert_eq!(parse_f32(b"0"), Some(0.0));
        assert_eq!(parse_f32(b"1"), Some(1.0));
        assert_eq!(parse_f32(b"-0.5"), Some(-0.5));
        assert_eq!(parse_f32(b" 2.5e-3 "), Some(2.5e-3));
        assert_eq!(parse_f32(b"9999999"), Some(9_999_999.0));
        for bad in [&b""[..], b"nan", b"inf", b"-inf", b"1e39", b"abc", b"1,2", b"0x10"] {
            assert_eq!(parse_f32(bad), None, "{}", show(bad));
        }
    }

    #[test]
    fn long_fields_are_shortened_in_messages() {
        let long = vec![b'7'; 100];
        let shown = show(&long);
        assert!(shown.ends_with("...'"), "{shown}");
        assert_eq!(shown.len(), 40 + 5);
    }

    #[test]
    fn rows_parse_in_one_pass() {
        let mut out = Vec::new();
        assert_eq!(parse_f32_row(b"0,1,12345678, 2.5,-3,1e2", &mut out), Ok(6));
        assert_eq!(out, vec![0.0, 1.0, 12_345_678.0, 2.5, -3.0, 100.0]);
        out.clear();
        assert_eq!(parse_f32_row(b"7", &mut out), Ok(1));
        assert_eq!(out, vec![7.0]);
    }

    #[test]
    fn rows_report_the_first_bad_field() {
        let mut out = Vec::new();
        assert_eq!(parse_f32_row(b"0,1,x,2", &mut out), Err((2, &b"x"[..])));
        assert_eq!(parse_f32_row(b"0,1,", &mut out), Err((2, &b""[..])));
        assert_eq!(parse_f32_row(b",1", &mut out), Err((0, &b""[..])));
        assert_eq!(parse_f32_row(b"12a,1", &mut out), Err((0, &b"12a"[..])));
        assert_eq!(parse_f32_row(b"1,inf", &mut out), Err((1, &b"inf"[..])));
    }

    proptest! {
        #[test]
        fn rows_match_field_by_field_parsing(xs in proptest::collection::vec(
            prop_oneof![(0u32..20_000_000).prop_map(|x| x.to_string()),
                        proptest::num::f32::NORMAL.prop_map(|x| x.to_string())], 1..20)) {
            let line = xs.join(",");
            let mut out = Vec::new();
            prop_assert_eq!(parse_f32_row(line.as_bytes(), &mut out), Ok(xs.len()));
            let expected: Vec<f32> = xs.iter().map(|x| x.parse::<f32>().unwrap()).collect();
            prop_assert_eq!(out, expected);
        }

        #[test]
        fn float_round_trips_through_display(x in proptest::num::f32::NORMAL | proptest::num::f32::ZERO) {
            prop_assert_eq!(parse_f32(x.to_string().as_bytes()), Some(x));
            prop_assert_eq!(parse_f32(format!("{x:e}").as_bytes()), Some(x));
        }

        #[test]
        fn integer_round_trips_through_display(x in any::<i64>()) {
            prop_assert_eq!(parse_int(x.to_string().as_bytes()), Some(x));
        }

        #[test]
        fn short_digit_strings_match_std(x in 0u32..10_000_000) {
            prop_assert_eq!(parse_f32(x.to_string().as_bytes()), Some(x as f32));
        }
    }
}
