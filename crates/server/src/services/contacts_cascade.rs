//! What happens to contacts when their client is deleted: they go with it,
//! each recording `contact.deleted`, in the client's transaction. The
//! database's ON DELETE CASCADE stays as a backstop for anything else.

use chrono::{DateTime, Utc};
use stint_core::ids::ClientId;
use stint_store::{Tenant, Tx};

use super::events;
use crate::api::dto::contacts::ContactOut;
use crate::api::error::ApiError;
use crate::auth::Ctx;

pub async fn delete_contacts_of_client(
    tx: &mut Tenant<Tx>,
    ctx: &Ctx,
    now: DateTime<Utc>,
    client: ClientId,
) -> Result<(), ApiError> {
    let contacts = tx.contacts_of_client(client).await?;
    if contacts.is_empty() {
        return Ok(());
    }
    // The client's default contact refers to one of them. The client is
    // being deleted, so clearing it records no `client.updated`.
    if let Some(default) = tx
        .client(client)
        .await?
        .and_then(|c| c.default_contact_id())
    {
        tx.clear_default_contact(client, default, now).await?;
    }
    tx.delete_contacts_of_client(client).await?;
    for contact in &contacts {
        events::deleted(
            tx,
            ctx,
            now,
            "contact",
            contact.id.uuid(),
            &ContactOut::from(contact),
        )
        .await?;
    }
    Ok(())
}
