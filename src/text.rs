//! Text helpers below every other module: edit distance and did-you-mean
//! suggestions, plurals.

/// Levenshtein distance, in characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The candidate nearest to `word`, when it is at most `max(candidate)`
/// edits away; ties go to the alphabetically first.
pub fn closest<'a>(
    word: &str,
    candidates: impl Iterator<Item = &'a str>,
    max: impl Fn(&str) -> usize,
) -> Option<&'a str> {
    candidates
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, c)| *d <= max(c))
        .min()
        .map(|(_, c)| c)
}

/// `1 object`, `2 objects`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_and_suggestions() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("é", "e"), 1);
        let ids = ["pdb-quorum", "pdb-blocks-drain"];
        assert_eq!(
            closest("pdb-quorun", ids.into_iter(), |_| 2),
            Some("pdb-quorum")
        );
        assert_eq!(closest("nothing-like", ids.into_iter(), |_| 2), None);
        assert_eq!(count(1, "object", "objects"), "1 object");
        assert_eq!(count(0, "object", "objects"), "0 objects");
    }
}
