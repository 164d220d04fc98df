//! Contacts: the people of a client. At most one per client is primary (a
//! partial unique index keeps it so); a client's `default_contact_id` points
//! at one of its contacts and is cleared here when that contact leaves.

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
use sqlx::FromRow;
use stint_core::ids::{ClientId, ContactId};
use uuid::Uuid;

use crate::exec::Exec;
use crate::filters::{StatusFilter, text_search};
use crate::page::{Page, PageRequest};
use crate::{Result, Tenant, Tx};

const TABLE: &str = "contacts";
const COLUMNS: [&str; 13] = [
    "id",
    "client_id",
    "name",
    "surname",
    "email",
    "job_title",
    "phone",
    "mobile_phone",
    "is_primary",
    "status",
    "created_at",
    "updated_at",
    "version",
];

/// A contact as stored.
#[derive(Debug, Clone, FromRow)]
pub struct Contact {
    #[sqlx(try_from = "Uuid")]
    pub id: ContactId,
    #[sqlx(try_from = "Uuid")]
    pub client_id: ClientId,
    pub name: String,
    pub surname: Option<String>,
    pub email: String,
    pub job_title: Option<String>,
    pub phone: Option<String>,
    pub mobile_phone: Option<String>,
    pub is_primary: bool,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// Every writable field, validated by the caller.
#[derive(Debug, Clone)]
pub struct ContactValues {
    pub client_id: ClientId,
    pub name: String,
    pub surname: Option<String>,
    pub email: String,
    pub job_title: Option<String>,
    pub phone: Option<String>,
    pub mobile_phone: Option<String>,
    pub is_primary: bool,
    pub status: String,
}

impl ContactValues {
    fn columns(&self) -> Vec<(&'static str, sea_query::Value)> {
        vec![
            ("client_id", self.client_id.uuid().into()),
            ("name", self.name.clone().into()),
            ("surname", self.surname.clone().into()),
            ("email", self.email.clone().into()),
            ("job_title", self.job_title.clone().into()),
            ("phone", self.phone.clone().into()),
            ("mobile_phone", self.mobile_phone.clone().into()),
            ("is_primary", self.is_primary.into()),
            ("status", self.status.clone().into()),
        ]
    }
}

/// Filters of the contact list.
#[derive(Debug, Clone, Default)]
pub struct ContactFilter {
    pub q: Option<String>,
    pub status: StatusFilter,
    pub client_id: Option<ClientId>,
    /// Exact address, already normalised to lower case.
    pub email: Option<String>,
}

fn select() -> SelectStatement {
    Query::select()
        .columns(COLUMNS.map(|c| (TABLE, c)))
        .from(TABLE)
        .to_owned()
}

impl<E: Exec> Tenant<E> {
    pub async fn contact(&mut self, id: ContactId) -> Result<Option<Contact>> {
        let stmt = select()
            .and_where(Expr::col((TABLE, "org_id")).eq(self.org.uuid()))
            .and_where(Expr::col((TABLE, "id")).eq(id.uuid()))
            .to_owned();
        self.exec.conn().fetch_optional(&stmt).await
    }

    pub async fn list_contacts(
        &mut self,
        filter: &ContactFilter,
        page: &PageRequest,
    ) -> Result<Page<Contact>> {
        let mut stmt = select()
            .and_where(Expr::col((TABLE, "org_id")).eq(self.org.uuid()))
            .to_owned();
        filter.status.apply(&mut stmt, TABLE, &["archived"]);
        if let Some(client) = filter.client_id {
            stmt.and_where(Expr::col((TABLE, "client_id")).eq(client.uuid()));
        }
        if let Some(email) = &filter.email {
            stmt.and_where(Expr::col((TABLE, "email")).eq(email.clone()));
        }
        if let Some(q) = filter.q.as_deref().filter(|q| !q.trim().is_empty()) {
            text_search(&mut stmt, TABLE, &["name", "surname", "email"], q);
        }
        page.apply(&mut stmt, TABLE);
        let rows = self.exec.conn().fetch_all(&stmt).await?;
        Ok(Page::from_rows(rows, page))
    }

    /// The primary contact of a client, if it has one.
    pub async fn primary_contact(&mut self, client: ClientId) -> Result<Option<Contact>> {
        let stmt = select()
            .and_where(Expr::col((TABLE, "org_id")).eq(self.org.uuid()))
            .and_where(Expr::col((TABLE, "client_id")).eq(client.uuid()))
            .and_where(Expr::col((TABLE, "is_primary")).eq(true))
            .to_owned();
        self.exec.conn().fetch_optional(&stmt).await
    }

    /// Every contact of a client, oldest first.
    pub async fn contacts_of_client(&mut self, client: ClientId) -> Result<Vec<Contact>> {
        let stmt = select()
            .and_where(Expr::col((TABLE, "org_id")).eq(self.org.uuid()))
            .and_where(Expr::col((TABLE, "client_id")).eq(client.uuid()))
            .order_by((TABLE, "id"), Order::Asc)
            .to_owned();
        self.exec.conn().fetch_all(&stmt).await
    }
}

impl Tenant<Tx> {
    pub async fn insert_contact(
        &mut self,
        id: ContactId,
        values: &ContactValues,
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
        Ok(())
    }

    /// Replaces every field if the row is still at `version`; `false` when
    /// another write got there first.
    pub async fn update_contact(
        &mut self,
        id: ContactId,
        values: &ContactValues,
        version: i64,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let stmt = Query::update()
            .table(TABLE)
            .values(values.columns().into_iter().map(|(c, v)| (c, Expr::val(v))))
            .value("updated_at", now)
            .value("version", version + 1)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("id").eq(id.uuid()))
            .and_where(Expr::col("version").eq(version))
            .to_owned();
        Ok(self.exec.conn().execute(&stmt).await? == 1)
    }

    /// Makes a contact no longer primary (a new write, so a new version);
    /// `false` when it was not primary any more.
    pub async fn unset_primary_contact(
        &mut self,
        id: ContactId,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let stmt = Query::update()
            .table(TABLE)
            .value("is_primary", false)
            .value("updated_at", now)
            .value("version", Expr::col("version").add(1))
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("id").eq(id.uuid()))
            .and_where(Expr::col("is_primary").eq(true))
            .to_owned();
        Ok(self.exec.conn().execute(&stmt).await? == 1)
    }

    /// Clears `client`'s default contact if it is `contact` (a new version
    /// of the client); `false` when it was not.
    pub async fn clear_default_contact(
        &mut self,
        client: ClientId,
        contact: ContactId,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let stmt = Query::update()
            .table("clients")
            .value("default_contact_id", Option::<Uuid>::None)
            .value("updated_at", now)
            .value("version", Expr::col("version").add(1))
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("id").eq(client.uuid()))
            .and_where(Expr::col("default_contact_id").eq(contact.uuid()))
            .to_owned();
        Ok(self.exec.conn().execute(&stmt).await? == 1)
    }

    pub async fn delete_contact(&mut self, id: ContactId) -> Result<bool> {
        let stmt = Query::delete()
            .from_table(TABLE)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("id").eq(id.uuid()))
            .to_owned();
        Ok(self.exec.conn().execute(&stmt).await? == 1)
    }

    /// Deletes every contact of a client in one statement.
    pub async fn delete_contacts_of_client(&mut self, client: ClientId) -> Result<u64> {
        let stmt = Query::delete()
            .from_table(TABLE)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("client_id").eq(client.uuid()))
            .to_owned();
        self.exec.conn().execute(&stmt).await
    }
}
