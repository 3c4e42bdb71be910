//! The record as the checker sees it: every value as the text the file
//! holds, trimmed, `None` when absent (missing, empty, self-closed or blank:
//! nccis-checker.md §0.3). Built from a parsed element tree by the reader and
//! from a canonical record by the writer, so both run the same rules on the
//! same kind of input.

use std::borrow::Cow;

use gateway_domain::YoungPerson;

use super::super::layout as l;
use crate::xml::input::Node;
use crate::xml::text::format_date;

/// A value as text; `None` is absent.
pub(crate) type Text<'a> = Option<Cow<'a, str>>;

/// One `Cohort` (activity).
#[derive(Debug, Default, Clone)]
pub(crate) struct RawActivity<'a> {
    pub code: Text<'a>,
    pub start: Text<'a>,
    pub ascertained: Text<'a>,
    pub verified: Text<'a>,
    pub review: Text<'a>,
    pub due_to_lapse: Text<'a>,
    pub lapsed: Text<'a>,
    pub establishment: Text<'a>,
    pub ukprn: Text<'a>,
    pub neet_start: Text<'a>,
    pub predicted_end: Text<'a>,
}

/// One `Year11` / `Year12` block.
#[derive(Debug, Default, Clone)]
pub(crate) struct RawBlock<'a> {
    pub status: Text<'a>,
    pub lea: Text<'a>,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct RawRecord<'a> {
    pub ypid: Text<'a>,
    pub cohort_status: Text<'a>,
    pub given_name: Text<'a>,
    pub family_name: Text<'a>,
    /// Any of AddressLine1-4, Town, County present (31).
    pub has_address: bool,
    pub postcode: Text<'a>,
    pub gender: Text<'a>,
    pub dob: Text<'a>,
    pub ethnicity: Text<'a>,
    pub lead_lea: Text<'a>,
    pub educated_lea: Text<'a>,
    pub transferred_to: Text<'a>,
    pub lea_at_year_11: Text<'a>,
    pub uln: Text<'a>,
    pub upn: Text<'a>,
    pub guarantee_indicator: Text<'a>,
    pub previous_ypid: Text<'a>,
    pub year_11: Option<RawBlock<'a>>,
    pub year_12: Option<RawBlock<'a>>,
    pub level_of_need: Text<'a>,
    pub send_flag: Text<'a>,
    pub sen_support_flag: Text<'a>,
    pub characteristics: Vec<Cow<'a, str>>,
    /// The record has an `Activities` element (240).
    pub has_activities: bool,
    pub activities: Vec<RawActivity<'a>>,
    pub intended_destination: Text<'a>,
}

fn trim_xml(s: &str) -> &str {
    s.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
}

/// The trimmed text of a leaf, `None` when blank (or not a leaf: the
/// structure check reports that).
fn text<'a>(node: Node<'a>) -> Text<'a> {
    if node.has_children() {
        return None;
    }
    let t = trim_xml(node.text());
    (!t.is_empty()).then_some(Cow::Borrowed(t))
}

/// Set `slot` from the first occurrence only (a repeat is the structure
/// check's to report).
fn first<'a>(slot: &mut Text<'a>, node: Node<'a>) {
    if slot.is_none() {
        *slot = text(node);
    }
}

