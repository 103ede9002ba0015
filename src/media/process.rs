//! Uploaded bytes to web images: sniff the format, refuse decompression bombs from the
//! header before any pixel is decoded, decode under a memory limit, stand the photo
//! upright, and encode fresh JPEG (or PNG, when there is transparency) variants.
//! Encoding from pixels is what strips EXIF (a phone's GPS position), XMP and ICC:
//! no metadata is ever copied. Pure and synchronous; no I/O.

use super::MediaError;
use image::{
    DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits,
    codecs::{
        jpeg::JpegEncoder,
        png::{CompressionType, FilterType as PngFilter, PngEncoder},
    },
    imageops::FilterType,
    metadata::Orientation,
};
use std::io::Cursor;

/// The largest upload accepted: a phone photo is 2–6 MB.
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;
/// The longest side accepted, read from the header before decoding.
const MAX_SIDE: u32 = 12_000;
/// The most pixels accepted (a 48 MP phone sensor shoots 12 MP photos by default).
const MAX_PIXELS: u64 = 40_000_000;
/// What the decoder may allocate, whatever the header claims.
const MAX_DECODE_ALLOC: u64 = 512 * 1024 * 1024;
/// Good enough that nobody sees the difference on a phone, a third of the bytes of 95.
const JPEG_QUALITY: u8 = 82;

/// The variants every upload yields, largest first, each fitting a square of that side.
/// Each is made from the one before: cheaper than from the original, and as sharp.
const VARIANTS: [(&str, u32); 3] = [("large", 1600), ("medium", 800), ("thumb", 400)];

/// An upload made safe: the variants, re-encoded without metadata.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessedImage {
    /// Width of the `large` variant.
    pub width: u32,
    /// Height of the `large` variant.
    pub height: u32,
    /// `large`, `medium` and `thumb`, always all three, all in the same format.
    pub variants: Vec<Variant>,
}

impl ProcessedImage {
    /// The variant of that name (`large`, `medium`, `thumb`).
    pub fn variant(&self, name: &str) -> Option<&Variant> {
        self.variants.iter().find(|variant| variant.name == name)
    }
}

/// One encoded size of an upload.
#[derive(Clone, PartialEq, Eq)]
pub struct Variant {
    pub name: &'static str,
    pub width: u32,
    pub height: u32,
    /// `image/jpeg` or `image/png`.
    pub mime: &'static str,
    /// `jpg` or `png`.
    pub extension: &'static str,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for Variant {
    // The bytes would flood any log or test failure.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Variant")
            .field("name", &self.name)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("mime", &self.mime)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Output {
    Jpeg,
    Png,
}

impl Output {
    fn mime(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
        }
    }
}

/// Turns an uploaded file into the `large`, `medium` and `thumb` variants, refusing
/// anything that is not a whole JPEG, PNG or WebP of a sane size. Never upscales.
/// CPU-heavy: run it in `spawn_blocking`.
#[tracing::instrument(skip_all, fields(bytes = bytes.len()))]
pub fn process_upload(bytes: &[u8]) -> Result<ProcessedImage, MediaError> {
    if bytes.is_empty() {
        return Err(MediaError::Empty);
    }
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(MediaError::TooLarge);
    }
    // The bytes decide, never the file name or the client's content type.
    let format = match image::guess_format(bytes) {
        Ok(format @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)) => format,
        _ => return Err(MediaError::NotAnImage),
    };
    // The JPEG decoder paints a missing tail grey instead of failing; a photo cut off
    // by a bad connection should be sent again, not published half grey.
    if format == ImageFormat::Jpeg && !jpeg_has_end(bytes) {
        return Err(MediaError::Corrupt);
    }

    let (image, orientation) = decode(bytes, format)?;
    let (mut image, output) = to_eight_bits(image);
    image.apply_orientation(orientation);

    let mut variants = Vec::with_capacity(VARIANTS.len());
    let mut source = image;
    for (name, side) in VARIANTS {
        let resized = fit_within(&source, side);
        variants.push(Variant {
            name,
            width: resized.width(),
            height: resized.height(),
            mime: output.mime(),
            extension: output.extension(),
            bytes: encode(&resized, output)?,
        });
        source = resized;
    }
    let (width, height) = variants
        .first()
        .map(|large| (large.width, large.height))
        .unwrap_or_default();
    tracing::debug!(width, height, format = ?output, "upload processed");
    Ok(ProcessedImage {
        width,
        height,
        variants,
    })
}

