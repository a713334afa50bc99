//! In-process stages on the same bytes: parse (spanned tree), decode
//! (objects and typed kinds) and the whole lint of one text.
//!
//! cargo bench --bench pipeline

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use stslint::{Options, lint_text, model, source};

/// The bundled examples, repeated into about 1 MB with distinct names.
fn input() -> String {
    let mut parts = Vec::new();
    for dir in ["testdata/examples/broken", "testdata/examples/fixed"] {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .expect("examples")
            .map(|e| e.expect("entry").path())
            .collect();
        files.sort();
        for f in files {
            parts.push(std::fs::read_to_string(f).expect("utf-8"));
        }
    }
    let mut text = String::new();
    let mut i = 0;
    while text.len() < 1 << 20 {
        for p in &parts {
            text.push_str("---\n");
            text.push_str(&p.replace("demo-", &format!("ns{i}-")));
            text.push('\n');
        }
        i += 1;
    }
    text
}

fn stages(c: &mut Criterion) {
    let text = input();
    let arc = Arc::new(text.clone());
    let mut g = c.benchmark_group("pipeline");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.sample_size(20);
    g.bench_function("parse", |b| {
        b.iter(|| source::parse_source(black_box(&arc)))
    });
    let (docs, _) = source::parse_source(&arc);
    g.bench_function("decode", |b| {
        b.iter(|| model::objects_of(0, black_box(&docs), "default"))
    });
    g.bench_function("lint", |b| {
        b.iter(|| {
            lint_text("bench.yaml", black_box(&text), &Options::default())
                .diagnostics
                .len()
        })
    });
    g.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
