//! The picture a local account shows until the website has a logo: a kentongan hanging
//! from its beam on a disc, drawn in code (no font, no image file in the binary). The
//! colour and the border pattern come from the account's username, so that neighbouring
//! villages look different in a timeline, and a username never changes, so the picture
//! of an account never does either: its URL can be cached. Pure; no I/O.
//!
//! Shapes are signed distance functions; a pixel's coverage comes from its distance to
//! the edge, which gives smooth edges without drawing at a larger size.

use image::{ImageBuffer, ImageFormat, Rgb};
use sha2::{Digest, Sha256};
use std::{f32::consts::TAU, io::Cursor};

/// Width and height of the picture. Mastodon asks for at least 400×400; Bridgy Fed
/// and Bluesky show avatars up to about 1000 px, where 512 still looks sharp enough.
pub const AVATAR_SIDE: u32 = 512;

/// The wood of the drum, the beam and the beater.
const CREAM: [f32; 3] = [247.0, 236.0, 214.0];

/// The avatar of the account `username`, as PNG bytes. CPU work of a few
/// milliseconds; callers that serve it keep the bytes.
pub fn draw(username: &str) -> Result<Vec<u8>, image::ImageError> {
    let look = Look::of(username);
    let side = AVATAR_SIDE as f32;
    let pixel = 2.0 / side;
    let picture = ImageBuffer::from_fn(AVATAR_SIDE, AVATAR_SIDE, |x, y| {
        // -1..1 both ways, y down, the centre of the picture at 0.
        let p = (
            (x as f32 + 0.5) / side * 2.0 - 1.0,
            (y as f32 + 0.5) / side * 2.0 - 1.0,
        );
        let colour = look.paint(p, pixel);
        Rgb(colour.map(|c| c.round().clamp(0.0, 255.0) as u8))
    });
    let mut bytes = Vec::new();
    picture.write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)?;
    Ok(bytes)
}

/// What differs between two accounts' avatars.
struct Look {
    background: [f32; 3],
    shade: [f32; 3],
    accent: [f32; 3],
    pattern: Pattern,
    /// How many times the pattern goes round the border.
    count: u32,
    /// Where round the border it starts, in radians.
    turn: f32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pattern {
    Dots,
    Rays,
    Diamonds,
    Ring,
}

impl Look {
    fn of(username: &str) -> Self {
        let hash = Sha256::digest(format!("kentongan-avatar:{username}").as_bytes());
        let hue = f32::from(u16::from_be_bytes([hash[0], hash[1]]) % 360);
        // Deep enough for the cream drum to stand out, never grey.
        let saturation = 0.42 + f32::from(hash[2] % 20) / 100.0;
        let lightness = 0.33 + f32::from(hash[3] % 8) / 100.0;
        let background = hsl(hue, saturation, lightness);
        let pattern = match hash[4] % 4 {
            0 => Pattern::Dots,
            1 => Pattern::Rays,
            2 => Pattern::Diamonds,
            _ => Pattern::Ring,
        };
        Self {
            background,
            shade: mix(background, [0.0; 3], 0.35),
            accent: mix(background, CREAM, 0.45),
            pattern,
            count: 8 + u32::from(hash[5] % 9),
            turn: f32::from(hash[6]) / 255.0 * TAU,
        }
    }

    /// The colour at `p`, every shape laid over the ones before it.
    fn paint(&self, p: (f32, f32), pixel: f32) -> [f32; 3] {
        let cover = |distance: f32| (0.5 - distance / pixel).clamp(0.0, 1.0);
        let mut colour = self.background;
        colour = mix(colour, self.accent, cover(self.border(p)));
        colour = mix(colour, self.shade, cover(circle(p, (0.0, 0.0), 0.66)));
        let wood = [
            // The beam the drum hangs from, and its two ropes.
            capsule(p, (-0.34, -0.52), (0.34, -0.52), 0.035),
            capsule(p, (-0.07, -0.52), (0.0, -0.40), 0.014),
            capsule(p, (0.07, -0.52), (0.0, -0.40), 0.014),
            // The drum: a hollowed log.
            rounded_box(p, (0.0, 0.03), (0.17, 0.42), 0.16),
            // The beater, resting against it.
            capsule(p, (0.24, 0.42), (0.47, 0.16), 0.024),
            circle(p, (0.47, 0.16), 0.058),
        ];
        let wood = wood.into_iter().fold(f32::INFINITY, f32::min);
        colour = mix(colour, CREAM, cover(wood));
        // The slit and the two rattan bands, in the disc's colour.
        let marks = [
            rounded_box(p, (0.0, 0.04), (0.032, 0.24), 0.032),
            rounded_box(p, (0.0, -0.27), (0.16, 0.014), 0.01),
            rounded_box(p, (0.0, 0.34), (0.16, 0.014), 0.01),
        ];
        let marks = marks.into_iter().fold(f32::INFINITY, f32::min);
        mix(colour, self.shade, cover(marks))
    }

