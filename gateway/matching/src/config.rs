//! Scoring weights and decision thresholds for demographic matching.
//!
//! The weights are points in the spirit of Fellegi-Sunter log-odds: a field
//! that agrees adds evidence that the candidate is the person, a field that
//! disagrees subtracts it, a field the request did not give adds nothing.
//! They are integers so that a score is exact, reproducible and easy to
//! read in an audit record.
//!
//! Defaults and what they mean in practice (threshold 30, margin 8), before
//! the frequency adjustment ([`FrequencyWeights`]):
//!
//! | request against the candidate                          | score | unique? |
//! |--------------------------------------------------------|------:|---------|
//! | names, DOB and postcode exact                          |    46 | yes     |
//! | names and DOB exact, no postcode in the request        |    36 | yes     |
//! | names and DOB exact, postcode in another district of the same area | 36 | yes |
//! | names and DOB exact, postcode in another area          |    28 | no      |
//! | one name with a typo, DOB exact, no postcode           | 30/31 | yes     |
//! | names exact, DOB day/month swapped, no postcode        |    30 | yes     |
//! | one typo and a swapped DOB, no postcode                | 24/25 | no      |
//! | one typo and a swapped DOB, postcode exact             | 34/35 | yes     |
//! | a typo in each name, DOB and postcode exact            |    35 | yes (path) |
//! | two edits in a 5-9 letter name, the rest exact         | 34/36 | yes (path) |
//! | one edit in a name under 4 letters, the rest exact     | 40/41 | yes (path) |
//! | one digit of the DOB's day or month changed, the rest exact | 33 | yes (path) |
//! | given and family names exchanged, DOB exact, no postcode | 30  | yes (path) |
//!
//! Beyond the score, a unique answer always needs one of the match paths of
//! `demographic.rs` ("path" above: the weaker kinds of agreement are
//! allowed only when every other field agrees exactly), and a lead over
//! every other indexed person of at least the margin.

use serde::{Deserialize, Serialize};

/// Points for each level of agreement of each field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Weights {
    /// Family name equal after normalisation.
    pub family_exact: i32,
    /// Family name within the typo tolerance, or one's words among the
    /// other's ("Jones" / "Smith-Jones").
    pub family_close: i32,
    /// Two edits apart in a name of five to nine letters.
    pub family_far: i32,
    pub family_disagree: i32,
    pub given_exact: i32,
    pub given_close: i32,
    pub given_far: i32,
    pub given_disagree: i32,
    pub dob_exact: i32,
    /// Day and month exchanged (3 July written as 7 March), same year.
    pub dob_swapped: i32,
    /// Same year, and either the day or the month with one digit changed
    /// (03 for 08, 12 for 02), the other equal.
    pub dob_digit: i32,
    /// Same year, and either the same month or the same day. Never enough
    /// for a match; scored so that such a person counts as a competitor.
    pub dob_near: i32,
    /// Anything else, including every different year.
    pub dob_other: i32,
    pub postcode_exact: i32,
    /// Same sector (outward code and the inward digit, e.g. `ME14 1`).
    pub postcode_sector: i32,
    /// Same outward code (district, e.g. `ME14`).
    pub postcode_district: i32,
    /// Same area (the outward code's letters, e.g. `ME`): a move within
    /// the town, weaker evidence than the district.
    pub postcode_area: i32,
    /// Both present and in different areas.
    pub postcode_different: i32,
    /// The request or the record has no postcode (or a placeholder).
    pub postcode_unknown: i32,
    /// Subtracted when the request's given and family names are compared
    /// with the candidate's family and given names (a swap).
    pub names_swapped_penalty: i32,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            family_exact: 12,
            family_close: 6,
            family_far: 0,
            family_disagree: -12,
            given_exact: 10,
            given_close: 5,
            given_far: 0,
            given_disagree: -10,
            dob_exact: 14,
            dob_swapped: 8,
            dob_digit: 1,
            dob_near: 0,
            dob_other: -20,
            postcode_exact: 10,
            postcode_sector: 5,
            postcode_district: 2,
            postcode_area: 0,
            postcode_different: -8,
            postcode_unknown: 0,
            names_swapped_penalty: 6,
        }
    }
}

/// How many edits a name may be from another and still be "close".
/// Measured on the shorter of the two names, in normalised characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TypoTolerance {
    /// Names at least this long tolerate one edit (default 4: "Mia"/"Mai"
    /// and "Ali"/"Al" are different names, "Smith"/"Smiht" is a slip).
    pub one_edit_from: usize,
    /// Names at least this long tolerate two edits (default 10).
    pub two_edits_from: usize,
    /// Names at least this long (default 5) and shorter than
    /// `two_edits_from` may be two edits apart, but only when the other
    /// three fields agree exactly and the request's name is nobody's name
    /// in the index.
    pub two_edits_path_from: usize,
    /// A request name that at least this many indexed people bear in the
    /// same role (default 1: anyone) is a real name, never read as a slip
    /// for another, nor (for a given name) as a short or long form of
    /// another: "Sophia" is Sophie's unindexed twin, not a typo, and
    /// "Lily-Mae" is not Lily. Exact agreement, and a family name's words
    /// among another's, are unaffected.
    pub held_by: u32,
}

