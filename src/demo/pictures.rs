//! Pictures for the demo villages, drawn in code so that the repository holds no
//! binary samples: simple landscapes (sky, sea or fields, a sun) that go through the
//! same upload pipeline as an operator's photo.

use crate::{
    media::{MediaStore, process_upload},
    publishing::PostImage,
};
use anyhow::Context;
use image::{ImageBuffer, ImageFormat, Rgb};
use std::{io::Cursor, path::Path};

/// Colours of a landscape from top to bottom: sky, horizon, ground.
pub struct Palette {
    pub sky: [u8; 3],
    pub horizon: [u8; 3],
    pub ground: [u8; 3],
    pub sun: [u8; 3],
}

pub const COAST: Palette = Palette {
    sky: [86, 160, 211],
    horizon: [230, 240, 245],
    ground: [22, 120, 140],
    sun: [255, 214, 102],
};
pub const FIELDS: Palette = Palette {
    sky: [120, 180, 220],
    horizon: [250, 236, 200],
    ground: [76, 140, 60],
    sun: [255, 236, 150],
};
pub const DUSK: Palette = Palette {
    sky: [60, 50, 110],
    horizon: [240, 150, 90],
    ground: [90, 60, 40],
    sun: [255, 200, 120],
};

fn mix(a: [u8; 3], b: [u8; 3], t: f32) -> Rgb<u8> {
    let channel = |i: usize| (f32::from(a[i]) * (1.0 - t) + f32::from(b[i]) * t) as u8;
    Rgb([channel(0), channel(1), channel(2)])
}

/// A landscape of `width`×`height` as PNG bytes.
pub fn landscape(palette: &Palette, width: u32, height: u32) -> anyhow::Result<Vec<u8>> {
    let horizon = height * 3 / 5;
    let (sun_x, sun_y, sun_r) = (
        width as f32 * 0.72,
        height as f32 * 0.32,
        height as f32 * 0.11,
    );
    let picture = ImageBuffer::from_fn(width, height, |x, y| {
        let (fx, fy) = (x as f32, y as f32);
        if (fx - sun_x).powi(2) + (fy - sun_y).powi(2) < sun_r.powi(2) && y < horizon {
            return Rgb(palette.sun);
        }
        if y < horizon {
            mix(palette.sky, palette.horizon, fy / horizon as f32)
        } else {
            // Gentle waves or furrows.
            let wave = ((fx / 37.0).sin() + (fy / 9.0).sin()) * 0.04;
            let t = ((fy - horizon as f32) / (height - horizon) as f32 + wave).clamp(0.0, 1.0);
            mix(palette.horizon, palette.ground, 0.35 + 0.65 * t)
        }
    });
    let mut bytes = Vec::new();
    picture
        .write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)
        .context("encoding a demo picture")?;
    Ok(bytes)
}

/// Draws a landscape and stores it as an uploaded image of the node in `dir`.
pub fn stored_landscape(dir: &Path, palette: &Palette, alt: &str) -> anyhow::Result<PostImage> {
    let processed = process_upload(&landscape(palette, 1600, 900)?)
        .map_err(|err| anyhow::anyhow!("processing a demo picture: {err}"))?;
    let stored = MediaStore::new(dir)
        .save(&processed)
        .context("storing a demo picture")?;
    Ok(PostImage::from_stored(&stored, alt))
}
