//! Organization settings: profile, defaults and invoicing. The name, time
//! zone and currency stay in their `organizations` columns (other code
//! reads them there); everything else is one JSON object in
//! `organizations.settings`, whose shape the server owns. The row's
//! `version` is the settings' ETag.

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, Query};
use serde_json::{Map, Value};
use sqlx::FromRow;
use sqlx::types::Json;
use stint_core::ids::OrgId;

use crate::exec::Exec;
use crate::{Result, Tenant, Tx};

const COLUMNS: [&str; 7] = [
    "id",
    "name",
    "timezone",
    "currency",
    "settings",
    "updated_at",
    "version",
];

/// The stored settings of the caller's organization.
#[derive(Debug, Clone, FromRow)]
pub struct StoredSettings {
    #[sqlx(try_from = "uuid::Uuid")]
    pub id: OrgId,
    pub name: String,
    pub timezone: String,
    pub currency: String,
    pub settings: Json<Map<String, Value>>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// Everything a settings write replaces.
#[derive(Debug, Clone)]
pub struct SettingsValues {
    pub name: String,
    pub timezone: String,
    pub currency: String,
    pub settings: Map<String, Value>,
}

impl<E: Exec> Tenant<E> {
    pub async fn settings(&mut self) -> Result<StoredSettings> {
        let stmt = Query::select()
            .columns(COLUMNS)
            .from("organizations")
            .and_where(Expr::col("id").eq(self.org.uuid()))
            .to_owned();
        self.exec.conn().fetch_one(&stmt).await
    }
}

impl Tenant<Tx> {
    /// Replaces the settings if the organization is still at `version`;
    /// `false` when another write got there first.
    pub async fn update_settings(
        &mut self,
        values: &SettingsValues,
        version: i64,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let stmt = Query::update()
            .table("organizations")
            .value("name", values.name.clone())
            .value("timezone", values.timezone.clone())
            .value("currency", values.currency.clone())
            .value("settings", Value::Object(values.settings.clone()))
            .value("updated_at", now)
            .value("version", version + 1)
            .and_where(Expr::col("id").eq(self.org.uuid()))
            .and_where(Expr::col("version").eq(version))
            .to_owned();
        Ok(self.exec.conn().execute(&stmt).await? == 1)
    }
}