impl Default for TypoTolerance {
    fn default() -> Self {
        TypoTolerance {
            one_edit_from: 4,
            two_edits_from: 10,
            two_edits_path_from: 5,
            held_by: 1,
        }
    }
}

/// How much the rarity of an agreeing value moves a score, in points per
/// field (given name, family name, postcode district).
///
/// The adjustment is `log2(typical / count)`, rounded, where `count` is how
/// many indexed people hold the request's value and `typical` is how many
/// hold the value of a person chosen at random (the sum of squared counts
/// over the people): a name as common as the typical person's adds
/// nothing, one eight times rarer adds 3, one eight times commoner takes 3
/// away, each clamped to `max_bonus` / `max_malus`. It applies only to the
/// threshold test of the candidate about to be returned, never to the
/// margin: rarity makes a match more or less convincing, it never makes two
/// candidates easier to tell apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FrequencyWeights {
    /// Most points a rare value adds, per field (default 2).
    pub max_bonus: i32,
    /// Most points a common value takes away, per field (default 3).
    pub max_malus: i32,
}

impl Default for FrequencyWeights {
    fn default() -> Self {
        FrequencyWeights {
            max_bonus: 2,
            max_malus: 3,
        }
    }
}

impl TypoTolerance {
    pub(crate) fn allowed_edits(&self, shorter_len: usize) -> usize {
        if shorter_len >= self.two_edits_from {
            2
        } else if shorter_len >= self.one_edit_from {
            1
        } else {
            0
        }
    }
}

/// Everything that decides whether demographics name one person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MatchConfig {
    pub weights: Weights,
    /// The best candidate's score must be at least this (default 30).
    pub threshold: i32,
    /// ... and at least this many points ahead of every other candidate
    /// (default 8: more than an exact-versus-typo difference in either
    /// name, so twins Sophie and Sophia never resolve on that letter, and
    /// more than exact-versus-sector in the postcode).
    pub margin: i32,
    pub typo: TypoTolerance,
    pub frequency: FrequencyWeights,
    /// Most candidates examined for one request (default 4096). A request
    /// that would need more is answered "no unique match" (too many
    /// candidates) rather than examined partly.
    pub max_candidates: usize,
}

impl Default for MatchConfig {
    fn default() -> Self {
        MatchConfig {
            weights: Weights::default(),
            threshold: 30,
            margin: 8,
            typo: TypoTolerance::default(),
            frequency: FrequencyWeights::default(),
            max_candidates: 4096,
        }
    }
}

/// Why a configuration was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error("the margin must be at least 1")]
    Margin,
    #[error("the threshold must be at least 1")]
    Threshold,
    #[error("max_candidates must be at least 1")]
    MaxCandidates,
    #[error("every weight must lie within -1000..=1000")]
    WeightRange,
    #[error("{0}: a stronger agreement must not score less than a weaker one")]
    Order(&'static str),
    #[error(
        "typo tolerance: one_edit_from must be at least 1, two_edits_path_from at least it, \
         two_edits_from at least two_edits_path_from, and held_by at least 1"
    )]
    Typo,
    #[error("frequency weights must lie within 0..=10")]
    Frequency,
    #[error("the names-swapped penalty must lie within 0..=1000")]
    SwapPenalty,
}

