//! A large, valid NCCIS return generated in memory (used by the large-file
//! test and the benchmark): 1,000 distinct synthetic records that pass every
//! checker rule, written once by the writer and then repeated with fresh
//! YoungPersonsIDs and ULNs (text substitution, so generation is cheap).

use gateway_adapters::Limits;
use gateway_adapters::nccis::{self, CheckerConfig, FileHeader, NccisWriter, WriterOptions};
use gateway_domain::{CcisId, LaCode, Uln, YoungPerson, synthetic::cohort};
use time::macros::date;

pub fn header() -> FileHeader {
    FileHeader::single(
        886,
        LaCode::parse("886").expect("LA code"),
        date!(2025 - 04 - 02),
        date!(2025 - 03 - 31),
    )
}

/// Distinct valid templates from the synthetic cohort.
pub fn templates(count: usize) -> Vec<YoungPerson> {
    let h = header();
    cohort(
        20_250_331,
        count * 3,
        h.period_end,
        LaCode::parse("886").expect("LA code"),
    )
    .filter(|p| nccis::check(p, &h, &CheckerConfig::default(), &Limits::default()).is_ok())
    .take(count)
    .collect()
}

fn uln_for(i: u64) -> Uln {
    let base = 100_000_000 + 2 * u32::try_from(i).expect("index");
    Uln::from_base(base)
        .or_else(|| Uln::from_base(base + 1))
        .expect("a ULN exists for one of two consecutive bases")
}

/// The `i`th record of the big file.
pub fn person(templates: &[YoungPerson], i: u64) -> YoungPerson {
    let t = &templates[(i % templates.len() as u64) as usize];
    let mut p = t.clone();
    p.ccis_id = CcisId::from_parts(886, i + 1).expect("id");
    p.uln = t.uln.as_ref().map(|_| uln_for(i));
    p
}

/// An NCCIS file of `n` valid records, in memory; `pretty` indents it.
pub fn big_file(n: u64, pretty: bool) -> Vec<u8> {
    let options = WriterOptions {
        pretty,
        ..WriterOptions::default()
    };
    let templates = templates(1000);
    // Each template written once; its id and ULN are unique strings in it.
    let pieces: Vec<String> = templates
        .iter()
        .map(|t| {
            let mut w = NccisWriter::new(Vec::new(), header(), options).expect("header");
            w.write(t).expect("valid template");
            let xml = String::from_utf8(w.finish().expect("finish")).expect("utf-8");
            // From the record's start tag (indentation included) to the
            // root's end tag.
            let start = xml.find("<YoungPersonsRecord>").expect("record");
            let start = if pretty {
                xml[..start].rfind('\n').map_or(start, |nl| nl + 1)
            } else {
                start
            };
            let end = xml.rfind("</NCCIS>").expect("root end");
            xml[start..end].to_owned()
        })
        .collect();
    let w = NccisWriter::new(Vec::new(), header(), options).expect("header");
    let skeleton = String::from_utf8(w.finish().expect("finish")).expect("utf-8");
    let head_end = skeleton.rfind("</NCCIS>").expect("root end");
    let mut out = Vec::with_capacity(usize::try_from(n).unwrap_or(0) * 1300);
    out.extend_from_slice(&skeleton.as_bytes()[..head_end]);
    for i in 0..n {
        let k = (i % templates.len() as u64) as usize;
        let t = &templates[k];
        let mut rec = pieces[k].replace(
            t.ccis_id.as_str(),
            CcisId::from_parts(886, i + 1).expect("id").as_str(),
        );
        if let Some(u) = &t.uln {
            rec = rec.replace(u.as_str(), uln_for(i).as_str());
        }
        out.extend_from_slice(rec.as_bytes());
    }
    out.extend_from_slice(b"</NCCIS>\n");
    out
}
