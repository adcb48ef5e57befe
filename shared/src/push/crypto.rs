//! Safe-mode crypto (docs/push.md, "Safe-mode crypto").
//!
//! `key = base64(EncodingAESKey + "=")`, AES-256-CBC with the first 16 bytes of
//! the key as IV, plaintext `random(16) ‖ len(xml) as u32 BE ‖ xml ‖ appid`,
//! PKCS#7-style padding to a multiple of 32 bytes.

use std::cell::RefCell;
use std::fmt;

use aes::{Aes256, Aes256Dec};
use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, InnerIvInit, KeyInit, KeyIvInit};

/// The padding block of the protocol: 32 bytes, not AES's 16.
const PAD_BLOCK: usize = 32;
const RANDOM_LEN: usize = 16;
const LEN_FIELD: usize = 4;

/// The largest decoding buffer a thread keeps for the next push; a larger
/// one is freed after use.
const SCRATCH_KEPT: usize = 64 * 1024;

thread_local! {
    /// The thread's decoding buffer, reused from one push to the next.
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

#[cfg(test)]
mod tests;

/// Real EncodingAESKeys carry non-zero trailing bits in their last character,
/// which a strict decoder rejects; padding is whatever the caller gave.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Why a ciphertext could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("EncodingAESKey must be 43 base64 characters decoding to 32 bytes")]
    BadKey,
    #[error("Encrypt is not valid base64")]
    BadBase64,
    #[error("ciphertext length is not a multiple of the block size")]
    BadLength,
    #[error("bad padding")]
    BadPadding,
    #[error("decrypted length field does not fit the plaintext")]
    BadFrame,
    #[error("decrypted message is not UTF-8")]
    NotUtf8,
    #[error("decrypted appid does not match the account")]
    WrongAppId,
}

/// An account's AES key, derived from its EncodingAESKey, with its
/// decryption key schedule computed once.
///
/// `Debug` never shows the key material.
#[derive(Clone)]
pub struct AesKey {
    key: [u8; 32],
    decryptor: Aes256Dec,
}

impl PartialEq for AesKey {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl Eq for AesKey {}

impl fmt::Debug for AesKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AesKey(<redacted>)")
    }
}

impl AesKey {
    /// Decodes a 43-character EncodingAESKey (leniently, see docs/push.md).
    pub fn from_encoding_aes_key(encoding_aes_key: &str) -> Result<Self, CryptoError> {
        if encoding_aes_key.len() != 43 {
            return Err(CryptoError::BadKey);
        }
        let bytes = LENIENT.decode(encoding_aes_key).map_err(|_| CryptoError::BadKey)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| CryptoError::BadKey)?;
        Ok(Self { key, decryptor: Aes256Dec::new(&key.into()) })
    }

    fn iv(&self) -> [u8; 16] {
        let mut iv = [0u8; 16];
        iv.copy_from_slice(&self.key[..16]);
        iv
    }

    /// Decrypts a base64 `Encrypt` value and checks the trailing appid.
    /// Returns the inner XML.
    ///
    /// The ciphertext is decoded into a buffer kept by the thread between
    /// calls and decrypted in place; only the XML is copied out of it.
    pub fn decrypt(&self, encrypt_b64: &str, appid: &str) -> Result<String, CryptoError> {
        SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
            Ok(mut buf) => {
                let xml = self.open_in(encrypt_b64, appid, &mut buf).map(str::to_owned);
                if buf.capacity() > SCRATCH_KEPT {
                    *buf = Vec::new();
                }
                xml
            }
            Err(_) => self.open_in(encrypt_b64, appid, &mut Vec::new()).map(str::to_owned),
        })
    }

    /// Decodes and decrypts into `buf`, and returns the XML inside it.
    fn open_in<'b>(&self, encrypt_b64: &str, appid: &str, buf: &'b mut Vec<u8>) -> Result<&'b str, CryptoError> {
        buf.clear();
        base64_simd::STANDARD.decode_append(encrypt_b64.trim(), buf).map_err(|_| CryptoError::BadBase64)?;
        if buf.is_empty() || !buf.len().is_multiple_of(PAD_BLOCK) {
            return Err(CryptoError::BadLength);
        }
        let plain = cbc::Decryptor::inner_iv_init(self.decryptor.clone(), &self.iv().into())
            .decrypt_padded::<NoPadding>(buf)
            .map_err(|_| CryptoError::BadLength)?;
        let xml = open_frame(plain, appid)?;
        simdutf8::basic::from_utf8(xml).map_err(|_| CryptoError::NotUtf8)
    }

    /// Encrypts `xml` for `appid` with fresh random bytes.
    pub fn encrypt(&self, xml: &str, appid: &str) -> String {
        let random: [u8; RANDOM_LEN] = rand::random();
        self.encrypt_with_random(xml, appid, &random)
    }

    /// Encrypts with caller-chosen random bytes (for published test vectors
    /// and for a deterministic emulator).
    pub fn encrypt_with_random(&self, xml: &str, appid: &str, random: &[u8; RANDOM_LEN]) -> String {
        let xml_len = u32::try_from(xml.len()).unwrap_or(u32::MAX);
        let unpadded = RANDOM_LEN + LEN_FIELD + xml.len() + appid.len();
        let pad = PAD_BLOCK - unpadded % PAD_BLOCK; // 1..=32
        let mut buf = Vec::with_capacity(unpadded + pad);
        buf.extend_from_slice(random);
        buf.extend_from_slice(&xml_len.to_be_bytes());
        buf.extend_from_slice(xml.as_bytes());
        buf.extend_from_slice(appid.as_bytes());
        buf.resize(unpadded + pad, pad as u8);
        let len = buf.len();
        // The buffer is a whole number of AES blocks, so NoPadding cannot fail.
        let _ = cbc::Encryptor::<Aes256>::new(&self.key.into(), &self.iv().into())
            .encrypt_padded::<NoPadding>(&mut buf, len);
        STANDARD.encode(&buf)
    }
}

/// Checks the padding, the length field and the trailing appid of a
/// decrypted frame, and returns the XML bytes inside it.
fn open_frame<'a>(plain: &'a [u8], appid: &str) -> Result<&'a [u8], CryptoError> {
    let Some(&last) = plain.last() else {
        return Err(CryptoError::BadPadding);
    };
    let pad = usize::from(last);
    if pad == 0 || pad > PAD_BLOCK || pad > plain.len() {
        return Err(CryptoError::BadPadding);
    }
    let (body, padding) = plain.split_at(plain.len() - pad);
    if padding.iter().any(|&b| b != last) {
        return Err(CryptoError::BadPadding);
    }
    let Some((head, rest)) = body.split_first_chunk::<{ RANDOM_LEN + LEN_FIELD }>() else {
        return Err(CryptoError::BadFrame);
    };
    let mut len_field = [0u8; LEN_FIELD];
    len_field.copy_from_slice(&head[RANDOM_LEN..]);
    let xml_len = u32::from_be_bytes(len_field) as usize;
    if xml_len > rest.len() {
        return Err(CryptoError::BadFrame);
    }
    let (xml, trailer) = rest.split_at(xml_len);
    if trailer != appid.as_bytes() {
        return Err(CryptoError::WrongAppId);
    }
    Ok(xml)
}