/// Decodes under limits, checking the header's dimensions before any pixel: a 100 kB
/// PNG can claim 100,000 × 100,000 pixels.
fn decode(bytes: &[u8], format: ImageFormat) -> Result<(DynamicImage, Orientation), MediaError> {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);

    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits.clone());
    // Reads the header only; fails on the side limits.
    let mut decoder = reader.into_decoder().map_err(decode_error)?;
    let (width, height) = decoder.dimensions();
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(MediaError::TooManyPixels);
    }
    if width == 0 || height == 0 {
        return Err(MediaError::Corrupt);
    }
    // The output buffer counts against the allocation limit (a 16-bit RGBA image costs
    // 8 bytes a pixel); `from_decoder` does not check this itself.
    limits
        .reserve(decoder.total_bytes())
        .map_err(decode_error)?;
    // A damaged EXIF block should not cost the uploader their photo, only its rotation.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let image = DynamicImage::from_decoder(decoder).map_err(decode_error)?;
    Ok((image, orientation))
}

fn decode_error(err: ImageError) -> MediaError {
    match err {
        ImageError::Limits(_) => MediaError::TooManyPixels,
        // Unsupported variants of a sniffed format (12-bit or arithmetic-coded JPEG)
        // cannot be published either; to the uploader they are as good as damaged.
        _ => MediaError::Corrupt,
    }
}

/// Eight bits per channel, RGB unless some pixel is actually transparent: many
/// screenshots and exports carry an alpha channel that is opaque everywhere, and those
/// are photos as far as the web is concerned.
fn to_eight_bits(image: DynamicImage) -> (DynamicImage, Output) {
    if image.color().has_alpha() {
        let rgba = image.into_rgba8();
        if rgba.pixels().any(|pixel| pixel.0[3] != u8::MAX) {
            return (DynamicImage::ImageRgba8(rgba), Output::Png);
        }
        let rgb = DynamicImage::ImageRgba8(rgba).into_rgb8();
        return (DynamicImage::ImageRgb8(rgb), Output::Jpeg);
    }
    (DynamicImage::ImageRgb8(image.into_rgb8()), Output::Jpeg)
}

/// Scales down to fit a `side` × `side` square, keeping the aspect ratio; an image that
/// already fits is kept as it is.
fn fit_within(image: &DynamicImage, side: u32) -> DynamicImage {
    if image.width() <= side && image.height() <= side {
        return image.clone();
    }
    image.resize(side, side, FilterType::Lanczos3)
}

fn encode(image: &DynamicImage, output: Output) -> Result<Vec<u8>, MediaError> {
    let mut bytes = Vec::new();
    let written = match output {
        Output::Jpeg => {
            image.write_with_encoder(JpegEncoder::new_with_quality(&mut bytes, JPEG_QUALITY))
        }
        Output::Png => image.write_with_encoder(PngEncoder::new_with_quality(
            &mut bytes,
            CompressionType::Default,
            PngFilter::Adaptive,
        )),
    };
    // Encoding decoded 8-bit pixels into memory has no failure we know of; should one
    // appear, the upload is what cannot be published.
    written.map_err(|err| {
        tracing::warn!(error = %err, "encoding an upload failed");
        MediaError::Corrupt
    })?;
    Ok(bytes)
}

