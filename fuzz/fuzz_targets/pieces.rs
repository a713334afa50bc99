//! Bytes -> the piece reader for large files, with piece sizes and read
//! sizes from the input: the pieces must join to the input, cut only where a
//! document starts, and know what the whole text would tell. Must never
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stslint::source::LineBlocks;
use stslint::source::stream::{PieceReader, Trickle};

fuzz_target!(|data: &[u8]| {
    let Some((&[target, trickle], rest)) = data.split_first_chunk::<2>() else {
        return;
    };
    let mut r = PieceReader::new(
        Trickle(rest, usize::from(trickle)),
        usize::from(target),
        u64::MAX,
    );
    let pieces: Vec<_> = r.by_ref().collect();
    if std::str::from_utf8(rest).is_err() {
        return;
    }
    assert!(r.failed.is_none());
    let joined: Vec<u8> = pieces.iter().flat_map(|p| p.text.bytes()).collect();
    assert_eq!(joined, rest);
    let mut at = 0;
    for p in &pieces {
        assert_eq!(p.base, at);
        if at > 0 {
            assert!(p.text.starts_with("---"));
            assert_eq!(rest[at - 1], b'\n');
        }
        at += p.text.len();
    }
    let mut whole = LineBlocks::default();
    whole.feed(rest, 0);
    assert_eq!(format!("{:?}", r.lines), format!("{whole:?}"));
});
