//! Raw event throughput of the YAML parser stslint uses, on the same files:
//! the practical upper bound for a whole run.
//!
//! cargo run --release --example rawparse -- DIR_OR_FILES...

use std::time::Instant;

fn files(paths: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for p in paths {
        for e in ignore::WalkBuilder::new(p).build().flatten() {
            let path = e.path();
            let ok = matches!(
                path.extension().and_then(|x| x.to_str()),
                Some("yaml" | "yml" | "json")
            );
            if ok
                && path.is_file()
                && let Ok(text) = std::fs::read_to_string(path)
            {
                out.push(text);
            }
        }
    }
    out
}

fn main() {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    let texts = files(&paths);
    let bytes: usize = texts.iter().map(String::len).sum();
    let start = Instant::now();
    let mut events = 0usize;
    for t in &texts {
        let mut p = granit_parser::Parser::new_from_str(t);
        while let Some(r) = p.next_event() {
            match r {
                Ok(_) => events += 1,
                Err(_) => {
                    if !matches!(p.proceed_next_document(), Ok(true)) {
                        break;
                    }
                }
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{} files, {bytes} bytes, {events} events in {secs:.3} s: {:.1} MB/s (1 thread)",
        texts.len(),
        bytes as f64 / secs / 1e6
    );
}
