//! Case numbers: `CODE-YYYY-NNNNN`, the sequence counted per device and year in
//! `sequences/<year>` of the data directory. That counter is local and not replicated, so
//! a lost file or a data directory restored from a backup would count again from an old
//! value — and hand out a number a case already has. The cases themselves are the
//! record: the next number is also above the highest this device's cases of the year
//! hold (its own, and any that came back from peers after a restore).

use fengqiao_model::CaseNumber;

use super::Store;
use crate::error::StoreError;

impl Store {
    /// The highest sequence among the cases held here with this device's code and `year`
    /// (0 when there are none).
    fn highest_own_sequence(&self, year: i32) -> Result<u32, StoreError> {
        let code = &self.identity.device_code;
        Ok(self
            .indexed_rows(None)?
            .iter()
            .flat_map(|(_, rows)| rows)
            .filter_map(|row| row.summary.number.parse::<CaseNumber>().ok())
            .filter(|n| n.device_code == *code && n.year == year)
            .map(|n| n.sequence)
            .max()
            .unwrap_or(0))
    }

    /// Takes the next case-number sequence for `year`: above the counter and above every
    /// number this device's cases already hold.
    pub(super) fn next_sequence(&self, year: i32) -> Result<u32, StoreError> {
        self.reserve_sequences(year, 1)
    }

    /// Reserves `count` consecutive sequences for `year` (see [`Store::next_sequence`]);
    /// returns the first.
    pub(super) fn reserve_sequences(&self, year: i32, count: u32) -> Result<u32, StoreError> {
        let used = self.highest_own_sequence(year)?;
        self.dir.reserve_sequences_above(year, count, used)
    }
}
