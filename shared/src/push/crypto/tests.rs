use base64::Engine as _;
use cbc::cipher::BlockModeEncrypt;

use super::*;

const APPID: &str = "wx2c2769f8efd9abc2";

fn key() -> AesKey {
    AesKey::from_encoding_aes_key("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG").unwrap()
}

/// A frame as the protocol lays it out, with the padding given.
fn frame(xml: &[u8], len_field: u32, appid: &str, pad_value: u8, pad_len: usize) -> Vec<u8> {
    let mut frame = vec![9u8; RANDOM_LEN];
    frame.extend_from_slice(&len_field.to_be_bytes());
    frame.extend_from_slice(xml);
    frame.extend_from_slice(appid.as_bytes());
    frame.extend(std::iter::repeat_n(pad_value, pad_len));
    frame
}

/// Encrypts a frame whose length is a whole number of blocks, as is.
fn seal(key: &AesKey, frame: &[u8]) -> String {
    let mut buf = frame.to_vec();
    let len = buf.len();
    cbc::Encryptor::<Aes256>::new(&key.key.into(), &key.iv().into())
        .encrypt_padded::<NoPadding>(&mut buf, len)
        .unwrap();
    STANDARD.encode(&buf)
}

/// Pads `frame` to a whole number of 32-byte blocks the protocol's way.
fn padded(xml: &[u8], len_field: u32, appid: &str) -> Vec<u8> {
    let unpadded = RANDOM_LEN + LEN_FIELD + xml.len() + appid.len();
    let pad = PAD_BLOCK - unpadded % PAD_BLOCK;
    frame(xml, len_field, appid, pad as u8, pad)
}

#[test]
fn a_sealed_message_round_trips_and_surrounding_whitespace_is_ignored() {
    let key = key();
    let xml = "<xml><Content><![CDATA[你好]]></Content></xml>";
    let sealed = key.encrypt(xml, APPID);
    assert_eq!(key.decrypt(&sealed, APPID).as_deref(), Ok(xml));
    assert_eq!(key.decrypt(&format!("\n {sealed}\t"), APPID).as_deref(), Ok(xml));
    assert_eq!(key.decrypt(&key.encrypt("", APPID), APPID).as_deref(), Ok(""));
}

#[test]
fn text_that_is_not_canonical_base64_is_refused() {
    let key = key();
    let sealed = key.encrypt("<xml/>", APPID);
    for bad in
        ["not*base64", "QR==", "QUJD=", &sealed[..sealed.len() - 1], &format!("{}\n{}", &sealed[..8], &sealed[8..])]
    {
        assert_eq!(key.decrypt(bad, APPID), Err(CryptoError::BadBase64), "{bad:?}");
    }
}

#[test]
fn a_ciphertext_that_is_not_whole_blocks_is_refused() {
    let key = key();
    assert_eq!(key.decrypt("", APPID), Err(CryptoError::BadLength));
    let raw = STANDARD.decode(key.encrypt("<xml/>", APPID)).unwrap();
    assert_eq!(key.decrypt(&STANDARD.encode(&raw[..16]), APPID), Err(CryptoError::BadLength));
    assert_eq!(key.decrypt(&STANDARD.encode(&raw[..raw.len() - 1]), APPID), Err(CryptoError::BadLength));
}

#[test]
fn padding_must_be_1_to_32_equal_bytes() {
    let key = key();
    // 16 random + 4 length + 26 XML + 18 appid = 64 bytes, so a whole block of padding follows.
    let xml = b"<xml><A>01234567</A></xml>";
    let good = frame(xml, 26, APPID, 32, 32);
    assert_eq!(key.decrypt(&seal(&key, &good), APPID).as_deref(), Ok("<xml><A>01234567</A></xml>"));
    for (value, len) in [(0u8, 32usize), (33, 32)] {
        let bad = frame(xml, 26, APPID, value, len);
        assert_eq!(key.decrypt(&seal(&key, &bad), APPID), Err(CryptoError::BadPadding), "{len} bytes of {value}");
    }
    let mut uneven = good.clone();
    uneven[70] = 7;
    assert_eq!(key.decrypt(&seal(&key, &uneven), APPID), Err(CryptoError::BadPadding));
}

#[test]
fn a_truncated_frame_is_refused() {
    let key = key();
    // Padding of 32 over a 32-byte frame leaves nothing for the header.
    assert_eq!(key.decrypt(&seal(&key, &[32u8; 32]), APPID), Err(CryptoError::BadFrame));
    // 12 bytes after padding: shorter than the 20-byte header.
    let mut short = vec![1u8; 12];
    short.extend([20u8; 20]);
    assert_eq!(key.decrypt(&seal(&key, &short), APPID), Err(CryptoError::BadFrame));
    // A length field past the end of the frame.
    let xml = b"<xml/>";
    let long = padded(xml, xml.len() as u32 + APPID.len() as u32 + 1, APPID);
    assert_eq!(key.decrypt(&seal(&key, &long), APPID), Err(CryptoError::BadFrame));
    // A length field up to the end of the frame leaves no appid.
    let no_appid = padded(xml, (xml.len() + APPID.len()) as u32, APPID);
    assert_eq!(key.decrypt(&seal(&key, &no_appid), APPID), Err(CryptoError::WrongAppId));
}

#[test]
fn another_appid_or_key_is_refused() {
    let key = key();
    let sealed = key.encrypt("<xml/>", APPID);
    assert_eq!(key.decrypt(&sealed, "wx0000000000000000"), Err(CryptoError::WrongAppId));
    assert_eq!(key.decrypt(&sealed, &APPID[1..]), Err(CryptoError::WrongAppId));
    let other = AesKey::from_encoding_aes_key("ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut").unwrap();
    assert!(other.decrypt(&sealed, APPID).is_err());
}

#[test]
fn a_message_that_is_not_utf8_is_refused_after_the_appid_check() {
    let key = key();
    let bad = padded(b"<xml>\xff</xml>", 12, APPID);
    assert_eq!(key.decrypt(&seal(&key, &bad), APPID), Err(CryptoError::NotUtf8));
    let bad_other_appid = padded(b"<xml>\xff</xml>", 12, "wx0000000000000000");
    assert_eq!(key.decrypt(&seal(&key, &bad_other_appid), APPID), Err(CryptoError::WrongAppId));
}