impl MatchConfig {
    /// Check the configuration is coherent. The matcher's guarantee that an
    /// unexamined person cannot out-score or crowd the answer relies on the
    /// orderings checked here.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let w = &self.weights;
        if self.margin < 1 {
            return Err(ConfigError::Margin);
        }
        if self.threshold < 1 {
            return Err(ConfigError::Threshold);
        }
        if self.max_candidates < 1 {
            return Err(ConfigError::MaxCandidates);
        }
        let t = &self.typo;
        if t.one_edit_from < 1
            || t.two_edits_path_from < t.one_edit_from
            || t.two_edits_from < t.two_edits_path_from
            || t.held_by < 1
        {
            return Err(ConfigError::Typo);
        }
        let f = &self.frequency;
        if !(0..=10).contains(&f.max_bonus) || !(0..=10).contains(&f.max_malus) {
            return Err(ConfigError::Frequency);
        }
        if !(0..=1000).contains(&w.names_swapped_penalty) {
            return Err(ConfigError::SwapPenalty);
        }
        let all = [
            w.family_exact,
            w.family_close,
            w.family_far,
            w.family_disagree,
            w.given_exact,
            w.given_close,
            w.given_far,
            w.given_disagree,
            w.dob_exact,
            w.dob_swapped,
            w.dob_digit,
            w.dob_near,
            w.dob_other,
            w.postcode_exact,
            w.postcode_sector,
            w.postcode_district,
            w.postcode_area,
            w.postcode_different,
            w.postcode_unknown,
        ];
        if all.iter().any(|v| !(-1000..=1000).contains(v)) {
            return Err(ConfigError::WeightRange);
        }
        let ordered = |xs: &[i32]| xs.windows(2).all(|p| matches!(p, [a, b] if a >= b));
        if !ordered(&[
            w.family_exact,
            w.family_close,
            w.family_far,
            w.family_disagree,
        ]) {
            return Err(ConfigError::Order("family name"));
        }
        if !ordered(&[w.given_exact, w.given_close, w.given_far, w.given_disagree]) {
            return Err(ConfigError::Order("given name"));
        }
        if !ordered(&[
            w.dob_exact,
            w.dob_swapped,
            w.dob_digit,
            w.dob_near,
            w.dob_other,
        ]) {
            return Err(ConfigError::Order("date of birth"));
        }
        if !ordered(&[
            w.postcode_exact,
            w.postcode_sector,
            w.postcode_district,
            w.postcode_area,
            w.postcode_different,
        ]) || !ordered(&[w.postcode_exact, w.postcode_unknown, w.postcode_different])
        {
            return Err(ConfigError::Order("postcode"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_documented_scores_hold() {
        let c = MatchConfig::default();
        assert_eq!(c.validate(), Ok(()));
        let w = &c.weights;
        assert_eq!(
            w.family_exact + w.given_exact + w.dob_exact + w.postcode_exact,
            46
        );
        assert_eq!(w.family_exact + w.given_exact + w.dob_exact, 36);
        assert_eq!(
            w.family_exact + w.given_exact + w.dob_exact + w.postcode_different,
            28
        );
        assert_eq!(
            w.family_exact + w.given_exact + w.dob_exact + w.postcode_area,
            36
        );
        assert_eq!(
            w.family_close + w.given_close + w.dob_exact + w.postcode_exact,
            35
        );
        assert_eq!(
            w.family_exact + w.given_far + w.dob_exact + w.postcode_exact,
            36
        );
        assert_eq!(
            w.family_far + w.given_exact + w.dob_exact + w.postcode_exact,
            34
        );
        assert_eq!(
            w.family_exact + w.given_exact + w.dob_digit + w.postcode_exact,
            33
        );
        assert_eq!(
            w.family_exact + w.given_exact + w.dob_exact - w.names_swapped_penalty,
            30
        );
        // A person two edits from the request is far enough behind an
        // exact namesake (twins Harry and Harvey) to leave the margin.
        assert!(c.margin <= w.given_exact - w.given_far);
        assert!(c.margin <= w.family_exact - w.family_far);
        assert_eq!(w.family_close + w.given_exact + w.dob_exact, 30);
        assert_eq!(w.family_exact + w.given_exact + w.dob_swapped, 30);
        assert_eq!(w.family_close + w.given_exact + w.dob_swapped, 24);
        assert!(c.margin > w.given_exact - w.given_close);
        assert!(c.margin > w.family_exact - w.family_close);
        assert!(c.margin > w.postcode_exact - w.postcode_sector);
    }

    #[test]
    fn incoherent_configs_are_refused() {
        let c = MatchConfig {
            margin: 0,
            ..MatchConfig::default()
        };
        assert_eq!(c.validate(), Err(ConfigError::Margin));
        let mut c = MatchConfig::default();
        c.weights.dob_swapped = 20;
        assert_eq!(c.validate(), Err(ConfigError::Order("date of birth")));
        let mut c = MatchConfig::default();
        c.weights.postcode_unknown = 11;
        assert_eq!(c.validate(), Err(ConfigError::Order("postcode")));
        let mut c = MatchConfig::default();
        c.weights.family_exact = i32::MAX;
        assert_eq!(c.validate(), Err(ConfigError::WeightRange));
        let mut c = MatchConfig::default();
        c.typo.two_edits_from = 2;
        assert_eq!(c.validate(), Err(ConfigError::Typo));
        let mut c = MatchConfig::default();
        c.weights.dob_digit = 9;
        assert_eq!(c.validate(), Err(ConfigError::Order("date of birth")));
        let mut c = MatchConfig::default();
        c.frequency.max_bonus = 11;
        assert_eq!(c.validate(), Err(ConfigError::Frequency));
        let mut c = MatchConfig::default();
        c.weights.names_swapped_penalty = -1;
        assert_eq!(c.validate(), Err(ConfigError::SwapPenalty));
    }

    #[test]
    fn config_reads_from_partial_json() {
        let c: MatchConfig = serde_json::from_str(r#"{"margin": 10}"#).unwrap();
        assert_eq!(c.margin, 10);
        assert_eq!(c.threshold, 30);
        assert!(serde_json::from_str::<MatchConfig>(r#"{"marign": 10}"#).is_err());
    }
}
