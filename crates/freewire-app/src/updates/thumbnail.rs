//! Previews of uploaded raster images: decoded with limits (a small file can claim a huge
//! canvas), scaled to fit 480 pixels, and written as JPEG. CPU work: callers run it in
//! `spawn_blocking`.

use std::io::Cursor;

use image::{ImageReader, Limits};

/// The longest side of a preview, in pixels.
pub const THUMBNAIL_SIDE: u32 = 480;

/// A JPEG preview of an image, or `None` when the bytes do not decode within the limits
/// (the file itself is kept; only the preview is skipped).
#[must_use]
pub fn make_thumbnail(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut limits = Limits::default();
    limits.max_image_width = Some(12_000);
    limits.max_image_height = Some(12_000);
    limits.max_alloc = Some(256 * 1024 * 1024);
    let mut reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format().ok()?;
    reader.limits(limits);
    let image = reader.decode().ok()?;
    let preview = if image.width() > THUMBNAIL_SIDE || image.height() > THUMBNAIL_SIDE {
        image.thumbnail(THUMBNAIL_SIDE, THUMBNAIL_SIDE)
    } else {
        image
    };
    let mut out = Cursor::new(Vec::new());
    preview.to_rgb8().write_to(&mut out, image::ImageFormat::Jpeg).ok()?;
    Some(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        });
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn large_images_shrink_to_fit_and_small_ones_keep_their_size() {
        let thumb = make_thumbnail(&png(1200, 900)).unwrap();
        assert!(thumb.starts_with(b"\xff\xd8"), "a JPEG");
        let decoded = image::load_from_memory(&thumb).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (480, 360));
        let small = image::load_from_memory(&make_thumbnail(&png(40, 30)).unwrap()).unwrap();
        assert_eq!((small.width(), small.height()), (40, 30));
    }

    #[test]
    fn broken_or_oversized_images_get_no_preview() {
        assert!(make_thumbnail(b"\x89PNG\r\n\x1a\nnot really").is_none());
        // A PNG header claiming a 100000 x 100000 canvas.
        let mut bomb = png(1, 1);
        bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        assert!(make_thumbnail(&bomb).is_none());
    }
}
