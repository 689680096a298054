//! Field visits (下访): planned and recorded in the township's visits document.

use chrono::Datelike;
use serde::Deserialize;

use super::Store;
use crate::record::{known_form, map_at, to_json, update_record};
use crate::{DocName, StoreError};

impl Store {
    /// Plans or records a field visit (下访). The visit is written field by field, so a
    /// plan edited in the office and an outcome recorded in the village merge.
    pub fn put_visit(&self, visit: &fengqiao_model::FieldVisit) -> Result<(), StoreError> {
        self.require_case_writer()?;
        if !self.in_scope(&visit.township) {
            return Err(StoreError::NotPermitted(format!(
                "在 {} 安排下访",
                visit.township
            )));
        }
        if visit.village.trim().is_empty() {
            return Err(StoreError::Invalid(vec![
                fengqiao_model::FieldError::Required { field: "village" },
            ]));
        }
        let code = self.township_code_of(&visit.township)?;
        let name = DocName::Visits {
            township: code,
            year: visit.date.year(),
        };
        let key = visit.id.to_string();
        let value = to_json(visit)?;
        self.write(&name, move |tx| {
            let visits = map_at(tx, "visits")?;
            update_record(
                tx,
                &visits,
                &key,
                &value,
                known_form::<fengqiao_model::FieldVisit>,
            )
        })
    }

    /// The field visits of a township in a year, by date.
    pub fn visits(
        &self,
        township: &str,
        year: i32,
    ) -> Result<Vec<fengqiao_model::FieldVisit>, StoreError> {
        let name = DocName::Visits {
            township: self.township_code_of(township)?,
            year,
        };
        let mut visits: Vec<fengqiao_model::FieldVisit> = self
            .collection_records(&name, "visits")?
            .into_iter()
            .filter_map(|(id, v)| {
                fengqiao_model::FieldVisit::deserialize(&v)
                    .inspect_err(
                        |e| tracing::warn!(%id, error = %e, "skipping a damaged visit record"),
                    )
                    .ok()
            })
            .collect();
        visits.sort_by_key(|v| (v.date, v.id));
        Ok(visits)
    }
}
