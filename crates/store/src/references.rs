//! References between records: whether an id exists in this organization
//! (to validate `client_id` and friends before writing), and whether
//! anything still refers to a record (archive instead of delete).

use sea_query::{Expr, ExprTrait, Query};
use sqlx::FromRow;
use stint_core::ids::{
    ClientGroupId, ClientId, ContactId, CustomFieldId, MemberGroupId, MemberId, ProductId,
    ProjectId, ServiceId, TaskId, TopicId,
};
use uuid::Uuid;

use crate::exec::Exec;
use crate::{Result, Tenant};

/// A typed id stored in a table of its own.
pub trait StoredId: Copy {
    const TABLE: &'static str;
    fn uuid(&self) -> Uuid;
}

macro_rules! stored {
    ($($id:ty => $table:literal),* $(,)?) => {$(
        impl StoredId for $id {
            const TABLE: &'static str = $table;
            fn uuid(&self) -> Uuid { <$id>::uuid(self) }
        }
    )*};
}

stored! {
    ClientId => "clients",
    ContactId => "contacts",
    ClientGroupId => "client_groups",
    CustomFieldId => "custom_fields",
    MemberId => "members",
    MemberGroupId => "member_groups",
    ProjectId => "projects",
    TopicId => "topics",
    TaskId => "tasks",
    ServiceId => "services",
    ProductId => "products",
}

#[derive(FromRow)]
struct IdRow {
    id: Uuid,
}

impl<E: Exec> Tenant<E> {
    /// Whether the id names a row of this organization.
    pub async fn exists<I: StoredId>(&mut self, id: I) -> Result<bool> {
        Ok(self.missing(&[id]).await?.is_empty())
    }

    /// The ids among `ids` that name no row of this organization.
    pub async fn missing<I: StoredId>(&mut self, ids: &[I]) -> Result<Vec<I>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let stmt = Query::select()
            .column("id")
            .from(I::TABLE)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("id").is_in(ids.iter().map(StoredId::uuid)))
            .to_owned();
        let found: Vec<IdRow> = self.exec.conn().fetch_all(&stmt).await?;
        Ok(ids
            .iter()
            .copied()
            .filter(|i| !found.iter().any(|f| f.id == i.uuid()))
            .collect())
    }

    /// Whether row `id` of `I`'s table has `column = value` (such as a
    /// contact belonging to a given client).
    pub async fn belongs<I: StoredId>(
        &mut self,
        id: I,
        column: &'static str,
        value: Uuid,
    ) -> Result<bool> {
        let stmt = Query::select()
            .column("id")
            .from(I::TABLE)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("id").eq(id.uuid()))
            .and_where(Expr::col(column).eq(value))
            .to_owned();
        Ok(self
            .exec
            .conn()
            .fetch_optional::<IdRow>(&stmt)
            .await?
            .is_some())
    }

    /// The first of `references` (table, column, what) with a row whose
    /// column is `id`, as its `what`.
    pub async fn first_reference(
        &mut self,
        references: &[(&'static str, &'static str, &'static str)],
        id: Uuid,
    ) -> Result<Option<&'static str>> {
        for (table, column, what) in references {
            let stmt = Query::select()
                .expr_as(Expr::col(*column), "id")
                .from(*table)
                .and_where(Expr::col("org_id").eq(self.org.uuid()))
                .and_where(Expr::col(*column).eq(id))
                .limit(1)
                .to_owned();
            if self
                .exec
                .conn()
                .fetch_optional::<IdRow>(&stmt)
                .await?
                .is_some()
            {
                return Ok(Some(what));
            }
        }
        Ok(None)
    }
}
