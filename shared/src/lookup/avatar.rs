//! Avatars as the lookup API serves them: the stored bytes with the content
//! type their first bytes show, and only the image types a browser shows.

/// An avatar's bytes and their content type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Avatar {
    pub bytes: Vec<u8>,
    /// `image/jpeg`, `image/png`, `image/gif` or `image/webp`.
    pub content_type: &'static str,
}

impl Avatar {
    /// The avatar, if the bytes are a JPEG, PNG, GIF or WebP image (by their
    /// signature); nothing for anything else.
    pub fn of(bytes: Vec<u8>) -> Option<Self> {
        let content_type = image_type(&bytes)?;
        Some(Self { bytes, content_type })
    }
}

/// The content type of an image, from its signature.
pub fn image_type(bytes: &[u8]) -> Option<&'static str> {
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(PNG) {
        Some("image/png")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

#[cfg(test)]
mod tests;
