//! Clients: the organization's customers, with their groups.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, JoinType, Query, SelectStatement};
use serde_json::{Map, Value};
use sqlx::FromRow;
use sqlx::types::Json;
use stint_core::ids::{ClientGroupId, ClientId, ContactId};
use uuid::Uuid;

use crate::exec::Exec;
use crate::filters::{CustomFieldCondition, StatusFilter, custom_field_condition, text_search};
use crate::page::{Page, PageRequest};
use crate::{Result, Tenant, Tx};

const TABLE: &str = "clients";
const COLUMNS: [&str; 24] = [
    "id",
    "name",
    "initials",
    "kind",
    "email",
    "phone",
    "vat_number",
    "company_number",
    "street",
    "postal_code",
    "city",
    "region",
    "country_code",
    "locale",
    "currency",
    "payment_terms_days",
    "notes",
    "default_contact_id",
    "custom_fields",
    "status",
    "created_at",
    "updated_at",
    "version",
    "org_id",
];

/// A client as stored, with its group ids.
#[derive(Debug, Clone, FromRow)]
pub struct Client {
    #[sqlx(try_from = "Uuid")]
    pub id: ClientId,
    pub name: String,
    pub initials: String,
    pub kind: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub vat_number: Option<String>,
    pub company_number: Option<String>,
    pub street: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub country_code: Option<String>,
    pub locale: Option<String>,
    pub currency: String,
    pub payment_terms_days: Option<i64>,
    pub notes: Option<String>,
    default_contact_id: Option<Uuid>,
    pub custom_fields: Json<Map<String, Value>>,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    #[sqlx(skip)]
    pub group_ids: Vec<ClientGroupId>,
}

impl Client {
    pub fn default_contact_id(&self) -> Option<ContactId> {
        self.default_contact_id.map(ContactId::from_uuid)
    }
}

/// Every writable field, validated by the caller.
#[derive(Debug, Clone)]
pub struct ClientValues {
    pub name: String,
    pub initials: String,
    pub kind: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub vat_number: Option<String>,
    pub company_number: Option<String>,
    pub street: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub country_code: Option<String>,
    pub locale: Option<String>,
    pub currency: String,
    pub payment_terms_days: Option<i64>,
    pub notes: Option<String>,
    pub default_contact_id: Option<ContactId>,
    pub custom_fields: Map<String, Value>,
    pub status: String,
    pub group_ids: Vec<ClientGroupId>,
}

impl ClientValues {
    pub(crate) fn columns(&self) -> Vec<(&'static str, sea_query::Value)> {
        vec![
            ("name", self.name.clone().into()),
            ("initials", self.initials.clone().into()),
            ("kind", self.kind.clone().into()),
            ("email", self.email.clone().into()),
            ("phone", self.phone.clone().into()),
            ("vat_number", self.vat_number.clone().into()),
            ("company_number", self.company_number.clone().into()),
            ("street", self.street.clone().into()),
            ("postal_code", self.postal_code.clone().into()),
            ("city", self.city.clone().into()),
            ("region", self.region.clone().into()),
            ("country_code", self.country_code.clone().into()),
            ("locale", self.locale.clone().into()),
            ("currency", self.currency.clone().into()),
            ("payment_terms_days", self.payment_terms_days.into()),
            ("notes", self.notes.clone().into()),
            (
                "default_contact_id",
                self.default_contact_id.map(|c| c.uuid()).into(),
            ),
            (
                "custom_fields",
                Value::Object(self.custom_fields.clone()).into(),
            ),
            ("status", self.status.clone().into()),
        ]
    }
}

/// Filters of the client list.
#[derive(Debug, Clone, Default)]
pub struct ClientFilter {
    pub q: Option<String>,
    pub status: StatusFilter,
    pub group_id: Option<ClientGroupId>,
    pub country_code: Option<String>,
    pub custom_fields: Vec<CustomFieldCondition>,
}

fn select() -> SelectStatement {
    Query::select()
        .columns(COLUMNS.map(|c| (TABLE, c)))
        .from(TABLE)
        .to_owned()
}

impl<E: Exec> Tenant<E> {
    pub async fn client(&mut self, id: ClientId) -> Result<Option<Client>> {
        /// The client with one of its groups: the client and its groups
        /// come in one statement, a row per group (one row, without a
        /// group, when it has none) — a single read is what a look-up by id
        /// costs (docs/benchmarks.md, S1).
        #[derive(FromRow)]
        struct WithGroup {
            #[sqlx(flatten)]
            client: Client,
            linked_group_id: Option<Uuid>,
        }
        let stmt = select()
            .expr_as(Expr::col(("g", "group_id")), "linked_group_id")
            .join_as(
                JoinType::LeftJoin,
                "client_group_members",
                "g",
                Expr::col(("g", "org_id"))
                    .equals((TABLE, "org_id"))
                    .and(Expr::col(("g", "client_id")).equals((TABLE, "id"))),
            )
            .and_where(Expr::col((TABLE, "org_id")).eq(self.org.uuid()))
            .and_where(Expr::col((TABLE, "id")).eq(id.uuid()))
            .order_by(("g", "group_id"), sea_query::Order::Asc)
            .to_owned();
        let rows: Vec<WithGroup> = self.exec.conn().fetch_all(&stmt).await?;
        let group_ids = rows
            .iter()
            .filter_map(|row| row.linked_group_id.map(ClientGroupId::from_uuid))
            .collect();
        Ok(rows.into_iter().next().map(|row| Client {
            group_ids,
            ..row.client
        }))
    }

