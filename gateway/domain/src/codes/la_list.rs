//! The LA codes of the NCCIS schema (`LEAType`), loaded as data.
//!
//! The list is read from the DfE XSD itself (`gateway/domain/data/nccis2015.xsd`,
//! a copy of the published 2015-16 schema), once, at first use: the codes
//! live in one file that a new edition replaces, never as constants
//! scattered through the code. Later MI years change the list by
//! reorganisation (2019 Dorset / Bournemouth, Christchurch and Poole);
//! [`english_las`] applies those deltas keyed by the MI year.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use crate::ids::LaCode;

/// The NCCIS 2015 XSD, as published.
pub const NCCIS_2015_XSD: &str = include_str!("../../data/nccis2015.xsd");

/// The special codes of Appendix B: 000 abroad, 001 Wales, 002 Scotland,
/// 003 other UK, 004 unknown area.
pub const SPECIAL_MAX: u16 = 4;

/// Every value of the XSD's `LEAType` enumeration (specials included), in
/// document order.
pub fn schema_2015_codes() -> &'static [LaCode] {
    static CODES: OnceLock<Vec<LaCode>> = OnceLock::new();
    CODES.get_or_init(|| enumeration(NCCIS_2015_XSD, "LEAType"))
}

/// Whether `la` is a value of the 2015 XSD's `LEAType` (so a return that
/// must validate against that schema can carry it).
pub fn in_schema_2015(la: &LaCode) -> bool {
    schema_2015_codes().binary_search(la).is_ok()
}

/// 000-004.
pub fn is_special(la: &LaCode) -> bool {
    la.number() <= SPECIAL_MAX
}

/// The English LA codes (LA_ENG) in force in the MI year starting in April
/// of `mi_year`: the schema's list without the specials, and from 2019-20
/// without 835, 836, 837 and with 702 (Service Children's Education), 838
/// and 839 (nccis-checker.md §2.9).
pub fn english_las(mi_year: i32) -> BTreeSet<LaCode> {
    let mut set: BTreeSet<LaCode> = schema_2015_codes()
        .iter()
        .filter(|la| !is_special(la))
        .cloned()
        .collect();
    if mi_year >= 2019 {
        for gone in [835, 836, 837] {
            if let Some(la) = LaCode::from_number(gone) {
                set.remove(&la);
            }
        }
        set.extend([702, 838, 839].into_iter().filter_map(LaCode::from_number));
    }
    set
}

/// The values of `<xsd:enumeration value="..."/>` inside the simple type
/// `name`, parsed as LA codes (sorted). A plain text scan: the XSD is a
/// fixed, trusted file of this crate, not input.
fn enumeration(xsd: &str, name: &str) -> Vec<LaCode> {
    let open = format!("<xsd:simpleType name=\"{name}\"");
    let Some(start) = xsd.find(&open) else {
        return Vec::new();
    };
    let rest = xsd.get(start..).unwrap_or_default();
    let end = rest.find("</xsd:simpleType>").unwrap_or(rest.len());
    let body = rest.get(..end).unwrap_or_default();
    let mut codes: Vec<LaCode> = body
        .split("<xsd:enumeration value=\"")
        .skip(1)
        .filter_map(|chunk| chunk.split('"').next())
        .filter_map(|v| LaCode::parse(v).ok())
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_list_is_loaded() {
        // nccis-checker.md §2.9: 152 English codes + 5 specials.
        assert_eq!(schema_2015_codes().len(), 157);
        assert!(in_schema_2015(&LaCode::parse("886").unwrap()));
        assert!(in_schema_2015(&LaCode::parse("004").unwrap()));
        assert!(!in_schema_2015(&LaCode::parse("999").unwrap()));
        assert!(!in_schema_2015(&LaCode::parse("838").unwrap()));
        let y2015 = english_las(2015);
        let y2019 = english_las(2019);
        assert_eq!(y2015.len(), 152);
        assert_eq!(y2019.len(), 152);
        assert!(y2019.contains(&LaCode::parse("838").unwrap()));
        assert!(!y2019.contains(&LaCode::parse("835").unwrap()));
        assert!(!y2015.contains(&LaCode::parse("001").unwrap()));
    }
}
