//! Real JPEGs: a person's avatar (an identicon drawn from the seed) and the
//! login captcha (digits on noise).

use jpeg_encoder::{ColorType, Encoder};
use rand::RngExt;

use crate::rng::{self, Rng};

const AVATAR: u16 = 64;

/// The avatar of the person with `fakeid` in the world of `seed`: a 5×5
/// mirrored pattern in two colours, different for every person.
pub fn avatar(seed: u64, fakeid: u64) -> Vec<u8> {
    let mut rng = rng::stream(seed, "avatar", fakeid);
    let background = color(&mut rng, 200..=250);
    let foreground = color(&mut rng, 30..=180);
    let cells: Vec<bool> = (0..15).map(|_| rng.random_bool(0.5)).collect();
    let size = usize::from(AVATAR);
    let cell = size / 8;
    let margin = (size - 5 * cell) / 2;
    let mut pixels = Vec::with_capacity(size * size * 3);
    for y in 0..size {
        for x in 0..size {
            let on = (margin..margin + 5 * cell).contains(&x) && (margin..margin + 5 * cell).contains(&y) && {
                let (cx, cy) = ((x - margin) / cell, (y - margin) / cell);
                cells[cx.min(4 - cx) * 5 + cy]
            };
            pixels.extend_from_slice(if on { &foreground } else { &background });
        }
    }
    encode(&pixels, AVATAR, AVATAR)
}

/// A captcha image showing `text` (digits).
pub fn captcha(text: &str, rng: &mut Rng) -> Vec<u8> {
    const SCALE: usize = 4;
    let (width, height) = (8 + text.len() * 6 * SCALE, 7 * SCALE + 12);
    let mut pixels = vec![235u8; width * height * 3];
    for _ in 0..width * height / 12 {
        let at = rng.random_range(0..width * height) * 3;
        let shade = rng.random_range(120..220);
        pixels[at..at + 3].copy_from_slice(&[shade, shade, shade]);
    }
    for (i, ch) in text.chars().enumerate() {
        let Some(glyph) = ch.to_digit(10).map(|d| DIGITS[d as usize]) else { continue };
        let ink = color(rng, 20..=120);
        let (left, top) = (4 + i * 6 * SCALE, 6 + rng.random_range(0..4));
        for (row, bits) in glyph.iter().enumerate() {
            for col in 0..5 {
                if bits & (0b10000 >> col) == 0 {
                    continue;
                }
                for dy in 0..SCALE {
                    for dx in 0..SCALE {
                        let (x, y) = (left + col * SCALE + dx, top + row * SCALE + dy);
                        if x < width && y < height {
                            let at = (y * width + x) * 3;
                            pixels[at..at + 3].copy_from_slice(&ink);
                        }
                    }
                }
            }
        }
    }
    encode(&pixels, width as u16, height as u16)
}

fn color(rng: &mut Rng, range: std::ops::RangeInclusive<u8>) -> [u8; 3] {
    [rng.random_range(range.clone()), rng.random_range(range.clone()), rng.random_range(range)]
}

fn encode(pixels: &[u8], width: u16, height: u16) -> Vec<u8> {
    let mut out = Vec::with_capacity(2048);
    // Encoding RGB pixels of the stated size into a Vec cannot fail.
    let _ = Encoder::new(&mut out, 85).encode(pixels, width, height, ColorType::Rgb);
    out
}

/// A 5×7 font for the digits, one row per byte, high bit on the left.
const DIGITS: [[u8; 7]; 10] = [
    [0b01110, 0b10001, 0b10011, 0b10101, 0b11001, 0b10001, 0b01110],
    [0b00100, 0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110],
    [0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b01000, 0b11111],
    [0b11111, 0b00010, 0b00100, 0b00010, 0b00001, 0b10001, 0b01110],
    [0b00010, 0b00110, 0b01010, 0b10010, 0b11111, 0b00010, 0b00010],
    [0b11111, 0b10000, 0b11110, 0b00001, 0b00001, 0b10001, 0b01110],
    [0b00110, 0b01000, 0b10000, 0b11110, 0b10001, 0b10001, 0b01110],
    [0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b01000, 0b01000],
    [0b01110, 0b10001, 0b10001, 0b01110, 0b10001, 0b10001, 0b01110],
    [0b01110, 0b10001, 0b10001, 0b01111, 0b00001, 0b00010, 0b01100],
];

#[cfg(test)]
mod tests;
