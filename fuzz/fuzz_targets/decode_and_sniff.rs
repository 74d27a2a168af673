//! Any bytes, as one input file: decoding (UTF-8, BOM, UTF-16), JSON parsing and
//! format recognition must never panic, and spans must stay inside the text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let loaded = preflight_parser::load_from_memory(vec![("input.json".to_owned(), bytes.to_vec())]);
    for problem in &loaded.problems {
        if let (Some(span), Some(file)) = (problem.span, loaded.files.get(problem.file.index())) {
            assert!(span.start <= span.end && (span.end as usize) <= file.text.len());
            let _ = file.line_column(span.start);
        }
    }
});
