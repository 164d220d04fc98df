//! Recognising uploaded files by their content, not by what the client's
//! `Content-Type` claims.

/// The media type the bytes actually are, among those receipts accept.
pub fn sniff_receipt(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_by_magic_bytes() {
        assert_eq!(sniff_receipt(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(sniff_receipt(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff_receipt(b"%PDF-1.7\n"), Some("application/pdf"));
        assert_eq!(sniff_receipt(b"GIF89a"), None);
        assert_eq!(sniff_receipt(b""), None);
    }
}
