// A KTP or consent photo from the phone's camera, made small enough for a weak link: JPEG of at
// most MAX_BYTES, the long side at most 1600 px, quality lowered (then size) until it fits.
export const MAX_BYTES = 200 * 1024;

function toBlob(canvas, quality) {
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
}

export async function compress(file, maxBytes = MAX_BYTES) {
  const bitmap = await createImageBitmap(file);  // honours EXIF orientation in Chromium
  let side = Math.min(1600, Math.max(bitmap.width, bitmap.height));
  let quality = 0.82;
  for (let attempt = 0; attempt < 12; attempt++) {
    const scale = side / Math.max(bitmap.width, bitmap.height);
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    const g = canvas.getContext('2d');
    g.fillStyle = '#fff';
    g.fillRect(0, 0, canvas.width, canvas.height);
    g.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    const blob = await toBlob(canvas, quality);
    if (blob && blob.size <= maxBytes) {
      bitmap.close?.();
      return { blob, width: canvas.width, height: canvas.height };
    }
    if (quality > 0.5) quality -= 0.12;
    else { side = Math.round(side * 0.75); quality = 0.7; }
  }
  bitmap.close?.();
  throw new Error('Foto tidak bisa diperkecil sampai 200 KB');
}