    pub async fn list_clients(
        &mut self,
        filter: &ClientFilter,
        page: &PageRequest,
    ) -> Result<Page<Client>> {
        let backend = self.exec.conn().backend();
        let mut stmt = select()
            .and_where(Expr::col((TABLE, "org_id")).eq(self.org.uuid()))
            .to_owned();
        filter.status.apply(&mut stmt, TABLE, &["archived"]);
        if let Some(q) = filter.q.as_deref().filter(|q| !q.trim().is_empty()) {
            text_search(&mut stmt, TABLE, &["name", "email", "initials"], q);
        }
        if let Some(group) = filter.group_id {
            stmt.and_where(
                Expr::col((TABLE, "id")).in_subquery(
                    Query::select()
                        .column("client_id")
                        .from("client_group_members")
                        .and_where(Expr::col("org_id").eq(self.org.uuid()))
                        .and_where(Expr::col("group_id").eq(group.uuid()))
                        .to_owned(),
                ),
            );
        }
        if let Some(country) = &filter.country_code {
            stmt.and_where(Expr::col((TABLE, "country_code")).eq(country.clone()));
        }
        for condition in &filter.custom_fields {
            stmt.and_where(custom_field_condition(backend, TABLE, condition));
        }
        page.apply(&mut stmt, TABLE);
        let rows: Vec<Client> = self.exec.conn().fetch_all(&stmt).await?;
        let mut page = Page::from_rows(rows, page);
        let ids: Vec<Uuid> = page.items.iter().map(|c| c.id.uuid()).collect();
        let mut groups = self.client_group_ids(&ids).await?;
        for client in &mut page.items {
            client.group_ids = groups.remove(&client.id.uuid()).unwrap_or_default();
        }
        Ok(page)
    }

    /// Group ids of several clients in one query.
    async fn client_group_ids(
        &mut self,
        clients: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<ClientGroupId>>> {
        #[derive(FromRow)]
        struct Link {
            client_id: Uuid,
            group_id: Uuid,
        }
        if clients.is_empty() {
            return Ok(HashMap::new());
        }
        let stmt = Query::select()
            .columns(["client_id", "group_id"])
            .from("client_group_members")
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("client_id").is_in(clients.iter().copied()))
            .order_by("group_id", sea_query::Order::Asc)
            .to_owned();
        let links: Vec<Link> = self.exec.conn().fetch_all(&stmt).await?;
        let mut out: HashMap<Uuid, Vec<ClientGroupId>> = HashMap::new();
        for link in links {
            out.entry(link.client_id)
                .or_default()
                .push(ClientGroupId::from_uuid(link.group_id));
        }
        Ok(out)
    }

    /// What still refers to a client, naming the first kind found; `None`
    /// when it can be deleted.
    pub async fn client_references(&mut self, id: ClientId) -> Result<Option<&'static str>> {
        self.first_reference(&CLIENT_REFERENCES, id.uuid()).await
    }
}

/// Rows that keep a client from being deleted: (table, column, what).
pub const CLIENT_REFERENCES: [(&str, &str, &str); 4] = [
    ("projects", "client_id", "projects"),
    ("tasks", "client_id", "tasks"),
    ("time_entries", "client_id", "time entries"),
    ("expenses", "client_id", "expenses"),
];

impl Tenant<Tx> {
    pub async fn insert_client(
        &mut self,
        id: ClientId,
        values: &ClientValues,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut columns = vec!["id", "org_id", "created_at", "updated_at", "version"];
        let mut row: Vec<sea_query::Value> = vec![
            id.uuid().into(),
            self.org.uuid().into(),
            now.into(),
            now.into(),
            1i64.into(),
        ];
        for (column, value) in values.columns() {
            columns.push(column);
            row.push(value);
        }
        let stmt = Query::insert()
            .into_table(TABLE)
            .columns(columns)
            .values_panic(row.into_iter().map(Into::into))
            .to_owned();
        self.exec.conn().execute(&stmt).await?;
        self.set_client_groups(id, &values.group_ids).await
    }

    /// Replaces every field if the row is still at `version`; `false` when
    /// another write got there first.
    pub async fn update_client(
        &mut self,
        id: ClientId,
        values: &ClientValues,
        version: i64,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut stmt = Query::update();
        stmt.table(TABLE)
            .values(values.columns().into_iter().map(|(c, v)| (c, Expr::val(v))))
            .value("updated_at", now)
            .value("version", version + 1)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("id").eq(id.uuid()))
            .and_where(Expr::col("version").eq(version));
        if self.exec.conn().execute(&stmt).await? != 1 {
            return Ok(false);
        }
        self.set_client_groups(id, &values.group_ids).await?;
        Ok(true)
    }

    async fn set_client_groups(&mut self, id: ClientId, groups: &[ClientGroupId]) -> Result<()> {
        let delete = Query::delete()
            .from_table("client_group_members")
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("client_id").eq(id.uuid()))
            .to_owned();
        self.exec.conn().execute(&delete).await?;
        if groups.is_empty() {
            return Ok(());
        }
        let mut insert = Query::insert();
        insert
            .into_table("client_group_members")
            .columns(["org_id", "client_id", "group_id"]);
        for group in groups {
            insert.values_panic([
                self.org.uuid().into(),
                id.uuid().into(),
                group.uuid().into(),
            ]);
        }
        self.exec.conn().execute(&insert).await?;
        Ok(())
    }

    /// Deletes a client with its contacts, group links and service rates.
    pub async fn delete_client(&mut self, id: ClientId) -> Result<bool> {
        // The default contact points back at the client's contacts.
        let clear = Query::update()
            .table(TABLE)
            .value("default_contact_id", Option::<Uuid>::None)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("id").eq(id.uuid()))
            .to_owned();
        self.exec.conn().execute(&clear).await?;
        let stmt = Query::delete()
            .from_table(TABLE)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("id").eq(id.uuid()))
            .to_owned();
        Ok(self.exec.conn().execute(&stmt).await? == 1)
    }
}
