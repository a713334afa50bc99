//! Bytes -> spanned tree -> typed objects (and StatefulSet decoding, as the
//! engine does it). Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stslint::model::{decode_statefulset, objects_of};
use stslint::source::parse_source;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let text = std::sync::Arc::new(text.to_owned());
    let (docs, _) = parse_source(&text);
    let objects = objects_of(0, &docs, "default");
    for doc in &docs {
        if let Some(root) = doc.root() {
            let _ = decode_statefulset("apps/v1", root);
            let _ = decode_statefulset("apps/v1beta1", root);
        }
    }
    let _ = objects.objects.len();
});
