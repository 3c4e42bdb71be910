//! The September Guarantee: the offer of a suitable place in education or
//! training made to every young person finishing Year 11, and again Year 12.

use serde::{Deserialize, Serialize};

use crate::codes::GuaranteeStatus;
use crate::ids::LaCode;

/// One year's guarantee: its status and the LA that made it. Both are
/// required inside the XSD's `Year11` / `Year12` block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuaranteeBlock {
    pub status: GuaranteeStatus,
    pub la: LaCode,
}

/// NCCIS `SeptemberGuarantee`. Suppliers write an empty container when
/// there is no guarantee data, so "no blocks" is the default, not `None`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SeptemberGuarantee {
    #[serde(default)]
    pub year_11: Option<GuaranteeBlock>,
    #[serde(default)]
    pub year_12: Option<GuaranteeBlock>,
}

impl SeptemberGuarantee {
    pub fn is_empty(&self) -> bool {
        self.year_11.is_none() && self.year_12.is_none()
    }
}
