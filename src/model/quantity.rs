//! Kubernetes resource quantities, compared exactly.

/// A quantity in nano-units (10^-9), exact for every value a manifest
/// realistically holds. `None` when the text is not a valid quantity or
/// overflows.
pub fn parse_nanos(q: &str) -> Option<i128> {
    let q = q.trim();
    let (neg, rest) = match q.as_bytes().first()? {
        b'-' => (true, &q[1..]),
        b'+' => (false, &q[1..]),
        _ => (false, q),
    };
    let num_end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let (num, suffix) = rest.split_at(num_end);
    if num.is_empty() || num == "." || num.matches('.').count() > 1 {
        return None;
    }
    let (int_part, frac_part) = num.split_once('.').unwrap_or((num, ""));
    // mantissa * 10^-frac_len
    let digits = format!("{int_part}{frac_part}");
    let mut mantissa: i128 = 0;
    for b in digits.bytes() {
        mantissa = mantissa
            .checked_mul(10)?
            .checked_add(i128::from(b - b'0'))?;
    }
    let frac_len = i32::try_from(frac_part.len()).ok()?;
    // Express the suffix as 2^bin * 10^dec.
    let (bin, dec): (u32, i32) = match suffix {
        "" => (0, 0),
        "Ki" => (10, 0),
        "Mi" => (20, 0),
        "Gi" => (30, 0),
        "Ti" => (40, 0),
        "Pi" => (50, 0),
        "Ei" => (60, 0),
        "n" => (0, -9),
        "u" => (0, -6),
        "m" => (0, -3),
        "k" => (0, 3),
        "M" => (0, 6),
        "G" => (0, 9),
        "T" => (0, 12),
        "P" => (0, 15),
        "E" => (0, 18),
        s if s.starts_with(['e', 'E']) => (0, s[1..].parse::<i32>().ok()?),
        _ => return None,
    };
    let mut v = mantissa.checked_mul(1i128.checked_shl(bin)?)?;
    // nanos = v * 10^(dec - frac_len + 9)
    let exp = dec - frac_len + 9;
    if exp >= 0 {
        v = v.checked_mul(10i128.checked_pow(u32::try_from(exp).ok()?)?)?;
    } else {
        let div = 10i128.checked_pow(u32::try_from(-exp).ok()?)?;
        // Kubernetes rounds sub-nano values up.
        v = (v + div - 1) / div;
    }
    Some(if neg { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::parse_nanos;

    #[test]
    fn equal_spellings() {
        let gi = parse_nanos("100Gi");
        assert!(gi.is_some());
        assert_eq!(gi, parse_nanos("107374182400"));
        assert_eq!(parse_nanos("1k"), parse_nanos("1000"));
        assert_eq!(parse_nanos("1e3"), parse_nanos("1k"));
        assert_eq!(parse_nanos("1.5Gi"), parse_nanos("1536Mi"));
        assert_eq!(parse_nanos("500m"), parse_nanos("0.5"));
        assert_ne!(parse_nanos("10Gi"), parse_nanos("10G"));
        assert_eq!(parse_nanos("10GB"), None);
        assert_eq!(parse_nanos("Gi"), None);
        assert_eq!(parse_nanos(""), None);
    }
}
