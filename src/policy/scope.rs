//! What a run reports on. Files loaded with `--context` feed the index but
//! are not reported on: a diagnostic whose primary place is in a context
//! file moves to the first related place in a reported file (the
//! StatefulSet's serviceName rather than the context Service), and the
//! context place becomes a related label.

use crate::load::LoadedFile;
use crate::render::{Diagnostic, RelatedDiag};

pub fn move_out_of_context(diags: &mut [Diagnostic], files: &[LoadedFile]) {
    let in_context = |file: usize| files.get(file).is_some_and(|f| !f.reported());
    for d in diags.iter_mut() {
        if !in_context(d.at.file) {
            continue;
        }
        let Some(i) = d.related.iter().position(|r| !in_context(r.at.file)) else {
            continue;
        };
        let moved = d.related.remove(i);
        let label = match &d.at.object {
            Some(o) => format!("{} `{}` is here, in a context file", o.kind, o.name),
            None => "here, in a context file".to_owned(),
        };
        // The message names the other file: an editor shows only the
        // message on this line, and the label may be out of sight.
        d.message = match &d.at.object {
            Some(o) => format!(
                "{} ({} `{}` is in {})",
                d.message, o.kind, o.name, d.at.file_name
            ),
            None => format!("{} (in {})", d.message, d.at.file_name),
        };
        let old = std::mem::replace(&mut d.at, moved.at);
        d.related.insert(
            0,
            RelatedDiag {
                at: old,
                message: label,
            },
        );
    }
}
