//! Contacts: the people of a client.