fn block(node: Node<'_>) -> RawBlock<'_> {
    let mut b = RawBlock::default();
    for c in node.children() {
        match c.name() {
            Some(l::GUARANTEE_STATUS) => first(&mut b.status, c),
            Some(l::LEA_CODE) => first(&mut b.lea, c),
            _ => {}
        }
    }
    b
}

fn activity(node: Node<'_>) -> RawActivity<'_> {
    let mut a = RawActivity::default();
    for c in node.children() {
        let slot = match c.name() {
            Some(l::ACTIVITY_CODE) => &mut a.code,
            Some(l::START_DATE) => &mut a.start,
            Some(l::DATE_ASCERTAINED) => &mut a.ascertained,
            Some(l::DATE_VERIFIED) => &mut a.verified,
            Some(l::REVIEW_DATE) => &mut a.review,
            Some(l::DUE_TO_LAPSE) => &mut a.due_to_lapse,
            Some(l::CURRENCY_LAPSED) => &mut a.lapsed,
            Some(l::ESTABLISHMENT) => &mut a.establishment,
            Some(l::UKPRN) => &mut a.ukprn,
            Some(l::NEET_START) => &mut a.neet_start,
            Some(l::PREDICTED_END) => &mut a.predicted_end,
            _ => continue,
        };
        first(slot, c);
    }
    a
}

impl<'a> RawRecord<'a> {
    /// From a `YoungPersonsRecord` subtree.
    pub(crate) fn from_node(record: Node<'a>) -> RawRecord<'a> {
        let mut r = RawRecord::default();
        for part in record.children() {
            match part.name() {
                Some(l::PERSONAL_DETAILS) => r.personal(part),
                Some(l::SEPTEMBER_GUARANTEE) => {
                    for y in part.children() {
                        match y.name() {
                            Some(l::YEAR_11) if r.year_11.is_none() => r.year_11 = Some(block(y)),
                            Some(l::YEAR_12) if r.year_12.is_none() => r.year_12 = Some(block(y)),
                            _ => {}
                        }
                    }
                }
                Some(l::LEVEL_OF_NEED) => {
                    for c in part.children() {
                        match c.name() {
                            Some(l::LEVEL_OF_NEED_CODE) => first(&mut r.level_of_need, c),
                            Some(l::SEND_FLAG) => first(&mut r.send_flag, c),
                            Some(l::SEN_SUPPORT_FLAG) => first(&mut r.sen_support_flag, c),
                            Some(l::CHARACTERISTICS) => {
                                r.characteristics.extend(c.children().filter_map(text))
                            }
                            _ => {}
                        }
                    }
                }
                Some(l::ACTIVITIES) => {
                    r.has_activities = true;
                    r.activities.extend(
                        part.children()
                            .filter(|c| c.name() == Some(l::ACTIVITY))
                            .map(activity),
                    );
                }
                Some(l::INTENDED_DESTINATION) => {
                    for c in part.children() {
                        if c.name() == Some(l::INTENDED_DESTINATION_YR11) {
                            first(&mut r.intended_destination, c);
                        }
                    }
                }
                _ => {}
            }
        }
        r
    }

    fn personal(&mut self, pd: Node<'a>) {
        for c in pd.children() {
            let slot = match c.name() {
                Some(l::YOUNG_PERSONS_ID) => &mut self.ypid,
                Some(l::COHORT_STATUS) => &mut self.cohort_status,
                Some(l::GIVEN_NAME) => &mut self.given_name,
                Some(l::FAMILY_NAME) => &mut self.family_name,
                Some(l::POSTCODE) => &mut self.postcode,
                Some(l::GENDER) => &mut self.gender,
                Some(l::DOB) => &mut self.dob,
                Some(l::ETHNICITY) => &mut self.ethnicity,
                Some(l::LEAD_LEA) => &mut self.lead_lea,
                Some(l::EDUCATED_LEA) => &mut self.educated_lea,
                Some(l::TRANSFERRED_TO) => &mut self.transferred_to,
                Some(l::LEA_AT_YEAR_11) => &mut self.lea_at_year_11,
                Some(l::ULN) => &mut self.uln,
                Some(l::UPN) => &mut self.upn,
                Some(l::GUARANTEE_INDICATOR) => &mut self.guarantee_indicator,
                Some(l::PREVIOUS_YPID) => &mut self.previous_ypid,
                Some(name)
                    if l::ADDRESS_LINES.contains(&name) || name == l::TOWN || name == l::COUNTY =>
                {
                    self.has_address |= text(c).is_some();
                    continue;
                }
                _ => continue,
            };
            first(slot, c);
        }
    }

    /// What a return written from `p` would hold, for `period_end`
    /// (CurrencyLapsed is derived from DueToLapseDate as the writer does).
    /// Only the current activity: a return has one.
    pub(crate) fn from_person(
        p: &'a YoungPerson,
        period_end: time::Date,
        sen_support_written: bool,
    ) -> RawRecord<'a> {
        let owned = |s: String| Some(Cow::Owned(s));
        let borrowed = |s: &'a str| Some(Cow::Borrowed(s));
        let date = |d: Option<time::Date>| d.map(|d| Cow::Owned(format_date(d)));
        let la = |la: Option<&'a gateway_domain::LaCode>| la.map(|x| Cow::Borrowed(x.as_str()));
        let yes_no = |b: Option<bool>| b.map(|b| Cow::Borrowed(if b { "Y" } else { "N" }));
        let block = |b: Option<&'a gateway_domain::GuaranteeBlock>| {
            b.map(|b| RawBlock {
                status: owned(b.status.to_string()),
                lea: la(Some(&b.la)),
            })
        };
        let activities = p
            .current_activity()
            .map(|a| RawActivity {
                code: owned(a.code.to_string()),
                start: date(Some(a.start_date)),
                ascertained: date(Some(a.date_ascertained)),
                verified: date(Some(a.date_verified)),
                review: date(a.review_date),
                due_to_lapse: date(a.due_to_lapse_date),
                lapsed: yes_no(Some(
                    a.due_to_lapse_date.is_some_and(|due| due <= period_end),
                )),
                establishment: a.establishment.as_ref().map(|e| Cow::Borrowed(e.as_str())),
                ukprn: a.ukprn.as_ref().map(|u| Cow::Borrowed(u.as_str())),
                neet_start: date(a.neet_start_date),
                predicted_end: date(a.predicted_end_date),
            })
            .into_iter()
            .collect();
        let address = &p.address;
        RawRecord {
            ypid: borrowed(p.ccis_id.as_str()),
            cohort_status: owned(p.cohort_status.to_string()),
            given_name: Some(Cow::Borrowed(p.given_name.trim())).filter(|s| !s.is_empty()),
            family_name: Some(Cow::Borrowed(p.family_name.trim())).filter(|s| !s.is_empty()),
            has_address: !address.lines().is_empty()
                || address.town().is_some()
                || address.county().is_some(),
            postcode: address
                .postcode()
                .map(|pc| pc.formatted())
                .or_else(|| p.placeholder_postcode.as_ref().map(|pc| pc.formatted()))
                .map(Cow::Owned),
            gender: owned(p.gender.to_string()),
            dob: date(Some(p.date_of_birth)),
            ethnicity: p.ethnicity.as_deref().map(Cow::Borrowed),
            lead_lea: la(Some(&p.lead_la)),
            educated_lea: la(p.educated_la.as_ref()),
            transferred_to: la(p.transferred_to_la.as_ref()),
            lea_at_year_11: la(p.la_at_year_11.as_ref()),
            uln: p.uln.as_ref().map(|u| Cow::Borrowed(u.as_str())),
            upn: p.upn.as_ref().map(|u| Cow::Borrowed(u.as_str())),
            guarantee_indicator: yes_no(p.guarantee_status_indicator),
            previous_ypid: p.previous_ypid.as_deref().map(|s| Cow::Borrowed(s.trim())),
            year_11: block(p.september_guarantee.year_11.as_ref()),
            year_12: block(p.september_guarantee.year_12.as_ref()),
            level_of_need: p.level_of_need.map(|n| Cow::Owned(n.to_string())),
            send_flag: Some(Cow::Borrowed(if p.send.send_flag() { "Y" } else { "N" })),
            sen_support_flag: sen_support_written
                .then(|| Cow::Borrowed(if p.send.sen_support_flag() { "Y" } else { "N" })),
            characteristics: p
                .characteristics
                .iter()
                .filter(|c| c.is_nccis())
                .map(|c| Cow::Owned(c.to_string()))
                .collect(),
            has_activities: true,
            activities,
            intended_destination: p.intended_destination.map(|d| Cow::Owned(d.to_string())),
        }
    }
}
