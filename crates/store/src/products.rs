//! Products sold on invoices.
