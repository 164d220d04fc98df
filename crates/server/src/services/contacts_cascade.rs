//! What happens to contacts when their client is deleted: they go with it,
//! each recording `contact.deleted`. The contacts resource fills this in.

use chrono::{DateTime, Utc};
use stint_core::ids::ClientId;
use stint_store::{Tenant, Tx};

use crate::api::error::ApiError;
use crate::auth::Ctx;

pub async fn delete_contacts_of_client(
    _tx: &mut Tenant<Tx>,
    _ctx: &Ctx,
    _now: DateTime<Utc>,
    _client: ClientId,
) -> Result<(), ApiError> {
    // Contacts are removed by the database's ON DELETE CASCADE until the
    // contacts resource records an event for each here.
    Ok(())
}
