use super::*;

#[test]
fn images_are_known_by_their_signature() {
    let webp = [b"RIFF".as_slice(), &[0x24, 0, 0, 0], b"WEBPVP8 "].concat();
    for (bytes, expected) in [
        (&[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10][..], "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "image/png"),
        (b"GIF89a\x01\0\x01\0", "image/gif"),
        (b"GIF87a\x01\0\x01\0", "image/gif"),
        (&webp, "image/webp"),
    ] {
        assert_eq!(image_type(bytes), Some(expected));
        assert_eq!(Avatar::of(bytes.to_vec()).map(|a| a.content_type), Some(expected));
    }
}

#[test]
fn anything_else_is_refused() {
    let refused: [&[u8]; 8] = [
        b"",
        b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>",
        b"<html><script>alert(1)</script>",
        b"\xFF\xD8",
        b"\x89PNG\r\n",
        b"RIFF\x24\0\0\0WAVE",
        b"RIFF",
        b"GIF90a",
    ];
    for bytes in refused {
        assert_eq!(image_type(bytes), None, "{bytes:?}");
        assert!(Avatar::of(bytes.to_vec()).is_none());
    }
}
