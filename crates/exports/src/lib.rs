//! Documents built from domain values: invoice PDF and Factur-X, UBL, XLSX and
//! CSV. Heavy format dependencies live here so the rest of the workspace builds
//! fast. Empty until the invoicing and export issues land.