/// Whether the JPEG's entropy-coded data is followed by an EOI marker. Walks the
/// header segments to the first start of scan (so a thumbnail inside EXIF does not
/// count), then looks for `FF D9`, which the entropy-coded data cannot contain: a
/// `FF` byte there is always followed by `00` or a restart marker.
fn jpeg_has_end(bytes: &[u8]) -> bool {
    const SOS: u8 = 0xDA;
    const EOI: u8 = 0xD9;
    // After SOI.
    let mut at = 2;
    loop {
        let Some(&[0xFF, marker]) = bytes.get(at..at + 2) else {
            return false;
        };
        match marker {
            // Fill byte before a marker.
            0xFF => at += 1,
            EOI => return false,
            // Markers without a length.
            0x01 | 0xD0..=0xD8 => at += 2,
            _ => {
                let Some(&[high, low]) = bytes.get(at + 2..at + 4) else {
                    return false;
                };
                let length = usize::from(u16::from_be_bytes([high, low]));
                if length < 2 {
                    return false;
                }
                at += 2 + length;
                if marker == SOS {
                    break;
                }
            }
        }
    }
    bytes
        .get(at..)
        .is_some_and(|rest| rest.windows(2).any(|pair| pair == [0xFF, EOI]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage, Rgba, RgbaImage, codecs::webp::WebPEncoder};
    use std::time::{Duration, Instant};

    /// Left half red, right half blue: which way it was turned stays visible.
    fn two_colour_photo(width: u32, height: u32) -> DynamicImage {
        DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |x, _| {
            if x < width / 2 {
                Rgb([220, 20, 20])
            } else {
                Rgb([20, 20, 220])
            }
        }))
    }

    fn encoded(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut bytes = Vec::new();
        match format {
            ImageFormat::Jpeg => image
                .write_with_encoder(JpegEncoder::new_with_quality(&mut bytes, 90))
                .expect("encode JPEG"),
            ImageFormat::WebP => image
                .write_with_encoder(WebPEncoder::new_lossless(&mut bytes))
                .expect("encode WebP"),
            other => image
                .write_to(&mut Cursor::new(&mut bytes), other)
                .expect("encode"),
        }
        bytes
    }

    /// A minimal big-endian EXIF block: IFD0 with an ImageDescription holding
    /// `marker`, the orientation, and a GPS IFD with a latitude (7° 48' S).
    fn exif_app1(orientation: u16, marker: &[u8]) -> Vec<u8> {
        const IFD0_ENTRIES: u16 = 3;
        const GPS_ENTRIES: u16 = 2;
        let ifd_len = |entries: u16| 2 + 12 * u32::from(entries) + 4;
        let description_at = 8 + ifd_len(IFD0_ENTRIES);
        let description_len = u32::try_from(marker.len() + 1).expect("short marker");
        let gps_at = description_at + description_len;
        let latitude_at = gps_at + ifd_len(GPS_ENTRIES);

        let mut tiff = Vec::new();
        let entry = |tiff: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: [u8; 4]| {
            tiff.extend(tag.to_be_bytes());
            tiff.extend(kind.to_be_bytes());
            tiff.extend(count.to_be_bytes());
            tiff.extend(value);
        };
        tiff.extend(b"MM\x00\x2a");
        tiff.extend(8u32.to_be_bytes());
        // IFD0, tags in ascending order.
        tiff.extend(IFD0_ENTRIES.to_be_bytes());
        entry(
            &mut tiff,
            0x010E,
            2,
            description_len,
            description_at.to_be_bytes(),
        );
        let [high, low] = orientation.to_be_bytes();
        entry(&mut tiff, 0x0112, 3, 1, [high, low, 0, 0]);
        entry(&mut tiff, 0x8825, 4, 1, gps_at.to_be_bytes());
        tiff.extend(0u32.to_be_bytes());
        tiff.extend(marker);
        tiff.push(0);
        // GPS IFD.
        tiff.extend(GPS_ENTRIES.to_be_bytes());
        entry(&mut tiff, 0x0001, 2, 2, *b"S\0\0\0");
        entry(&mut tiff, 0x0002, 5, 3, latitude_at.to_be_bytes());
        tiff.extend(0u32.to_be_bytes());
        for (numerator, denominator) in [(7u32, 1u32), (48, 1), (0, 1)] {
            tiff.extend(numerator.to_be_bytes());
            tiff.extend(denominator.to_be_bytes());
        }

        let mut segment = vec![0xFF, 0xE1];
        let length = u16::try_from(2 + 6 + tiff.len()).expect("small segment");
        segment.extend(length.to_be_bytes());
        segment.extend(b"Exif\0\0");
        segment.extend(tiff);
        segment
    }

    /// Puts a segment right after SOI, where cameras write APP1.
    fn with_segment(jpeg: &[u8], segment: &[u8]) -> Vec<u8> {
        assert_eq!(&jpeg[..2], &[0xFF, 0xD8]);
        [&jpeg[..2], segment, &jpeg[2..]].concat()
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack
            .windows(needle.len())
            .any(|window| window == needle)
    }

    fn sizes(image: &ProcessedImage) -> Vec<(&str, u32, u32)> {
        image
            .variants
            .iter()
            .map(|variant| (variant.name, variant.width, variant.height))
            .collect()
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = u32::MAX;
        for &byte in bytes {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    /// A valid small PNG whose IHDR claims other dimensions, with a correct CRC so that
    /// only the size can be objected to.
    fn png_claiming(width: u32, height: u32) -> Vec<u8> {
        let mut png = encoded(&two_colour_photo(16, 16), ImageFormat::Png);
        assert_eq!(&png[12..16], b"IHDR");
        png[16..20].copy_from_slice(&width.to_be_bytes());
        png[20..24].copy_from_slice(&height.to_be_bytes());
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        png
    }

    #[test]
    fn crc32_matches_the_png_specification() {
        let png = encoded(&two_colour_photo(4, 4), ImageFormat::Png);
        assert_eq!(crc32(&png[12..29]).to_be_bytes(), png[29..33]);
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn exif_gps_is_stripped_from_every_variant() {
        let marker = b"KENTONGAN-GPSLatitude-7.8S";
        let jpeg = encoded(&two_colour_photo(120, 80), ImageFormat::Jpeg);
        let upload = with_segment(&jpeg, &exif_app1(1, marker));
        assert!(contains(&upload, b"Exif") && contains(&upload, marker));

        let image = process_upload(&upload).expect("a photo with EXIF is accepted");

        assert_eq!(image.variants.len(), 3);
        for variant in &image.variants {
            assert_eq!(variant.mime, "image/jpeg");
            assert!(!contains(&variant.bytes, b"Exif"), "{variant:?} kept EXIF");
            assert!(
                !contains(&variant.bytes, marker),
                "{variant:?} kept the marker"
            );
        }
    }

    #[test]
    fn exif_orientation_six_stands_the_photo_upright() {
        // Stored 200 × 100 with red on the left; orientation 6 means "turn 90°
        // clockwise to view", which puts the left edge on top.
        let jpeg = encoded(&two_colour_photo(200, 100), ImageFormat::Jpeg);
        let upload = with_segment(&jpeg, &exif_app1(6, b"phone"));

        let image = process_upload(&upload).expect("accepted");

        assert_eq!((image.width, image.height), (100, 200));
        let large = image.variant("large").expect("large");
        let pixels = image::load_from_memory(&large.bytes)
            .expect("decodes")
            .into_rgb8();
        let top = pixels.get_pixel(50, 20).0;
        let bottom = pixels.get_pixel(50, 180).0;
        assert!(top[0] > 150 && top[2] < 100, "top should be red: {top:?}");
        assert!(
            bottom[2] > 150 && bottom[0] < 100,
            "bottom should be blue: {bottom:?}"
        );
    }

    #[test]
    fn large_photo_is_downscaled_to_fit_each_variant_keeping_aspect_ratio() {
        let upload = encoded(&two_colour_photo(2000, 1000), ImageFormat::Jpeg);

        let image = process_upload(&upload).expect("accepted");

        assert_eq!(
            sizes(&image),
            [
                ("large", 1600, 800),
                ("medium", 800, 400),
                ("thumb", 400, 200)
            ]
        );
        assert_eq!((image.width, image.height), (1600, 800));
        for variant in &image.variants {
            let decoded = image::load_from_memory(&variant.bytes).expect("decodes");
            assert_eq!(
                (decoded.width(), decoded.height()),
                (variant.width, variant.height)
            );
        }
    }

    #[test]
    fn portrait_photo_fits_by_its_height() {
        let upload = encoded(&two_colour_photo(900, 1800), ImageFormat::Jpeg);

        let image = process_upload(&upload).expect("accepted");

        assert_eq!(
            sizes(&image),
            [
                ("large", 800, 1600),
                ("medium", 400, 800),
                ("thumb", 200, 400)
            ]
        );
    }

    #[test]
    fn small_image_is_never_upscaled() {
        let upload = encoded(&two_colour_photo(300, 200), ImageFormat::Jpeg);

        let image = process_upload(&upload).expect("accepted");

        assert_eq!(
            sizes(&image),
            [
                ("large", 300, 200),
                ("medium", 300, 200),
                ("thumb", 300, 200)
            ]
        );
    }

    #[test]
    fn transparent_png_stays_png_with_alpha() {
        let logo = DynamicImage::ImageRgba8(RgbaImage::from_fn(64, 32, |x, _| {
            Rgba([10, 120, 40, if x < 32 { 0 } else { 255 }])
        }));
        let upload = encoded(&logo, ImageFormat::Png);

        let image = process_upload(&upload).expect("accepted");

        for variant in &image.variants {
            assert_eq!((variant.mime, variant.extension), ("image/png", "png"));
            let decoded = image::load_from_memory(&variant.bytes).expect("decodes");
            assert!(decoded.color().has_alpha());
            let rgba = decoded.into_rgba8();
            assert_eq!(rgba.get_pixel(5, 5).0[3], 0);
            assert_eq!(rgba.get_pixel(60, 5).0[3], 255);
        }
    }

    #[test]
    fn opaque_png_becomes_jpeg() {
        let upload = encoded(&two_colour_photo(64, 32), ImageFormat::Png);

        let image = process_upload(&upload).expect("accepted");

        for variant in &image.variants {
            assert_eq!((variant.mime, variant.extension), ("image/jpeg", "jpg"));
            assert_eq!(
                image::guess_format(&variant.bytes).ok(),
                Some(ImageFormat::Jpeg)
            );
        }
    }

    #[test]
    fn png_with_an_alpha_channel_but_no_transparency_becomes_jpeg() {
        let opaque = DynamicImage::ImageRgba8(two_colour_photo(64, 32).into_rgba8());
        let upload = encoded(&opaque, ImageFormat::Png);

        let image = process_upload(&upload).expect("accepted");

        assert!(image.variants.iter().all(|v| v.mime == "image/jpeg"));
    }

    #[test]
    fn webp_upload_is_accepted() {
        let upload = encoded(&two_colour_photo(120, 60), ImageFormat::WebP);
        assert_eq!(image::guess_format(&upload).ok(), Some(ImageFormat::WebP));

        let image = process_upload(&upload).expect("accepted");

        assert_eq!((image.width, image.height), (120, 60));
        assert!(image.variants.iter().all(|v| v.mime == "image/jpeg"));
    }

    #[test]
    fn truncated_jpeg_is_corrupt() {
        let jpeg = encoded(&two_colour_photo(400, 300), ImageFormat::Jpeg);
        assert!(process_upload(&jpeg).is_ok());

        let half = &jpeg[..jpeg.len() / 2];

        assert_eq!(process_upload(half), Err(MediaError::Corrupt));
    }

    #[test]
    fn jpeg_cut_inside_its_header_is_corrupt() {
        let jpeg = encoded(&two_colour_photo(40, 30), ImageFormat::Jpeg);

        assert_eq!(process_upload(&jpeg[..40]), Err(MediaError::Corrupt));
    }

    #[test]
    fn truncated_png_is_corrupt() {
        let png = encoded(&two_colour_photo(400, 300), ImageFormat::Png);

        assert_eq!(
            process_upload(&png[..png.len() / 2]),
            Err(MediaError::Corrupt)
        );
    }

    #[test]
    fn text_gif_and_pdf_are_not_images() {
        // A whole 1 × 1 GIF (the image crate here is built without a GIF encoder).
        let gif: &[u8] = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00\
            ,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";
        assert_eq!(image::guess_format(gif).ok(), Some(ImageFormat::Gif));
        let uploads: [&[u8]; 4] = [
            b"Kabar dari balai desa: kerja bakti hari Minggu.",
            gif,
            b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
        ];

        for upload in uploads {
            assert_eq!(process_upload(upload), Err(MediaError::NotAnImage));
        }
    }

    #[test]
    fn empty_upload_is_refused() {
        assert_eq!(process_upload(&[]), Err(MediaError::Empty));
    }

    #[test]
    fn upload_over_ten_megabytes_is_too_large() {
        let mut upload = encoded(&two_colour_photo(8, 8), ImageFormat::Png);
        upload.resize(MAX_UPLOAD_BYTES + 1, 0);

        assert_eq!(process_upload(&upload), Err(MediaError::TooLarge));
    }

    #[test]
    fn png_header_claiming_huge_dimensions_is_refused_before_decoding() {
        let bomb = png_claiming(100_000, 100_000);
        let started = Instant::now();

        assert_eq!(process_upload(&bomb), Err(MediaError::TooManyPixels));
        // Decoding, or even allocating, 40 GB would not be this quick.
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn too_many_pixels_within_the_side_limit_is_refused() {
        // 8,000 × 6,000 = 48 MP: each side is allowed, the total is not.
        let bomb = png_claiming(8_000, 6_000);
        let started = Instant::now();

        assert_eq!(process_upload(&bomb), Err(MediaError::TooManyPixels));
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn too_long_a_side_is_refused() {
        assert_eq!(
            process_upload(&png_claiming(12_001, 10)),
            Err(MediaError::TooManyPixels)
        );
    }

    #[test]
    fn jpeg_end_is_found_only_after_the_scan() {
        let jpeg = encoded(&two_colour_photo(40, 30), ImageFormat::Jpeg);
        assert!(jpeg_has_end(&jpeg));
        assert!(!jpeg_has_end(&jpeg[..jpeg.len() - 2]));
        assert!(!jpeg_has_end(&[0xFF, 0xD8, 0xFF, 0xD9]));
        assert!(!jpeg_has_end(&[0xFF, 0xD8]));
    }
}
