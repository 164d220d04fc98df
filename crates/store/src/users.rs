//! Users: people who sign in. Global (one account per email across all
//! organizations), so the system handle creates and finds them; the one
//! exception is inviting someone, which needs their account inside the
//! inviting organization's transaction.

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, Query};
use sqlx::FromRow;
use stint_core::ids::UserId;

use crate::exec::Exec;
use crate::{Result, System, Tenant, Tx};

const COLUMNS: [&str; 7] = [
    "id",
    "email",
    "name",
    "password_hash",
    "created_at",
    "updated_at",
    "version",
];

/// A user as stored. `password_hash` is an argon2id PHC string, absent for
/// people invited who have not chosen a password yet.
#[derive(Clone, FromRow)]
pub struct User {
    #[sqlx(try_from = "uuid::Uuid")]
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub password_hash: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl std::fmt::Debug for User {
    // The hash stays out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("email", &self.email)
            .finish()
    }
}

/// A user to create; `email` must already be normalised.
#[derive(Clone)]
pub struct NewUser {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub password_hash: Option<String>,
    pub now: DateTime<Utc>,
}

impl<E: Exec> System<E> {
    pub async fn insert_user(&mut self, user: &NewUser) -> Result<User> {
        let stmt = Query::insert()
            .into_table("users")
            .columns(COLUMNS)
            .values_panic([
                user.id.uuid().into(),
                user.email.clone().into(),
                user.name.clone().into(),
                user.password_hash.clone().into(),
                user.now.into(),
                user.now.into(),
                1i64.into(),
            ])
            .returning(Query::returning().columns(COLUMNS))
            .to_owned();
        self.exec.conn().fetch_one(&stmt).await
    }

    /// Finds a user by normalised email.
    pub async fn user_by_email(&mut self, email: &str) -> Result<Option<User>> {
        let stmt = Query::select()
            .columns(COLUMNS)
            .from("users")
            .and_where(Expr::col("email").eq(email))
            .to_owned();
        self.exec.conn().fetch_optional(&stmt).await
    }

    pub async fn user_by_id(&mut self, id: UserId) -> Result<Option<User>> {
        let stmt = Query::select()
            .columns(COLUMNS)
            .from("users")
            .and_where(Expr::col("id").eq(id.uuid()))
            .to_owned();
        self.exec.conn().fetch_optional(&stmt).await
    }

    /// Sets the password of an account that has none yet (an invitee's);
    /// `false` when it already has one.
    pub async fn set_first_password(
        &mut self,
        id: UserId,
        hash: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let stmt = Query::update()
            .table("users")
            .value("password_hash", hash)
            .value("updated_at", now)
            .value("version", Expr::col("version").add(1))
            .and_where(Expr::col("id").eq(id.uuid()))
            .and_where(Expr::col("password_hash").is_null())
            .to_owned();
        Ok(self.exec.conn().execute(&stmt).await? == 1)
    }

    /// Replaces a user's password hash (operators' reset).
    pub async fn set_password_hash(
        &mut self,
        id: UserId,
        hash: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let stmt = Query::update()
            .table("users")
            .value("password_hash", hash)
            .value("updated_at", now)
            .value("version", Expr::col("version").add(1))
            .and_where(Expr::col("id").eq(id.uuid()))
            .to_owned();
        Ok(self.exec.conn().execute(&stmt).await? == 1)
    }
}

#[derive(FromRow)]
struct UserIdRow {
    #[sqlx(try_from = "uuid::Uuid")]
    id: UserId,
}

impl Tenant<Tx> {
    /// The account of a normalised email, created without a password when
    /// there is none (the invitee chooses one on accepting). Only the id
    /// comes back: whether the person already had an account elsewhere is
    /// none of the inviting organization's business.
    pub async fn invitee_user(
        &mut self,
        email: &str,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<UserId> {
        let find = Query::select()
            .column("id")
            .from("users")
            .and_where(Expr::col("email").eq(email))
            .to_owned();
        if let Some(row) = self.exec.conn().fetch_optional::<UserIdRow>(&find).await? {
            return Ok(row.id);
        }
        let id = UserId::generate();
        let insert = Query::insert()
            .into_table("users")
            .columns(COLUMNS)
            .values_panic([
                id.uuid().into(),
                email.into(),
                name.into(),
                Option::<String>::None.into(),
                now.into(),
                now.into(),
                1i64.into(),
            ])
            .to_owned();
        self.exec.conn().execute(&insert).await?;
        Ok(id)
    }
}