    /// Distance to the border pattern: `count` copies round a circle of radius 0.84.
    fn border(&self, p: (f32, f32)) -> f32 {
        let radius = (p.0 * p.0 + p.1 * p.1).sqrt();
        let sector = TAU / self.count as f32;
        let angle = (p.1.atan2(p.0) - self.turn).rem_euclid(sector) - sector / 2.0;
        // The point turned into the first copy's sector, whose centre lies on +x.
        let q = (radius * angle.cos(), radius * angle.sin());
        match self.pattern {
            Pattern::Dots => circle(q, (0.84, 0.0), 0.05),
            Pattern::Rays => capsule(q, (0.75, 0.0), (0.92, 0.0), 0.022),
            Pattern::Diamonds => {
                ((q.0 - 0.84).abs() + q.1.abs() - 0.075) * std::f32::consts::FRAC_1_SQRT_2
            }
            Pattern::Ring => {
                let ring = (radius - 0.84).abs() - 0.018;
                ring.min(circle(q, (0.84, 0.0), 0.04))
            }
        }
    }
}

fn circle(p: (f32, f32), centre: (f32, f32), radius: f32) -> f32 {
    ((p.0 - centre.0).powi(2) + (p.1 - centre.1).powi(2)).sqrt() - radius
}

/// A line from `a` to `b` with round ends, `radius` thick on each side.
fn capsule(p: (f32, f32), a: (f32, f32), b: (f32, f32), radius: f32) -> f32 {
    let (pa, ba) = ((p.0 - a.0, p.1 - a.1), (b.0 - a.0, b.1 - a.1));
    let along = ((pa.0 * ba.0 + pa.1 * ba.1) / (ba.0 * ba.0 + ba.1 * ba.1)).clamp(0.0, 1.0);
    ((pa.0 - ba.0 * along).powi(2) + (pa.1 - ba.1 * along).powi(2)).sqrt() - radius
}

/// A box of half-size `half` round `centre`, its corners rounded by `radius`.
fn rounded_box(p: (f32, f32), centre: (f32, f32), half: (f32, f32), radius: f32) -> f32 {
    let q = (
        (p.0 - centre.0).abs() - half.0 + radius,
        (p.1 - centre.1).abs() - half.1 + radius,
    );
    let outside = (q.0.max(0.0).powi(2) + q.1.max(0.0).powi(2)).sqrt();
    outside + q.0.max(q.1).min(0.0) - radius
}

fn mix(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    [0, 1, 2].map(|i| a[i] + (b[i] - a[i]) * t)
}

/// Hue in degrees, saturation and lightness 0–1, to RGB 0–255.
fn hsl(hue: f32, saturation: f32, lightness: f32) -> [f32; 3] {
    let chroma = (1.0 - (2.0 * lightness - 1.0).abs()) * saturation;
    let h = hue / 60.0;
    let x = chroma * (1.0 - (h.rem_euclid(2.0) - 1.0).abs());
    let (r, g, b) = match h as u32 {
        0 => (chroma, x, 0.0),
        1 => (x, chroma, 0.0),
        2 => (0.0, chroma, x),
        3 => (0.0, x, chroma),
        4 => (x, 0.0, chroma),
        _ => (chroma, 0.0, x),
    };
    let m = lightness - chroma / 2.0;
    [r, g, b].map(|c| (c + m) * 255.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> image::RgbImage {
        image::load_from_memory_with_format(bytes, ImageFormat::Png)
            .expect("a PNG")
            .to_rgb8()
    }

    #[test]
    fn an_avatar_is_a_square_png_the_same_every_time() {
        let bytes = draw("desa-sukamaju").expect("drawn");
        assert_eq!(draw("desa-sukamaju").expect("drawn"), bytes);
        let picture = decode(&bytes);
        assert_eq!(picture.dimensions(), (AVATAR_SIDE, AVATAR_SIDE));
        // Flat colours compress well: a village node serves it often.
        assert!(bytes.len() < 60_000, "{} bytes", bytes.len());
        // The drum is in the middle, the background at the corner.
        let middle = picture.get_pixel(AVATAR_SIDE / 2 + 26, AVATAR_SIDE / 2);
        assert_eq!(middle.0, CREAM.map(|c| c as u8));
        assert_ne!(picture.get_pixel(2, 2), middle);
    }

    #[test]
    fn villages_get_different_colours() {
        let corner = |name: &str| *decode(&draw(name).expect("drawn")).get_pixel(2, 2);
        assert_ne!(corner("desa-sukamaju"), corner("desa-jangkarasam"));
    }

    #[test]
    fn hsl_primaries() {
        assert_eq!(hsl(0.0, 1.0, 0.5).map(|c| c.round()), [255.0, 0.0, 0.0]);
        assert_eq!(hsl(120.0, 1.0, 0.5).map(|c| c.round()), [0.0, 255.0, 0.0]);
        assert_eq!(hsl(240.0, 1.0, 0.5).map(|c| c.round()), [0.0, 0.0, 255.0]);
    }
}
